"""The one-off mapping of free-text municipalities to Sweden's municipality codes, shared by the
migrations that replaced the text fields (homes, the housing company's units, places).

Each migration keeps the text it could not read in ``municipality_as_given`` and prints it, so a
coordinator can choose the municipality in the admin (the lists filter "municipality to choose").
"""

import sys

from .names import default_index, find_code


def map_free_text(model, *, text_field: str, label: str, stream=None) -> list[tuple[int, str]]:
    """Set ``municipality`` on every row of ``model`` (a historical model with the old text in
    ``text_field``) whose text names a municipality; keep the rest in ``municipality_as_given``.
    Returns the rows left to fix as (pk, text)."""
    stream = stream or sys.stdout
    index = default_index()
    unmapped: list[tuple[int, str]] = []
    by_text: dict[str, list[int]] = {}
    for pk, text in model.objects.values_list("pk", text_field).iterator():
        by_text.setdefault(text or "", []).append(pk)
    for text, pks in by_text.items():
        code = find_code(text, index)
        if code is None:
            model.objects.filter(pk__in=pks).update(municipality_as_given=(text or "")[:100])
            unmapped.extend((pk, text) for pk in pks)
        else:
            model.objects.filter(pk__in=pks).update(municipality_ref_id=code)
    if unmapped:
        stream.write(
            f"\n  {label}: {len(unmapped)} could not be read as a municipality; choose it in the "
            "admin (filter 'municipality to choose'):\n"
        )
        for pk, text in sorted(unmapped)[:200]:
            stream.write(f"    #{pk}: {text!r}\n")
    return unmapped


def map_places(model, *, stream=None) -> list[tuple[int, str]]:
    """Set ``municipality`` on every place of ``model`` (``matching.Place`` as a historical
    model, the old text in ``municipality``). A locality's text comes from GeoNames ("Skellefteå
    Kommun", "Falu kommun", now and then missing or misspelt), so where it names no
    municipality the locality's own name is tried ("Falun", or a locality the postcode table
    places in one municipality only). A partner's district keeps the municipality its partner
    typed, or else the partner's own. The rest keep their text in ``municipality_as_given`` and
    are listed. Returns them as (pk, text)."""
    stream = stream or sys.stdout
    index = default_index()
    unmapped: list[tuple[int, str]] = []
    rows = model.objects.values_list(
        "pk", "name", "kind", "municipality", "partner__municipality_id"
    ).iterator()
    by_code: dict[str, list[int]] = {}
    for pk, name, kind, text, partner_code in rows:
        code = find_code(text or "", index)
        if code is None and kind == "locality":
            code = find_code(name, index)
        if code is None and not (text or "").strip() and kind == "district":
            code = partner_code
        if code is None:
            model.objects.filter(pk=pk).update(municipality_as_given=(text or "")[:120])
            unmapped.append((pk, f"{name}: {text}"))
        else:
            by_code.setdefault(code, []).append(pk)
    for code, pks in by_code.items():
        model.objects.filter(pk__in=pks).update(municipality_ref_id=code)
    if unmapped:
        stream.write(
            f"\n  Places: {len(unmapped)} could not be placed in a municipality; choose it in "
            "the admin:\n"
        )
        for pk, text in sorted(unmapped)[:200]:
            stream.write(f"    #{pk}: {text!r}\n")
    return unmapped
