"""The claim as one statement (PostgreSQL) and what a call's outcome sends: the claim is the same
rule as the querysets state it, compiled once per volunteer and given each claim's instant."""

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import require
from tests.factories import queued_home
from volunteers import actions, selectors
from volunteers.actions import queue
from volunteers.models import CallAttempt, QueueEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

Outcome = CallAttempt.Outcome
LEASE = timedelta(minutes=settings.CALL_LEASE_MINUTES)


def require_postgresql():
    require(
        connection.vendor == "postgresql",
        "the one-statement claim runs on PostgreSQL: set DATABASE_URL=postgres://…",
    )


def days_ago(n: float):
    return timezone.now() - timedelta(days=n)


def test_a_claim_is_one_statement_and_the_held_host_comes_back_unchanged(volunteer):
    require_postgresql()
    first = queued_home(registered_at=days_ago(3))
    second = queued_home(registered_at=days_ago(1))
    selectors.awaiting_introduction(volunteer)  # asked once per request, before the claim
    now = timezone.now()

    with CaptureQueriesContext(connection) as claim:
        entry = actions.claim_next_host(volunteer=volunteer, now=now)
    assert len(claim) == 1
    assert (entry.home_id, entry.claimed_by_id, entry.lease_until) == (
        first.pk,
        volunteer.pk,
        now + LEASE,
    )
    stored = QueueEntry.objects.get(pk=entry.pk)
    assert (stored.claimed_by_id, stored.lease_until) == (volunteer.pk, now + LEASE)

    # Pressing "Next host" again gives the same host, without leasing another or the lease
    # running on.
    later = now + timedelta(minutes=5)
    with CaptureQueriesContext(connection) as again:
        held = actions.claim_next_host(volunteer=volunteer, now=later)
    assert len(again) == 1
    assert (held.pk, held.lease_until) == (entry.pk, now + LEASE)
    assert QueueEntry.objects.get(home=second).claimed_by_id is None


def test_the_compiled_claim_is_the_claim_compiled_afresh(volunteer, other_volunteer):
    require_postgresql()
    queued_home()
    now = timezone.now()
    for volunteer_ in (volunteer, other_volunteer):
        for moment in (now, now + timedelta(hours=3), now - timedelta(days=40, seconds=7)):
            for build in (queue._held_sql, queue._next_sql):
                key = ("test", build.__name__, volunteer_.pk, volunteer_.local_group_id)
                sql, params = queue._compiled(key, build, volunteer_, moment)
                fresh_sql, fresh_params = build(volunteer_, moment)
                assert (sql, list(params)) == (fresh_sql, list(fresh_params))


def test_a_host_handed_back_returns_to_the_volunteer_after_the_pause(volunteer):
    home = queued_home()
    now = timezone.now()
    entry = actions.claim_next_host(volunteer=volunteer, now=now)
    with mock.patch("django.utils.timezone.now", return_value=now):
        actions.hand_back(entry=entry, volunteer=volunteer)

    pause = actions.HAND_BACK_PAUSE
    assert (
        actions.claim_next_host(volunteer=volunteer, now=now + pause - timedelta(seconds=1)) is None
    )
    again = actions.claim_next_host(volunteer=volunteer, now=now + pause + timedelta(seconds=1))
    assert again is not None and again.home_id == home.pk


def test_an_expired_lease_lets_another_volunteer_claim_the_host(volunteer, other_volunteer):
    home = queued_home()
    now = timezone.now()
    actions.claim_next_host(volunteer=volunteer, now=now)
    assert actions.claim_next_host(volunteer=other_volunteer, now=now + LEASE) is None
    taken = actions.claim_next_host(
        volunteer=other_volunteer, now=now + LEASE + timedelta(seconds=1)
    )
    assert taken.home_id == home.pk and taken.claimed_by_id == other_volunteer.pk
    # The first volunteer no longer holds it, and gets nothing else.
    later = now + LEASE + timedelta(seconds=2)
    assert actions.claim_next_host(volunteer=volunteer, now=later) is None


