"""A placement's way (offered → proposed → started → completed or ended early → employment) with
its roles, written as a table by hand from the design; consent before a proposal; the Public
Employment Service's reference that is never a personal identity number; a proposal declined or
withdrawn forgets the person; one history row per step; the dates; the check-ins; the e-mails;
and two people acting at once."""

import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone, translation

from notifications.models import OutboundEmail
from tests.conftest import require
from tests.factories import (
    NewcomerCaseFactory,
    OrganisationFactory,
    offered_placement,
    proposed_placement,
    staff_user,
    started_placement,
    work_place,
)
from work import actions
from work.models import Employer, Placement, PlacementCheckIn, PlacementTransition
from workflow.errors import Conflict, Invalid, NotAllowed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("role_groups")]

TODAY = timezone.localdate()
YESTERDAY = TODAY - timedelta(days=1)
S = Placement.Status
REFERENCE = "AF-2026-00421"


def in_english(message) -> str:
    with translation.override("en"):
        return str(message)


def row(placement) -> dict:
    return Placement.objects.values().get(pk=placement.pk)


def history(placement) -> list[tuple[str, str]]:
    return [(t.from_state, t.to_state) for t in placement.transitions.order_by("created_at", "pk")]


# Who may take which step --------------------------------------------------------------------------

OK, FORBIDDEN, HIDDEN = "ok", "403", "404"
WHO = (
    "employer",
    "coordinator",
    "other_employer",
    "other_coordinator",
    "manager",
    "dpo",
    "volunteer",
)

# step -> the stage it is taken from, and for each person: taken, refused (403) or not there (404).
# "employer" is the employer's own staff: a placement supervisor of an outside employer, the
# housing company's staff when the company is the employer, or a coordinator of the municipality's
# integration unit when the municipality itself is the employer (the third table). The manager
# works at the integration unit; the other employer and the other coordinator work elsewhere.
#                                     employer   unit coord other emp other coord manager    DPO        volunteer
OUTSIDE_OR_COMPANY = {
    "propose": (S.OFFERED, (FORBIDDEN, OK, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN)),
    "withdraw_proposal": (
        S.PROPOSED,
        (FORBIDDEN, OK, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN),
    ),
    "decline": (S.PROPOSED, (OK, FORBIDDEN, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN)),
    "start": (S.PROPOSED, (OK, FORBIDDEN, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN)),
    "check_in": (S.STARTED, (OK, FORBIDDEN, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN)),
    "complete": (S.STARTED, (OK, FORBIDDEN, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN)),
    "end_early": (S.STARTED, (OK, OK, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN)),
    "employ": (S.STARTED, (OK, OK, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN)),
    "employ_after": (S.COMPLETED, (OK, OK, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN)),
    "withdraw": (S.OFFERED, (OK, FORBIDDEN, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN)),
}
# The municipality as the employer: its integration unit's coordinators take both sides' steps.
MUNICIPALITY = {
    "propose": (S.OFFERED, (OK, OK, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN)),
    "withdraw_proposal": (S.PROPOSED, (OK, OK, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN)),
    "decline": (S.PROPOSED, (OK, OK, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN)),
    "start": (S.PROPOSED, (OK, OK, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN)),
    "check_in": (S.STARTED, (OK, OK, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN)),
    "complete": (S.STARTED, (OK, OK, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN)),
    "end_early": (S.STARTED, (OK, OK, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN)),
    "employ": (S.STARTED, (OK, OK, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN)),
    "employ_after": (S.COMPLETED, (OK, OK, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN)),
    "withdraw": (S.OFFERED, (OK, OK, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN)),
}
TABLES = {
    "outside": OUTSIDE_OR_COMPANY,
    "company": OUTSIDE_OR_COMPANY,
    "municipality": MUNICIPALITY,
}
# Where each step leads (None: a check-in, which is no step of the workflow).
TARGET = {
    "propose": S.PROPOSED,
    "withdraw_proposal": S.OFFERED,
    "decline": S.OFFERED,
    "start": S.STARTED,
    "check_in": None,
    "complete": S.COMPLETED,
    "end_early": S.ENDED_EARLY,
    "employ": S.EMPLOYED,
    "employ_after": S.EMPLOYED,
    "withdraw": S.WITHDRAWN,
}


@dataclass
class World:
    place: Any
    case: Any
    people: dict


