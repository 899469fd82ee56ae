"""Every figure of the follow-up, computed in the database by aggregate queries.

The dashboard, the report files and the tests all call ``compute_figures``; nothing loops over
rows in Python. The figures read the transition history (homes, matches), the call attempts and
the home visits.

Definitions (one place, so the report can state them):
- a registration is a home's first history row (from nothing to "registered") in the period;
  registrations merged away as duplicates, and the housing company's offered flats, are not
  counted;
- a host is reached within N days when the home's first "contacted" row comes at most N days
  after its registration;
- a home visit is a reported visit that took place in the period;
- homes referred, matches approved and households housed count the history rows to "referred"
  (homes of the partner), "approved" and "moved in" (matches of the partner's cases) in the period;
- an active volunteer made at least one call or one home visit in the period;
- lead times are taken over the homes registered in the period that reached the step by the end
  of the period; the median and the 90th percentile are the discrete ones (the value at rank
  ⌈p·n⌉), the same on PostgreSQL and SQLite.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from hosts.models import Home, HomeTransition
from matching.models import MatchTransition
from volunteers.models import CallAttempt, HomeVisit

from .models import LOWER_IS_BETTER, Metric, Partnership

SMALL_NUMBER = 5
FEWER_THAN_FIVE = _("fewer than 5")


@dataclass(frozen=True)
class Period:
    start: datetime  # inclusive
    end: datetime  # exclusive
    first_day: date
    last_day: date

    @classmethod
    def of(cls, partnership: Partnership, as_of: date | None = None) -> "Period":
        last_day = min(partnership.period_end, as_of) if as_of else partnership.period_end
        last_day = max(last_day, partnership.period_start)
        tz = timezone.get_current_timezone()
        start = datetime.combine(partnership.period_start, time.min, tzinfo=tz)
        end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=tz)
        return cls(start=start, end=end, first_day=partnership.period_start, last_day=last_day)

    def months(self) -> list[date]:
        months, current = [], self.first_day.replace(day=1)
        while current <= self.last_day:
            months.append(current)
            current = (current + timedelta(days=32)).replace(day=1)
        return months


class PercentileDisc(Aggregate):
    """PostgreSQL's ``percentile_disc(p) WITHIN GROUP (ORDER BY expression)``."""

    function = "percentile_disc"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, percentile: float, **extra):
        super().__init__(expression, percentile=float(percentile), **extra)


def duration_percentiles(queryset, name: str, percentiles=(0.5, 0.9)) -> dict[float, Any]:
    """The discrete percentiles of a duration annotation, in the database."""
    if connection.vendor == "postgresql":
        result = queryset.aggregate(
            **{
                f"p{i}": PercentileDisc(name, p, output_field=DurationField())
                for i, p in enumerate(percentiles)
            }
        )
        return {p: result[f"p{i}"] for i, p in enumerate(percentiles)}
    count = queryset.count()
    values = {}
    for p in percentiles:
        if count == 0:
            values[p] = None
            continue
        rank = max(math.ceil(p * count) - 1, 0)
        values[p] = queryset.order_by(name).values_list(name, flat=True)[rank]
    return values


