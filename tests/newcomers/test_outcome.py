"""The outcome after the establishment period with whether the household stayed (in the
municipality, in its matched home), recorded through ``record_establishment_outcome`` from the
action and from the case's page; the registration with the Public Employment Service as a step of
the case; the asylum housing chosen from the partner's partnerships' allotments."""

from datetime import date, timedelta

import pytest
from django.utils import timezone, translation

from housing.models import Contract
from matching_portal import formatting
from newcomers.actions import record_establishment_outcome
from newcomers.models import CaseTransition, NewcomerCase
from tests.factories import (
    AllotmentFactory,
    NewcomerCaseFactory,
    OrganisationFactory,
    PartnershipFactory,
    QuotaAgreementFactory,
    moved_in_match,
    offered_flat,
    staff_user,
)
from workflow.errors import Invalid

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def case(organisations):
    return NewcomerCaseFactory(partner=organisations["partner"], reference="KRK-2024-007")


def stored(case) -> tuple:
    case.refresh_from_db()
    return (case.outcome, case.still_in_municipality, case.still_in_matched_home)


# The action -------------------------------------------------------------------------------------


def test_the_outcome_is_recorded_with_where_the_household_lives(case, coordinator):
    record_establishment_outcome(
        case=case,
        outcome="in_work",
        still_in_municipality=True,
        still_in_matched_home=False,
        user=coordinator,
    )
    assert stored(case) == ("in_work", True, False)
    assert case.outcome_recorded_at is not None
    # Not a status: the case's history is its steps only.
    assert list(CaseTransition.objects.filter(case=case).values_list("to_state", flat=True)) == [
        "waiting"
    ]


def test_what_is_not_known_stays_not_known_and_a_new_record_replaces_the_old(case, coordinator):
    record_establishment_outcome(
        case=case,
        outcome="in_work",
        still_in_municipality=False,
        still_in_matched_home=False,
        user=coordinator,
    )
    first = case.outcome_recorded_at
    record_establishment_outcome(case=case, outcome="in_studies", user=coordinator)
    assert stored(case) == ("in_studies", None, None)
    assert case.outcome_recorded_at > first


def test_in_the_matched_home_is_in_the_municipality(case, coordinator):
    record_establishment_outcome(
        case=case, outcome="other", still_in_matched_home=True, user=coordinator
    )
    assert stored(case) == ("other", True, True)


@pytest.mark.parametrize(
    ("outcome", "in_municipality", "in_home", "message"),
    [
        (
            "in_work",
            False,
            True,
            "A household that still lives in the home it was matched with still lives in the "
            "municipality.",
        ),
        (
            "",
            True,
            None,
            "Choose in work, in studies or other.",
        ),
        ("in_work", "yes", None, "Answer yes, no or not known."),
        ("in work", None, None, "Choose in work, in studies or other."),
    ],
)
def test_answers_that_do_not_hold_together_are_refused(
    outcome, in_municipality, in_home, message, case, coordinator
):
    with pytest.raises(Invalid) as refused, translation.override("en"):
        record_establishment_outcome(
            case=case,
            outcome=outcome,
            still_in_municipality=in_municipality,
            still_in_matched_home=in_home,
            user=coordinator,
        )
    with translation.override("en"):
        assert str(refused.value.message) == message
    assert stored(case) == ("", None, None)
    assert case.outcome_recorded_at is None


# The case's page --------------------------------------------------------------------------------


def change_url(case) -> str:
    return f"/admin/newcomers/newcomercase/{case.pk}/change/"


def form_data(page, **overrides) -> dict:
    """What the case's page sends back unchanged, with ``overrides``."""
    data = {}
    form = page.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = value if isinstance(value, list) else str(value)
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = str(management[name].value())
    data["_save"] = "Save"
    data.update(overrides)
    return data


@pytest.fixture
def desk(english, coordinator):
    english.force_login(coordinator)
    return english