def make_world(employer: str) -> World:
    unit = OrganisationFactory(kind="partner")
    if employer == "outside":
        place = work_place(unit)
        staff = place.supervisor
    elif employer == "company":
        company = OrganisationFactory(kind="housing_company")
        place = work_place(
            unit, employer_organisation=company, supervisor_role="housing_company_staff"
        )
        staff = place.supervisor
    else:
        place = work_place(unit, employer_organisation=unit, supervisor_role="partner_coordinator")
        staff = place.supervisor
    other = work_place()
    people = {
        "employer": staff,
        "coordinator": place.coordinator,
        "other_employer": other.supervisor,
        "other_coordinator": other.coordinator,
        "manager": staff_user("manager", unit),
        "dpo": staff_user("data_protection_officer", OrganisationFactory()),
        "volunteer": staff_user("volunteer"),
    }
    return World(place=place, case=NewcomerCaseFactory(partner=unit), people=people)


def placement_in(world: World, stage: str) -> Placement:
    place = world.place
    if stage == S.OFFERED:
        return offered_placement(place)
    if stage == S.PROPOSED:
        return proposed_placement(place, case=world.case)
    placement = started_placement(place, case=world.case)
    if stage == S.COMPLETED:
        actions.complete_placement(placement=placement, ended_on=TODAY, user=place.supervisor)
    return placement


def take(step: str, placement: Placement, user, case):
    if step == "propose":
        return actions.propose_newcomer(
            placement=placement,
            case=case,
            adult_number=1,
            employment_service_reference=REFERENCE,
            consent_given_on=TODAY,
            consent_given="in_writing",
            user=user,
        )
    if step == "withdraw_proposal":
        return actions.withdraw_proposal(placement=placement, user=user, reason="Ångrade sig.")
    if step == "decline":
        return actions.decline_proposal(placement=placement, user=user, reason="Inte nu.")
    if step == "start":
        return actions.start_placement(placement=placement, started_on=TODAY, user=user)
    if step == "check_in":
        return actions.record_placement_check_in(
            placement=placement,
            on=TODAY,
            days_expected=5,
            days_present=4,
            language="swedish_with_support",
            going="well",
            user=user,
        )
    if step == "complete":
        return actions.complete_placement(placement=placement, ended_on=TODAY, user=user)
    if step == "end_early":
        return actions.end_placement_early(
            placement=placement, ended_on=TODAY, end_reason="moved", user=user
        )
    if step in ("employ", "employ_after"):
        return actions.record_employment(placement=placement, employed_on=TODAY, user=user)
    assert step == "withdraw"
    return actions.withdraw_offer(placement=placement, user=user, reason="Ingen handledare.")


@pytest.mark.parametrize(
    ("employer", "step"),
    [(employer, step) for employer, table in TABLES.items() for step in table],
)
def test_exactly_the_people_of_the_table_take_the_step(employer, step):
    world = make_world(employer)
    stage, outcomes = TABLES[employer][step]
    placement = placement_in(world, stage)
    assert placement.status == stage
    before, rows = row(placement), placement.transitions.count()
    check_ins = PlacementCheckIn.objects.filter(placement=placement)

    for who, expected in zip(WHO, outcomes, strict=True):
        user = world.people[who]
        if expected == OK:
            with transaction.atomic():  # taken, then undone for the next person
                take(step, placement, user, world.case)
                if TARGET[step] is None:
                    assert check_ins.count() == 1, who
                    assert placement.transitions.count() == rows, who
                else:
                    assert row(placement)["status"] == TARGET[step], who
                    assert placement.transitions.count() == rows + 1, who
                    assert placement.transitions.latest("created_at", "pk").actor == user
                transaction.set_rollback(True)
            placement.refresh_from_db()
        else:
            refusal = NotAllowed if expected == FORBIDDEN else Http404
            with pytest.raises(refusal):
                take(step, placement, user, world.case)
            assert row(placement) == before, who
            assert placement.transitions.count() == rows, who
            assert not check_ins.exists(), who


def test_the_employers_staff_see_only_their_own_placements():
    world = make_world("outside")
    own = offered_placement(world.place)
    elsewhere = offered_placement(work_place())
    visible = {who: set(Placement.objects.visible_to(u)) for who, u in world.people.items()}

    assert visible["employer"] == visible["coordinator"] == visible["manager"] == {own}
    assert visible["dpo"] >= {own, elsewhere}
    assert elsewhere not in visible["other_coordinator"] | visible["volunteer"]
    assert own not in visible["other_employer"] | visible["other_coordinator"]
    assert visible["volunteer"] == set()


# Consent before a proposal ---------------------------------------------------------------------


def propose(placement, place, case, **overrides):
    fields = {
        "placement": placement,
        "case": case,
        "adult_number": 1,
        "employment_service_reference": REFERENCE,
        "consent_given_on": TODAY,
        "consent_given": "in_writing",
        "user": place.coordinator,
        **overrides,
    }
    return actions.propose_newcomer(**fields)


