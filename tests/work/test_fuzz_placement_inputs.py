"""Hostile text and dates into the placement actions (``work.actions``): the title, the workplace
and the languages of an offer, the Public Employment Service's reference and the consent of a
proposal, the reasons of a withdrawal, a decline and an early end, the supervisor's note, an
employer's name, the staff figures, and every date a step takes.

For every input: nothing is raised but the portal's refusals (``workflow.errors``); what is
accepted is stored as typed after the rule of ``tests/work/typed_inputs.py`` (surrounding
whitespace dropped, collapsed in the reference and a name, language codes in lower case); and a
refused input leaves every table as it was (the placement, its history, its check-ins, the
e-mails queued). Each example runs in a savepoint rolled back afterwards, so each starts from the
same placements. The number of examples comes from the Hypothesis profile of tests/conftest.py
("suite" in ``make test``, "fuzz" under ``make fuzz`` with its time budget).
"""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from accounts.models import Organisation
from notifications.models import OutboundEmail
from tests.factories import (
    NewcomerCaseFactory,
    offered_placement,
    proposed_placement,
    started_placement,
    work_place,
)
from work import actions
from work.models import Employer, Placement, PlacementCheckIn, PlacementTransition, StaffFigures
from workflow.errors import DomainError

from . import typed_inputs as typed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("role_groups", "local_cache")]


@dataclass
class Placements:
    place: object
    case: object
    offered: Placement
    proposed: Placement
    started: Placement
    completed: Placement

    def __repr__(self):  # Hypothesis prints the arguments of a failing example
        return "<placements at each stage>"


@pytest.fixture
def placements(role_groups):
    place = work_place()
    today = timezone.localdate()
    completed = started_placement(place, started_on=today - timedelta(days=40))
    actions.complete_placement(
        placement=completed, ended_on=today - timedelta(days=5), user=place.supervisor
    )
    return Placements(
        place=place,
        case=NewcomerCaseFactory(partner=place.unit, adults=2),
        offered=offered_placement(place),
        proposed=proposed_placement(place, consent_given_on=today - timedelta(days=10)),
        started=started_placement(place, started_on=today - timedelta(days=20)),
        completed=completed,
    )


def tables():
    """Everything a placement step may write."""
    return {
        "placements": list(Placement.objects.order_by("pk").values()),
        "history": list(PlacementTransition.objects.order_by("pk").values()),
        "check-ins": list(PlacementCheckIn.objects.order_by("pk").values()),
        "figures": list(StaffFigures.objects.order_by("pk").values()),
        "employers": list(Employer.objects.order_by("pk").values()),
        "organisations": Organisation.objects.count(),
        "e-mails": OutboundEmail.objects.count(),
    }


def attempt(step, expected):
    """Take ``step`` in a savepoint that is rolled back. ``expected`` is what the rule says is
    stored (``typed.REFUSED``: the step must be refused). Returns what the step returned, read
    again from the database by ``step``'s own ``read`` before the rollback."""
    with transaction.atomic():
        before = tables()
        try:
            result = step()
        except DomainError as error:
            assert expected is typed.REFUSED, f"refused ({error.message}), expected {expected!r}"
            assert tables() == before, "a refused step changed something"
            result = typed.REFUSED
        else:
            assert expected is not typed.REFUSED, f"accepted, should be refused: {result!r}"
        finally:
            transaction.set_rollback(True)
    return result


def fresh(placement: Placement) -> Placement:
    """The placement as a page would load it (the fixture's object stays as it was)."""
    return Placement.objects.get(pk=placement.pk)


texts = typed.texts
days = typed.days


# Offers -------------------------------------------------------------------------------------------


@given(
    title=texts,
    place_text=texts,
    languages=typed.language_lists,
    starts=days,
    length=st.one_of(st.integers(-3, 200), st.integers(1090, 1110)),
)
# Found by these tests: a NUL (a crash on PostgreSQL), a lone surrogate (a crash on SQLite), a
# title cut at 200 characters without a word, a title of one zero-width space, a NUL in a
# language code; each of them was stored or crashed.
@example(title="Vaktmästare\x00", place_text="Storgatan 1", languages=[], starts=0, length=10)
@example(title="x" * 201, place_text="Storgatan 1", languages=[], starts=0, length=10)
@example(title="\ud800", place_text="Storgatan 1", languages=[], starts=0, length=10)
@example(title="\u200b", place_text="Storgatan 1", languages=[], starts=0, length=10)
@example(title="Kock", place_text="Storgatan 1", languages=["sv\x00"], starts=0, length=10)
@example(title="Kock", place_text="Storgatan\u202e 1", languages=[" SV ", "sv"], starts=0, length=1)
def test_fuzz_offer(placements, title, place_text, languages, starts, length):
    today = timezone.localdate()
    starts_on = typed.day(today, starts)
    try:
        ends_on = starts_on + timedelta(days=length)
    except OverflowError:
        ends_on = starts_on
    fields = {
        "title": typed.title_or_place(title),
        "place": typed.title_or_place(place_text),
        "languages": typed.languages(languages),
    }
    period_ok = starts_on <= ends_on and (ends_on - starts_on).days <= 3 * 366
    expected = fields if period_ok and typed.REFUSED not in fields.values() else typed.REFUSED

    def offer():
        placement = actions.offer_placement(
            employer=placements.place.employer,
            integration_unit=placements.place.unit,
            kind=Placement.Kind.LANGUAGE_PRACTICE,
            title=title,
            place=place_text,
            starts_on=starts_on,
            ends_on=ends_on,
            hours_per_week=20,
            languages=languages,
            user=placements.place.supervisor,
        )
        stored = fresh(placement)
        assert (stored.starts_on, stored.ends_on) == (starts_on, ends_on)
        return {name: getattr(stored, name) for name in fields}

    assert attempt(offer, expected) == expected


