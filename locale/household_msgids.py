"""Which strings the household's own pages use, and which of them each household catalogue lacks.

Run from the repository's root (after a merge, or after adding a household page):

    .venv/bin/python locale/household_msgids.py            # a summary per language
    .venv/bin/python locale/household_msgids.py --list     # every msgid the household pages use
    .venv/bin/python locale/household_msgids.py --missing ti   # the Tigrinya gaps as .po entries
    .venv/bin/python locale/household_msgids.py --check    # exit 1 if a catalogue lacks a string

The strings are found the way ``makemessages`` finds them (templates through Django's
``templatize``, then GNU ``xgettext`` with Django's keywords), but only in the household's files
(``SOURCES``), plus the few strings those pages show from shared code (``SHARED_MSGIDS``). A
string counts as present when the catalogue has a translation that is not fuzzy. It never writes
to a catalogue: paste the ``--missing`` output at the end of the .po file, translate, then
``msgfmt --check -o locale/<lang>/LC_MESSAGES/django.mo locale/<lang>/LC_MESSAGES/django.po``.

A missing string is not a broken page: it shows in English (see newcomers/household_language.py).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The household's languages that need a catalogue (English is the msgids themselves).
LANGUAGES = ["sv", "ar", "prs", "ti", "so", "uk"]

# Files whose every string a household may read. Globs, relative to the repository's root.
SOURCES = [
    "templates/household/**/*.html",
    "templates/household/**/*.txt",
    "templates/**/household_*.html",
    "templates/emails/household_*.txt",
    "templates/stays/_evaluation_form.html",
    "newcomers/household_*.py",
    "newcomers/language_views.py",
    "newcomers/links.py",
    "stays/forms.py",
]

# Strings the household pages show from shared code (a model's choices, an action's refusal);
# keep this list short and say where each is shown. The household's surveys are read from
# stays.surveys itself (``survey_msgids``), so the hosts' questions are left out.
SHARED_MSGIDS = [
    # newcomers.models.HOUSEHOLD_LANGUAGES, named in the letter and the admin.
    "Swedish",
    "English",
    "Arabic",
    "Dari",
    "Tigrinya",
    "Somali",
    "Ukrainian",
    # newcomers.actions.choose_household_language
    "Choose one of the languages in the list.",
    # hosts.models.Home.Kind and .Smoking, on the proposal page.
    "A room in a shared home",
    "A whole flat or house",
    "A separate small house (e.g. a guest house)",
    "Nobody smokes",
    "Smoking outdoors only",
    "Smoking indoors",
    # matching.actions.record_household_answer, on the proposal page.
    "Choose yes or no.",
    "This proposal has already been decided. Reload the page.",
    # stays.actions.raise_concern, on the concern page.
    "Say how urgent it is.",
    "Please keep it to 4,000 characters.",
    "Please tell us in your own words what is wrong.",
    "This stay has ended, so a concern can no longer be raised about it.",
    # stays.views.household_evaluation and stays.surveys' checks, on the survey page.
    "Thank you for your answers!",
    "Please answer every question.",
    "Choose a number from 1 to 5.",
]

# Django's own form errors on the household's forms: Django translates them into Swedish, Arabic
# and Ukrainian, but has no Dari, Tigrinya or Somali, so those catalogues carry them.
DJANGO_MSGIDS = [
    "This field is required.",
    "Select a valid choice. %(value)s is not one of the available choices.",
    "Enter a whole number.",
]

KEYWORDS = [
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
]


def _unquote(text: str) -> str:
    """A .po string literal's content (C escapes)."""
    text = text.strip()[1:-1]
    out, i = [], 0
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(escapes.get(text[i + 1], text[i + 1]))
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def parse_po(text: str) -> list[dict]:
    """The entries of a .po or .pot file: msgctxt, msgid, msgid_plural, msgstr (a list), flags,
    locations. The header (msgid "") is the first entry; obsolete entries are left out."""
    entries: list[dict] = []
    entry: dict = {}
    field = None

    def finish():
        nonlocal entry
        if "msgid" in entry:
            entries.append(entry)
        entry = {}

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            finish()
            field = None
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if "msgid" in entry:
                finish()
            if line.startswith("#,"):
                entry.setdefault("flags", set()).update(
                    flag.strip() for flag in line[2:].split(",")
                )
            elif line.startswith("#:"):
                entry.setdefault("locations", []).extend(line[2:].split())
            continue
        keyword, _space, rest = line.partition(" ")
        if line.startswith('"'):
            value = _unquote(line)
            if field == "msgstr":
                entry["msgstr"][-1] += value
            else:
                entry[field] += value
            continue
        if keyword in ("msgctxt", "msgid") and "msgid" in entry and "msgstr" in entry:
            finish()
        if keyword.startswith("msgstr"):
            entry.setdefault("msgstr", []).append(_unquote(rest))
            field = "msgstr"
        else:
            entry[keyword] = _unquote(rest)
            field = keyword
    finish()
    return entries


def key(entry: dict) -> tuple[str, str]:
    return (entry.get("msgctxt", ""), entry["msgid"])


def source_files(root: Path) -> list[Path]:
    found: set[Path] = set()
    for pattern in SOURCES:
        found.update(path for path in root.glob(pattern) if path.is_file())
    return sorted(found)


