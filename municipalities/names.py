"""Reading a municipality from what someone typed (used once, by the migration that maps the free
text of the past, and by the admin's tools to fix what it could not map).

Pure functions over plain rows, so a migration can call them with its historical models.
"""

import csv
import unicodedata
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

# Words around a municipality's name that do not change which one it is.
_NOISE = ("kommun", "kommuner", "stad", "municipality", "city", "of", "i")


def name_key(text: str) -> str:
    """A typed name as it is compared: lower case, no diacritics, no punctuation, single spaces."""
    decomposed = unicodedata.normalize("NFKD", (text or "").strip().lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = "".join(ch if ch.isalnum() else " " for ch in plain)
    return " ".join(plain.split())


def _variants(key: str) -> list[str]:
    words = key.split()
    core = [w for w in words if w not in _NOISE]
    variants = [key, " ".join(core)]
    # "Krokoms kommun" -> "krokom": the genitive s before "kommun".
    if core and core[-1].endswith("s") and len(words) > len(core):
        variants.append(" ".join([*core[:-1], core[-1][:-1]]))
    return [v for v in variants if v]


def read_rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def build_index(municipalities, localities=()) -> dict[str, str]:
    """Key -> municipality code. ``municipalities``: (code, name, short_name) triples;
    ``localities``: (locality, code) pairs (from the postcode table) used where a locality's name
    stands for one municipality only (``Föllinge`` -> Krokom); a name shared by localities of
    several municipalities is left out, never guessed."""
    index: dict[str, str] = {}
    by_locality: dict[str, set[str]] = {}
    for locality, code in localities:
        by_locality.setdefault(name_key(locality), set()).add(code)
    for key, codes in by_locality.items():
        if len(codes) == 1:
            index[key] = next(iter(codes))
    for code, name, short_name in municipalities:
        for text in (name, short_name):
            for key in _variants(name_key(text)):
                index[key] = code
        index[code] = code
    return index


def find_code(text: str, index: dict[str, str]) -> str | None:
    """The municipality code ``text`` stands for, or None when it is unknown or ambiguous."""
    key = name_key(text)
    if not key:
        return None
    for variant in _variants(key):
        if variant in index:
            return index[variant]
    return None


def default_index() -> dict[str, str]:
    """The index from the data files shipped with the app."""
    municipalities = [
        (r["municipality_code"], r["municipality_name"], r["municipality_name_short"])
        for r in read_rows("municipalities.csv")
    ]
    localities = [
        (r["locality"], r["municipality_code"]) for r in read_rows("postal_to_municipality.csv")
    ]
    return build_index(municipalities, localities)