@pytest.mark.parametrize(
    "missing", [{"consent_given_on": None}, {"consent_given": ""}, {"consent_given": "assumed"}]
)
def test_no_consent_no_proposal(missing):
    place = work_place()
    placement = offered_placement(place)
    case = NewcomerCaseFactory(partner=place.unit)
    before, rows = row(placement), placement.transitions.count()

    with pytest.raises(Invalid) as refused:
        propose(placement, place, case, **missing)

    assert in_english(refused.value.message) == "Record the person's consent before proposing them."
    assert row(placement) == before
    assert placement.transitions.count() == rows
    assert not OutboundEmail.objects.exists()


def test_consent_cannot_be_given_in_the_future():
    place = work_place()
    placement = offered_placement(place)
    with pytest.raises(Invalid):
        propose(
            placement,
            place,
            NewcomerCaseFactory(partner=place.unit),
            consent_given_on=TODAY + timedelta(days=1),
        )
    assert row(placement)["status"] == S.OFFERED


def test_the_engine_refuses_a_proposal_without_consent_too():
    """The table's guard holds even for a caller that skips the action's checks."""
    from work.workflow import PLACEMENT_WORKFLOW

    place = work_place()
    placement = offered_placement(place)
    case = NewcomerCaseFactory(partner=place.unit)
    with pytest.raises(Conflict) as refused:
        PLACEMENT_WORKFLOW.apply(
            placement,
            "propose",
            user=place.coordinator,
            changes={"case": case, "adult_number": 1},
        )
    assert in_english(refused.value.message) == "Record the person's consent before proposing them."
    assert row(placement)["case_id"] is None
    assert placement.transitions.count() == 1


# The Public Employment Service's reference ----------------------------------------------------

IDENTITY_NUMBER = (
    "This looks like a personal identity number. Give the Public Employment Service's reference "
    "for the plan instead."
)


@pytest.mark.parametrize(
    "reference",
    [
        "900101-1234",  # YYMMDD-NNNN
        "9001011234",  # YYMMDDNNNN
        "199001011234",  # YYYYMMDDNNNN
        "19900101-1234",
        "900101+1234",  # over a hundred years old
        "900161-1234",  # a co-ordination number (the day plus 60)
        " 900101 - 1234 ",
        "900101–1234",  # an en dash, as a word processor writes it
        "AF 19900101-1234",  # inside other text
        "Plan-900101-1234-A",
        "９００１０１－１２３４",  # full-width digits
        "٩٠٠١٠١-١٢٣٤",  # Arabic-Indic digits
    ],
)
def test_a_personal_identity_number_is_never_taken_as_the_reference(reference):
    place = work_place()
    placement = offered_placement(place)
    before, rows = row(placement), placement.transitions.count()

    with pytest.raises(Invalid) as refused:
        propose(
            placement,
            place,
            NewcomerCaseFactory(partner=place.unit),
            **{"employment_service_reference": reference},
        )

    assert in_english(refused.value.message) == IDENTITY_NUMBER
    assert row(placement) == before
    assert placement.transitions.count() == rows


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("", "Give the Public Employment Service's reference for the person's plan."),
        ("   \n\t ", "Give the Public Employment Service's reference for the person's plan."),
        ("A" * 41, "Please keep the reference to 40 characters."),
        ("AF-" + "9" * 100_000, "Please keep the reference to 40 characters."),
        ("AF\x00123", "The text contains characters that cannot be saved."),
        ("AF\x1b[31m123", "The text contains characters that cannot be saved."),
        ("AF\u202e321", "The text contains characters that cannot be saved."),
        ("<b>AF-1</b>", None),
        ("<script>alert(1)</script>", None),
        ("AF-1'; DROP TABLE work_placement;--", None),
        ('AF "123"', None),
    ],
)
def test_a_hostile_reference_is_refused_with_a_clear_message_and_nothing_stored(reference, message):
    place = work_place()
    placement = offered_placement(place)
    case = NewcomerCaseFactory(partner=place.unit)
    before, rows = row(placement), placement.transitions.count()

    with pytest.raises(Invalid) as refused:
        propose(placement, place, case, employment_service_reference=reference)

    expected = message or (
        "The reference can hold letters, digits, spaces and the signs - / . _ : only, as the "
        "Public Employment Service writes it."
    )
    assert in_english(refused.value.message) == expected
    assert row(placement) == before
    assert placement.transitions.count() == rows
    assert not OutboundEmail.objects.exists()


@pytest.mark.parametrize("reference", ["AF-2026-00421", "af 12345 plan", "A1/2026.3_x:Ö", "1234"])
def test_a_plain_reference_is_kept_with_its_spaces_tidied(reference):
    place = work_place()
    placement = propose(
        offered_placement(place),
        place,
        NewcomerCaseFactory(partner=place.unit),
        employment_service_reference=f"  {reference}  ",
    )
    assert row(placement)["employment_service_reference"] == reference