def test_a_volunteer_in_no_group_claims_nothing_but_keeps_the_host_held(volunteer):
    queued_home()
    entry = actions.claim_next_host(volunteer=volunteer)
    volunteer.local_group = None
    volunteer.save(update_fields=["local_group"])
    assert actions.claim_next_host(volunteer=volunteer).pk == entry.pk
    actions.record_call(entry=entry, volunteer=volunteer, outcome=Outcome.INTERESTED)
    queued_home()
    assert actions.claim_next_host(volunteer=volunteer) is None


def test_an_unanswered_call_sends_three_statements_and_an_interested_host_one_entry_write(
    volunteer,
):
    queued_home(), queued_home()
    entry = actions.claim_next_host(volunteer=volunteer)
    actions.record_call(entry=entry, volunteer=volunteer, outcome=Outcome.NO_ANSWER)
    entry = actions.claim_next_host(volunteer=volunteer)
    volunteer.organisation  # noqa: B018 (read by the view's request before the outcome)

    # The lock, the call attempt, the entry; no host joined.
    with CaptureQueriesContext(connection) as unanswered:
        actions.record_call(entry=entry, volunteer=volunteer, outcome=Outcome.NO_ANSWER)
    statements = [q["sql"] for q in unanswered if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 3
    assert '"hosts_host"' not in statements[0]

    # The home is contacted (with its history row); the entry is written once, by the outcome.
    queued_home(registered_at=days_ago(400))
    entry = actions.claim_next_host(volunteer=volunteer)
    with CaptureQueriesContext(connection) as interested:
        actions.record_call(entry=entry, volunteer=volunteer, outcome=Outcome.INTERESTED)
    writes = [q["sql"] for q in interested if q["sql"].startswith('UPDATE "volunteers_queueentry"')]
    assert len(writes) == 1
    assert any(q["sql"].startswith('INSERT INTO "hosts_hometransition"') for q in interested)
    entry.refresh_from_db()
    assert (entry.needs_call, entry.claimed_by_id, entry.lease_until) == (False, None, None)


# Learning which parameters follow the clock --------------------------------------------------


def test_parameters_that_follow_the_clock_are_learnt_with_their_offset():
    def build(now):
        return "SELECT %s, %s, %s", [now, 7, now - timedelta(minutes=30)]

    sql, slots = queue._follow_the_clock(build)
    assert sql == "SELECT %s, %s, %s"
    assert slots == [(None, timedelta(0)), (7, None), (None, timedelta(minutes=-30))]


@pytest.mark.parametrize(
    "build",
    [
        lambda now: ("SELECT %s", [now.date()]),  # a day, not an instant
        lambda now: ("SELECT %s", [now.hour < 12]),  # taken from the clock, not an instant
        lambda now: ("SELECT %s", [now.replace(hour=0)]),  # not a fixed offset
        lambda now: (f"SELECT {now.year}", []),  # another statement
        lambda now: ("SELECT %s" + ", %s" * (now.month % 2), [1] * (1 + now.month % 2)),
    ],
)
def test_a_statement_that_depends_on_the_clock_otherwise_is_compiled_each_time(build):
    assert queue._follow_the_clock(build) is None
    key = ("test", "uncached", id(build))
    moment = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    assert queue._compiled(key, lambda _volunteer, now: build(now), None, moment) == build(moment)
    assert key not in queue._COMPILED


def test_the_two_instants_differ_in_every_part():
    first, second = queue._CLOCKS
    parts = ("year", "month", "day", "hour", "minute", "second", "microsecond")
    assert all(getattr(first, part) != getattr(second, part) for part in parts)
    assert first.weekday() != second.weekday()
    assert date(first.year, 1, 1) != date(second.year, 1, 1)