def days(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return round(value.total_seconds() / 86400, 1)
    return round(float(value) / 86_400_000_000, 1)  # microseconds, as SQLite returns them


# The querysets ---------------------------------------------------------------------------


def registrations(period: Period):
    return HomeTransition.objects.filter(
        from_state="",
        to_state=Home.Status.REGISTERED,
        created_at__gte=period.start,
        created_at__lt=period.end,
        home__duplicate_of__isnull=True,
        # A housing company's offered flat is not a resident's registration.
        home__unit__isnull=True,
    )


def _first(state: str, before) -> Min:
    """When the registered home first reached ``state`` before the end of the period."""
    return Min(
        "home__transitions__created_at",
        filter=Q(home__transitions__to_state=state) & before,
    )


def _duration(later: str, earlier: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


def home_steps(period: Period):
    """One row per home registered in the period: when it was registered and when it first
    reached each step by the end of the period, with the lead times to contact and to visit."""
    before_end = Q(home__transitions__created_at__lt=period.end)
    return (
        registrations(period)
        .values("home_id")
        .annotate(
            registered_at=Min("created_at"),
            contacted_at=_first(Home.Status.CONTACTED, before_end),
            visited_at=_first(Home.Status.VISITED, before_end),
            referred_at=_first(Home.Status.REFERRED, before_end),
            matched_at=_first(Home.Status.MATCHED, before_end),
        )
        .annotate(
            contact=_duration("contacted_at", "registered_at"),
            visit=_duration("visited_at", "registered_at"),
        )
        .order_by()
    )


def home_moves(period: Period):
    """One row per home registered in the period whose household moved in by its end."""
    # Filtering before annotating joins only the move-in rows (an inner join the index on
    # (to_state, created_at) serves), and the minimum is taken over them.
    return (
        registrations(period)
        .filter(
            home__matches__transitions__to_state="moved_in",
            home__matches__transitions__created_at__lt=period.end,
        )
        .values("home_id")
        .annotate(
            registered_at=Min("created_at"),
            moved_in_at=Min("home__matches__transitions__created_at"),
        )
        .annotate(move_in=_duration("moved_in_at", "registered_at"))
        .order_by()
    )


def lead_time_figures(period: Period, within_days: list[int]) -> dict[str, Any]:
    """The funnel counts, how many were reached within each N days, and the lead times: on
    PostgreSQL in two queries (the steps of the homes registered, and their move-ins)."""
    steps, moves = home_steps(period), home_moves(period)
    postgres = connection.vendor == "postgresql"
    percentiles = {}
    if postgres:
        for name in ("contact", "visit"):
            for p in (0.5, 0.9):
                percentiles[f"{name}_{p}"] = PercentileDisc(name, p, output_field=DurationField())
    counts = steps.aggregate(
        registered=Count("home_id"),
        contacted=Count("contacted_at"),
        visited=Count("visited_at"),
        referred=Count("referred_at"),
        matched=Count("matched_at"),
        **{
            f"within_{n}": Count("home_id", filter=Q(contact__lte=timedelta(days=n)))
            for n in within_days
        },
        **percentiles,
    )
    moved = moves.aggregate(
        moved_in=Count("home_id"),
        **(
            {
                f"move_in_{p}": PercentileDisc("move_in", p, output_field=DurationField())
                for p in (0.5, 0.9)
            }
            if postgres
            else {}
        ),
    )
    counts.update(moved)
    if not postgres:
        for name, queryset in (("contact", steps), ("visit", steps), ("move_in", moves)):
            values = duration_percentiles(queryset.filter(**{f"{name}__isnull": False}), name)
            counts.update({f"{name}_{p}": value for p, value in values.items()})
    counts["lead_times"] = {
        key: {"median": days(counts[f"{key}_0.5"]), "p90": days(counts[f"{key}_0.9"])}
        for key in ("contact", "visit", "move_in")
    }
    return counts


def compute_figures(partnership: Partnership, *, as_of: date | None = None) -> dict[str, Any]:
    """All the figures of the follow-up for ``partnership`` up to ``as_of`` (default: today).

    A fixed number of queries, whatever the size of the data: the totals are the sums of the
    monthly counts, and the funnel, the lead times and the counts within N days come from one
    pass over the homes registered in the period (with one more for their move-ins)."""
    as_of = as_of or timezone.localdate()
    period = Period.of(partnership, as_of)
    in_period = {"created_at__gte": period.start, "created_at__lt": period.end}
    partner_id = partnership.partner_id

    monthly = monthly_counts(period, partner_id=partner_id)
    registered = sum(row["registrations"] for row in monthly)
    home_visits = sum(row["visits"] for row in monthly)
    approved = sum(row["matches_approved"] for row in monthly)
    housed = sum(row["moved_in"] for row in monthly)
    call_attempts = sum(row["calls"] for row in monthly)
    referred = (
        HomeTransition.objects.filter(
            to_state=Home.Status.REFERRED, home__partner_id=partner_id, **in_period
        )
        .values("home")
        .distinct()
        .count()
    )
    # Per volunteer, "did they call or visit in the period" is an index probe (EXISTS), not a
    # pass over every call of the year.
    calls = CallAttempt.objects.filter(volunteer=OuterRef("pk"), **in_period)
    visits = HomeVisit.objects.filter(
        volunteers=OuterRef("pk"),
        status=HomeVisit.Status.REPORTED,
        starts_at__gte=period.start,
        starts_at__lt=period.end,
    )
    active_volunteers = (
        User.objects.filter(organisation_id=partnership.volunteer_organisation_id)
        .filter(Exists(calls) | Exists(visits))
        .count()
    )

    # In the order of the catalogue, as the report lists them (not alphabetically by code).
    catalogue = list(Metric)
    targets = sorted(partnership.targets.all(), key=lambda t: catalogue.index(t.metric))
    within_days = sorted(
        {t.within_days for t in targets if t.metric == Metric.REACHED_WITHIN_DAYS} | {7}
    )
    steps = lead_time_figures(period, within_days)
    lead_times = steps["lead_times"]
    reached_within = {n: steps[f"within_{n}"] for n in within_days}

    actual = {
        Metric.NEW_REGISTRATIONS: registered,
        Metric.HOME_VISITS: home_visits,
        Metric.HOMES_REFERRED: referred,
        Metric.MATCHES_APPROVED: approved,
        Metric.HOUSEHOLDS_HOUSED: housed,
        Metric.ACTIVE_VOLUNTEERS: active_volunteers,
        Metric.DAYS_TO_CONTACT: lead_times["contact"]["median"],
        Metric.DAYS_TO_VISIT: lead_times["visit"]["median"],
        Metric.DAYS_TO_MOVE_IN: lead_times["move_in"]["median"],
    }

    target_rows = []
    for target in targets:
        value = (
            reached_within.get(target.within_days, 0)
            if target.metric == Metric.REACHED_WITHIN_DAYS
            else actual[target.metric]
        )
        target_rows.append(target_progress(target, value))

    funnel = [
        {"step": "registered", "label": _("Registered"), "count": steps["registered"]},
        {"step": "contacted", "label": _("Reached by phone"), "count": steps["contacted"]},
        {"step": "visited", "label": _("Visited and suitable"), "count": steps["visited"]},
        {"step": "referred", "label": _("Referred to the partner"), "count": steps["referred"]},
        {"step": "matched", "label": _("Matched"), "count": steps["matched"]},
        {"step": "moved_in", "label": _("Moved in"), "count": steps["moved_in"]},
    ]
    outcomes = establishment_outcomes(period, partner_id=partner_id)
    housing = (
        housing_company_figures(period, company_id=partnership.housing_company_id)
        if partnership.housing_company_id
        else None
    )
    return {
        "partnership": partnership,
        "period": period,
        "as_of": period.last_day,
        "totals": {
            "registrations": registered,
            "reached_within_7_days": reached_within[7],
            "home_visits": home_visits,
            "homes_referred": referred,
            "matches_approved": approved,
            "households_housed": housed,
            "active_volunteers": active_volunteers,
            "call_attempts": call_attempts,
        },
        "lead_times": lead_times,
        "targets": target_rows,
        "funnel": funnel,
        "monthly": monthly,
        "outcomes": outcomes,
        "housing": housing,
    }


def target_progress(target, value) -> dict[str, Any]:
    goal = Decimal(target.goal)
    lower_is_better = target.metric in LOWER_IS_BETTER
    if value is None:
        percent, met = None, False
    elif lower_is_better:
        met = Decimal(str(value)) <= goal
        percent = 100 if met else (round(float(goal) / float(value) * 100) if value else 0)
    else:
        percent = round(float(value) / float(goal) * 100) if goal else 100
        met = Decimal(str(value)) >= goal
    label = target.get_metric_display()
    if target.metric == Metric.REACHED_WITHIN_DAYS:
        label = _("Hosts reached within %(days)d days of registering") % {
            "days": target.within_days
        }
    return {
        "metric": target.metric,
        "label": label,
        "goal": goal.normalize() if goal == goal.to_integral() else goal,
        "value": value,
        "percent": percent,
        "met": met,
        "lower_is_better": lower_is_better,
    }


def month_bounds(period: Period) -> list[tuple[date, datetime, datetime]]:
    """Each month of the period with the moments it starts and ends (within the period)."""
    tz = timezone.get_current_timezone()
    bounds = []
    for month in period.months():
        following = (month + timedelta(days=32)).replace(day=1)
        start = max(period.start, datetime.combine(month, time.min, tzinfo=tz))
        end = min(period.end, datetime.combine(following, time.min, tzinfo=tz))
        bounds.append((month, start, end))
    return bounds


def monthly_counts(period: Period, *, partner_id: int) -> list[dict[str, Any]]:
    """Registrations, calls, visits, matches approved and move-ins by month: one query per kind,
    each row counted into its month by a range of time (cheaper than truncating every row's
    time to its month in the local time zone)."""
    bounds = month_bounds(period)

    def by_month(queryset, field_name="created_at", **conditions):
        counts = queryset.aggregate(
            **{
                f"{name}_{i}": Count(
                    "pk",
                    filter=Q(
                        **{f"{field_name}__gte": start, f"{field_name}__lt": end}, **condition
                    ),
                )
                for name, condition in (conditions or {"n": {}}).items()
                for i, (_month, start, end) in enumerate(bounds)
            }
        )
        return {
            name: [counts[f"{name}_{i}"] for i in range(len(bounds))]
            for name in (conditions or {"n": {}})
        }

    in_period = {"created_at__gte": period.start, "created_at__lt": period.end}
    registrations_by_month = by_month(registrations(period))["n"]
    calls = by_month(CallAttempt.objects.filter(**in_period))["n"]
    visits = by_month(
        HomeVisit.objects.filter(
            status=HomeVisit.Status.REPORTED, starts_at__gte=period.start, starts_at__lt=period.end
        ),
        "starts_at",
    )["n"]
    partner_steps = by_month(
        MatchTransition.objects.filter(
            match__case__partner_id=partner_id, to_state__in=["approved", "moved_in"], **in_period
        ),
        approved={"to_state": "approved"},
        moved_in={"to_state": "moved_in"},
    )
    return [
        {
            "month": month,
            "registrations": registrations_by_month[i],
            "calls": calls[i],
            "visits": visits[i],
            "matches_approved": partner_steps["approved"][i],
            "moved_in": partner_steps["moved_in"][i],
        }
        for i, (month, _start, _end) in enumerate(bounds)
    ]


def shown(value) -> Any:
    """A count about people as it may be shown in a breakdown: 1 to 4 become "fewer than 5"."""
    if isinstance(value, int) and 0 < value < SMALL_NUMBER:
        return FEWER_THAN_FIVE
    return value


def establishment_outcomes(period: Period, *, partner_id: int) -> dict[str, Any]:
    """Of the partner's households whose two-year establishment period ended by the end of the
    period and whose outcome is recorded: how many are in work, in studies, or other."""
    from newcomers.models import NewcomerCase

    counts = NewcomerCase.objects.filter(
        partner_id=partner_id,
        establishment_ends_on__lt=period.end.date(),
    ).aggregate(
        recorded=Count("pk", filter=~Q(outcome="")),
        in_work=Count("pk", filter=Q(outcome=NewcomerCase.Outcome.IN_WORK)),
        in_studies=Count("pk", filter=Q(outcome=NewcomerCase.Outcome.IN_STUDIES)),
        other=Count("pk", filter=Q(outcome=NewcomerCase.Outcome.OTHER)),
    )
    recorded = counts["recorded"]
    counts["share_in_work"] = round(100 * counts["in_work"] / recorded) if recorded else None
    return counts


def housing_company_figures(period: Period, *, company_id: int) -> dict[str, Any]:
    """The housing company's part: units, allotments, vacancies and the quota, contracts."""
    from django.db.models import Sum

    from housing.models import Allotment, ContractTransition, Unit, Vacancy

    in_period = {"created_at__gte": period.start, "created_at__lt": period.end}
    allotments = Allotment.objects.filter(company_id=company_id).filter(
        Q(period_end__isnull=True) | Q(period_end__gte=period.first_day),
        period_start__lte=period.last_day,
    )
    allotment_totals = allotments.aggregate(count=Sum("count"), in_use=Sum("in_use"))
    vacancies = Vacancy.objects.filter(company_id=company_id, **in_period).aggregate(
        recorded=Count("pk"),
        offered=Count("pk", filter=Q(offered=True)),
        replacements=Count("pk", filter=Q(as_replacement=True)),
        accepted=Count("pk", filter=Q(status=Vacancy.Status.ACCEPTED)),
        declined=Count("pk", filter=Q(status=Vacancy.Status.DECLINED)),
        open=Count("pk", filter=Q(status=Vacancy.Status.OFFERED)),
    )
    converted = ContractTransition.objects.filter(
        contract__company_id=company_id, to_state="first_hand", **in_period
    ).count()
    return {
        "units": Unit.objects.filter(company_id=company_id).count(),
        "allotments": [
            {**row, "kind_label": Allotment.Kind(row["kind"]).label}
            for row in allotments.order_by("period_start").values(
                "kind", "description", "count", "in_use", "period_start", "period_end"
            )
        ],
        "allotted": allotment_totals["count"] or 0,
        "allotted_in_use": allotment_totals["in_use"] or 0,
        "vacancies": vacancies,
        "contracts_converted": converted,
    }
