"""Newcomer cases: only the partner's own coordinators see them, and what they hold is checked."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from matching.actions import propose_match
from matching.models import Match
from newcomers.actions import open_case
from newcomers.models import CaseTransition, NewcomerCase
from tests.factories import HostFactory, NewcomerCaseFactory, referred_home

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def mine(organisations, coordinator):
    """The partner's case, a home referred to the partner, and a proposed match between them."""
    partner = organisations["partner"]
    case = NewcomerCaseFactory(partner=partner, reference="KRK-2026-017")
    home = referred_home(partner, host=HostFactory(name="Astrid Lindqvist"))
    match = propose_match(home=home, case=case, user=coordinator)
    return SimpleNamespace(case=case, home=home, match=match, host=home.host)


def urls_of(mine) -> list[str]:
    case, match, home = mine.case.pk, mine.match.pk, mine.home.pk
    return [
        f"/admin/newcomers/newcomercase/{case}/change/",
        f"/admin/newcomers/newcomercase/{case}/history/",
        f"/admin/newcomers/newcomercase/{case}/delete/",
        f"/admin/newcomers/newcomercase/{case}/step/close/",
        f"/admin/matching/match/{match}/change/",
        f"/admin/matching/match/{match}/history/",
        f"/admin/matching/match/{match}/step/approve/",
        f"/admin/matching/match/{match}/step/cancel/",
        f"/admin/hosts/home/{home}/change/",
        f"/admin/hosts/home/{home}/history/",
        f"/admin/hosts/home/{home}/step/withdraw/",
        f"/admin/hosts/host/{mine.host.pk}/change/",
    ]


def listed(response) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_another_partners_coordinator_finds_nothing_of_ours(
    client, mine, coordinator, other_coordinator, organisations
):
    theirs = NewcomerCaseFactory(partner=organisations["other_partner"], reference="GRANN-1")
    client.force_login(coordinator)
    for url in urls_of(mine):
        if "/step/" not in url and "/delete/" not in url:
            assert client.get(url).status_code == 200, url

    client.force_login(other_coordinator)
    for url in urls_of(mine):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"reason": "x", "note": "x"}).status_code == 404, url

    assert listed(client.get("/admin/newcomers/newcomercase/")) == [theirs]
    assert listed(client.get("/admin/matching/match/")) == []
    assert listed(client.get("/admin/hosts/home/")) == []
    assert listed(client.get("/admin/hosts/host/")) == []
    page = client.get("/admin/newcomers/newcomercase/?q=KRK").content.decode()
    assert "KRK-2026-017" not in page
    mine.match.refresh_from_db()
    mine.case.refresh_from_db()
    assert (mine.match.status, mine.case.status) == ("proposed", "waiting")


def test_the_volunteer_organisation_sees_no_cases_and_no_matches(
    client, volunteer_coordinator, mine
):
    # The coordinator's local group exists before the home, which is routed to it (issue 15).
    client.force_login(volunteer_coordinator)
    assert client.get("/admin/newcomers/newcomercase/").status_code == 403
    assert client.get("/admin/matching/match/").status_code == 403
    for url in urls_of(mine):
        if "/hosts/" not in url:
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"reason": "x"}).status_code == 404, url
    assert not NewcomerCase.objects.visible_to(volunteer_coordinator).exists()
    assert not Match.objects.visible_to(volunteer_coordinator).exists()
    index = client.get("/admin/").content.decode()
    assert "/admin/newcomers/newcomercase/" not in index
    # The homes are theirs to work on, referred or not.
    assert client.get(f"/admin/hosts/home/{mine.home.pk}/change/").status_code == 200