def test_the_models_validator_finds_the_same_numbers():
    from django.core.exceptions import ValidationError

    from work.models import validate_not_identity_number

    with pytest.raises(ValidationError):
        validate_not_identity_number("AF 19900101-1234")
    validate_not_identity_number(REFERENCE)


def test_only_an_adult_of_the_household_is_proposed():
    place = work_place()
    placement = offered_placement(place)
    case = NewcomerCaseFactory(partner=place.unit, adults=2)
    for adult in (0, 3, None, "1", True):
        with pytest.raises(Invalid):
            propose(placement, place, case, adult_number=adult)
    assert row(placement)["status"] == S.OFFERED


def test_only_the_units_own_open_cases_are_proposed():
    place = work_place()
    placement = offered_placement(place)
    elsewhere = NewcomerCaseFactory()  # another partner's: not there for this coordinator
    with pytest.raises(Http404):
        propose(placement, place, elsewhere)
    closed = NewcomerCaseFactory(partner=place.unit, status="closed")
    with pytest.raises(Conflict):
        propose(placement, place, closed)
    assert placement.transitions.count() == 1


# A proposal declined or withdrawn forgets the person -------------------------------------------


@pytest.mark.parametrize("step", ["decline", "withdraw_proposal"])
def test_a_declined_or_withdrawn_proposal_forgets_the_person_and_keeps_the_reason(step):
    place = work_place()
    placement = proposed_placement(place)
    reason = "Personen har fått annat arbete."
    if step == "decline":
        actions.decline_proposal(placement=placement, user=place.supervisor, reason=reason)
    else:
        actions.withdraw_proposal(placement=placement, user=place.coordinator, reason=reason)

    stored = row(placement)
    assert stored["status"] == S.OFFERED
    for field in ("case_id", "adult_number", "consent_given_on", "consent_recorded_by_id"):
        assert stored[field] is None, field
    assert stored["employment_service_reference"] == stored["consent_given"] == ""
    last = placement.transitions.latest("created_at", "pk")
    assert (last.from_state, last.to_state, last.reason) == (S.PROPOSED, S.OFFERED, reason)
    # Offered again: another newcomer can be proposed.
    propose(placement, place, NewcomerCaseFactory(partner=place.unit))
    assert row(placement)["status"] == S.PROPOSED


@pytest.mark.parametrize("step", ["decline", "withdraw_proposal", "withdraw"])
def test_these_steps_need_a_reason(step):
    place = work_place()
    placement = offered_placement(place) if step == "withdraw" else proposed_placement(place)
    before, rows = row(placement), placement.transitions.count()
    call = {
        "decline": lambda r: actions.decline_proposal(
            placement=placement, user=place.supervisor, reason=r
        ),
        "withdraw_proposal": lambda r: actions.withdraw_proposal(
            placement=placement, user=place.coordinator, reason=r
        ),
        "withdraw": lambda r: actions.withdraw_offer(
            placement=placement, user=place.supervisor, reason=r
        ),
    }[step]
    for reason in ("", "  \n "):
        with pytest.raises(Invalid):
            call(reason)
    with pytest.raises(Invalid):
        call("Nej\x00")
    with pytest.raises(Invalid):
        call("Nej. " * 1000)
    assert row(placement) == before
    assert placement.transitions.count() == rows


# One history row per step ------------------------------------------------------------------------


def test_each_step_writes_one_history_row_with_who_took_it():
    place = work_place()
    placement = offered_placement(place)
    case = NewcomerCaseFactory(partner=place.unit)
    propose(placement, place, case)
    actions.start_placement(placement=placement, started_on=TODAY, user=place.supervisor)
    actions.complete_placement(placement=placement, ended_on=TODAY, user=place.supervisor)
    actions.record_employment(placement=placement, employed_on=TODAY, user=place.coordinator)

    rows = list(placement.transitions.order_by("created_at", "pk"))
    assert [(r.from_state, r.to_state) for r in rows] == [
        ("", S.OFFERED),
        (S.OFFERED, S.PROPOSED),
        (S.PROPOSED, S.STARTED),
        (S.STARTED, S.COMPLETED),
        (S.COMPLETED, S.EMPLOYED),
    ]
    assert [r.actor for r in rows] == [
        place.supervisor,
        place.coordinator,
        place.supervisor,
        place.supervisor,
        place.coordinator,
    ]
    stored = row(placement)
    assert (stored["started_on"], stored["ended_on"], stored["employed_on"]) == (TODAY,) * 3
    assert stored["status"] == rows[-1].to_state


