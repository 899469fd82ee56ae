"""Stored counts for finished days: the dashboard's costliest figures, kept from the logs and
completed live, so that it answers quickly at national scale and gives exactly the live figures.

What is stored (``reports.models``), each derived from the history rows up to a *watermark*
(every row of the log whose number is at most the watermark, none after it):

- ``CallDay``: the calls each person recorded on each finished day (Swedish time). The
  dashboard's "Calls made" month by month are these days summed over the people of the scope
  (who is in a local group is read live, so moving someone to another group is exact), plus,
  live, the calls of the days not covered (today) and every call written after the watermark
  (a back-dated row included).
- ``HomeFacts`` and ``HomeMatchFacts``: per counted registration, its tagged link, when it was
  registered and when it first reached each step of the cohort (reached on a call, visited,
  referred; per partner, the first approval and the first move-in date). The new registrations
  (by month, by municipality and by tagged link), the hosts reached within N days, the funnel
  and the lead times (exact
  medians and 90th percentiles over the values themselves: a distribution does not add up by
  day, so each registration's value is kept) are computed from these rows, except for the
  homes *touched* since the watermark, whose facts are computed live from the logs: a home with
  a history row, a call or a match step written after the watermark, or marked by
  ``mark_homes_changed`` (a change without a history row: the municipality chosen, a
  registration merged into another, a case given to another partner on its admin page).
- ``ReferralFacts``: per home that is no duplicate and no company flat, when it was first
  referred, with its partner and municipality. The homes referred to the partner (in total and
  by municipality) are those first referred in the period, except the homes touched since the
  watermark, which are counted live.
- ``MoveInFacts``: per match that moved in (a row to "moved in" and a move-in date), the date,
  its household and the household's partner, its home and municipality. The households housed
  are each household's first of these in the period, the matches of the homes touched since the
  watermark read live (so a household's first is chosen over both).
- ``ApprovalFacts``: per row to "approved" of a match's history, when, with the partner of the
  match's household and the match's home and municipality. The matches approved (by month and
  by municipality) are these rows, except those of the homes touched since the watermark (a
  new step of a match touches its home), which are counted live.

A refresh (``refresh``: the beat's ``reports.tasks.refresh_stored_counts`` every night, and
``manage.py refresh_stored_counts``) is idempotent. The first (or ``full=True``) computes every
finished day and every registration; later ones recompute the last ``RECOMPUTE_DAYS`` days, the
days not yet covered, every day with a call written since the last refresh (so a back-dated call
dirties its own day), and the facts of every home touched since then. The watermark is read
while the logs are locked against writers (``LOCK ... IN SHARE MODE``, a moment), so no row
numbered below it is still uncommitted when the counts are taken.

Nothing in the project deletes a history row: an erasure (``hosts.actions.erase_host``,
``privacy.actions.erase_person``) empties names and texts, keeps the anonymous rows the figures
count, and withdraws open offers with a new history row (which touches the home). A change made
behind the actions' back (SQL in a migration, the seed's back-dating of its demo history) is
seen by the next full refresh (``refresh_stored_counts --full``); until then the stored counts
read as before it.
"""

import math
import time as clock
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import OperationalError, connection, transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import User
from hosts.models import Home, HomeTransition
from matching.models import Match, MatchTransition
from volunteers.models import CallAttempt, HomeVisit, HomeVisitTransition

from .models import (
    ApprovalFacts,
    CallDay,
    ChangedHome,
    HomeFacts,
    HomeMatchFacts,
    MemberSnapshot,
    MoveInFacts,
    ReferralFacts,
    StoredCountsState,
    VisitDay,
)

# Every refresh recomputes at least the last days (a late row is most likely recent).
RECOMPUTE_DAYS = 7
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
DAY_US = 86_400_000_000
BATCH = 5_000

# The logs the stored counts follow, by the name of their watermark.
LOGS = {
    "home_transition_id": HomeTransition,
    "call_attempt_id": CallAttempt,
    "match_transition_id": MatchTransition,
    "visit_transition_id": HomeVisitTransition,
}


def micros(moment: datetime) -> int:
    """A moment as microseconds since 1970 (UTC)."""
    return (moment - EPOCH) // MICROSECOND


def among(path: str, ids) -> Q:
    """``path`` is one of ``ids``: on PostgreSQL with one array parameter (``IN (SELECT
    unnest(%s))``), not one parameter per id, since a busy day touches thousands of homes and
    compiling and sending as many parameters cost more than the statement."""
    ids = list(ids)
    if connection.vendor == "postgresql":
        return Q(**{f"{path}__in": RawSQL("SELECT unnest(%s::bigint[])", [ids])})
    return Q(**{f"{path}__in": ids})