def test_the_outcome_and_staying_are_saved_through_the_action(desk, case):
    page = desk.get(change_url(case))
    assert page.status_code == 200
    response = desk.post(
        change_url(case),
        form_data(
            page, outcome="in_work", still_in_municipality="true", still_in_matched_home="false"
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert stored(case) == ("in_work", True, False)
    first = case.outcome_recorded_at
    assert first is not None

    # A change of where the household lives alone is recorded again, with a new date.
    page = desk.get(change_url(case))
    response = desk.post(change_url(case), form_data(page, still_in_municipality="false"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert stored(case) == ("in_work", False, False)
    assert case.outcome_recorded_at > first

    # Saving the page with nothing of the outcome changed leaves its date alone.
    second = case.outcome_recorded_at
    page = desk.get(change_url(case))
    response = desk.post(change_url(case), form_data(page, notes="Ringde i maj."))
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.notes, case.outcome_recorded_at) == ("Ringde i maj.", second)
    assert list(CaseTransition.objects.filter(case=case).values_list("to_state", flat=True)) == [
        "waiting"
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {
                "outcome": "in_work",
                "still_in_municipality": "false",
                "still_in_matched_home": "true",
            },
            "A household that still lives in the home it was matched with still lives in the "
            "municipality.",
        ),
        (
            {"outcome": "", "still_in_municipality": "true"},
            "Record the outcome after the establishment period together with where the "
            "household lives.",
        ),
    ],
)
def test_the_page_refuses_answers_that_do_not_hold_together(desk, case, fields, message):
    page = desk.get(change_url(case))
    response = desk.post(change_url(case), form_data(page, notes="Ny anteckning.", **fields))
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [message]
    # Nothing is saved, the typed answers are kept on the form.
    assert stored(case) == ("", None, None)
    assert case.notes == ""
    assert response.context["adminform"].form["notes"].value() == "Ny anteckning."


def test_a_new_case_with_an_outcome_gets_it_through_the_action(desk, organisations):
    page = desk.get("/admin/newcomers/newcomercase/add/")
    data = form_data(
        page,
        partner=str(organisations["partner"].pk),
        reference="KRK-2022-001",
        adults="1",
        assigned_on="2022-03-01",
        housing_needed_by="2022-05-01",
        outcome="in_studies",
        still_in_municipality="true",
        still_in_matched_home="unknown",
    )
    response = desk.post("/admin/newcomers/newcomercase/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    case = NewcomerCase.objects.get(reference="KRK-2022-001")
    assert stored(case) == ("in_studies", True, None)
    assert case.outcome_recorded_at is not None


# The registration with the Public Employment Service ------------------------------------------


def step_url(case) -> str:
    return f"/admin/newcomers/newcomercase/{case.pk}/step/register_employment_service/"


def test_the_registration_is_a_step_of_the_case_and_converts_its_sublet(
    desk, organisations, coordinator
):
    partner = organisations["partner"]
    agreement = QuotaAgreementFactory(company=organisations["housing"], integration_unit=partner)
    flat = offered_flat(agreement).home
    # The household lives in the company's flat on a sublet, which the registration converts.
    match = moved_in_match(partner, coordinator=coordinator, home=flat)
    contract = match.contract
    assert contract.kind == Contract.Kind.SUBLET
    case = match.case
    page = desk.get(change_url(case))
    assert page.context["registration_url"] == step_url(case)
    assert step_url(case) in page.content.decode()
    assert desk.get(step_url(case)).status_code == 200

    day = TODAY - timedelta(days=3)
    response = desk.post(step_url(case), {"registered_on": day.isoformat()})
    assert response.status_code == 302
    case.refresh_from_db()
    contract.refresh_from_db()
    assert case.registered_with_employment_service_on == day
    assert contract.kind == Contract.Kind.FIRST_HAND

    # Recorded: the button is gone, and a second date is refused, the first kept.
    page = desk.get(change_url(case))
    assert "registration_url" not in page.context
    response = desk.post(step_url(case), {"registered_on": TODAY.isoformat()})
    assert response.status_code == 400
    with translation.override("en"):
        shown = formatting.day(day)  # "25 Nov 2026": the reader's way, never ISO
    assert response.context["form"].non_field_errors() == [
        f"The registration was recorded already: {shown}."
    ]
    case.refresh_from_db()
    assert case.registered_with_employment_service_on == day


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "This field is required."),
        ("2025-13-45", "Enter a valid date."),
        ("99999-01-01", "Enter a valid date."),
        ("<script>alert(1)</script>", "Enter a valid date."),
        ("'; DROP TABLE newcomers_newcomercase; --", "Enter a valid date."),
        ((TODAY + timedelta(days=1)).isoformat(), "The date cannot be in the future."),
    ],
)
def test_a_date_that_is_no_date_is_refused_on_the_form(desk, case, typed, message):
    response = desk.post(step_url(case), {"registered_on": typed})
    assert response.status_code == 400
    assert response.context["form"].errors["registered_on"] == [message]
    # What was typed is on the form again, to correct.
    assert response.context["form"]["registered_on"].value() == typed
    assert "<script>alert(1)</script>" not in response.content.decode()
    case.refresh_from_db()
    assert case.registered_with_employment_service_on is None


def test_only_the_partners_coordinators_record_the_registration(
    english, case, organisations, other_coordinator
):
    client = english
    manager = staff_user("manager", organisations["partner"])
    client.force_login(manager)
    page = client.get(change_url(case))
    assert "registration_url" not in page.context
    response = client.post(step_url(case), {"registered_on": TODAY.isoformat()})
    assert response.status_code == 403
    assert response.context["form"].non_field_errors() == ["You are not allowed to take this step."]

    client.force_login(other_coordinator)
    assert client.post(step_url(case), {"registered_on": TODAY.isoformat()}).status_code == 404
    case.refresh_from_db()
    assert case.registered_with_employment_service_on is None


# The asylum housing -----------------------------------------------------------------------------


def test_the_asylum_housing_is_chosen_from_the_partnerships_housing_companies(
    desk, case, organisations
):
    partner, company = organisations["partner"], organisations["housing"]
    PartnershipFactory(partner=partner, housing_company=company)
    ours = AllotmentFactory(company=company, kind="emergency", period_start=date(2015, 9, 1))
    elsewhere = AllotmentFactory(
        company=OrganisationFactory(name="Annat bostadsbolag", kind="housing_company")
    )
    page = desk.get(change_url(case))
    field = page.context["adminform"].form.fields["asylum_allotment"]
    assert list(field.queryset) == [ours]
    assert (
        field.label_from_instance(ours) == "Krokomsbostäder: Emergency places, from 1\xa0Sep 2015"
    )
    assert 'name="asylum_allotment"' in page.content.decode()

    response = desk.post(change_url(case), form_data(page, asylum_allotment=str(elsewhere.pk)))
    assert response.status_code == 200
    assert "asylum_allotment" in response.context["adminform"].form.errors
    response = desk.post(change_url(case), form_data(page, asylum_allotment=str(ours.pk)))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.asylum_allotment == ours