# The proposal --------------------------------------------------------------------------------


@given(
    reference=texts,
    consent_on=st.one_of(st.none(), days),
    consent=st.sampled_from([*Placement.ConsentGiven.values, "", "IN_WRITING", " in_writing"]),
)
# Found: a NUL stored in the reference; no consent date was a TypeError.
@example(reference="AF-1\x00", consent_on=0, consent="in_writing")
@example(reference="AF-1", consent_on=None, consent="in_writing")
@example(reference="  AF   12345\tPLAN  ", consent_on=-1, consent="in_person")
@example(reference="900101 - 1234", consent_on=-1, consent="in_person")
def test_fuzz_proposal(placements, reference, consent_on, consent):
    today = timezone.localdate()
    consent_given_on = None if consent_on is None else typed.day(today, consent_on)
    valid = (
        consent in Placement.ConsentGiven.values
        and consent_given_on is not None
        and consent_given_on <= today
    )
    stored_reference = typed.reference(reference)
    expected = (
        (stored_reference, consent_given_on, consent)
        if valid and stored_reference is not typed.REFUSED
        else typed.REFUSED
    )

    def propose():
        actions.propose_newcomer(
            placement=fresh(placements.offered),
            case=placements.case,
            adult_number=2,
            employment_service_reference=reference,
            consent_given_on=consent_given_on,
            consent_given=consent,
            user=placements.place.coordinator,
        )
        stored = fresh(placements.offered)
        assert stored.status == Placement.Status.PROPOSED
        return (stored.employment_service_reference, stored.consent_given_on, stored.consent_given)

    assert attempt(propose, expected) == expected


# Reasons ---------------------------------------------------------------------------------------


STEPS_WITH_A_REASON = {
    # step: (the placement it is taken on, who takes it, the stage it leads to)
    "withdraw_offer": ("offered", "supervisor", Placement.Status.WITHDRAWN),
    "withdraw_proposal": ("proposed", "coordinator", Placement.Status.OFFERED),
    "decline_proposal": ("proposed", "supervisor", Placement.Status.OFFERED),
    "end_placement_early": ("started", "coordinator", Placement.Status.ENDED_EARLY),
}


@given(
    step=st.sampled_from(sorted(STEPS_WITH_A_REASON)),
    reason=texts,
    end_reason=st.sampled_from(Placement.EndReason.values),
)
# Found: a NUL stored in a reason; a reason of one zero-width space taken as given.
@example(step="decline_proposal", reason="Nej\x00", end_reason="other")
@example(step="withdraw_offer", reason="\u200b", end_reason="other")
@example(step="end_placement_early", reason=" \x1f ", end_reason="moved")
@example(step="end_placement_early", reason=" \u200b ", end_reason="moved")
def test_fuzz_reasons(placements, step, reason, end_reason):
    stage, who, target = STEPS_WITH_A_REASON[step]
    placement = getattr(placements, stage)
    if step == "end_placement_early":
        label = str(Placement.EndReason(end_reason).label)
        expected = typed.early_end_words(reason, label)
        extra = {"ended_on": timezone.localdate(), "end_reason": end_reason}
    else:
        expected = typed.reason(reason)
        extra = {}

    def take():
        getattr(actions, step)(
            placement=fresh(placement),
            user=getattr(placements.place, who),
            reason=reason,
            **extra,
        )
        stored = fresh(placement)
        assert stored.status == target
        last = stored.transitions.order_by("pk").last()
        assert (last.from_state, last.to_state) == (stage, target)
        if target == Placement.Status.OFFERED:  # the person is forgotten
            assert (stored.case_id, stored.adult_number, stored.consent_given_on) == (None,) * 3
            assert stored.employment_service_reference == ""
        return last.reason

    assert attempt(take, expected) == expected


