"""The move-in date: today or a little back records the move-in, a later date plans it, and a
date far back or far ahead is refused with a message that says so."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from matching.actions import (
    MOVE_IN_PAST_LIMIT_DAYS,
    approve_match,
    propose_match,
    record_move_in,
    take_planned_move_ins,
)
from matching.models import Match
from newcomers.models import NewcomerCase
from stays.models import CheckIn
from tests.factories import NewcomerCaseFactory, referred_home, said_yes
from workflow.errors import Invalid

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(organisations, coordinator):
    partner = organisations["partner"]
    match = propose_match(
        home=referred_home(partner), case=NewcomerCaseFactory(partner=partner), user=coordinator
    )
    approve_match(match=said_yes(match, coordinator), user=coordinator)
    return match


def statuses(match):
    match.refresh_from_db()
    match.case.refresh_from_db()
    return match.status, match.case.status


def test_a_move_in_dated_next_week_is_planned_not_done(
    approved, coordinator, django_capture_on_commit_callbacks
):
    next_week = timezone.localdate() + timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        record_move_in(match=approved, user=coordinator, move_in_date=next_week)

    assert statuses(approved) == (Match.Status.APPROVED, NewcomerCase.Status.MATCHED)
    assert approved.move_in_date == next_week
    assert not CheckIn.objects.filter(match=approved).exists()
    assert len(mail.outbox) == 1  # the planned date, to the host

    # The beat task does nothing before the day, and the step on the day, once.
    assert take_planned_move_ins(today=next_week - timedelta(days=1)) == 0
    assert take_planned_move_ins(today=next_week) == 1
    assert take_planned_move_ins(today=next_week) == 0
    assert statuses(approved) == (Match.Status.MOVED_IN, NewcomerCase.Status.HOUSED)
    assert approved.transitions.last().actor_kind == "system"
    assert CheckIn.objects.filter(match=approved).exists()


def test_beat_houses_planned_move_ins_every_hour(approved, coordinator):
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["house-planned-move-ins"]
    assert entry["task"] == "matching.tasks.house_planned_move_ins"
    tomorrow = timezone.localdate() + timedelta(days=1)
    record_move_in(match=approved, user=coordinator, move_in_date=tomorrow)
    Match.objects.filter(pk=approved.pk).update(move_in_date=timezone.localdate())

    assert take_planned_move_ins() == 1
    assert statuses(approved) == (Match.Status.MOVED_IN, NewcomerCase.Status.HOUSED)


def test_a_move_in_today_or_recently_is_recorded_at_once(approved, coordinator):
    last_week = timezone.localdate() - timedelta(days=7)
    record_move_in(match=approved, user=coordinator, move_in_date=last_week)
    assert statuses(approved) == (Match.Status.MOVED_IN, NewcomerCase.Status.HOUSED)
    assert approved.move_in_date == last_week


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (-(MOVE_IN_PAST_LIMIT_DAYS + 1), "A move-in can be dated at most 90 days back."),
        (400, "A move-in can be planned at most 365 days ahead."),
    ],
)
def test_a_date_far_back_or_far_ahead_is_refused(approved, coordinator, days, message):
    with translation.override("en"), pytest.raises(Invalid) as refused:
        record_move_in(
            match=approved, user=coordinator, move_in_date=timezone.localdate() + timedelta(days)
        )
    with translation.override("en"):
        assert str(refused.value.message).startswith(message)
    assert statuses(approved) == (Match.Status.APPROVED, NewcomerCase.Status.MATCHED)
    assert approved.move_in_date is None


def test_cancelling_a_planned_move_in_forgets_the_date(approved, coordinator):
    from matching.actions import cancel_match

    record_move_in(
        match=approved, user=coordinator, move_in_date=timezone.localdate() + timedelta(days=3)
    )
    cancel_match(match=approved, user=coordinator, note="Familjen fick en annan bostad.")
    approved.refresh_from_db()
    assert (approved.status, approved.move_in_date) == (Match.Status.CANCELLED, None)
    assert take_planned_move_ins(today=timezone.localdate() + timedelta(days=3)) == 0