def test_a_step_from_the_wrong_stage_is_a_conflict_and_changes_nothing():
    place = work_place()
    placement = offered_placement(place)
    before = row(placement)
    for call in (
        lambda: actions.start_placement(
            placement=placement, started_on=TODAY, user=place.supervisor
        ),
        lambda: actions.complete_placement(
            placement=placement, ended_on=TODAY, user=place.supervisor
        ),
        lambda: actions.record_employment(
            placement=placement, employed_on=TODAY, user=place.supervisor
        ),
        lambda: actions.end_placement_early(
            placement=placement, ended_on=TODAY, end_reason="moved", user=place.supervisor
        ),
    ):
        with pytest.raises(Conflict):
            call()
    assert row(placement) == before
    assert history(placement) == [("", S.OFFERED)]


def test_an_employment_does_not_lead_to_employment():
    place = work_place()
    placement = started_placement(place, kind="employment")
    before, rows = row(placement), placement.transitions.count()

    with pytest.raises(Conflict) as refused:
        actions.record_employment(placement=placement, employed_on=TODAY, user=place.supervisor)

    assert in_english(refused.value.message) == "This placement is an employment already."
    assert row(placement) == before
    assert placement.transitions.count() == rows


# Ending early ------------------------------------------------------------------------------------


@pytest.mark.parametrize("end_reason", ["", "bored", None])
def test_an_early_end_needs_a_reason_from_the_list(end_reason):
    place = work_place()
    placement = started_placement(place)
    before, rows = row(placement), placement.transitions.count()
    with pytest.raises(Invalid) as refused:
        actions.end_placement_early(
            placement=placement,
            ended_on=TODAY,
            end_reason=end_reason,
            user=place.supervisor,
            reason="Vill inte längre.",
        )
    assert in_english(refused.value.message) == "Say why the placement ended early."
    assert row(placement) == before
    assert placement.transitions.count() == rows


def test_an_early_end_keeps_the_reason_and_the_words():
    place = work_place()
    with_words, without = started_placement(place), started_placement(place)
    actions.end_placement_early(
        placement=with_words,
        ended_on=TODAY,
        end_reason="studies",
        user=place.coordinator,
        reason="Börjar på SFI på heltid.",
    )
    with translation.override("en"):  # the person who ends it works in English
        actions.end_placement_early(
            placement=without, ended_on=TODAY, end_reason="moved", user=place.supervisor
        )

    assert row(with_words)["end_reason"] == "studies"
    assert with_words.transitions.latest("created_at", "pk").reason == "Börjar på SFI på heltid."
    assert row(without)["status"] == S.ENDED_EARLY
    # The list's reason, in the portal's language: the history is read by both sides.
    assert without.transitions.latest("created_at", "pk").reason == "Flyttat"


# Dates -----------------------------------------------------------------------------------------


def test_no_start_in_the_future_nor_before_the_consent():
    place = work_place()
    placement = proposed_placement(place, consent_given_on=YESTERDAY)
    before = row(placement)
    for day, message in [
        (TODAY + timedelta(days=1), "Record the start on the day it happens, not before."),
        (YESTERDAY - timedelta(days=1), None),
        (None, "Give a date."),
    ]:
        with pytest.raises(Invalid) as refused:
            actions.start_placement(placement=placement, started_on=day, user=place.supervisor)
        if message:
            assert in_english(refused.value.message) == message
    assert row(placement) == before
    actions.start_placement(placement=placement, started_on=YESTERDAY, user=place.supervisor)
    assert row(placement)["started_on"] == YESTERDAY


@pytest.mark.parametrize("step", ["complete", "end_early", "employ"])
def test_nothing_ends_before_it_started_or_in_the_future(step):
    place = work_place()
    placement = started_placement(place)
    before, rows = row(placement), placement.transitions.count()

    def call(day):
        if step == "complete":
            actions.complete_placement(placement=placement, ended_on=day, user=place.supervisor)
        elif step == "end_early":
            actions.end_placement_early(
                placement=placement, ended_on=day, end_reason="moved", user=place.supervisor
            )
        else:
            actions.record_employment(placement=placement, employed_on=day, user=place.supervisor)

    for day in (YESTERDAY, TODAY + timedelta(days=1)):
        with pytest.raises(Invalid):
            call(day)
    assert row(placement) == before
    assert placement.transitions.count() == rows


def test_the_stored_start_counts_not_the_one_the_caller_loaded():
    place = work_place()
    proposed = proposed_placement(place, consent_given_on=YESTERDAY)
    stale = Placement.objects.get(pk=proposed.pk)  # loaded before the start
    actions.start_placement(placement=proposed, started_on=TODAY, user=place.supervisor)

    with pytest.raises(Invalid):
        actions.complete_placement(placement=stale, ended_on=YESTERDAY, user=place.supervisor)
    assert row(proposed)["status"] == S.STARTED