def day_start(day: date) -> datetime:
    """Midnight (Swedish time: the current time zone) at the start of ``day``."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def current_state() -> StoredCountsState | None:
    """The latest refresh, or None when the counts were never stored (then all is live)."""
    return StoredCountsState.objects.order_by("-pk").first()


def mark_homes_changed(home_ids) -> None:
    """Homes changed without a history row: their stored facts are read live until the next
    refresh (called by the actions that do so, inside their transaction)."""
    ChangedHome.objects.bulk_create([ChangedHome(home_id=pk) for pk in home_ids if pk])


# Refreshing -----------------------------------------------------------------------------------


# How long the refresh waits for the logs' lock before it lets the writers go first and tries
# again: shorter than PostgreSQL's deadlock_timeout (1 s), so that a step writing to two logs
# while the refresh waits is never the one a deadlock check aborts.
LOCK_TIMEOUT_MS = 400
LOCK_ATTEMPTS = 50


def _watermarks() -> dict[str, int]:
    """The highest row number of each log (and of the changed homes), read while the tables are
    locked against writers, so that every row numbered up to it is committed."""
    tables = [model._meta.db_table for model in (*LOGS.values(), ChangedHome)]
    for attempt in range(LOCK_ATTEMPTS):
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
                        cursor.execute(f"LOCK TABLE {', '.join(tables)} IN SHARE MODE")
                marks = {
                    name: model.objects.aggregate(m=Max("pk"))["m"] or 0
                    for name, model in LOGS.items()
                }
                marks["changed_home"] = ChangedHome.objects.aggregate(m=Max("pk"))["m"] or 0
            return marks
        except OperationalError:
            if attempt == LOCK_ATTEMPTS - 1:
                raise
            clock.sleep(0.1)
    raise AssertionError("unreachable")


def _local_days(queryset) -> set[date]:
    return set(
        queryset.order_by()
        .annotate(day=TruncDate("created_at"))
        .values_list("day", flat=True)
        .distinct()
    )


def _days_to_recompute(previous: StoredCountsState, marks: dict, today: date) -> set[date]:
    """The last ``RECOMPUTE_DAYS`` days, the days not yet covered, and the days of the calls
    written since the last refresh (a back-dated call dirties its own day)."""
    first = min(today - timedelta(days=RECOMPUTE_DAYS), previous.covered_until + timedelta(days=1))
    days = {first + timedelta(days=i) for i in range((today - first).days)}
    late = CallAttempt.objects.filter(
        pk__gt=previous.call_attempt_id,
        pk__lte=marks["call_attempt_id"],
        created_at__lt=day_start(today),
    )
    visits = _visit_days(
        previous.visit_transition_id, marks["visit_transition_id"], marks["changed_home"]
    )
    return days | _local_days(late) | {day for day in visits | _moved_days() if day < today}


def _moved_days() -> set[date]:
    """The days of the calls and reported visits of the people whose local group or
    organisation is not the one of the snapshot (the stored days counted them in their former
    group)."""
    snapshot = {
        pk: (group, organisation)
        for pk, group, organisation in MemberSnapshot.objects.values_list(
            "user_id", "local_group_id", "organisation_id"
        )
    }
    now = {
        pk: (group, organisation)
        for pk, group, organisation in User.objects.filter(
            Q(local_group__isnull=False) | Q(organisation__isnull=False)
        ).values_list("pk", "local_group_id", "organisation_id")
    }
    moved = [pk for pk in snapshot.keys() | now.keys() if snapshot.get(pk) != now.get(pk)]
    if not moved:
        return set()
    visits = HomeVisit.objects.filter(status=HomeVisit.Status.REPORTED, volunteers__in=moved)
    days = set(
        visits.order_by()
        .annotate(day=TruncDate("starts_at"))
        .values_list("day", flat=True)
        .distinct()
    )
    return days | _local_days(CallAttempt.objects.filter(volunteer__in=moved))


def _visit_days(watermark: int, upper: int | None = None, changed_upper: int | None = None):
    """The days (of their start) of the visits with a step written after ``watermark`` (up to
    ``upper``), and of the visits in homes marked as changed."""
    steps = HomeVisitTransition.objects.filter(pk__gt=watermark)
    changed = ChangedHome.objects.all()
    if upper is not None:
        steps = steps.filter(pk__lte=upper)
        changed = changed.filter(pk__lte=changed_upper)
    # Two statements, each by its index (an OR of the two would read every visit).
    days = set()
    for visits in (
        HomeVisit.objects.filter(pk__in=steps.values("visit_id")),
        HomeVisit.objects.filter(home_id__in=changed.values("home_id")),
    ):
        days |= set(
            visits.order_by()
            .annotate(day=TruncDate("starts_at"))
            .values_list("day", flat=True)
            .distinct()
        )
    return days


def _day_ranges(field: str, days) -> Q:
    """``field`` on one of ``days`` (Swedish time), as ranges of time."""
    within = Q(pk__in=[])
    for day in days:
        within |= Q(
            **{f"{field}__gte": day_start(day), f"{field}__lt": day_start(day + timedelta(days=1))}
        )
    return within


def _touched_homes(watermarks: dict, upper: dict | None = None) -> set[int]:
    """The homes with a history row, a call or a match step written after the watermarks (and
    up to ``upper``), or marked as changed."""

    def between(model, name):
        rows = model.objects.order_by().filter(pk__gt=watermarks[name])
        if upper is not None:
            rows = rows.filter(pk__lte=upper[name])
        return rows

    changed = ChangedHome.objects.order_by()
    if upper is not None:
        changed = changed.filter(pk__lte=upper["changed_home"])
    ids = (
        between(HomeTransition, "home_transition_id")
        .values_list("home_id", flat=True)
        .union(
            between(CallAttempt, "call_attempt_id").values_list("home_id", flat=True),
            between(MatchTransition, "match_transition_id").values_list(
                "match__home_id", flat=True
            ),
            changed.values_list("home_id", flat=True),
        )
    )
    return {pk for pk in ids if pk is not None}


def _store_calls(days: set[date] | None, marks: dict, today: date) -> int:
    calls = CallAttempt.objects.filter(
        pk__lte=marks["call_attempt_id"],
        volunteer__isnull=False,
        created_at__lt=day_start(today),
    )
    stored = CallDay.objects.all()
    if days is not None:
        if not days:
            return 0
        calls = calls.filter(_day_ranges("created_at", days))
        stored = stored.filter(day__in=days)
    stored.delete()
    calls = calls.order_by().annotate(day=TruncDate("created_at"))
    rows = []
    for key in ("local_group_id", "organisation_id"):
        path = f"volunteer__{key}"
        for day, value, n in (
            calls.filter(**{f"{path}__isnull": False})
            .values("day", path)
            .annotate(n=Count("pk"))
            .values_list("day", path, "n")
        ):
            rows.append(CallDay(day=day, n=n, **{key: value}))
    CallDay.objects.bulk_create(rows, batch_size=BATCH)
    return len(days) if days is not None else len(_local_days(calls))


def _store_visits(days: set[date] | None, today: date) -> None:
    visits = HomeVisit.objects.filter(
        status=HomeVisit.Status.REPORTED, starts_at__lt=day_start(today)
    )
    stored = VisitDay.objects.all()
    if days is not None:
        visits = visits.filter(_day_ranges("starts_at", days))
        stored = stored.filter(day__in=days)
    stored.delete()
    visits = visits.order_by().annotate(day=TruncDate("starts_at"))
    rows = []
    for key in ("local_group_id", "organisation_id"):
        path = f"volunteers__{key}"
        for day, code, value, n in (
            visits.filter(**{f"{path}__isnull": False})
            .values("day", "home__municipality_id", path)
            .annotate(n=Count("pk", distinct=True))
            .values_list("day", "home__municipality_id", path, "n")
        ):
            rows.append(VisitDay(day=day, municipality_id=code, n=n, **{key: value}))
    VisitDay.objects.bulk_create(rows, batch_size=BATCH)
    MemberSnapshot.objects.all().delete()
    MemberSnapshot.objects.bulk_create(
        (
            MemberSnapshot(user_id=pk, local_group_id=group, organisation_id=organisation)
            for pk, group, organisation in User.objects.filter(
                Q(local_group__isnull=False) | Q(organisation__isnull=False)
            ).values_list("pk", "local_group_id", "organisation_id")
        ),
        batch_size=BATCH,
    )


def _store_facts(homes: set[int] | None, marks: dict) -> int:
    if homes is not None and not homes:
        return 0
    facts, match_facts = home_facts(home_ids=homes, marks=marks)
    referrals = referral_facts(home_ids=homes, marks=marks)
    approvals = approval_facts(home_ids=homes, marks=marks)
    move_ins = move_in_facts(home_ids=homes, marks=marks)
    stored = (HomeFacts, HomeMatchFacts, ReferralFacts, ApprovalFacts, MoveInFacts)
    if homes is None:
        for model in stored:
            model.objects.all().delete()
    else:
        ids = list(homes)
        for i in range(0, len(ids), BATCH):
            for model in stored:
                model.objects.filter(home_id__in=ids[i : i + BATCH]).delete()
    HomeFacts.objects.bulk_create(
        (HomeFacts(**row.__dict__) for row in facts.values()), batch_size=BATCH
    )
    HomeMatchFacts.objects.bulk_create(
        (HomeMatchFacts(**row.__dict__) for row in match_facts), batch_size=BATCH
    )
    ReferralFacts.objects.bulk_create(referrals, batch_size=BATCH)
    ApprovalFacts.objects.bulk_create(approvals, batch_size=BATCH)
    MoveInFacts.objects.bulk_create(move_ins, batch_size=BATCH)
    return len(facts)


def move_in_facts(*, home_ids=None, marks: dict | None = None) -> list[MoveInFacts]:
    """Per match with a row to "moved in" up to ``marks`` (None: every row) and a move-in date
    (``metrics.move_ins``): the date, its case and the case's partner, its home and the home's
    municipality. Restricted to the matches of ``home_ids``."""
    moved = MatchTransition.objects.filter(match=OuterRef("pk"), to_state=Match.Status.MOVED_IN)
    if marks:
        moved = moved.filter(pk__lte=marks["match_transition_id"])
    matches = Match.objects.filter(Exists(moved), move_in_date__isnull=False)
    if home_ids is not None:
        matches = matches.filter(among("home_id", home_ids))
    return [
        MoveInFacts(
            match_id=pk,
            case_id=case,
            home_id=home,
            partner_id=partner,
            municipality_id=code,
            move_in_date=day,
        )
        for pk, case, home, partner, code, day in matches.order_by().values_list(
            "pk", "case_id", "home_id", "case__partner_id", "home__municipality_id", "move_in_date"
        )
    ]


def approval_facts(*, home_ids=None, marks: dict | None = None) -> list[ApprovalFacts]:
    """Per row to "approved" of a match's history up to ``marks`` (None: every row;
    ``metrics.matches_approved``): when, the partner of the match's household, the match's
    home and its municipality. Restricted to the matches of ``home_ids``."""
    rows = MatchTransition.objects.filter(to_state=Match.Status.APPROVED)
    if marks:
        rows = rows.filter(pk__lte=marks["match_transition_id"])
    if home_ids is not None:
        rows = rows.filter(among("match__home_id", home_ids))
    return [
        ApprovalFacts(
            transition_id=pk,
            home_id=home_id,
            partner_id=partner,
            municipality_id=code,
            approved_us=micros(at),
        )
        for pk, home_id, partner, code, at in rows.order_by().values_list(
            "pk",
            "match__home_id",
            "match__case__partner_id",
            "match__home__municipality_id",
            "created_at",
        )
    ]


def referral_facts(*, home_ids=None, marks: dict | None = None) -> list[ReferralFacts]:
    """Per home with a row to "referred" up to ``marks`` (None: every row) that is no duplicate
    and no company flat (``metrics.first_referrals``): when it was first referred, and its
    partner and municipality. Restricted to ``home_ids``."""
    rows = HomeTransition.objects.filter(
        to_state=Home.Status.REFERRED,
        home__unit__isnull=True,
        home__duplicate_of__isnull=True,
    )
    if marks:
        rows = rows.filter(pk__lte=marks["home_transition_id"])
    if home_ids is not None:
        rows = rows.filter(among("home_id", home_ids))
    return [
        ReferralFacts(
            home_id=home_id, partner_id=partner, municipality_id=code, referred_us=micros(at)
        )
        for home_id, partner, code, at in rows.order_by()
        .values("home_id", "home__partner_id", "home__municipality_id")
        .annotate(m=Min("created_at"))
        .values_list("home_id", "home__partner_id", "home__municipality_id", "m")
    ]


def refresh(*, full: bool = False, today: date | None = None) -> StoredCountsState:
    """Recompute the stored counts from the logs (idempotent: running it twice stores the same).

    The first refresh, or ``full``: every finished day and every registration. Later: the last
    ``RECOMPUTE_DAYS`` days, the days not yet covered and those with a call written since the
    last refresh; the facts of every home touched since then."""
    began = clock.perf_counter()
    today = today or timezone.localdate()
    previous = None if full else current_state()
    marks = _watermarks()
    with transaction.atomic():
        if previous is None:
            days = homes = None
        else:
            days = _days_to_recompute(previous, marks, today)
            homes = _touched_homes(
                {name: getattr(previous, name) for name in LOGS} | {"changed_home": 0}, marks
            )
        n_days = _store_calls(days, marks, today)
        _store_visits(days, today)
        n_homes = _store_facts(homes, marks)
        ChangedHome.objects.filter(pk__lte=marks["changed_home"]).delete()
        if connection.vendor == "postgresql":
            # The planner's statistics of the tables just written (autovacuum may be late, or off).
            written = (
                CallDay,
                VisitDay,
                MemberSnapshot,
                HomeFacts,
                HomeMatchFacts,
                ReferralFacts,
                ApprovalFacts,
                MoveInFacts,
            )
            tables = ", ".join(model._meta.db_table for model in written)
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {tables}")
        return StoredCountsState.objects.create(
            covered_until=today - timedelta(days=1),
            full=previous is None,
            days=n_days,
            homes=n_homes,
            seconds=clock.perf_counter() - began,
            **{name: marks[name] for name in LOGS},
        )


# Each registration's facts, from the logs ------------------------------------------------------


@dataclass
class Facts:
    home_id: int
    registered_us: int
    registered_on: date
    municipality_id: str | None
    partner_id: int | None
    reached_us: int | None = None
    visited_us: int | None = None
    referred_us: int | None = None
    source_id: int | None = None


@dataclass
class MatchFacts:
    home_id: int
    partner_id: int
    registered_us: int
    registered_on: date
    municipality_id: str | None
    matched_us: int | None = None
    moved_in_on: date | None = None


def _first(current, value):
    return value if current is None or value < current else current


def home_facts(*, home_ids=None, marks: dict | None = None, period=None, scope=None):
    """Per counted registration (``metrics.registrations``: a home offered through the form, no
    duplicate, no company flat): its registration, its municipality and partner, and when it
    first reached each step (``metrics.cohort_steps``, ``cohort_reached``, ``cohort_matched``,
    ``cohort_moved_in``), from the rows up to ``marks`` (None: every row). Restricted to
    ``home_ids`` and, with ``period`` and ``scope``, to the registrations they count."""

    def upto(queryset, name):
        return queryset.filter(pk__lte=marks[name]) if marks else queryset

    registrations = upto(
        HomeTransition.objects.filter(
            from_state="",
            to_state=Home.Status.REGISTERED,
            home__duplicate_of__isnull=True,
            home__unit__isnull=True,
        ),
        "home_transition_id",
    )
    if home_ids is not None:
        registrations = registrations.filter(among("home_id", home_ids))
    if period is not None:
        registrations = registrations.filter(scope.homes("home__"), **period.moments)
    facts: dict[int, Facts] = {}
    for home_id, at, municipality, partner, source in registrations.order_by(
        "created_at", "pk"
    ).values_list(
        "home_id", "created_at", "home__municipality_id", "home__partner_id", "home__source_id"
    ):
        if home_id not in facts:
            facts[home_id] = Facts(
                home_id, micros(at), timezone.localdate(at), municipality, partner, source_id=source
            )
    if not facts:
        return facts, []
    restrict = home_ids is not None or period is not None
    ids = list(facts)

    def of_homes(queryset, path="home_id"):
        return queryset.filter(among(path, ids)) if restrict else queryset

    reached = upto(CallAttempt.objects.filter(outcome__in=CallAttempt.REACHED), "call_attempt_id")
    for home_id, at in (
        of_homes(reached)
        .order_by()
        .values("home_id")
        .annotate(m=Min("created_at"))
        .values_list("home_id", "m")
    ):
        if home_id in facts:
            facts[home_id].reached_us = micros(at)
    steps = upto(
        HomeTransition.objects.filter(to_state__in=[Home.Status.VISITED, Home.Status.REFERRED]),
        "home_transition_id",
    )
    for home_id, state, at in (
        of_homes(steps)
        .order_by()
        .values("home_id", "to_state")
        .annotate(m=Min("created_at"))
        .values_list("home_id", "to_state", "m")
    ):
        if home_id in facts:
            name = "visited_us" if state == Home.Status.VISITED else "referred_us"
            setattr(facts[home_id], name, micros(at))
    matches: dict[tuple[int, int], MatchFacts] = {}

    def match_facts(home_id, partner_id) -> MatchFacts:
        home = facts[home_id]
        key = (home_id, partner_id)
        if key not in matches:
            matches[key] = MatchFacts(
                home_id, partner_id, home.registered_us, home.registered_on, home.municipality_id
            )
        return matches[key]

    approvals = upto(
        MatchTransition.objects.filter(to_state=Match.Status.APPROVED), "match_transition_id"
    )
    for home_id, partner_id, at in (
        of_homes(approvals, "match__home_id")
        .order_by()
        .values("match__home_id", "match__case__partner_id")
        .annotate(m=Min("created_at"))
        .values_list("match__home_id", "match__case__partner_id", "m")
    ):
        if home_id in facts:
            row = match_facts(home_id, partner_id)
            row.matched_us = _first(row.matched_us, micros(at))
    moved = upto(
        MatchTransition.objects.filter(match=OuterRef("pk"), to_state=Match.Status.MOVED_IN),
        "match_transition_id",
    )
    for home_id, partner_id, on in (
        of_homes(Match.objects.filter(Exists(moved), move_in_date__isnull=False))
        .order_by()
        .values("home_id", "case__partner_id")
        .annotate(m=Min("move_in_date"))
        .values_list("home_id", "case__partner_id", "m")
    ):
        if home_id in facts:
            row = match_facts(home_id, partner_id)
            row.moved_in_on = _first(row.moved_in_on, on)
    return facts, list(matches.values())


# Reading: stored facts and counts, completed live ---------------------------------------------


def percentile_disc(values: list, p: float):
    """PostgreSQL's ``percentile_disc``: the value at rank ⌈p·n⌉ of the sorted values (the
    same double-precision product), None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(p * len(ordered)), 1) - 1]


