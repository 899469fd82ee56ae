"""The road to work under the portal's privacy rules (issue 17).

- When a closed case's retention passes, the Public Employment Service's reference of its
  placements, the supervisors' check-in notes and the reasons in the placements' histories are
  emptied; the placements stay, with their kind, stages, dates and attendance, for the reports.
- A proposal declined or withdrawn forgets the person at once; the reason given for it is emptied
  once the same period has passed since it was written.
- The record of processing describes the placements: purpose, legal basis (consent), retention.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation

from newcomers.actions import close_case
from newcomers.models import NewcomerCase
from privacy import actions
from privacy.models import RetentionRun
from privacy.processing import records
from tests.factories import (
    NewcomerCaseFactory,
    proposed_placement,
    started_placement,
    work_place,
)
from work import actions as work
from work.models import Placement, PlacementCheckIn, PlacementTransition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("role_groups")]

DAYS = settings.RETENTION_DAYS["closed_cases"]
TODAY = timezone.localdate()
NOTE = "Kommer i tid, vill lära sig mer om ventilation."
ENDED_BECAUSE = "Har fått jobb som lokalvårdare."
DECLINED_BECAUSE = "Vi kan inte ta emot någon med astma i verkstaden."
KEYS = ("placement_references", "placement_check_in_notes", "placement_reasons")


def placement_with_words(place, case):
    """A placement of ``case`` that ran, with a check-in note and an early end with a reason."""
    placement = started_placement(place, case=case)
    work.record_placement_check_in(
        placement=placement,
        on=TODAY,
        days_expected=5,
        days_present=4,
        language="swedish_with_support",
        going="well",
        note=NOTE,
        user=place.supervisor,
    )
    work.end_placement_early(
        placement=placement,
        ended_on=TODAY,
        end_reason="found_work",
        reason=ENDED_BECAUSE,
        user=place.coordinator,
    )
    return placement


def test_a_closed_cases_placement_texts_go_when_its_retention_passes():
    now = timezone.now()
    place = work_place()
    closed = NewcomerCaseFactory(partner=place.unit)
    still_open = NewcomerCaseFactory(partner=place.unit)
    gone, kept = placement_with_words(place, closed), placement_with_words(place, still_open)
    close_case(case=closed, user=place.coordinator, reason="Flyttat till Umeå.")
    NewcomerCase.objects.filter(pk=closed.pk).update(status_changed_at=now)

    before = actions.apply_retention(now=now + timedelta(days=DAYS - 1))
    assert [before[key] for key in KEYS] == [0, 0, 0]
    assert Placement.objects.get(pk=gone.pk).employment_service_reference == "AF-12345-PLAN"

    counts = actions.apply_retention(now=now + timedelta(days=DAYS + 1))

    assert [counts[key] for key in KEYS] == [1, 1, 1]
    assert RetentionRun.objects.latest("ran_at").counts["placement_references"] == 1
    stored = Placement.objects.get(pk=gone.pk)
    assert stored.employment_service_reference == ""
    assert PlacementCheckIn.objects.get(placement=gone).note == ""
    assert set(gone.transitions.values_list("reason", flat=True)) == {""}
    # The placement stays for the figures: the kind, the stages, the dates, the attendance.
    assert (stored.kind, stored.status, stored.end_reason) == (
        "work_training",
        "ended_early",
        "found_work",
    )
    assert (stored.case_id, stored.adult_number, stored.started_on) == (closed.pk, 1, TODAY)
    assert gone.transitions.count() == 4
    check_in = PlacementCheckIn.objects.get(placement=gone)
    assert (check_in.days_expected, check_in.days_present, check_in.going) == (5, 4, "well")
    # The open case keeps everything.
    assert Placement.objects.get(pk=kept.pk).employment_service_reference == "AF-12345-PLAN"
    assert PlacementCheckIn.objects.get(placement=kept).note == NOTE
    assert ENDED_BECAUSE in kept.transitions.values_list("reason", flat=True)

    again = actions.apply_retention(now=now + timedelta(days=DAYS + 2))
    assert [again[key] for key in KEYS] == [0, 0, 0]


def test_a_declined_proposal_forgets_the_person_at_once_and_its_reason_after_the_period():
    now = timezone.now()
    place = work_place()
    placement = proposed_placement(place)
    work.decline_proposal(placement=placement, user=place.supervisor, reason=DECLINED_BECAUSE)
    stored = Placement.objects.get(pk=placement.pk)
    assert stored.case_id is None and stored.employment_service_reference == ""

    actions.apply_retention(now=now + timedelta(days=DAYS - 1))
    declined = PlacementTransition.objects.get(
        placement=placement, to_state="offered", from_state="proposed"
    )
    assert declined.reason == DECLINED_BECAUSE

    counts = actions.apply_retention(now=now + timedelta(days=DAYS + 1))
    declined.refresh_from_db()
    assert declined.reason == "" and counts["placement_reasons"] == 1
    assert (declined.from_state, declined.to_state, declined.actor) == (
        "proposed",
        "offered",
        place.supervisor,
    )


def test_the_record_of_processing_describes_the_placements():
    (record,) = [
        r
        for r in records()
        if "work.placement" in r["models"]
        and "work.placementcheckin" in r["models"]
        and "work.employer" not in r["models"]
    ]
    with translation.override("en"):
        assert "Public Employment Service" in str(record["data"])
        assert "never a personal identity number" in str(record["data"])
        assert "consent (art. 6.1 a)" in str(record["basis"])
        assert str(DAYS) in str(record["kept"])
    assert "work.placementtransition" in record["models"]
    # Who offered, recorded, supervised: in the record of who did what.
    (who_did_what,) = [r for r in records() if "work.employer" in r["models"]]
    assert {"work.stafffigures", "work.placement", "work.placementcheckin"} <= set(
        who_did_what["models"]
    )
    with translation.override("sv"):
        assert "Arbetsförmedlingen" in str(record["data"])