def extract(root: Path) -> dict[tuple[str, str], dict]:
    """Every msgid in the household's files (with where it is used), plus SHARED_MSGIDS."""
    from django.utils.translation.template import templatize

    messages: dict[tuple[str, str], dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        inputs = []
        for path in source_files(root):
            relative = path.relative_to(root)
            if path.suffix == ".py":
                inputs.append(str(path))
                continue
            work = Path(tmp) / (str(relative).replace(os.sep, "__") + ".py")
            work.write_text(templatize(path.read_text(encoding="utf-8"), origin=str(relative)))
            inputs.append(str(work))
        if inputs:
            xgettext = shutil.which("xgettext")
            if xgettext is None:
                raise SystemExit("GNU gettext's xgettext is needed (apt-get install gettext).")
            result = subprocess.run(  # noqa: S603 (xgettext on our own files, as makemessages)
                [
                    xgettext,
                    "--language=Python",
                    "--from-code=UTF-8",
                    "--no-wrap",
                    "--add-location=file",
                    *KEYWORDS,
                    "--output=-",
                    *inputs,
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            for entry in parse_po(result.stdout):
                if not entry["msgid"]:
                    continue
                locations = [
                    location.split(tmp + "/", 1)[-1].replace("__", "/").removesuffix(".py")
                    if tmp in location
                    else str(Path(location).resolve().relative_to(root))
                    for location in entry.get("locations", [])
                ]
                entry["locations"] = sorted(set(locations))
                messages[key(entry)] = entry
    for msgid in SHARED_MSGIDS:
        messages.setdefault(("", msgid), {"msgid": msgid, "locations": ["(shared)"]})
    for msgid in survey_msgids():
        messages.setdefault(("", msgid), {"msgid": msgid, "locations": ["stays/surveys.py"]})
    return messages


def survey_msgids() -> list[str]:
    """The texts of the household's surveys (titles, introductions, questions, scale words)."""
    from django.utils import translation

    try:
        from stays.surveys import SURVEYS
    except ImportError:  # before the evaluations are merged
        return []
    texts = []
    for survey in SURVEYS.values():
        if survey.respondent != "household":
            continue
        texts += [survey.title, survey.intro]
        for question in survey.questions:
            texts += [question.text, question.low, question.high]
    with translation.override("en"):  # English is the msgids themselves
        return sorted({str(text) for text in texts if text})


def catalogue(root: Path, language: str) -> dict[tuple[str, str], dict]:
    path = root / "locale" / language / "LC_MESSAGES" / "django.po"
    if not path.exists():
        return {}
    return {key(entry): entry for entry in parse_po(path.read_text(encoding="utf-8"))}


def translated(entry: dict | None) -> bool:
    return bool(
        entry
        and "fuzzy" not in entry.get("flags", set())
        and entry.get("msgstr")
        and all(entry["msgstr"])
    )


def django_translates(language: str) -> bool:
    """Whether Django itself ships a catalogue for the language (its form errors are in it)."""
    import django

    return (Path(django.__file__).parent / "conf" / "locale" / language / "LC_MESSAGES").is_dir()


def missing(root: Path, language: str, messages=None) -> list[dict]:
    """The household's strings that the language's catalogue lacks (or has only as fuzzy)."""
    messages = dict(extract(root) if messages is None else messages)
    if not django_translates(language):
        for msgid in DJANGO_MSGIDS:
            messages.setdefault(("", msgid), {"msgid": msgid, "locations": ["(Django)"]})
    entries = catalogue(root, language)
    return [entry for k, entry in sorted(messages.items()) if not translated(entries.get(k))]


def _quote(text: str) -> str:
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def as_po(entries: list[dict]) -> str:
    blocks = []
    for entry in entries:
        lines = [f"#: {' '.join(entry.get('locations', []))}"]
        if "%(" in entry["msgid"]:
            lines.append("#, python-format")
        if entry.get("msgctxt"):
            lines.append(f"msgctxt {_quote(entry['msgctxt'])}")
        lines.append(f"msgid {_quote(entry['msgid'])}")
        if entry.get("msgid_plural"):
            lines.append(f"msgid_plural {_quote(entry['msgid_plural'])}")
            lines += ['msgstr[0] ""', 'msgstr[1] ""']
        else:
            lines.append('msgstr ""')
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository (default: this)")
    parser.add_argument("--list", action="store_true", help="print every msgid and where it is")
    parser.add_argument("--missing", metavar="LANG", help="print LANG's gaps as .po entries")
    parser.add_argument("--check", action="store_true", help="exit 1 if any catalogue lacks one")
    args = parser.parse_args(argv)
    root = args.root.resolve()

    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matching_portal.settings")
    import django

    django.setup()

    messages = extract(root)
    if args.missing:
        sys.stdout.write(as_po(missing(root, args.missing, messages)))
        return 0
    if args.list:
        for (context, msgid), entry in sorted(messages.items()):
            where = ", ".join(entry.get("locations", []))
            label = f"[{context}] " if context else ""
            print(f"{label}{msgid!r}  ({where})")
        print()
    print(f"{len(messages)} strings on the household's pages ({len(source_files(root))} files).")
    gaps = 0
    for language in LANGUAGES:
        lacking = missing(root, language, messages)
        gaps += len(lacking)
        print(f"{language:4} lacks {len(lacking)}")
    return 1 if args.check and gaps else 0


if __name__ == "__main__":
    sys.exit(main())
