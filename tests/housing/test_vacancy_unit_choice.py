"""The vacancy form's unit is searched, not picked from a list of a thousand flats: the page holds
no list of units, and the search answers only with the company's own units (issue 18)."""

import re

import pytest

from tests.factories import QuotaAgreementFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_the_unit_is_searched_among_the_companys_own_units(
    client, organisations, company_staff, other_company
):
    QuotaAgreementFactory(
        company=organisations["housing"], integration_unit=organisations["partner"]
    )
    ours = [
        UnitFactory(company=organisations["housing"], reference=f"KB-{n:04}") for n in range(1, 41)
    ]
    theirs = UnitFactory(company=other_company, reference="KB-9999")
    client.force_login(company_staff)

    page = client.get("/admin/housing/vacancy/add/").content.decode()
    select = re.search(r'<select name="unit"[^>]*>(.*?)</select>', page, re.S)
    assert "admin-autocomplete" in select.group(0)
    assert [v for v in re.findall(r'<option value="([^"]*)"', select.group(1)) if v] == []

    found = client.get(
        "/admin/autocomplete/",
        {"app_label": "housing", "model_name": "vacancy", "field_name": "unit", "term": "KB-00"},
    ).json()
    ids = {int(item["id"]) for item in found["results"]}
    assert theirs.pk not in ids
    assert ids <= {unit.pk for unit in ours} and len(ids) >= 20
    narrowed = client.get(
        "/admin/autocomplete/",
        {"app_label": "housing", "model_name": "vacancy", "field_name": "unit", "term": "KB-0017"},
    ).json()
    assert [item["id"] for item in narrowed["results"]] == [str(ours[16].pk)]
    everything = client.get(
        "/admin/autocomplete/",
        {"app_label": "housing", "model_name": "vacancy", "field_name": "unit", "term": "KB-9999"},
    ).json()
    assert everything["results"] == []

    # A unit of another company posted by hand is refused on the form, with what was typed kept.
    refused = client.post(
        "/admin/housing/vacancy/add/",
        {"unit": theirs.pk, "notice_given_on": "2026-12-01", "available_from": "2026-12-31"},
    )
    assert refused.status_code == 400
    assert "unit" in refused.context["form"].errors
    assert 'value="2026-12-31"' in refused.content.decode()
