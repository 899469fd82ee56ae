"""What the placement actions (``work.actions``) do with typed text and dates: the rule each
fuzz test and the placement state machine check the actions against, and the values they try.

The rule, field by field (what is stored is what was typed, after this and nothing else):

- every text: a text holding a character no form accepts (a control character, a lone surrogate
  half or a direction override, ``workflow.form_input.REFUSED_CHARACTER``) is refused, as the
  forms refuse it; a text of nothing but spaces and invisible characters
  (``workflow.form_input.is_blank``) counts as empty, as on the forms;
- the title and the workplace: surrounding whitespace dropped; required; at most 200 characters;
- the Public Employment Service's reference (and an employer's name): every run of whitespace
  collapsed to one space; required; at most 40 characters (a name 200); never a personal
  identity number;
- the languages: each code with surrounding whitespace dropped and in lower case, empty codes
  left out, then at most ten codes of at most ten characters; a code given twice is kept once;
- the supervisor's note: surrounding whitespace dropped; at most 2,000 characters; may be empty;
- a reason (withdrawing an offer or a proposal, declining a proposal): surrounding whitespace
  dropped; required. The few words on an early end: the same, but when empty the end reason's
  label is kept instead.
"""

import re
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from hypothesis import strategies as st

from work.models import looks_like_identity_number, validate_not_identity_number
from workflow.form_input import REFUSED_CHARACTER, is_blank

REFUSED = None  # what a rule returns for a value the action must refuse


def _checked(value: str) -> str | None:
    if REFUSED_CHARACTER.search(value):
        return REFUSED
    return value


def trimmed(value: str) -> str | None:
    """Surrounding whitespace dropped; blank is empty; None when the text is refused."""
    if _checked(value) is REFUSED:
        return REFUSED
    value = value.strip()
    return "" if is_blank(value) else value


def one_line(value: str) -> str | None:
    """Every run of whitespace collapsed to one space; blank is empty; None when refused."""
    if _checked(value) is REFUSED:
        return REFUSED
    value = " ".join(value.split())
    return "" if is_blank(value) else value


def required(value: str | None, limit: int) -> str | None:
    if value is REFUSED or not value or len(value) > limit:
        return REFUSED
    return value


def title_or_place(value: str) -> str | None:
    return required(trimmed(value), 200)


def employer_name(value: str) -> str | None:
    return required(one_line(value), 200)


# The Public Employment Service's references: Swedish letters and digits, with spaces and the
# separators - / . _ : between them (written here from the rule, not taken from the code).
REFERENCE_SHAPE = re.compile(
    r"[0-9A-Za-zÅÄÖåäöÉé](?:[0-9A-Za-zÅÄÖåäöÉé \-/._:]*[0-9A-Za-zÅÄÖåäöÉé])?"
)


def reference(value: str) -> str | None:
    value = required(one_line(value), 40)
    if value is REFUSED or not REFERENCE_SHAPE.fullmatch(value):
        return REFUSED
    try:
        validate_not_identity_number(value)
    except ValidationError:
        return REFUSED
    return value


def languages(codes: list[str]) -> list[str] | None:
    cleaned = []
    for code in codes:
        code = trimmed(code)
        if code is REFUSED:
            return REFUSED
        if code:
            cleaned.append(code.lower())
    if len(cleaned) > 10 or any(len(code) > 10 for code in cleaned):
        return REFUSED
    return list(dict.fromkeys(cleaned))


def note(value: str) -> str | None:
    """A supervisor's note: at most 2,000 characters, and never a personal identity number."""
    value = trimmed(value)
    if value is REFUSED or len(value) > 2000 or looks_like_identity_number(value):
        return REFUSED
    return value


# A reason in a history is a few sentences at most (``work.actions._check_reason``).
REASON_LIMIT = 2000


def reason(value: str) -> str | None:
    return required(trimmed(value), REASON_LIMIT)


def early_end_words(value: str, label: str) -> str | None:
    value = trimmed(value)
    if value is REFUSED or len(value) > REASON_LIMIT:
        return REFUSED
    return value or label


# The values tried ------------------------------------------------------------------------------

HOSTILE = [
    "",
    " ",
    "\t\n \r\n",
    "\x00",
    "a\x00b",
    "Vaktmästare\x00",
    "\x1f",
    " Snickare\x1c",
    "\x85Lagerarbete",
    "\x7f",
    "\ud800",
    "\u202eevil",
    "Kock\u2066",
    "\u200b",
    "\u200b \u200c",
    "\ufeff",
    "\u00a0",
    "\u2028",
    "Kurd\u200cî",
    "𝕬𝖓𝖓𝖆",
    "ﷺ" * 40,
    "' OR 1=1 --",
    "'; DROP TABLE work_placement; --",
    '"><script>alert(1)</script>',
    "{{ settings.SECRET_KEY }}",
    "%s%s%s%n",
    "../../../../etc/passwd",
    "19900101-1234",
    "900101-1234",
    "9001011234",
    "199001011234",
    "900101 + 1234",
    "٩٠٠١٠١١٢٣٤",
    "AF-12345-PLAN",
    "  AF   12345\tPLAN  ",
    "İSTANBUL",
    "SV",
    " sv ",
    "0",
    "-1",
    "9" * 400,
    "x" * 199,
    "x" * 200,
    "x" * 201,
    " " + "y" * 200 + " ",
    "z" * 40,
    "z" * 41,
    "n" * 2000,
    "n" * 2001,
    " " + "n" * 2000 + "\n",
]

texts = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=60),
    st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Zl", "Zp"]), max_size=12),
    st.text(st.characters(categories=["Zs", "Cc", "L"]), max_size=300),
    # Near the limits.
    st.integers(190, 210).map(lambda n: "å" * n),
    st.integers(35, 45).map(lambda n: "A" * n),
    st.integers(1990, 2010).map(lambda n: "ö" * n),
    # Typical text with stray whitespace and the odd character around it.
    st.tuples(
        st.sampled_from(["", " ", "\t", "\n", "\u00a0", "\u200b", "\x00", "\u202e"]),
        st.sampled_from(["Fastighetsskötare", "Storgatan 1,  Krokom", "AF 123 45", "sv"]),
        st.sampled_from(["", " ", "\t", "\r\n", "\u3000", "\x1e", "\u2069"]),
    ).map("".join),
)
language_lists = st.lists(
    st.one_of(st.sampled_from(["sv", "en", "ar", "SV", " En ", "", "ti", "prs"]), texts),
    max_size=13,
)


def day(today: date, spec) -> date:
    """A date from a drawn ``spec``: days from today, or the first or last date there is."""
    if spec == "min":
        return date.min
    if spec == "max":
        return date.max
    return today + timedelta(days=spec)


# Days from today, mostly near, now and then far off or at the ends of the calendar.
days = st.one_of(
    st.integers(-60, 3),
    st.integers(-60, 3),
    st.integers(-4000, 4000),
    st.sampled_from(["min", "max", 0, 1, -1]),
)