def test_the_data_protection_officer_reads_every_case_and_changes_none(
    client, mine, data_protection_officer, organisations
):
    theirs = NewcomerCaseFactory(partner=organisations["other_partner"])
    client.force_login(data_protection_officer)

    assert set(listed(client.get("/admin/newcomers/newcomercase/"))) == {mine.case, theirs}
    assert listed(client.get("/admin/matching/match/")) == [mine.match]
    page = client.get(f"/admin/newcomers/newcomercase/{mine.case.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "KRK-2026-017" in html
    assert 'name="_save"' not in html
    assert "workflow-step" not in html  # no step buttons
    assert client.get("/admin/newcomers/newcomercase/add/").status_code == 403
    assert client.get("/admin/matching/match/add/").status_code == 403
    post = client.post(
        f"/admin/newcomers/newcomercase/{mine.case.pk}/change/", {"reference": "changed"}
    )
    assert post.status_code == 403
    refused = client.post(
        f"/admin/newcomers/newcomercase/{mine.case.pk}/step/close/", {"reason": "Klar."}
    )
    assert refused.status_code == 403  # the action refuses: not the officer's step
    assert client.post(f"/admin/matching/match/{mine.match.pk}/step/approve/").status_code == 403
    mine.case.refresh_from_db()
    mine.match.refresh_from_db()
    assert (mine.case.reference, mine.case.status) == ("KRK-2026-017", "waiting")
    assert mine.match.status == "proposed"


# What a case may hold ---------------------------------------------------------------------------


def case_fields(partner, **overrides) -> dict:
    fields = {
        "partner": partner,
        "reference": "KRK-2026-100",
        "adults": 2,
        "children_ages": [0, 17],
        "assigned_on": TODAY,
        "housing_needed_by": TODAY,
    }
    fields.update(overrides)
    return fields


@pytest.mark.parametrize("ages", [[18], [-1], [4, 9.5], ["4"], [True], "4, 9", [1] * 16], ids=repr)
def test_childrens_ages_are_whole_numbers_from_0_to_17(ages, organisations, coordinator):
    with pytest.raises(ValidationError) as invalid:
        open_case(user=coordinator, **case_fields(organisations["partner"], children_ages=ages))
    assert "children_ages" in invalid.value.message_dict
    assert not NewcomerCase.objects.exists()


def test_housing_cannot_be_needed_before_the_assignment(organisations, coordinator):
    partner = organisations["partner"]
    with pytest.raises(ValidationError) as invalid:
        open_case(
            user=coordinator,
            **case_fields(partner, housing_needed_by=TODAY - timedelta(days=1)),
        )
    assert "housing_needed_by" in invalid.value.message_dict

    case = open_case(user=coordinator, **case_fields(partner))  # the same day is fine
    assert case.children_ages == [0, 17]
    assert list(case.transitions.values_list("from_state", "to_state", "actor")) == [
        ("", "waiting", coordinator.pk)
    ]


def test_a_reference_is_unique_within_a_partner(organisations, coordinator):
    open_case(user=coordinator, **case_fields(organisations["partner"]))
    with pytest.raises(ValidationError):
        open_case(user=coordinator, **case_fields(organisations["partner"]))
    # Another partner may use the same reference for its own household.
    open_case(user=coordinator, **case_fields(organisations["other_partner"]))
    assert NewcomerCase.objects.filter(reference="KRK-2026-100").count() == 2


# The admin form ---------------------------------------------------------------------------------


def add_form(own_partner, **overrides) -> dict:
    data = {
        "partner": str(own_partner.pk),
        "reference": "KRK-2026-200",
        "adults": "2",
        "children_ages": "4, 9",
        "languages": ["ar", "sv"],
        "needs_step_free_access": "on",
        "preferred_areas": "Krokom, Östersund",
        "rent_budget": "4000",
        "assigned_on": TODAY.isoformat(),
        "housing_needed_by": (TODAY + timedelta(days=60)).isoformat(),
        "notes": "",
        "transitions-TOTAL_FORMS": "0",
        "transitions-INITIAL_FORMS": "0",
        "transitions-MIN_NUM_FORMS": "0",
        "transitions-MAX_NUM_FORMS": "0",
        "_save": "Save",
    }
    data.update(overrides)
    return data


def test_a_coordinator_opens_a_case_for_their_own_partner_in_the_admin(
    client, coordinator, organisations
):
    partner = organisations["partner"]
    client.force_login(coordinator)
    form = client.get("/admin/newcomers/newcomercase/add/")
    assert form.status_code == 200
    choices = list(form.context["adminform"].form.fields["partner"].queryset)
    assert choices == [partner]

    response = client.post("/admin/newcomers/newcomercase/add/", add_form(partner))

    assert response.status_code == 302, response.context["adminform"].form.errors
    case = NewcomerCase.objects.get()
    assert (case.partner, case.reference, case.status) == (partner, "KRK-2026-200", "waiting")
    assert case.children_ages == [4, 9]
    assert case.languages == ["ar", "sv"]
    assert case.preferred_areas == ["Krokom", "Östersund"]
    first = CaseTransition.objects.get(case=case)
    assert (first.from_state, first.to_state, first.actor, first.actor_kind) == (
        "",
        "waiting",
        coordinator,
        "user",
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("children_ages", "4, 18"),
        ("children_ages", "four"),
        ("housing_needed_by", (TODAY - timedelta(days=1)).isoformat()),
        ("partner", "other_partner"),
    ],
)
def test_the_admin_form_refuses_what_a_case_may_not_hold(
    field, value, client, coordinator, organisations
):
    if value == "other_partner":
        value = str(organisations["other_partner"].pk)
    client.force_login(coordinator)
    response = client.post(
        "/admin/newcomers/newcomercase/add/", add_form(organisations["partner"], **{field: value})
    )
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not NewcomerCase.objects.exists()
    assert not CaseTransition.objects.exists()


def test_the_admin_form_refuses_a_reference_the_partner_already_uses(
    client, coordinator, organisations
):
    partner = organisations["partner"]
    NewcomerCaseFactory(partner=partner, reference="KRK-2026-200")
    client.force_login(coordinator)
    response = client.post("/admin/newcomers/newcomercase/add/", add_form(partner))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert NewcomerCase.objects.count() == 1