# The supervisor's check-ins -------------------------------------------------------------------


@given(
    note=texts,
    on=days,
    expected_days=st.one_of(st.integers(0, 30), st.sampled_from([-1, 366, 367, 2**31])),
    present=st.one_of(st.integers(0, 30), st.sampled_from([-1, 366, 2**31])),
)
# Found: a NUL stored in the note; a note of one zero-width space kept.
@example(note="Går bra\x00", on=0, expected_days=5, present=5)
@example(note="\u200b", on=0, expected_days=5, present=5)
@example(note="n" * 2001, on=0, expected_days=5, present=5)
# Found (make fuzz, seed 1220364057): a personal identity number in the note is refused.
@example(note="19900101-1234", on=0, expected_days=0, present=0)
def test_fuzz_check_in(placements, note, on, expected_days, present):
    today = timezone.localdate()
    day = typed.day(today, on)
    stored_note = typed.note(note)
    valid = (
        placements.started.started_on <= day <= today
        and 0 <= present <= expected_days <= 366
        and stored_note is not typed.REFUSED
    )
    expected = (stored_note, day, expected_days, present) if valid else typed.REFUSED

    def check_in():
        made = actions.record_placement_check_in(
            placement=fresh(placements.started),
            on=day,
            days_expected=expected_days,
            days_present=present,
            language=PlacementCheckIn.Language.SWEDISH_WITH_SUPPORT,
            going=PlacementCheckIn.Going.WELL,
            note=note,
            user=placements.place.supervisor,
        )
        stored = PlacementCheckIn.objects.get(pk=made.pk)
        return (stored.note, stored.on, stored.days_expected, stored.days_present)

    assert attempt(check_in, expected) == expected


# Dates ------------------------------------------------------------------------------------------


DATED_STEPS = {
    # step: (the placement, who, the date's name, the stage it leads to)
    "start_placement": ("proposed", "supervisor", "started_on", Placement.Status.STARTED),
    "complete_placement": ("started", "supervisor", "ended_on", Placement.Status.COMPLETED),
    "record_employment": ("completed", "coordinator", "employed_on", Placement.Status.EMPLOYED),
}


@given(step=st.sampled_from(sorted(DATED_STEPS)), on=days)
@example(step="start_placement", on="min")
@example(step="record_employment", on="max")
def test_fuzz_step_dates(placements, step, on):
    stage, who, name, target = DATED_STEPS[step]
    placement = getattr(placements, stage)
    today = timezone.localdate()
    day = typed.day(today, on)
    # A step cannot be dated in the future, nor before the consent or the start.
    earliest = placement.started_on or placement.consent_given_on or date.min
    expected = day if earliest <= day <= today else typed.REFUSED

    def take():
        getattr(actions, step)(
            placement=fresh(placement), user=getattr(placements.place, who), **{name: day}
        )
        stored = fresh(placement)
        assert stored.status == target
        return getattr(stored, name)

    assert attempt(take, expected) == expected


# Employers and their figures ------------------------------------------------------------------


@given(name=texts)
# Found: control characters stored in the name (an escape, U+001B, first).
@example(name="Krokoms\x00Bygg")
@example(name="  Krokoms \t  Bygg ")
@example(name="\u200b")
def test_fuzz_employer_name(placements, name):
    expected = typed.employer_name(name)
    if expected is not typed.REFUSED and Organisation.objects.filter(name__iexact=expected):
        expected = typed.REFUSED  # the name is taken

    def add():
        employer = actions.add_employer(
            name=name, contact_email="", user=placements.place.coordinator
        )
        return Organisation.objects.get(pk=employer.organisation_id).name

    assert attempt(add, expected) == expected


@given(
    on=days,
    employees=st.one_of(st.integers(0, 100), st.sampled_from([-1, 2**31 - 1, 2**31, 10**12])),
    newcomers=st.one_of(st.integers(0, 10), st.sampled_from([-1, 2**31])),
)
# Found (by the state machine): more staff than a database integer holds was stored on SQLite
# and a crash on PostgreSQL.
@example(on=0, employees=10**12, newcomers=3)
def test_fuzz_staff_figures(placements, on, employees, newcomers):
    today = timezone.localdate()
    day = typed.day(today, on)
    valid = day <= today and 0 <= newcomers <= employees <= actions.MAX_STAFF
    expected = (day, employees, newcomers) if valid else typed.REFUSED

    def record():
        figures = actions.record_staff_figures(
            employer=placements.place.employer,
            recorded_on=day,
            employees=employees,
            came_as_newcomers=newcomers,
            user=placements.place.supervisor,
        )
        stored = StaffFigures.objects.get(pk=figures.pk)
        return (stored.recorded_on, stored.employees, stored.came_as_newcomers)

    assert attempt(record, expected) == expected