@pytest.mark.parametrize(
    ("starts_on", "ends_on"), [(TODAY, YESTERDAY), (TODAY, TODAY + timedelta(days=4 * 366))]
)
def test_an_offer_ends_after_it_starts_and_lasts_at_most_three_years(starts_on, ends_on):
    place = work_place()
    with pytest.raises(Invalid):
        offered_placement(place, starts_on=starts_on, ends_on=ends_on)
    assert not Placement.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "T" * 201), ("place", "P" * 201), ("title", "Vaktmästare\x00"), ("place", "  ")],
)
def test_an_offer_with_a_hostile_text_is_refused_whole(field, value):
    place = work_place()
    fields = {"title": "Vaktmästare", "place": "Storgatan 1", field: value}
    with pytest.raises(Invalid):
        actions.offer_placement(
            employer=place.employer,
            integration_unit=place.unit,
            kind="internship",
            starts_on=TODAY,
            ends_on=TODAY + timedelta(days=30),
            hours_per_week=20,
            user=place.supervisor,
            **fields,
        )
    assert not Placement.objects.exists()
    assert not PlacementTransition.objects.exists()


# The supervisor's check-ins --------------------------------------------------------------------


def check_in(placement, user, **overrides):
    fields = {
        "placement": placement,
        "on": TODAY,
        "days_expected": 5,
        "days_present": 5,
        "language": "swedish",
        "going": "well",
        "note": "",
        "user": user,
        **overrides,
    }
    return actions.record_placement_check_in(**fields)


@pytest.mark.parametrize("stage", [S.OFFERED, S.PROPOSED, S.COMPLETED])
def test_check_ins_only_while_the_placement_is_under_way(stage):
    place = work_place()
    placement = offered_placement(place) if stage == S.OFFERED else proposed_placement(place)
    if stage == S.COMPLETED:
        actions.start_placement(placement=placement, started_on=TODAY, user=place.supervisor)
        actions.complete_placement(placement=placement, ended_on=TODAY, user=place.supervisor)
    with pytest.raises(Conflict) as refused:
        check_in(placement, place.supervisor)
    assert in_english(refused.value.message) == (
        "Check-ins are recorded while the placement is under way."
    )
    assert not PlacementCheckIn.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"days_expected": 5, "days_present": 6},
        {"days_expected": 400, "days_present": 1},
        {"days_expected": 5, "days_present": -1},
        {"days_expected": "5", "days_present": 5},
        {"on": TODAY + timedelta(days=1)},
        {"on": TODAY - timedelta(days=3)},  # before the start
        {"language": "klingon"},
        {"going": ""},
        {"note": "N" * 2001},
        {"note": "Kom inte\x00"},
        {"note": "Personnummer 900101-1234 fanns på lappen."},
    ],
)
def test_a_check_in_that_cannot_be_right_is_refused(overrides):
    place = work_place()
    placement = started_placement(place)
    OutboundEmail.objects.all().delete()  # the proposal's
    with pytest.raises(Invalid):
        check_in(placement, place.supervisor, **overrides)
    assert not PlacementCheckIn.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_a_check_in_is_kept_as_given():
    place = work_place()
    placement = started_placement(place, started_on=YESTERDAY)
    OutboundEmail.objects.all().delete()  # the proposal's
    note = "Kommer i tid. <b>Bra</b> på att fråga."
    recorded = check_in(placement, place.supervisor, days_expected=2, days_present=1, note=note)
    recorded.refresh_from_db()
    assert (recorded.days_expected, recorded.days_present, recorded.note) == (2, 1, note)
    assert recorded.recorded_by == place.supervisor
    assert not OutboundEmail.objects.exists()  # going well: nobody is told


# The e-mails -------------------------------------------------------------------------------------


def emails() -> list[OutboundEmail]:
    return list(OutboundEmail.objects.order_by("pk"))


@pytest.fixture
def place():
    """An employer whose supervisor reads English and a unit whose coordinators read Swedish (one
    of them has no e-mail address)."""
    place = work_place()
    type(place.supervisor).objects.filter(pk=place.supervisor.pk).update(language="en")
    place.supervisor.refresh_from_db()
    staff_user("partner_coordinator", place.unit, email="")
    second = staff_user("partner_coordinator", place.unit, language="sv")
    place.second_coordinator = second
    return place


def assert_nothing_about_the_person(email, placement, *also):
    body = email.body + email.subject
    for secret in (REFERENCE, placement.case.reference if placement.case_id else None, *also):
        if secret:
            assert secret not in body


