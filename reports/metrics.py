"""Every figure of the follow-up, computed in the database by aggregate queries.

The dashboard, the report files and the tests all call ``compute_figures``; nothing loops over
rows in Python. The figures read the transition history (homes, matches), the call attempts and
the home visits.

Definitions (one place, so the report can state them):
- a registration is a home's first history row (from nothing to "registered") in the period;
  registrations merged away as duplicates are not counted;
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
    ExpressionWrapper,
    F,
    Min,
    Q,
)
from django.db.models.functions import TruncMonth
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
    )


def homes_with_times(period: Period):
    """Homes registered in the period, each with the time it first reached each step."""
    before_end = Q(transitions__created_at__lt=period.end)
    return (
        Home.objects.filter(duplicate_of__isnull=True)
        .values("pk")
        .annotate(
            registered_at=Min("transitions__created_at", filter=Q(transitions__from_state="")),
            contacted_at=Min(
                "transitions__created_at",
                filter=Q(transitions__to_state=Home.Status.CONTACTED) & before_end,
            ),
            visited_at=Min(
                "transitions__created_at",
                filter=Q(transitions__to_state=Home.Status.VISITED) & before_end,
            ),
        )
        .filter(registered_at__gte=period.start, registered_at__lt=period.end)
    )


def compute_figures(partnership: Partnership, *, as_of: date | None = None) -> dict[str, Any]:
    """All the figures of the follow-up for ``partnership`` up to ``as_of`` (default: today)."""
    as_of = as_of or timezone.localdate()
    period = Period.of(partnership, as_of)
    in_period = {"created_at__gte": period.start, "created_at__lt": period.end}
    partner_id = partnership.partner_id

    registered = registrations(period).count()
    visits = HomeVisit.objects.filter(
        status=HomeVisit.Status.REPORTED, starts_at__gte=period.start, starts_at__lt=period.end
    )
    home_visits = visits.count()
    referred = (
        HomeTransition.objects.filter(
            to_state=Home.Status.REFERRED, home__partner_id=partner_id, **in_period
        )
        .values("home")
        .distinct()
        .count()
    )
    match_rows = MatchTransition.objects.filter(match__case__partner_id=partner_id, **in_period)
    match_counts = match_rows.aggregate(
        approved=Count("pk", filter=Q(to_state="approved")),
        housed=Count("pk", filter=Q(to_state="moved_in")),
    )
    attempts = CallAttempt.objects.filter(**in_period)
    volunteers = User.objects.filter(organisation_id=partnership.volunteer_organisation_id).filter(
        Q(pk__in=attempts.values("volunteer")) | Q(pk__in=visits.values("volunteers"))
    )
    active_volunteers = volunteers.count()

    # Lead times, and how many were reached within N days (N per target).
    per_home = homes_with_times(period)
    to_contact = per_home.filter(contacted_at__isnull=False).annotate(
        lead=ExpressionWrapper(F("contacted_at") - F("registered_at"), output_field=DurationField())
    )
    to_visit = per_home.filter(visited_at__isnull=False).annotate(
        lead=ExpressionWrapper(F("visited_at") - F("registered_at"), output_field=DurationField())
    )
    to_move_in = (
        Home.objects.filter(duplicate_of__isnull=True)
        .values("pk")
        .annotate(
            registered_at=Min("transitions__created_at", filter=Q(transitions__from_state="")),
            moved_in_at=Min(
                "matches__transitions__created_at",
                filter=Q(matches__transitions__to_state="moved_in")
                & Q(matches__transitions__created_at__lt=period.end),
            ),
        )
        .filter(
            registered_at__gte=period.start,
            registered_at__lt=period.end,
            moved_in_at__isnull=False,
        )
        .annotate(
            lead=ExpressionWrapper(
                F("moved_in_at") - F("registered_at"), output_field=DurationField()
            )
        )
    )
    lead_times = {}
    for key, queryset in (("contact", to_contact), ("visit", to_visit), ("move_in", to_move_in)):
        values = duration_percentiles(queryset, "lead")
        lead_times[key] = {"median": days(values[0.5]), "p90": days(values[0.9])}

    reached_within = {}
    # In the order of the catalogue, as the report lists them (not alphabetically by code).
    catalogue = list(Metric)
    targets = sorted(partnership.targets.all(), key=lambda t: catalogue.index(t.metric))
    for n in sorted(
        {t.within_days for t in targets if t.metric == Metric.REACHED_WITHIN_DAYS} | {7}
    ):
        reached_within[n] = to_contact.filter(lead__lte=timedelta(days=n)).count()

    actual = {
        Metric.NEW_REGISTRATIONS: registered,
        Metric.HOME_VISITS: home_visits,
        Metric.HOMES_REFERRED: referred,
        Metric.MATCHES_APPROVED: match_counts["approved"],
        Metric.HOUSEHOLDS_HOUSED: match_counts["housed"],
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

    funnel = funnel_counts(period, partner_id=partner_id)
    outcomes = establishment_outcomes(period, partner_id=partner_id)
    housing = (
        housing_company_figures(period, company_id=partnership.housing_company_id)
        if partnership.housing_company_id
        else None
    )
    monthly = monthly_counts(period, partner_id=partner_id)
    return {
        "partnership": partnership,
        "period": period,
        "as_of": period.last_day,
        "totals": {
            "registrations": registered,
            "reached_within_7_days": reached_within[7],
            "home_visits": home_visits,
            "homes_referred": referred,
            "matches_approved": match_counts["approved"],
            "households_housed": match_counts["housed"],
            "active_volunteers": active_volunteers,
            "call_attempts": attempts.count(),
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


def funnel_counts(period: Period, *, partner_id: int) -> list[dict[str, Any]]:
    """How many of the homes registered in the period reached each step by its end."""
    registered_homes = registrations(period).values("home_id")
    rows = HomeTransition.objects.filter(
        home_id__in=registered_homes, created_at__lt=period.end
    ).aggregate(
        contacted=Count("home", distinct=True, filter=Q(to_state=Home.Status.CONTACTED)),
        visited=Count("home", distinct=True, filter=Q(to_state=Home.Status.VISITED)),
        referred=Count("home", distinct=True, filter=Q(to_state=Home.Status.REFERRED)),
        matched=Count("home", distinct=True, filter=Q(to_state=Home.Status.MATCHED)),
    )
    moved_in = (
        MatchTransition.objects.filter(
            to_state="moved_in", match__home_id__in=registered_homes, created_at__lt=period.end
        )
        .values("match__home")
        .distinct()
        .count()
    )
    registered = registrations(period).count()
    return [
        {"step": "registered", "label": _("Registered"), "count": registered},
        {"step": "contacted", "label": _("Reached by phone"), "count": rows["contacted"]},
        {"step": "visited", "label": _("Visited and suitable"), "count": rows["visited"]},
        {"step": "referred", "label": _("Referred to the partner"), "count": rows["referred"]},
        {"step": "matched", "label": _("Matched"), "count": rows["matched"]},
        {"step": "moved_in", "label": _("Moved in"), "count": moved_in},
    ]


def monthly_counts(period: Period, *, partner_id: int) -> list[dict[str, Any]]:
    """Registrations, calls, visits, matches approved and move-ins by month."""
    tz = timezone.get_current_timezone()

    def by_month(queryset, field_name="created_at"):
        return {
            row["month"].date() if isinstance(row["month"], datetime) else row["month"]: row["n"]
            for row in queryset.annotate(month=TruncMonth(field_name, tzinfo=tz))
            .values("month")
            .annotate(n=Count("pk"))
            .order_by()
        }

    in_period = {"created_at__gte": period.start, "created_at__lt": period.end}
    registrations_by_month = by_month(registrations(period))
    calls = by_month(CallAttempt.objects.filter(**in_period))
    visits = by_month(
        HomeVisit.objects.filter(
            status=HomeVisit.Status.REPORTED, starts_at__gte=period.start, starts_at__lt=period.end
        ),
        "starts_at",
    )
    partner_matches = MatchTransition.objects.filter(
        match__case__partner_id=partner_id, **in_period
    )
    approved = by_month(partner_matches.filter(to_state="approved"))
    moved_in = by_month(partner_matches.filter(to_state="moved_in"))
    return [
        {
            "month": month,
            "registrations": registrations_by_month.get(month, 0),
            "calls": calls.get(month, 0),
            "visits": visits.get(month, 0),
            "matches_approved": approved.get(month, 0),
            "moved_in": moved_in.get(month, 0),
        }
        for month in period.months()
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