class StoredFigures:
    """A partnership's figures read from the stored counts and completed live: the same numbers
    as the live queries of ``reports.metrics`` (``tests/reports/test_stored_counts.py``)."""

    def __init__(self, state: StoredCountsState, period, scope):
        self.state, self.period, self.scope = state, period, scope
        self.touched = touched = _touched_homes({name: getattr(state, name) for name in LOGS})
        start_us, end_us = micros(period.start), micros(period.end)
        stored = HomeFacts.objects.filter(registered_us__gte=start_us, registered_us__lt=end_us)
        stored_matches = HomeMatchFacts.objects.filter(
            partner_id=scope.partner_id, registered_us__gte=start_us, registered_us__lt=end_us
        )
        if scope.municipality_codes is not None:
            stored = stored.filter(municipality_id__in=scope.municipality_codes)
            stored_matches = stored_matches.filter(municipality_id__in=scope.municipality_codes)
        names = [field.attname for field in HomeFacts._meta.concrete_fields]
        self.homes = [
            Facts(*row) for row in stored.order_by().values_list(*names) if row[0] not in touched
        ]
        match_names = ["home_id", "partner_id", "registered_us", "registered_on"]
        match_names += ["municipality_id", "matched_us", "moved_in_on"]
        self.matches = [
            MatchFacts(*row)
            for row in stored_matches.order_by().values_list(*match_names)
            if row[0] not in touched
        ]
        if touched:
            live, live_matches = home_facts(home_ids=touched, period=period, scope=scope)
            self.homes += live.values()
            self.matches += [row for row in live_matches if row.partner_id == scope.partner_id]

    # The new registrations ----------------------------------------------------------------

    def registrations_by_month(self, bounds) -> list[int]:
        starts = [micros(start) for _month, start, _end in bounds]
        ends = [micros(end) for _month, _start, end in bounds]
        counts = [0] * len(bounds)
        for home in self.homes:
            # The months are in order and do not overlap: the last one starting at or before.
            i = bisect_right(starts, home.registered_us) - 1
            if i >= 0 and home.registered_us < ends[i]:
                counts[i] += 1
        return counts

    def registrations_by_municipality(self) -> tuple[dict, dict]:
        """The new registrations and those reached within 7 days (a call reached the host at
        most 7 days after registering, and before the end of the period), by municipality
        code."""
        end_us, within = micros(self.period.end), 7 * DAY_US
        registered: dict[str | None, int] = {}
        reached: dict[str | None, int] = {}
        for home in self.homes:
            code = home.municipality_id
            registered[code] = registered.get(code, 0) + 1
            at = home.reached_us
            if at is not None and at < end_us and at - home.registered_us <= within:
                reached[code] = reached.get(code, 0) + 1
        return registered, reached

    # The calls ----------------------------------------------------------------------------

    def _people_key(self) -> dict:
        """The stored rows of the scope's people: its local group's, or (naming none) its
        volunteer organisation's."""
        if self.scope.local_group_id is None:
            return {"local_group_id": None, "organisation_id": self.scope.volunteer_organisation_id}
        return {"local_group_id": self.scope.local_group_id}

    def stored_calls_by_month(self, bounds) -> list[int] | None:
        """The calls of the scope's people on the covered days of each month, or None when they
        must be counted live (``_members_moved``)."""
        if self.members_moved:
            return None
        last = min(self.period.last_day, self.state.covered_until)
        if last < self.period.first_day:
            return [0] * len(bounds)
        months = []
        for month, _start, _end in bounds:
            following = (month + timedelta(days=32)).replace(day=1)
            months.append(Q(day__gte=month, day__lt=following))
        sums = CallDay.objects.filter(
            day__gte=self.period.first_day, day__lte=last, **self._people_key()
        ).aggregate(**{f"n_{i}": Sum("n", filter=q) for i, q in enumerate(months)})
        return [sums[f"n_{i}"] or 0 for i in range(len(bounds))]

    @property
    def members_moved(self) -> bool:
        if not hasattr(self, "_moved"):
            self._moved = self._members_moved()
        return self._moved

    def live_calls(self, calls):
        """Of the calls a live query counts: those the stored days do not hold (the days not
        covered, and every call written after the watermark)."""
        covered_end = day_start(self.state.covered_until + timedelta(days=1))
        return calls.filter(Q(created_at__gte=covered_end) | Q(pk__gt=self.state.call_attempt_id))

    # The visits ---------------------------------------------------------------------------

    def _members_moved(self) -> bool:
        """Whether the scope's people are not those of the snapshot (someone joined or left its
        group or organisation since the refresh): then its visits are counted live."""
        if self.scope.local_group_id is None:
            key = {"organisation_id": self.scope.volunteer_organisation_id}
        else:
            key = {"local_group_id": self.scope.local_group_id}
        people = User.objects.filter(self.scope.people())
        snapshot = MemberSnapshot.objects.filter(**key)
        return (
            people.exclude(pk__in=snapshot.values("user_id")).exists()
            or snapshot.exclude(user_id__in=people.values("pk")).exists()
        )

    def visits(self) -> tuple[list[int], dict] | None:
        """The reported visits of the scope's people by month and by municipality code from the
        stored days, or None when they must be counted live (``_members_moved``)."""
        if not hasattr(self, "_visits"):
            self._visits = None if self.members_moved else self._stored_visits()
        return self._visits

    def _stored_visits(self) -> tuple[list[int], dict]:
        from .metrics import month_bounds

        bounds = month_bounds(self.period)
        last = min(self.period.last_day, self.state.covered_until)
        self.dirty_visit_days = {
            day
            for day in _visit_days(self.state.visit_transition_id)
            if self.period.first_day <= day <= last
        }
        by_month, by_code = [0] * len(bounds), {}
        if last < self.period.first_day:
            return by_month, by_code
        rows = (
            VisitDay.objects.filter(
                day__gte=self.period.first_day, day__lte=last, **self._people_key()
            )
            .exclude(day__in=self.dirty_visit_days)
            .order_by()
            .values("day", "municipality_id")
            .annotate(n=Sum("n"))
            .values_list("day", "municipality_id", "n")
        )
        months = [month for month, _start, _end in bounds]
        for day, code, n in rows:
            by_code[code] = by_code.get(code, 0) + n
            by_month[bisect_right(months, day) - 1] += n  # the last month starting by that day
        return by_month, by_code

    def live_visits(self, visits):
        """Of the visits a live query counts: those the stored days do not hold (the days not
        covered, and the days of a visit with a step written after the watermark)."""
        covered_end = day_start(self.state.covered_until + timedelta(days=1))
        return visits.filter(
            Q(starts_at__gte=covered_end) | _day_ranges("starts_at", self.dirty_visit_days)
        )

    # The first referrals ---------------------------------------------------------------------

    def referred_by_municipality(self, live) -> dict[str | None, int]:
        """The homes first referred to the partner in the period (``metrics.first_referrals``)
        by municipality code: from the stored first referrals, and for the homes touched since
        the refresh from ``live`` (that figure's live query, restricted here to them)."""
        counts: dict[str | None, int] = {}
        for home_id, code in ReferralFacts.objects.filter(
            partner_id=self.scope.partner_id,
            referred_us__gte=micros(self.period.start),
            referred_us__lt=micros(self.period.end),
        ).values_list("home_id", "municipality_id"):
            if home_id not in self.touched:
                counts[code] = counts.get(code, 0) + 1
        if self.touched:
            for code, n in (
                live.filter(among("home_id", self.touched))
                .order_by()
                .values("home__municipality_id")
                .annotate(n=Count("home_id", distinct=True))
                .values_list("home__municipality_id", "n")
            ):
                counts[code] = counts.get(code, 0) + n
        return {code: n for code, n in counts.items() if n}

    # The approvals -----------------------------------------------------------------------

    def approved_by_code_and_month(self, bounds) -> dict[str | None, list[int]]:
        """The stored approvals of the partner's matches in each month of ``bounds`` by the
        municipality code of the match's home, except those of the homes touched since the
        refresh (``metrics.partner_counts`` counts those live)."""
        starts = [micros(start) for _month, start, _end in bounds]
        ends = [micros(end) for _month, _start, end in bounds]
        counts: dict[str | None, list[int]] = {}
        for home_id, code, at in ApprovalFacts.objects.filter(
            partner_id=self.scope.partner_id,
            approved_us__gte=micros(self.period.start),
            approved_us__lt=micros(self.period.end),
        ).values_list("home_id", "municipality_id", "approved_us"):
            i = bisect_right(starts, at) - 1
            if home_id not in self.touched and i >= 0 and at < ends[i]:
                counts.setdefault(code, [0] * len(bounds))[i] += 1
        return counts

    # The households housed ----------------------------------------------------------------

    def housed_by_code_and_month(self, bounds, live) -> dict[str | None, list[int]]:
        """``metrics.households_housed`` by the municipality code of the home and by month of
        ``bounds``: of the partner's matches that moved in with a date in the period (stored,
        and for the homes touched since the refresh from ``live``, that figure's
        ``metrics.move_ins``, restricted here to them), each household's first (the earliest
        date; of two on one day, the first recorded match)."""
        rows = [
            row
            for row in MoveInFacts.objects.filter(
                partner_id=self.scope.partner_id,
                move_in_date__gte=self.period.first_day,
                move_in_date__lte=self.period.last_day,
            ).values_list("match_id", "case_id", "home_id", "municipality_id", "move_in_date")
            if row[2] not in self.touched
        ]
        if self.touched:
            rows += live.filter(among("home_id", self.touched)).values_list(
                "pk", "case_id", "home_id", "home__municipality_id", "move_in_date"
            )
        first: dict[int, tuple] = {}
        for match_id, case_id, _home_id, code, day in rows:
            kept = first.get(case_id)
            if kept is None or (day, match_id) < (kept[0], kept[1]):
                first[case_id] = (day, match_id, code)
        months = [month for month, _start, _end in bounds]
        counts: dict[str | None, list[int]] = {}
        for day, _match_id, code in first.values():
            counts.setdefault(code, [0] * len(bounds))[bisect_right(months, day) - 1] += 1
        return counts

    # The registrations by tagged link -----------------------------------------------------

    def registrations_by_source(self) -> dict[int | None, dict[str, int]]:
        """``outreach_figures.registrations_by_source`` from the facts: the new registrations by
        the tagged link of the home (None: none), and of them the homes that had become
        "visited", been referred to the partner and been matched with one of its households by
        the end of the period (the cohort's stages, as ``cohort`` counts them)."""
        end_us, partner_id = micros(self.period.end), self.scope.partner_id
        matched = {
            row.home_id
            for row in self.matches
            if row.matched_us is not None and row.matched_us < end_us
        }
        counts: dict[int | None, list[int]] = {}
        for home in self.homes:
            row = counts.get(home.source_id)
            if row is None:
                row = counts[home.source_id] = [0, 0, 0, 0]
            row[0] += 1
            if home.visited_us is not None and home.visited_us < end_us:
                row[1] += 1
            if (
                home.referred_us is not None
                and home.referred_us < end_us
                and home.partner_id == partner_id
            ):
                row[2] += 1
            if home.home_id in matched:
                row[3] += 1
        keys = ("registrations", "visited", "referred", "matched")
        return {source: dict(zip(keys, row, strict=True)) for source, row in counts.items()}

    # The cohort ---------------------------------------------------------------------------

    def cohort(self, within_days: list[int]) -> dict[str, Any]:
        """``metrics.cohort_figures`` from the facts: the funnel's stages, the hosts reached
        within each N days, and the lead times (medians and 90th percentiles exactly)."""
        from .metrics import days

        end_us, last_day = micros(self.period.end), self.period.last_day
        contact, visit, move_in = [], [], []
        counts = {"registered": len(self.homes), "visited": 0, "referred": 0}
        for home in self.homes:
            if home.reached_us is not None and home.reached_us < end_us:
                contact.append(home.reached_us - home.registered_us)
            if home.visited_us is not None and home.visited_us < end_us:
                visit.append(home.visited_us - home.registered_us)
            if (
                home.referred_us is not None
                and home.referred_us < end_us
                and home.partner_id == self.scope.partner_id
            ):
                counts["referred"] += 1
        counts["visited"] = len(visit)
        counts["reached"] = len(contact)
        contact.sort()
        for n in within_days:
            counts[f"within_{n}"] = bisect_right(contact, n * DAY_US)
        counts["matched"] = sum(
            1 for row in self.matches if row.matched_us is not None and row.matched_us < end_us
        )
        for row in self.matches:
            if row.moved_in_on is not None and row.moved_in_on <= last_day:
                move_in.append((row.moved_in_on - row.registered_on).days * DAY_US)
        counts["moved_in"] = len(move_in)
        for key, values in (("contact", contact), ("visit", visit), ("move_in", move_in)):
            for p in (0.5, 0.9):
                value = percentile_disc(values, p)
                counts[f"{key}_{p}"] = None if value is None else timedelta(microseconds=value)
        counts["lead_times"] = {
            key: {"median": days(counts[f"{key}_0.5"]), "p90": days(counts[f"{key}_0.9"])}
            for key in ("contact", "visit", "move_in")
        }
        return counts


def stored_figures(period, scope) -> StoredFigures | None:
    """The stored counts for a partnership's period and scope, or None when none are stored."""
    state = current_state()
    if state is None:
        return None
    return StoredFigures(state, period, scope)