def test_the_supervisor_hears_of_a_proposal_in_their_own_language(place):
    case = NewcomerCaseFactory(partner=place.unit, reference="BOS-31337")
    placement = offered_placement(place)
    with translation.override("sv"):  # the coordinator works in Swedish
        propose(placement, place, case)

    (email,) = emails()
    assert (email.to, email.language) == (place.supervisor.email, "en")
    assert email.subject == "A newcomer is proposed for your placement"
    assert "Work training: Caretaker's assistant" in email.body
    assert place.employer.organisation.name in email.body
    assert f"/admin/work/placement/{placement.pk}/change/" in email.body
    assert_nothing_about_the_person(email, placement, "BOS-31337")


def test_the_unit_hears_of_a_decline_without_the_reason(place):
    placement = proposed_placement(place, case=NewcomerCaseFactory(partner=place.unit))
    reference = placement.case.reference
    OutboundEmail.objects.all().delete()
    with translation.override("en"):
        actions.decline_proposal(
            placement=placement, user=place.supervisor, reason="Kan inte svenska alls."
        )

    sent = emails()
    assert {e.to for e in sent} == {place.coordinator.email, place.second_coordinator.email}
    assert {e.language for e in sent} == {"sv"}
    for email in sent:
        assert email.subject == "Arbetsgivaren har tackat nej till ett förslag"
        assert "Arbetsträning: Caretaker's assistant" in email.body
        assert_nothing_about_the_person(email, placement, reference, "Kan inte svenska alls.")


def test_an_early_end_is_told_to_the_other_side_only(place):
    by_supervisor, by_unit = started_placement(place), started_placement(place)
    OutboundEmail.objects.all().delete()

    actions.end_placement_early(
        placement=by_supervisor,
        ended_on=TODAY,
        end_reason="health_or_family",
        reason="Sjuk sedan länge.",
        user=place.supervisor,
    )
    assert {e.to for e in emails()} == {place.coordinator.email, place.second_coordinator.email}
    assert all("Sjuk" not in e.body for e in emails())
    OutboundEmail.objects.all().delete()

    actions.end_placement_early(
        placement=by_unit, ended_on=TODAY, end_reason="found_work", user=place.coordinator
    )
    (email,) = emails()
    assert (email.to, email.language) == (place.supervisor.email, "en")
    assert email.subject == "A placement ended early"
    assert_nothing_about_the_person(email, by_unit)


def test_a_difficult_check_in_tells_the_unit_without_the_note(place):
    placement = started_placement(place)
    OutboundEmail.objects.all().delete()
    check_in(placement, place.supervisor, going="some_difficulties", note="Lite trött.")
    assert not emails()

    check_in(placement, place.supervisor, going="difficult", note="Kommer sällan, verkar ledsen.")

    sent = emails()
    assert {e.to for e in sent} == {place.coordinator.email, place.second_coordinator.email}
    for email in sent:
        assert email.subject == "En placering går dåligt"
        assert_nothing_about_the_person(email, placement, "ledsen")


# Two people at once ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_start_and_a_withdrawal_at_the_same_moment_one_wins():
    require(
        connection.vendor == "postgresql",
        "the race needs PostgreSQL's row locks and concurrent transactions: "
        "set DATABASE_URL=postgres://…",
    )
    place = work_place()
    placement = proposed_placement(place)
    rows = placement.transitions.count()
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def press(who, user):
        try:
            loaded = Placement.objects.get(pk=placement.pk)
            start.wait(timeout=30)
            if who == "supervisor":
                actions.start_placement(placement=loaded, started_on=TODAY, user=user)
            else:
                actions.withdraw_proposal(placement=loaded, user=user, reason="Ångrade sig.")
            outcomes[who] = "done"
        except Conflict:
            outcomes[who] = "conflict"
        except Exception as exc:  # reported by the test
            outcomes[who] = repr(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=press, args=("supervisor", place.supervisor)),
        threading.Thread(target=press, args=("coordinator", place.coordinator)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes.values()) == ["conflict", "done"], outcomes
    stored = row(placement)
    added = list(placement.transitions.order_by("created_at", "pk"))[rows:]
    assert len(added) == 1
    if outcomes["supervisor"] == "done":
        assert (stored["status"], stored["started_on"]) == (S.STARTED, TODAY)
        assert stored["case_id"] is not None
        assert added[0].to_state == S.STARTED
    else:
        assert stored["status"] == S.OFFERED
        assert stored["case_id"] is None and stored["started_on"] is None
        assert added[0].to_state == S.OFFERED


# Employers and their figures ---------------------------------------------------------------------


def test_a_partners_coordinator_adds_an_employer_once():
    from accounts.models import Organisation

    place = work_place()
    employer = actions.add_employer(
        name="  Krokoms   Bygg AB ", contact_email="info@krokomsbygg.se", user=place.coordinator
    )
    assert employer.organisation.name == "Krokoms Bygg AB"
    assert employer.organisation.kind == Organisation.Kind.EMPLOYER
    assert list(employer.integration_units.all()) == [place.unit]
    with pytest.raises(Conflict):
        actions.add_employer(name="krokoms bygg ab", user=place.coordinator)
    for someone in (place.supervisor, staff_user("manager", place.unit)):
        with pytest.raises(NotAllowed):
            actions.add_employer(name="Annat AB", user=someone)
    assert not Organisation.objects.filter(name="Annat AB").exists()


@pytest.mark.parametrize(
    ("name", "contact_email"),
    [
        ("", ""),
        ("N" * 201, ""),
        ("Bygg\x00AB", ""),
        ("Bygg AB", "inte en adress"),
        ("Bygg AB", "info@bygg.se\x00"),
    ],
)
def test_an_employer_with_a_hostile_name_or_address_is_refused(name, contact_email):
    from accounts.models import Organisation

    place = work_place()
    count = Organisation.objects.count()
    with pytest.raises(Invalid):
        actions.add_employer(name=name, contact_email=contact_email, user=place.coordinator)
    assert Organisation.objects.count() == count


def test_the_employer_records_its_staff_figures():
    place = work_place()
    figures = actions.record_staff_figures(
        employer=place.employer,
        recorded_on=TODAY,
        employees=38,
        came_as_newcomers=3,
        user=place.supervisor,
    )
    assert (figures.employees, figures.came_as_newcomers) == (38, 3)
    for employees, newcomers in [(3, 38), (-1, 0), ("38", 3), (38, None)]:
        with pytest.raises(Invalid):
            actions.record_staff_figures(
                employer=place.employer,
                recorded_on=TODAY,
                employees=employees,
                came_as_newcomers=newcomers,
                user=place.supervisor,
            )
    with pytest.raises(NotAllowed):
        actions.record_staff_figures(
            employer=place.employer,
            recorded_on=TODAY,
            employees=1,
            came_as_newcomers=0,
            user=place.coordinator,
        )
    with pytest.raises(Http404):
        actions.record_staff_figures(
            employer=place.employer,
            recorded_on=TODAY,
            employees=1,
            came_as_newcomers=0,
            user=work_place().supervisor,
        )
    figures.refresh_from_db()
    assert (figures.employees, figures.came_as_newcomers) == (38, 3)


def test_an_offer_goes_to_a_partner_only():
    company = OrganisationFactory(kind="housing_company")
    place = work_place(employer_organisation=company, supervisor_role="housing_company_staff")
    with pytest.raises(Invalid):
        actions.offer_placement(
            employer=place.employer,
            integration_unit=company,  # the company itself is no integration unit
            kind="prao",
            title="Prao",
            place="Kontoret",
            starts_on=TODAY,
            ends_on=TODAY,
            hours_per_week=10,
            user=place.supervisor,
        )
    for hours in (0, 41, "20", None):
        with pytest.raises(Invalid):
            offered_placement(place, hours_per_week=hours)
    with pytest.raises(Invalid):
        offered_placement(place, starts_on=None)
    assert not Placement.objects.exists()


def test_without_a_supervisor_to_reach_the_employers_staff_hear_of_a_proposal():
    place = work_place()
    colleague = staff_user("placement_supervisor", place.employer.organisation)
    type(place.supervisor).objects.filter(pk=place.supervisor.pk).update(email="")
    proposed_placement(place)
    assert {e.to for e in emails()} == {colleague.email}


@pytest.mark.django_db
@pytest.mark.usefixtures("role_groups")
def test_a_supervisor_at_the_municipality_sees_only_the_municipalitys_own_placements():
    """The municipality as an employer: its supervisor is the employer's staff, and another
    employer's placement offered to the municipality's unit (with the person proposed) is not
    theirs to see; the unit's coordinator sees both."""
    municipality = OrganisationFactory(kind="partner")
    own = work_place(municipality, employer_organisation=municipality)
    outside = work_place(municipality)
    ours = proposed_placement(own)
    theirs = proposed_placement(outside)
    supervisor = staff_user("placement_supervisor", municipality)

    assert list(Placement.objects.visible_to(supervisor)) == [ours]
    assert list(Employer.objects.visible_to(supervisor)) == [own.employer]
    assert set(Placement.objects.visible_to(own.coordinator)) == {ours, theirs}
    with pytest.raises(Http404):
        actions.decline_proposal(placement=theirs, user=supervisor, reason="Inte vår placering.")
