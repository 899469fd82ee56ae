"""Every figure of the follow-up, each defined once here and computed in the database.

Each figure is one named query below, whose docstring says what it counts, over which scope
and by which date. A partnership names its municipalities and its local group (``Scope``): the
new registrations and the cohort that follows them are the homes in its municipalities; calls,
visits and active volunteers are the work of its local group's people; referrals, matches,
move-ins and outcomes are its partner's. An older partnership that names no municipality (no
local group) is counted as before: the whole portal (the whole volunteer organisation), and its
report says so (``FALLBACK_NOTE``, ``Definition.fallback``).
Its label and its definition in plain words are in ``FIGURES`` (and ``FUNNEL``, ``LEAD_TIMES``,
``OUTCOMES``): the dashboard, the PDF, the XLSX and the report's definitions section all print
those, so what a figure is called and what it counts cannot drift apart.

Two readings of the same work are kept apart by their labels:
- the *totals* count what happened during the period (a referral, an approval, a move-in dated
  in the period), whenever the home was registered;
- the *funnel* and the lead times follow a *cohort*: the homes registered in the period, and how
  far each came by the period's end. Its stages read "of them …", so no stage carries the name
  of a total; its first stage is the total "New registrations" itself.

``bench/report.py`` and ``tests/reports/test_recount.py`` recount every figure from the tables
with SQL written from the printed definitions, not by calling this module.

The figures that happen in a home are also counted by the home's municipality (its code,
``BY_MUNICIPALITY``), for a partnership's report and for a volunteer organisation's national
roll-up (``national_rollup``: one row per partnership and municipality).

The stay (``STAY``, ``stay_figures``): concerns raised and how quickly they were first answered,
mediation meetings, stays ended early and rematches, and the evaluations answered; all of the
partner's stays, each dated as its docstring says. Its breakdowns (by who raised a concern, by
the reason a stay ended early, by who answered an evaluation and when) are protected by the same
rule, and an average score over fewer than ``SMALL_NUMBER`` answers is hidden.

The road to work (``WORK``, ``work_figures``): the placements offered to the partner by kind
and by step (offered, started, completed, ended early, led to employment), each dated by its
history row; the share in work after the establishment period (the households of "Establishment
period ended in the period") by housing route (the home of the household's first move-in through
the portal) and by whether an adult had a placement that started before the period ended, each
with the number it rests on; the shares still living in the municipality and in the matched
home; and the housing company's own figures (its placements as an employer, its staff figures as
it records them). A share is hidden when it rests on fewer than ``SMALL_NUMBER`` households or
when the count it is a share of is hidden (``work_shown``).

Breakdowns (by month, by outcome, by municipality) protect small counts by primary and secondary suppression
(``suppress``); totals are printed exactly. Percentages round half up (``round_half_up``), and a
target is met when the progress shown is 100 % or more.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
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
    Value,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from hosts.models import Home, HomeTransition
from matching.models import Match, MatchTransition
from newcomers.models import NewcomerCase
from volunteers.models import CallAttempt, HomeVisit

from .models import LOWER_IS_BETTER, Metric, Partnership

# The smallest count about people a breakdown may show (1 to 4 are hidden).
SMALL_NUMBER = 5
HIDDEN = _("hidden")
HIDDEN_NOTE = _(
    "Hidden to protect the people behind the figures: a count from 1 to 4, or a count hidden "
    "so that such a count cannot be worked out from the total."
)

# Scopes, as the definitions name them.
PORTAL = _("the whole portal")
VOLUNTEER_ORGANISATION = _("the volunteer organisation")
PARTNER = _("the partnership's partner")
MUNICIPALITIES = _("the partnership's municipalities")
LOCAL_GROUP = _("the partnership's local group")
FALLBACK_NOTE = _(
    "This partnership names no municipality or no local group: the figures whose scope would "
    "be the partnership's municipalities count the whole portal, and those whose scope would be "
    "its local group count the whole volunteer organisation, as the definitions say."
)


# What a grouped count counts: a row (``COUNT(1)``), not its primary key. The same number (a key is
# never null), but a statement that needs no column beyond an index's is answered by an
# index-only scan: the calls of a group's people by ``attempt_volunteer_idx`` alone, not a pass
# over every call of the year (Django allows no ``Count("*", filter=...)``).
ROW = Value(1)


@dataclass(frozen=True)
class Definition:
    """A figure's label, scope and definition. ``fallback`` is what the figure counts for a
    partnership that names no municipality (scope ``MUNICIPALITIES``) or no local group (scope
    ``LOCAL_GROUP``): the older partnerships, counted as before."""

    label: Any
    scope: Any
    definition: Any
    fallback: "Definition | None" = None

    def for_scope(self, scope: "Scope") -> "Definition":
        if self.fallback is not None and not scope.names(self.scope):
            return self.fallback
        return self


@dataclass(frozen=True)
class Scope:
    """Whose work a partnership's report counts: the partner, the volunteer organisation, its
    local group (None: not named) and the municipalities (codes; None: none named)."""

    partner_id: int
    volunteer_organisation_id: int
    local_group_id: int | None = None
    municipality_codes: tuple[str, ...] | None = None

    @classmethod
    def of(cls, partnership: Partnership) -> "Scope":
        # ``all()``: the municipalities prefetched for a roll-up are not asked for again.
        codes = tuple(sorted(m.code for m in partnership.municipalities.all()))
        return cls(
            partner_id=partnership.partner_id,
            volunteer_organisation_id=partnership.volunteer_organisation_id,
            local_group_id=partnership.local_group_id,
            municipality_codes=codes or None,
        )

    def names(self, scope_label) -> bool:
        """Whether the partnership names what a definition's scope needs."""
        if scope_label is MUNICIPALITIES:
            return self.municipality_codes is not None
        if scope_label is LOCAL_GROUP:
            return self.local_group_id is not None
        return True

    @property
    def falls_back(self) -> bool:
        return self.municipality_codes is None or self.local_group_id is None

    def homes(self, path: str = "") -> Q:
        """Homes in the partnership's municipalities (every home when none is named)."""
        if self.municipality_codes is None:
            return Q()
        return Q(**{f"{path}municipality_id__in": self.municipality_codes})

    def people(self, path: str = "") -> Q:
        """The people of the partnership's local group (of the volunteer organisation when no
        group is named)."""
        if self.local_group_id is None:
            return Q(**{f"{path}organisation_id": self.volunteer_organisation_id})
        return Q(**{f"{path}local_group_id": self.local_group_id})


FIGURES = {
    "registrations": Definition(
        _("New registrations"),
        MUNICIPALITIES,
        _(
            "Homes in the partnership's municipalities offered through the public form whose "
            "registration (the first row of the home's history) falls in the period. "
            "Registrations merged away as duplicates and the housing company's flats are not "
            "counted."
        ),
        fallback=Definition(
            _("New registrations"),
            PORTAL,
            _(
                "Homes offered through the public form whose registration (the first row of the "
                "home's history) falls in the period. Registrations merged away as duplicates and "
                "the housing company's flats are not counted."
            ),
        ),
    ),
    "reached_within_7_days": Definition(
        _("Hosts reached within 7 days of registering"),
        MUNICIPALITIES,
        _(
            "Of the new registrations: homes whose host was reached on a call (the outcome "
            "“interested”, “not now” or “withdraws”) at most 7 days after registering, and "
            "before the end of the period."
        ),
        fallback=Definition(
            _("Hosts reached within 7 days of registering"),
            PORTAL,
            _(
                "Of the new registrations: homes whose host was reached on a call (the outcome "
                "“interested”, “not now” or “withdraws”) at most 7 days after registering, and "
                "before the end of the period."
            ),
        ),
    ),
    "call_attempts": Definition(
        _("Calls made"),
        LOCAL_GROUP,
        _(
            "Calls recorded in the period by the people of the partnership's local group, "
            "whatever their outcome."
        ),
        fallback=Definition(
            _("Calls made"),
            VOLUNTEER_ORGANISATION,
            _(
                "Calls recorded in the period by the volunteer organisation's people, whatever "
                "their outcome."
            ),
        ),
    ),
    "home_visits": Definition(
        _("Home visits"),
        LOCAL_GROUP,
        _(
            "Reported home visits that took place in the period with at least one of the "
            "people of the partnership's local group, dated by the visit's start."
        ),
        fallback=Definition(
            _("Home visits"),
            VOLUNTEER_ORGANISATION,
            _(
                "Reported home visits that took place in the period with at least one of the "
                "volunteer organisation's people, dated by the visit's start."
            ),
        ),
    ),
    "homes_referred": Definition(
        _("Homes referred to the partner"),
        PARTNER,
        _(
            "Homes referred to the partner whose first referral falls in the period. A home "
            "that returns to “referred” (resumed after a pause, a cancelled or ended match) is "
            "not referred again; the housing company's flats are counted in its own section."
        ),
    ),
    "matches_approved": Definition(
        _("Matches approved"),
        PARTNER,
        _("Matches of the partner's households approved in the period (each match once)."),
    ),
    "households_housed": Definition(
        _("Households housed"),
        PARTNER,
        _(
            "The partner's households that moved in during the period, dated by the move-in "
            "date (not by when it was recorded). A household housed twice counts once, in the "
            "month of its first move-in in the period."
        ),
    ),
    "active_volunteers": Definition(
        _("Active volunteers"),
        LOCAL_GROUP,
        _(
            "The people of the partnership's local group who made at least one call or took "
            "part in one reported home visit in the period."
        ),
        fallback=Definition(
            _("Active volunteers"),
            VOLUNTEER_ORGANISATION,
            _(
                "The volunteer organisation's people who made at least one call or took part in "
                "one reported home visit in the period."
            ),
        ),
    ),
}

# The monthly table: each column is the total of the same name, month by month.
MONTHLY = ("registrations", "call_attempts", "home_visits", "matches_approved", "households_housed")

FUNNEL = {
    "registered": Definition(
        FIGURES["registrations"].label,
        MUNICIPALITIES,
        _("The new registrations."),
        fallback=Definition(FIGURES["registrations"].label, PORTAL, _("The new registrations.")),
    ),
    "reached": Definition(
        _("of them reached by phone"),
        MUNICIPALITIES,
        _(
            "Of the new registrations: homes whose host was reached on a call (“interested”, "
            "“not now” or “withdraws”) before the end of the period."
        ),
        fallback=Definition(
            _("of them reached by phone"),
            PORTAL,
            _(
                "Of the new registrations: homes whose host was reached on a call (“interested”, "
                "“not now” or “withdraws”) before the end of the period."
            ),
        ),
    ),
    "visited": Definition(
        _("of them visited and found suitable"),
        MUNICIPALITIES,
        _("Of the new registrations: homes that became “visited” before the end of the period."),
        fallback=Definition(
            _("of them visited and found suitable"),
            PORTAL,
            _(
                "Of the new registrations: homes that became “visited” before the end of the period."
            ),
        ),
    ),
    "referred": Definition(
        _("of them referred to the partner"),
        PARTNER,
        _("Of the new registrations: homes referred to the partner before the end of the period."),
    ),
    "matched": Definition(
        _("of them matched with a household of the partner"),
        PARTNER,
        _(
            "Of the new registrations: homes with a match with one of the partner's households "
            "approved before the end of the period."
        ),
    ),
    "moved_in": Definition(
        _("of them home to a household of the partner"),
        PARTNER,
        _(
            "Of the new registrations: homes into which one of the partner's households moved, "
            "with a move-in date up to the end of the period."
        ),
    ),
}

LEAD_TIMES = {
    "contact": Definition(
        _("first reached by phone"),
        MUNICIPALITIES,
        _("Days from registering to the first call that reached the host."),
        fallback=Definition(
            _("first reached by phone"),
            PORTAL,
            _("Days from registering to the first call that reached the host."),
        ),
    ),
    "visit": Definition(
        _("visited and found suitable"),
        MUNICIPALITIES,
        _("Days from registering to the home becoming “visited”."),
        fallback=Definition(
            _("visited and found suitable"),
            PORTAL,
            _("Days from registering to the home becoming “visited”."),
        ),
    ),
    "move_in": Definition(
        _("a household of the partner moved in"),
        PARTNER,
        _(
            "Days from the day of registering to the first move-in date of one of the partner's "
            "households."
        ),
    ),
}

OUTCOMES = {
    "period": Definition(
        _("Establishment period ended in the period"),
        PARTNER,
        _(
            "The partner's households whose two-year establishment period ended in the period "
            "and whose outcome is recorded: how many are in work, in studies, or other."
        ),
    ),
    "cumulative": Definition(
        _("Establishment period ended at any time up to the end of the period"),
        PARTNER,
        _(
            "The same, for every household of the partner whose establishment period ended "
            "up to the end of the period, also before it began."
        ),
    ),
}

STAY = {
    "concerns_raised": Definition(
        _("Concerns raised"),
        PARTNER,
        _(
            "Concerns (“something is wrong”) about the stays of the partner's households raised "
            "in the period, dated by when each was raised; by who raised it: the host, the "
            "household, a check-in, an evaluation, or staff or a volunteer."
        ),
    ),
    "concerns_urgent": Definition(
        _("of them urgent"),
        PARTNER,
        _("Of the concerns raised in the period: those raised as urgent."),
    ),
    "first_response": Definition(
        _("Time to first response (hours)"),
        PARTNER,
        _(
            "Hours from raising a concern to the first response to it (its acknowledgement, or "
            "the first step a coordinator took on it), over the concerns raised in the period "
            "that were answered before its end: the median and the 90th percentile."
        ),
    ),
    "mediations_held": Definition(
        _("Mediation meetings held"),
        PARTNER,
        _(
            "Mediation meetings about concerns of the partner's stays that were held (not only "
            "booked), dated by the meeting's start."
        ),
    ),
    "stays_ended_early": Definition(
        _("Stays ended early"),
        PARTNER,
        _(
            "Stays of the partner's households that ended before their planned end (a reason "
            "for ending early is recorded), dated by the day the stay was ended in the portal; "
            "by that reason."
        ),
    ),
    "rematches": Definition(
        _("Rematches"),
        PARTNER,
        _(
            "Matches of the partner's households approved in the period for a household whose "
            "earlier stay had ended early before the approval."
        ),
    ),
    "evaluations_answered": Definition(
        _("Evaluations answered"),
        PARTNER,
        _(
            "Evaluations of the partner's stays answered in the period, dated by the answer; by "
            "who answered (the host or the household) and when (after the first month or at "
            "the end of the stay)."
        ),
    ),
    "evaluation_scores": Definition(
        _("Average score per question"),
        PARTNER,
        _(
            "For each question answered on a scale from 1 to 5 in the evaluations answered in "
            "the period, by who answered: the number of answers and their average, to one "
            "decimal, halves up. An average over fewer than 5 answers is hidden."
        ),
    ),
}

HOUSING_COMPANY = _("the partnership's housing company")

# The steps of a placement the report counts, in the order of its columns.
PLACEMENT_STEPS = ("offered", "started", "completed", "ended_early", "employed")
# The housing routes, by the home of a household's first move-in through the portal.
ROUTES = ("private_host", "quota_flat", "other")
ROUTE_LABELS = {
    "private_host": _("A private host's home"),
    "quota_flat": _("The housing company's flat under the quota"),
    "other": _("Other (another company flat, or no home through the portal)"),
}
PLACEMENT_GROUPS = ("with_placement", "without_placement")
PLACEMENT_GROUP_LABELS = {
    "with_placement": _(
        "An adult had a placement that started before the establishment period ended"
    ),
    "without_placement": _("No placement started before the establishment period ended"),
}

WORK = {
    "placements_offered": Definition(
        _("Placements offered"),
        PARTNER,
        _(
            "Placements offered to the partner (its integration unit proposes the newcomer), "
            "by whichever employer, whose offer (the first row of the placement's history) "
            "falls in the period; by kind."
        ),
    ),
    "placements_started": Definition(
        _("Placements started"),
        PARTNER,
        _(
            "Of the placements offered to the partner: those recorded as started in the period, "
            "dated by the row of their history to “started”; by kind."
        ),
    ),
    "placements_completed": Definition(
        _("Placements completed"),
        PARTNER,
        _(
            "Of the placements offered to the partner: those recorded as completed in the "
            "period, dated by the row of their history to “completed”; by kind."
        ),
    ),
    "placements_ended_early": Definition(
        _("Placements ended early"),
        PARTNER,
        _(
            "Of the placements offered to the partner: those recorded as ended early in the "
            "period, dated by the row of their history to “ended early”; by kind."
        ),
    ),
    "placements_employed": Definition(
        _("Placements that led to employment"),
        PARTNER,
        _(
            "Of the placements offered to the partner: those recorded as having led to "
            "employment in the period, dated by the row of their history to “led to "
            "employment”; by kind."
        ),
    ),
    "work_by_route": Definition(
        _("Share in work, by housing route"),
        PARTNER,
        _(
            "The partner's households whose establishment period ended in the period and whose "
            "outcome is recorded (as “Establishment period ended in the period”), by the home of "
            "the household's first move-in through the portal (the earliest move-in date of its "
            "matches with a recorded move-in, whenever recorded): a private host's home; the "
            "housing company's flat that came through a vacancy offered under the quota; other "
            "(a company flat not offered under the quota, or no move-in through the portal). "
            "For each: the households (n) and the share of them in work."
        ),
    ),
    "work_by_placement": Definition(
        _("Share in work, by placement"),
        PARTNER,
        _(
            "The same households, by whether an adult of the household had a placement (with "
            "any employer) that started on or before the day its establishment period ended "
            "(a placement started, completed, ended early or that led to employment): the "
            "households (n) and the share of them in work."
        ),
    ),
    "still_in_municipality": Definition(
        _("Still living in the municipality"),
        PARTNER,
        _(
            "Of the same households: those for which it is recorded whether the household "
            "still lives in the municipality (n), and the share of them that do."
        ),
    ),
    "still_in_matched_home": Definition(
        _("Still living in the matched home"),
        PARTNER,
        _(
            "Of the same households: those for which it is recorded whether the household "
            "still lives in the home of its last move-in through the portal (n), and the share "
            "of them that do."
        ),
    ),
    "company_placements": Definition(
        _("The housing company's placements"),
        HOUSING_COMPANY,
        _(
            "Placements the housing company itself offers as an employer, to any integration "
            "unit: those offered in the period (the first row of the placement's history) and "
            "those recorded as completed in the period (the row to “completed”)."
        ),
    ),
    "company_staff": Definition(
        _("The housing company's staff"),
        HOUSING_COMPANY,
        _(
            "As the company records them: its latest staff figures dated on or before the last "
            "day of the period, with that date: how many it employs, and how many of them came "
            "to Sweden as newcomers. “Not recorded” when it has recorded none."
        ),
    ),
}

GENERAL_NOTES = (
    _(
        "The period runs from its first day at midnight to the end of its last day, Swedish "
        "time. Lead times are taken over the new registrations that reached the step by the end "
        "of the period; the median and the 90th percentile are values that occurred (the value "
        "at rank ⌈p·n⌉)."
    ),
    _(
        "Totals are printed exactly. In the breakdowns (by month, by outcome) a count from 1 to "
        "4 is hidden; then the smallest other counts of the same column are hidden too (all "
        "counts of that size at once) until each hidden count could still be several different "
        "numbers, whatever one works out from the total and the counts shown; when only zeros "
        "are left, the whole column is hidden. So no hidden count can be worked out from the "
        "total and the other cells (secondary suppression, as statistical agencies do; it keeps "
        "the totals exact, which rounding to a base would not). A share in work is not shown "
        "when the count in work is hidden."
    ),
    _(
        "By municipality, each figure that happens in a home is counted by the municipality of "
        "that home (its code): the partnership's municipalities first, then any other where the "
        "partner's work took place, then homes whose municipality is not yet chosen. Each column "
        "adds up to the total, and its small counts are hidden by the same rule as by month."
    ),
    _(
        "Percentages are rounded to whole numbers, halves up (12.5 % shows as 13 %). A target "
        "is met when the progress shown is 100 % or more; for lead times, progress is the goal "
        "as a share of the result."
    ),
)


def definitions(scope: "Scope | None" = None) -> list[dict[str, Any]]:
    """Every figure's label, scope and definition, in the order the report prints them: for a
    partnership's ``scope``, the definition it is counted by (``Definition.for_scope``)."""
    from . import outreach_figures

    rows = []
    for section, items in (
        (_("The work done during the period"), FIGURES),
        (_("From registration to move-in"), FUNNEL),
        (_("Lead times"), LEAD_TIMES),
        (_("After the establishment period"), OUTCOMES),
        (_("The stay"), STAY),
        (_("The road to work"), WORK),
        (outreach_figures.SECTION, outreach_figures.OUTREACH),
    ):
        for key, item in items.items():
            if scope is not None:
                item = item.for_scope(scope)
            rows.append(
                {
                    "section": section,
                    "key": key,
                    "label": item.label,
                    "scope": item.scope,
                    "definition": item.definition,
                }
            )
    return rows


# Which total each target of the catalogue follows.
TARGET_TOTALS = {
    Metric.NEW_REGISTRATIONS: "registrations",
    Metric.HOME_VISITS: "home_visits",
    Metric.HOMES_REFERRED: "homes_referred",
    Metric.MATCHES_APPROVED: "matches_approved",
    Metric.HOUSEHOLDS_HOUSED: "households_housed",
    Metric.ACTIVE_VOLUNTEERS: "active_volunteers",
}
TARGET_LEAD_TIMES = {
    Metric.DAYS_TO_CONTACT: "contact",
    Metric.DAYS_TO_VISIT: "visit",
    Metric.DAYS_TO_MOVE_IN: "move_in",
}


def round_half_up(value, places: int = 0):
    """``value`` rounded halves up (12.5 → 13), not to even as ``round`` does."""
    if value is None:
        return None
    exponent = Decimal(1).scaleb(-places)
    rounded = Decimal(str(value)).quantize(exponent, rounding=ROUND_HALF_UP)
    return int(rounded) if places == 0 else float(rounded)


def percent(part, whole) -> int | None:
    """``part`` as a whole-number percentage of ``whole``, halves up."""
    if not whole:
        return None
    return round_half_up(Decimal(str(part)) * 100 / Decimal(str(whole)))


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

    @property
    def moments(self) -> dict[str, datetime]:
        return {"created_at__gte": self.start, "created_at__lt": self.end}


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


def _in_units(value, seconds: int) -> float | None:
    """A duration in units of ``seconds``, to one decimal, halves up."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        return round_half_up(Decimal(value.total_seconds()) / seconds, 1)
    return round_half_up(Decimal(value) / (seconds * 1_000_000), 1)  # microseconds, as SQLite gives


def days(value) -> float | None:
    """A duration in days, to one decimal, halves up."""
    return _in_units(value, 86_400)


def _duration(later: str, earlier: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


# The figures: one named query each --------------------------------------------------------


def registrations(period: Period, scope: Scope):
    """New registrations (scope: the partnership's municipalities, or the whole portal when it
    names none; dated by the home's first history row).

    The rows from nothing to "registered" in the period: one per home offered through the public
    form in one of the partnership's municipalities. Homes merged away as duplicates and the
    housing company's offered flats do not count."""
    return HomeTransition.objects.filter(
        scope.homes("home__"),
        from_state="",
        to_state=Home.Status.REGISTERED,
        home__duplicate_of__isnull=True,
        home__unit__isnull=True,
        **period.moments,
    )


def calls_made(period: Period, scope: Scope):
    """Calls made (scope: the partnership's local group, or the volunteer organisation when it
    names none; dated by the call).

    Every call attempt recorded in the period by one of the people of the local group, whatever
    its outcome and wherever the home."""
    return CallAttempt.objects.filter(scope.people("volunteer__"), **period.moments)


def home_visits(period: Period, scope: Scope):
    """Home visits (scope: the partnership's local group, or the volunteer organisation when it
    names none; dated by the visit's start).

    Reported visits that took place in the period with at least one of the group's people among
    the visitors."""
    visitors = HomeVisit.volunteers.through.objects.filter(
        scope.people("user__"), homevisit_id=OuterRef("pk")
    )
    return HomeVisit.objects.filter(
        Exists(visitors),
        status=HomeVisit.Status.REPORTED,
        starts_at__gte=period.start,
        starts_at__lt=period.end,
    )


def _of_partner(path: str, partner_id: "int | list[int]") -> Q:
    """``path`` is the partner (or, for a roll-up, one of the partners listed)."""
    if isinstance(partner_id, list):
        return Q(**{f"{path}__in": partner_id})
    return Q(**{path: partner_id})


def first_referrals(period: Period, *, partner_id: "int | list[int]"):
    """Homes referred to the partner (scope: the partner; dated by the home's first referral).

    The rows to "referred" in the period of homes referred to the partner that have no such row
    before the period: the home's first referral falls in the period. A resume from a pause, or a
    return to "referred" after a cancelled or ended match, is no new referral (count the homes,
    ``home_id`` distinct). Duplicates and the housing company's flats do not count."""
    earlier = HomeTransition.objects.filter(
        home_id=OuterRef("home_id"), to_state=Home.Status.REFERRED, created_at__lt=period.start
    )
    return HomeTransition.objects.filter(
        ~Exists(earlier),
        _of_partner("home__partner_id", partner_id),
        to_state=Home.Status.REFERRED,
        home__unit__isnull=True,
        home__duplicate_of__isnull=True,
        **period.moments,
    )


def matches_approved(period: Period, *, partner_id: "int | list[int]"):
    """Matches approved (scope: the partner; dated by the approval).

    The rows to "approved" in the period of matches of the partner's households: one per match,
    since a match is approved once."""
    return MatchTransition.objects.filter(
        _of_partner("match__case__partner_id", partner_id),
        to_state=Match.Status.APPROVED,
        **period.moments,
    )


def move_ins(*, partner_id: "int | list[int]", first_day: date, last_day: date):
    """Matches of the partner's households that moved in (a row to "moved in" exists, whenever
    it was recorded) with a move-in date from ``first_day`` to ``last_day``."""
    moved = MatchTransition.objects.filter(match=OuterRef("pk"), to_state=Match.Status.MOVED_IN)
    return Match.objects.filter(
        Exists(moved),
        _of_partner("case__partner_id", partner_id),
        move_in_date__gte=first_day,
        move_in_date__lte=last_day,
    )


def households_housed(period: Period, *, partner_id: "int | list[int]"):
    """Households housed (scope: the partner; dated by the move-in date).

    One match per household of the partner that moved in during the period: its first move-in
    in the period (the earliest date; of two on one day, the first recorded match). A household
    housed twice counts once, in the month and the municipality of that first move-in."""
    window = {"first_day": period.first_day, "last_day": period.last_day}
    earlier = move_ins(partner_id=partner_id, **window).filter(
        Q(move_in_date__lt=OuterRef("move_in_date"))
        | Q(move_in_date=OuterRef("move_in_date"), pk__lt=OuterRef("pk")),
        case_id=OuterRef("case_id"),
    )
    return move_ins(partner_id=partner_id, **window).filter(~Exists(earlier))


def active_volunteers(period: Period, scope: Scope):
    """Active volunteers (scope: the partnership's local group, or the volunteer organisation
    when it names none; dated by the call or the visit).

    The group's people with at least one call in the period, or one reported visit that took
    place in it. Per person an index probe (EXISTS), not a pass over every call."""
    calls = CallAttempt.objects.filter(volunteer=OuterRef("pk"), **period.moments)
    visits = HomeVisit.objects.filter(
        volunteers=OuterRef("pk"),
        status=HomeVisit.Status.REPORTED,
        starts_at__gte=period.start,
        starts_at__lt=period.end,
    )
    return User.objects.filter(scope.people()).filter(Exists(calls) | Exists(visits))


def reached_within(period: Period, *, days: int) -> Exists:
    """Hosts reached within N days of registering (scope: as the new registrations), as a
    condition on a new registration (``registrations``): a call reached the host
    (``CallAttempt.REACHED``) at most ``days`` days after registering and before the end of the
    period. The same homes as the cohort's "contact" lead time of at most N days; this form
    counts them by municipality."""
    return Exists(
        CallAttempt.objects.filter(
            home_id=OuterRef("home_id"),
            outcome__in=CallAttempt.REACHED,
            created_at__lt=period.end,
            created_at__lte=OuterRef("created_at") + timedelta(days=days),
        )
    )


# The cohort: the homes registered in the period, and how far each came ----------------------


def cohort_steps(period: Period, scope: Scope):
    """Per new registration (scope as the stage says): when it was registered, first became
    "visited", and was first referred to the partner, before the end of the period."""
    before_end = Q(home__transitions__created_at__lt=period.end)
    return (
        registrations(period, scope)
        .values("home_id")
        .annotate(
            registered_at=Min("created_at"),
            visited_at=Min(
                "home__transitions__created_at",
                filter=before_end & Q(home__transitions__to_state=Home.Status.VISITED),
            ),
            referred_at=Min(
                "home__transitions__created_at",
                filter=before_end
                & Q(
                    home__transitions__to_state=Home.Status.REFERRED,
                    home__partner_id=scope.partner_id,
                ),
            ),
        )
        .annotate(visit=_duration("visited_at", "registered_at"))
        .order_by()
    )


def cohort_reached(period: Period, scope: Scope):
    """Per new registration whose host was reached on a call before the end of the period: the
    first such call (scope: as the new registrations; a reached call is "interested", "not now"
    or "withdraws", as ``CallAttempt.REACHED`` says, by whoever made it)."""
    return (
        registrations(period, scope)
        .filter(
            home__call_attempts__outcome__in=CallAttempt.REACHED,
            home__call_attempts__created_at__lt=period.end,
        )
        .values("home_id")
        .annotate(
            registered_at=Min("created_at"), reached_at=Min("home__call_attempts__created_at")
        )
        .annotate(contact=_duration("reached_at", "registered_at"))
        .order_by()
    )


def cohort_matched(period: Period, scope: Scope):
    """Per new registration with a match with one of the partner's households approved before
    the end of the period: the first approval (scope: the partner)."""
    return (
        registrations(period, scope)
        .filter(
            home__matches__case__partner_id=scope.partner_id,
            home__matches__transitions__to_state=Match.Status.APPROVED,
            home__matches__transitions__created_at__lt=period.end,
        )
        .values("home_id")
        .annotate(matched_at=Min("home__matches__transitions__created_at"))
        .order_by()
    )


def cohort_moved_in(period: Period, scope: Scope):
    """Per new registration into which one of the partner's households moved with a move-in
    date up to the end of the period: the first move-in date, and the days from the day of
    registering to it (scope: the partner)."""
    return (
        registrations(period, scope)
        .filter(
            home__matches__case__partner_id=scope.partner_id,
            home__matches__move_in_date__lte=period.last_day,
            home__matches__transitions__to_state=Match.Status.MOVED_IN,
        )
        .values("home_id")
        .annotate(
            registered_on=Min(TruncDate("created_at")),
            moved_in_on=Min("home__matches__move_in_date"),
        )
        .annotate(move_in=_duration("moved_in_on", "registered_on"))
        .order_by()
    )


def cohort_figures(
    period: Period, scope: Scope, *, within_days: list[int], stored=None
) -> dict[str, Any]:
    """The funnel's stages, the hosts reached within each N days, and the lead times: four
    aggregate queries on PostgreSQL (the steps, the calls, the matches, the move-ins); or, with
    ``stored`` (``reports.daily.StoredFigures``), the same from the stored facts."""
    if stored is not None:
        return stored.cohort(within_days)
    postgres = connection.vendor == "postgresql"

    def percentiles(name):
        if not postgres:
            return {}
        return {
            f"{name}_{p}": PercentileDisc(name, p, output_field=DurationField()) for p in (0.5, 0.9)
        }

    steps, reached, moved = (
        cohort_steps(period, scope),
        cohort_reached(period, scope),
        cohort_moved_in(period, scope),
    )
    counts = steps.aggregate(
        registered=Count("home_id"),
        visited=Count("visited_at"),
        referred=Count("referred_at"),
        **percentiles("visit"),
    )
    counts.update(
        reached.aggregate(
            reached=Count("home_id"),
            **{
                f"within_{n}": Count("home_id", filter=Q(contact__lte=timedelta(days=n)))
                for n in within_days
            },
            **percentiles("contact"),
        )
    )
    counts["matched"] = cohort_matched(period, scope).count()
    counts.update(moved.aggregate(moved_in=Count("home_id"), **percentiles("move_in")))
    if not postgres:
        for name, queryset in (("contact", reached), ("visit", steps), ("move_in", moved)):
            values = duration_percentiles(queryset.filter(**{f"{name}__isnull": False}), name)
            counts.update({f"{name}_{p}": value for p, value in values.items()})
    counts["lead_times"] = {
        key: {"median": days(counts[f"{key}_0.5"]), "p90": days(counts[f"{key}_0.9"])}
        for key in ("contact", "visit", "move_in")
    }
    return counts


# The stay ----------------------------------------------------------------------------------


def _in_period(period: Period, field_name: str) -> dict[str, datetime]:
    return {f"{field_name}__gte": period.start, f"{field_name}__lt": period.end}


def concerns_raised(period: Period, *, partner_id: "int | list[int]"):
    """Concerns raised (scope: the partner; dated by when the concern was raised).

    Every concern about a stay (a match) of the partner's households whose ``created_at`` falls
    in the period, whoever raised it and whatever became of it."""
    from stays.models import Concern

    return Concern.objects.filter(
        _of_partner("match__case__partner_id", partner_id), **_in_period(period, "created_at")
    )


def first_responses(period: Period, *, partner_id: int):
    """Time to first response (scope: the partner; dated by when the concern was raised).

    Of the concerns raised in the period (``concerns_raised``): those with a first response
    before the end of the period, each with ``response`` = first response − raised."""
    return (
        concerns_raised(period, partner_id=partner_id)
        .filter(_responded(period))
        .annotate(response=_duration("first_response_at", "created_at"))
    )


def _responded(period: Period) -> Q:
    """A concern of ``first_responses``: first answered before the end of the period."""
    return Q(first_response_at__isnull=False, first_response_at__lt=period.end)


def mediations_held(period: Period, *, partner_id: int):
    """Mediation meetings held (scope: the partner; dated by the meeting's start).

    Meetings about a concern of one of the partner's stays whose status is "held" and whose
    start falls in the period; booked, moved or cancelled ones do not count."""
    from stays.models import Mediation

    return Mediation.objects.filter(
        concern__match__case__partner_id=partner_id,
        status=Mediation.Status.HELD,
        **_in_period(period, "starts_at"),
    )


def stays_ended_early(period: Period, *, partner_id: int):
    """Stays ended early (scope: the partner; dated by the stay's end in the portal: its row to
    "ended").

    The rows to "ended" in the period of the partner's matches with an early-end reason
    (``Match.early_end_reason``): one per stay, since a stay ends once."""
    return MatchTransition.objects.filter(
        match__case__partner_id=partner_id,
        to_state=Match.Status.ENDED,
        **period.moments,
    ).exclude(match__early_end_reason="")


def rematches(period: Period, *, partner_id: int):
    """Rematches (scope: the partner; dated by the approval).

    The approvals in the period (``matches_approved``) of matches whose household had another
    stay that ended early (an early-end reason, and its row to "ended" before this approval)."""
    ended_early = MatchTransition.objects.filter(
        match__case_id=OuterRef("match__case_id"),
        to_state=Match.Status.ENDED,
        created_at__lt=OuterRef("created_at"),
    ).exclude(match__early_end_reason="")
    return matches_approved(period, partner_id=partner_id).filter(Exists(ended_early))


def evaluations_answered(period: Period, *, partner_id: int):
    """Evaluations answered (scope: the partner; dated by the answer).

    The evaluations of the partner's stays whose status is "answered" and whose answer
    (``answered_at``) falls in the period."""
    from stays.models import Evaluation

    return Evaluation.objects.filter(_evaluation_answered(period, partner_id))


def _evaluation_answered(period: Period, partner_id: int, path: str = "") -> Q:
    """The conditions of ``evaluations_answered`` on an evaluation (at ``path``, for a query
    over its answers)."""
    from stays.models import Evaluation

    return Q(
        **{
            f"{path}match__case__partner_id": partner_id,
            f"{path}status": Evaluation.Status.ANSWERED,
            **_in_period(period, f"{path}answered_at"),
        }
    )


SCALE = (1, 5)


def survey_questions() -> dict[str, dict[str, Any]]:
    """The questions of the survey definitions (``stays.surveys``), by key: their text and
    whether they are answered on the scale from 1 to 5 (a scale question; a yes/no answer is
    stored as 1 or 0 and is never averaged). A key the definitions no longer have counts as on
    the scale when every score given to it lies from 1 to 5 (``evaluation_scores``)."""
    from stays.surveys import SCALE as SCALE_QUESTION
    from stays.surveys import SURVEYS

    found: dict[str, dict[str, Any]] = {}
    for survey in SURVEYS.values():
        for question in survey.questions:
            found.setdefault(
                question.key,
                {"label": question.text, "on_scale": question.kind == SCALE_QUESTION},
            )
    return found


def question_label_from_key(key: str) -> str:
    """A readable label made from a question's key ("felt_welcome" → "Felt welcome")."""
    return key.replace("_", " ").strip().capitalize()


def evaluation_scores(period: Period, *, partner_id: int) -> list[dict[str, Any]]:
    """Average score per question (scope: the partner; dated by the evaluation's answer).

    Of the evaluations answered in the period (``evaluations_answered``): per respondent and
    question key, the answers with a score, their average, smallest and largest; one grouped
    query. Only the questions on the scale from 1 to 5 are kept (``survey_questions``)."""
    from django.db.models import Avg, Max
    from django.db.models import Min as Least

    from stays.models import EvaluationAnswer

    rows = (
        EvaluationAnswer.objects.filter(
            _evaluation_answered(period, partner_id, "evaluation__"),
            score__isnull=False,
        )
        .order_by()
        .values("evaluation__respondent", "question")
        .annotate(n=Count("pk"), average=Avg("score"), low=Least("score"), high=Max("score"))
        .order_by("evaluation__respondent", "question")
    )
    known = survey_questions()
    result = []
    for row in rows:
        question = known.get(row["question"], {})
        on_scale = question.get("on_scale")
        if on_scale is None:
            on_scale = SCALE[0] <= row["low"] and row["high"] <= SCALE[1]
        if not on_scale:
            continue
        result.append(
            {
                "respondent": row["evaluation__respondent"],
                "question": row["question"],
                "label": question.get("label") or question_label_from_key(row["question"]),
                "answers": row["n"],
                "average": round_half_up(row["average"], 1),
            }
        )
    return result


def hours(value) -> float | None:
    """A duration in hours, to one decimal, halves up."""
    return _in_units(value, 3_600)


def stay_figures(period: Period, *, partner_id: int) -> dict[str, Any]:
    """The figures of ``STAY`` for the partner: six aggregate queries (the concerns with the
    percentiles of their first responses, the mediations, the early ends by reason, the
    rematches, the evaluations, the scores; one more for the responses on SQLite), whatever the
    size of the data."""
    from stays.models import Concern, Evaluation

    raisers = list(Concern.RaisedBy.values)
    # On PostgreSQL the percentiles of ``first_responses`` are taken in the same pass over the
    # concerns, over those it counts (``FILTER``).
    postgres = connection.vendor == "postgresql"
    percentiles = (0.5, 0.9)
    concerns = (
        concerns_raised(period, partner_id=partner_id)
        .annotate(response=_duration("first_response_at", "created_at"))
        .aggregate(
            total=Count("pk"),
            urgent=Count("pk", filter=Q(urgency=Concern.Urgency.URGENT)),
            **{f"by_{key}": Count("pk", filter=Q(raised_by=key)) for key in raisers},
            **{
                f"response_{i}": PercentileDisc(
                    "response", p, filter=_responded(period), output_field=DurationField()
                )
                for i, p in enumerate(percentiles)
                if postgres
            },
        )
    )
    if postgres:
        response = {p: concerns[f"response_{i}"] for i, p in enumerate(percentiles)}
    else:
        response = duration_percentiles(first_responses(period, partner_id=partner_id), "response")
    early = dict(
        stays_ended_early(period, partner_id=partner_id)
        .order_by()
        .values("match__early_end_reason")
        .annotate(n=Count("match_id", distinct=True))
        .values_list("match__early_end_reason", "n")
    )
    cells = [(r, p) for r in Evaluation.Respondent.values for p in Evaluation.Point.values]
    answered = evaluations_answered(period, partner_id=partner_id).aggregate(
        **{f"{r}__{p}": Count("pk", filter=Q(respondent=r, point=p)) for r, p in cells}
    )
    return {
        "concerns_raised": concerns["total"],
        "concerns_urgent": concerns["urgent"],
        "by_raiser": {key: concerns[f"by_{key}"] for key in raisers},
        "first_response": {
            "median": hours(response[0.5]),
            "p90": hours(response[0.9]),
        },
        "mediations_held": mediations_held(period, partner_id=partner_id).count(),
        "stays_ended_early": sum(early.values()),
        "by_reason": {key: early.get(key, 0) for key in Match.EarlyEnd.values},
        "rematches": rematches(period, partner_id=partner_id).count(),
        "evaluations_answered": sum(answered.values()),
        "evaluations": {f"{r}__{p}": answered[f"{r}__{p}"] for r, p in cells},
        "scores": evaluation_scores(period, partner_id=partner_id),
    }


def stay_shown(stay: dict[str, Any]) -> dict[str, Any]:
    """The stay's figures as they may be printed: the totals exactly; each breakdown (by who
    raised a concern, by reason, by who answered and when) with hidden cells None by
    ``suppress``; an average over fewer than ``SMALL_NUMBER`` answers None."""
    from stays.models import Concern, Evaluation

    def breakdown(counts: dict[str, int], labels: dict[str, Any]) -> list[dict[str, Any]]:
        keys = list(counts)
        mask = suppress([counts[key] for key in keys])
        return [
            {"key": key, "label": labels[key], "count": None if hide else counts[key]}
            for key, hide in zip(keys, mask, strict=True)
        ]

    respondents = dict(Evaluation.Respondent.choices)
    points = dict(Evaluation.Point.choices)
    evaluation_labels = {
        f"{r}__{p}": f"{respondents[r]}: {points[p]}" for r in respondents for p in points
    }
    return {
        **{
            key: stay[key]
            for key in (
                "concerns_raised",
                "concerns_urgent",
                "first_response",
                "mediations_held",
                "stays_ended_early",
                "rematches",
                "evaluations_answered",
            )
        },
        "by_raiser": breakdown(stay["by_raiser"], dict(Concern.RaisedBy.choices)),
        "by_reason": breakdown(stay["by_reason"], dict(Match.EarlyEnd.choices)),
        "evaluations": breakdown(stay["evaluations"], evaluation_labels),
        "scores": [
            {
                **row,
                "respondent_label": respondents.get(row["respondent"], row["respondent"]),
                "average": row["average"] if row["answers"] >= SMALL_NUMBER else None,
            }
            for row in stay["scores"]
        ],
    }


# The road to work ---------------------------------------------------------------------------

SHARE_NOTE = _(
    "A share is hidden when it rests on fewer than 5 households, or when the count it is a "
    "share of is hidden (a count from 1 to 4, or hidden so that such a count cannot be worked "
    "out)."
)
NOT_RECORDED = _("not recorded")


def _placements_of(partner_id=None, employer_organisation_id=None) -> Q:
    """The placements offered to the partner (or, for a roll-up, one of the partners listed);
    or those whose employer is ``employer_organisation_id`` (the housing company)."""
    if employer_organisation_id is not None:
        return Q(placement__employer__organisation_id=employer_organisation_id)
    return _of_partner("placement__integration_unit_id", partner_id)


def placements_offered(period: Period, *, partner_id=None, employer_organisation_id=None):
    """Placements offered (scope: the partner, or the housing company as an employer; dated by
    the offer: the first row of the placement's history).

    The rows from nothing to "offered" in the period of the placements offered to the partner
    (``Placement.integration_unit``), whoever the employer. A declined or withdrawn proposal
    that returns the placement to "offered" is no new offer."""
    from work.models import Placement, PlacementTransition

    return PlacementTransition.objects.filter(
        _placements_of(partner_id, employer_organisation_id),
        from_state="",
        to_state=Placement.Status.OFFERED,
        **period.moments,
    )


def _placement_step(period: Period, to_state: str, partner_id=None, employer_organisation_id=None):
    from work.models import PlacementTransition

    return PlacementTransition.objects.filter(
        _placements_of(partner_id, employer_organisation_id), to_state=to_state, **period.moments
    )


def placements_started(period: Period, *, partner_id=None):
    """Placements started (scope: the partner; dated by the row to "started").

    The rows to "started" in the period of the placements offered to the partner: when the
    start was recorded in the portal (a placement starts once)."""
    return _placement_step(period, "started", partner_id)


def placements_completed(period: Period, *, partner_id=None, employer_organisation_id=None):
    """Placements completed (scope: the partner, or the housing company as an employer; dated
    by the row to "completed").

    The rows to "completed" in the period of the placements offered to the partner (or whose
    employer is the housing company): one per placement, which completes once."""
    return _placement_step(period, "completed", partner_id, employer_organisation_id)


def placements_ended_early(period: Period, *, partner_id=None):
    """Placements ended early (scope: the partner; dated by the row to "ended early").

    The rows to "ended early" in the period of the placements offered to the partner, whatever
    the reason (one per placement)."""
    return _placement_step(period, "ended_early", partner_id)


def placements_employed(period: Period, *, partner_id=None):
    """Placements that led to employment (scope: the partner; dated by the row to "led to
    employment").

    The rows to "employed" in the period of the placements offered to the partner, from a
    placement under way or completed (one per placement)."""
    return _placement_step(period, "employed", partner_id)


PLACEMENT_FIGURES = {
    "offered": placements_offered,
    "started": placements_started,
    "completed": placements_completed,
    "ended_early": placements_ended_early,
    "employed": placements_employed,
}


def placement_counts(period: Period, partner_ids: list[int]) -> dict[int, dict[str, dict]]:
    """Per partner, per step of ``PLACEMENT_STEPS``, per kind: the placements counted by
    ``PLACEMENT_FIGURES``. One grouped query per step for every partner listed."""
    from work.models import Placement

    kinds = Placement.Kind.values
    counts = {
        partner: {step: dict.fromkeys(kinds, 0) for step in PLACEMENT_STEPS}
        for partner in partner_ids
    }
    for step, figure in PLACEMENT_FIGURES.items():
        rows = (
            figure(period, partner_id=list(partner_ids))
            .order_by()
            .values("placement__integration_unit_id", "placement__kind")
            .annotate(n=Count("placement_id", distinct=True))
            .values_list("placement__integration_unit_id", "placement__kind", "n")
        )
        for partner, kind, n in rows:
            counts[partner][step][kind] = n
    return counts


def outcome_households(period: Period, *, partner_id: "int | list[int]"):
    """The households of "Establishment period ended in the period" (scope: the partner; dated
    by the day the establishment period ends): the partner's cases whose establishment period
    ended from the first to the last day of the period and whose outcome is recorded."""
    return NewcomerCase.objects.filter(
        _of_partner("partner_id", partner_id),
        establishment_ends_on__gte=period.first_day,
        establishment_ends_on__lte=period.last_day,
    ).exclude(outcome="")


def first_move_in_route():
    """A case's housing route (an expression over ``NewcomerCase``): the home of its first
    move-in through the portal, the earliest move-in date of its matches with a row to "moved
    in" (of two on one day, the first recorded match), whenever recorded. "private_host" when
    that home has no company unit; "quota_flat" when it is a company flat that came through a
    vacancy offered under the quota; "other" when it is another company flat, or when the
    household never moved in through the portal."""
    from django.db.models import Case, CharField, Subquery, Value, When
    from django.db.models.functions import Coalesce

    moved = MatchTransition.objects.filter(match=OuterRef("pk"), to_state=Match.Status.MOVED_IN)
    first = (
        Match.objects.filter(Exists(moved), case_id=OuterRef("pk"), move_in_date__isnull=False)
        .annotate(
            route=Case(
                When(home__unit__isnull=True, then=Value("private_host")),
                When(home__vacancy__offered=True, then=Value("quota_flat")),
                default=Value("other"),
                output_field=CharField(),
            )
        )
        .order_by("move_in_date", "pk")
        .values("route")[:1]
    )
    return Coalesce(Subquery(first, output_field=CharField()), Value("other"))


def placement_before_end() -> Exists:
    """Whether an adult of a case had a placement that started (its status one of
    ``Placement.TAKEN_UP``: started, completed, ended early, led to employment) on or before the
    day the case's establishment period ended, with any employer (an expression over
    ``NewcomerCase``)."""
    from work.models import Placement

    return Exists(
        Placement.objects.filter(
            case_id=OuterRef("pk"),
            status__in=Placement.TAKEN_UP,
            started_on__lte=OuterRef("establishment_ends_on"),
        )
    )


def work_outcome_counts(period: Period, partner_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per partner, the households of ``outcome_households`` by housing route
    (``first_move_in_route``) and by placement (``placement_before_end``): how many, how many in
    work, and how many are recorded as still living in the municipality and in the matched home
    (of how many where it is known). One grouped query for every partner listed."""
    in_work = Q(outcome=NewcomerCase.Outcome.IN_WORK)
    rows = (
        outcome_households(period, partner_id=list(partner_ids))
        .annotate(route=first_move_in_route(), placement=placement_before_end())
        .order_by()
        .values("partner_id", "route", "placement")
        .annotate(
            n=Count("pk"),
            in_work=Count("pk", filter=in_work),
            in_studies=Count("pk", filter=Q(outcome=NewcomerCase.Outcome.IN_STUDIES)),
            municipality_known=Count("pk", filter=Q(still_in_municipality__isnull=False)),
            municipality_yes=Count("pk", filter=Q(still_in_municipality=True)),
            home_known=Count("pk", filter=Q(still_in_matched_home__isnull=False)),
            home_yes=Count("pk", filter=Q(still_in_matched_home=True)),
        )
    )

    def empty():
        return {"n": 0, "in_work": 0}

    result = {
        partner: {
            "recorded": 0,
            "in_work": 0,
            "in_studies": 0,
            "by_route": {route: empty() for route in ROUTES},
            "by_placement": {group: empty() for group in PLACEMENT_GROUPS},
            "still_in_municipality": {"known": 0, "yes": 0},
            "still_in_matched_home": {"known": 0, "yes": 0},
        }
        for partner in partner_ids
    }
    for row in rows:
        counts = result[row["partner_id"]]
        group = "with_placement" if row["placement"] else "without_placement"
        for cell in (counts, counts["by_route"][row["route"]], counts["by_placement"][group]):
            cell["n" if cell is not counts else "recorded"] += row["n"]
            cell["in_work"] += row["in_work"]
        counts["in_studies"] += row["in_studies"]
        for key, prefix in (
            ("still_in_municipality", "municipality"),
            ("still_in_matched_home", "home"),
        ):
            counts[key]["known"] += row[f"{prefix}_known"]
            counts[key]["yes"] += row[f"{prefix}_yes"]
    return result


def latest_staff_figures(period: Period, *, organisation_id: int) -> dict[str, Any] | None:
    """The housing company's staff figures (scope: the company as an employer; dated by the day
    the figures are as of): its latest record on or before the last day of the period, or None
    when it has none (or is no employer)."""
    from work.models import StaffFigures

    return (
        StaffFigures.objects.filter(
            employer__organisation_id=organisation_id, recorded_on__lte=period.last_day
        )
        .order_by("-recorded_on")
        .values("recorded_on", "employees", "came_as_newcomers")
        .first()
    )


def company_work_figures(period: Period, *, company_id: int) -> dict[str, Any]:
    """The housing company's own figures of ``WORK``: its placements as an employer offered and
    completed in the period, and its latest staff figures."""
    return {
        "offered": placements_offered(period, employer_organisation_id=company_id)
        .values("placement_id")
        .distinct()
        .count(),
        "completed": placements_completed(period, employer_organisation_id=company_id)
        .values("placement_id")
        .distinct()
        .count(),
        "staff": latest_staff_figures(period, organisation_id=company_id),
    }


def work_figures(
    period: Period, *, partner_id: int, company_id: int | None = None
) -> dict[str, Any]:
    """The figures of ``WORK`` for the partner (and its housing company, if any): six grouped
    queries, and three more for the company."""
    return {
        "placements": placement_counts(period, [partner_id])[partner_id],
        **work_outcome_counts(period, [partner_id])[partner_id],
        "company": (company_work_figures(period, company_id=company_id) if company_id else None),
    }


def _share_shown(part: int, whole: int, hidden: bool = False) -> int | None:
    """A share as it may be printed: None when it rests on fewer than ``SMALL_NUMBER``, or when
    the count it is a share of is hidden (``hidden``) or is from 1 to ``SMALL_NUMBER - 1``."""
    if hidden or whole < SMALL_NUMBER or 0 < part < SMALL_NUMBER:
        return None
    return percent(part, whole)


def _shares_shown(cells: dict[str, dict[str, int]], labels) -> list[dict[str, Any]]:
    """A breakdown of households (n) with the share in work of each: the households and those
    in work each protected against their totals by ``suppress``; a share only where its n and
    its count in work are shown and n is at least ``SMALL_NUMBER``."""
    keys = list(cells)
    n_mask = suppress([cells[key]["n"] for key in keys])
    work_mask = suppress([cells[key]["in_work"] for key in keys])
    rows = []
    for key, hide_n, hide_work in zip(keys, n_mask, work_mask, strict=True):
        n, in_work = cells[key]["n"], cells[key]["in_work"]
        rows.append(
            {
                "key": key,
                "label": labels[key],
                "n": None if hide_n else n,
                "share": None if hide_n else _share_shown(in_work, n, hide_work),
            }
        )
    return rows


def work_shown(work: dict[str, Any]) -> dict[str, Any]:
    """The road to work as it may be printed: the placements by kind (each step's column
    protected against its total by ``suppress``, except the offers, which count places, not
    people) with the totals exactly; the shares by route and by placement (``_shares_shown``),
    the overall share as ``outcomes_shown`` gives it; the shares still living in the
    municipality and in the matched home (``_share_shown``); the company's figures as they are."""
    from work.models import Placement

    kinds = dict(Placement.Kind.choices)
    placements = work["placements"]
    masks = {
        step: (
            [False] * len(kinds)
            if step == "offered"
            else suppress([placements[step][kind] for kind in kinds])
        )
        for step in PLACEMENT_STEPS
    }
    by_kind = [
        {
            "kind": kind,
            "label": label,
            "cells": [
                None if masks[step][i] else placements[step][kind] for step in PLACEMENT_STEPS
            ],
        }
        for i, (kind, label) in enumerate(kinds.items())
    ]
    # The same households, counts and rule as "Establishment period ended in the period".
    overall = outcomes_shown(
        {
            "recorded": work["recorded"],
            "in_work": work["in_work"],
            "in_studies": work["in_studies"],
            "other": work["recorded"] - work["in_work"] - work["in_studies"],
            "share_in_work": percent(work["in_work"], work["recorded"]),
        }
    )
    staying = {
        key: {
            "n": work[key]["known"],
            "share": _share_shown(work[key]["yes"], work[key]["known"]),
        }
        for key in ("still_in_municipality", "still_in_matched_home")
    }
    return {
        "placements": by_kind,
        "placement_totals": [sum(placements[step].values()) for step in PLACEMENT_STEPS],
        "recorded": work["recorded"],
        "share_in_work": overall["share_in_work"],
        "by_route": _shares_shown(work["by_route"], ROUTE_LABELS),
        "by_placement": _shares_shown(work["by_placement"], PLACEMENT_GROUP_LABELS),
        **staying,
        "company": work["company"],
    }


def placement_step_labels() -> list[Any]:
    """The columns of the placements by kind, in the order of ``PLACEMENT_STEPS``."""
    return [WORK[f"placements_{step}"].label for step in PLACEMENT_STEPS]


# By municipality ---------------------------------------------------------------------------

# The totals that happen in a home, counted by the home's municipality (its code). Each home has
# one municipality (or none, an old registration still to map), so each column adds up to its
# total, and its cells are protected as the monthly table's are.
BY_MUNICIPALITY = (
    "registrations",
    "reached_within_7_days",
    "home_visits",
    "homes_referred",
    "matches_approved",
    "households_housed",
)
NO_MUNICIPALITY = _("Municipality not yet chosen")

# The stay's totals in the national roll-up (one row per partnership; no breakdowns).
ROLLUP_STAY = (
    "concerns_raised",
    "concerns_urgent",
    "first_response",
    "mediations_held",
    "stays_ended_early",
    "rematches",
    "evaluations_answered",
)


# The road to work in the national roll-up (one row per partnership; no breakdown by kind).
ROLLUP_WORK = (
    "placements_offered",
    "placements_started",
    "placements_completed",
    "placements_ended_early",
    "placements_employed",
    "work_by_route",
    "work_by_placement",
    "still_in_municipality",
    "still_in_matched_home",
)


def municipality_counts(
    period: Period, scope: Scope, stored=None, partner=None
) -> dict[str, dict[str | None, int]]:
    """Each figure of ``BY_MUNICIPALITY`` by the municipality code of its home (None: an old
    home whose municipality is still to be chosen): one grouped query per figure, the same
    querysets as the totals (the new registrations and those reached within 7 days from the
    stored facts, with ``stored``; the partner's figures from ``partner_counts``, with
    ``partner``)."""

    def by_code(queryset, code_path: str, count=ROW, distinct: bool = False):
        assert not (distinct and count is ROW), "a distinct count names what it counts"
        rows = (
            queryset.order_by()
            .values(code_path)
            .annotate(n=Count(count, distinct=distinct))
            .values_list(code_path, "n")
        )
        return {code: n for code, n in rows if n}

    # The new registrations and those reached within 7 days: one pass over the registrations.
    if stored is not None:
        counted, reached = stored.registrations_by_municipality()
        registered = [(code, n, reached.get(code, 0)) for code, n in counted.items()]
    else:
        registered = list(
            registrations(period, scope)
            .order_by()
            .values("home__municipality_id")
            .annotate(n=Count(ROW), reached=Count(ROW, filter=Q(reached_within(period, days=7))))
            .values_list("home__municipality_id", "n", "reached")
        )
    mine = {"partner_id": scope.partner_id}
    visits = stored.visits() if stored is not None else None
    if visits is not None:
        counts = dict(visits[1])
        live = by_code(stored.live_visits(home_visits(period, scope)), "home__municipality_id")
        for code, n in live.items():
            counts[code] = counts.get(code, 0) + n
        visits = {code: n for code, n in counts.items() if n}
    else:
        visits = by_code(home_visits(period, scope), "home__municipality_id")
    if partner is not None:
        of_partner = {
            "homes_referred": partner["homes_referred"],
            "matches_approved": _codes_of(partner["matches_approved"]),
            "households_housed": _codes_of(partner["households_housed"]),
        }
    else:
        of_partner = {
            "homes_referred": by_code(
                first_referrals(period, **mine), "home__municipality_id", "home_id", True
            ),
            "matches_approved": by_code(
                matches_approved(period, **mine), "match__home__municipality_id"
            ),
            "households_housed": by_code(
                households_housed(period, **mine), "home__municipality_id"
            ),
        }
    return {
        "registrations": {code: n for code, n, _reached in registered if n},
        "reached_within_7_days": {code: r for code, _n, r in registered if r},
        "home_visits": visits,
        **of_partner,
    }


def municipality_rows(
    counts: dict[str, dict[str | None, int]],
    codes: tuple[str, ...] | None,
    names: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """One row per municipality: the partnership's own (``codes``, zeros included) by code, then
    any other municipality with a count (a partner's home elsewhere; every municipality for a
    partnership that names none) by code, then the homes whose municipality is not yet chosen."""
    from municipalities.models import Municipality

    seen = {code for column in counts.values() for code in column}
    own = list(codes or ())
    others = sorted(code for code in seen if code is not None and code not in own)
    if names is None:
        names = dict(Municipality.objects.filter(code__in=own + others).values_list("code", "name"))
    rows = []
    for code in [*own, *others, *([None] if None in seen else [])]:
        rows.append(
            {
                "code": code or "",
                "name": names.get(code, "") if code else NO_MUNICIPALITY,
                "own": code in own,
                **{key: counts[key].get(code, 0) for key in BY_MUNICIPALITY},
            }
        )
    return rows


def municipality_shown(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows by municipality as they may be printed: hidden cells None, each column protected
    against its total by the same rule as the monthly table (``suppress``)."""
    masks = {key: suppress([row[key] for row in rows]) for key in BY_MUNICIPALITY}
    return [
        {
            **row,
            **{key: None if masks[key][i] else row[key] for key in BY_MUNICIPALITY},
        }
        for i, row in enumerate(rows)
    ]


# All of them ------------------------------------------------------------------------------


def compute_figures(
    partnership: Partnership, *, as_of: date | None = None, stored: bool = True
) -> dict[str, Any]:
    """All the figures of the follow-up for ``partnership`` up to ``as_of`` (default: today).

    A fixed number of queries, whatever the size of the data: the monthly breakdowns are
    counted by one query per figure, their totals are the sums, the cohort takes four and the
    breakdown by municipality one per figure; the partner's referrals, approvals and households
    housed are counted once, by municipality and month (``partner_counts``), for their totals,
    their months and their municipalities alike. When counts are stored (``reports.daily``) and
    ``stored`` is true, the new registrations, the calls and the cohort are read from them and
    completed live: the same figures (``stored=False`` computes everything live)."""
    from . import daily, outreach_figures

    as_of = as_of or timezone.localdate()
    period = Period.of(partnership, as_of)
    scope = Scope.of(partnership)
    partner_id = scope.partner_id
    kept = daily.stored_figures(period, scope) if stored else None

    partner = partner_counts(period, scope, kept)
    monthly = monthly_counts(period, scope, kept, partner)
    totals = {key: sum(row[key] for row in monthly) for key in MONTHLY}
    totals["homes_referred"] = sum(partner["homes_referred"].values())
    totals["active_volunteers"] = active_volunteers(period, scope).count()

    # In the order of the catalogue, as the report lists them (not alphabetically by code).
    catalogue = list(Metric)
    targets = sorted(partnership.targets.all(), key=lambda t: catalogue.index(t.metric))
    within_days = sorted(
        {t.within_days for t in targets if t.metric == Metric.REACHED_WITHIN_DAYS} | {7}
    )
    cohort = cohort_figures(period, scope, within_days=within_days, stored=kept)
    totals["reached_within_7_days"] = cohort["within_7"]
    lead_times = cohort["lead_times"]

    target_rows = []
    for target in targets:
        if target.metric == Metric.REACHED_WITHIN_DAYS:
            value = cohort[f"within_{target.within_days}"]
        elif target.metric in TARGET_LEAD_TIMES:
            value = lead_times[TARGET_LEAD_TIMES[target.metric]]["median"]
        else:
            value = totals[TARGET_TOTALS[target.metric]]
        target_rows.append(target_progress(target, value))

    funnel = [{"step": step, "label": FUNNEL[step].label, "count": cohort[step]} for step in FUNNEL]
    outcomes = establishment_outcomes(period, partner_id=partner_id, since=period.first_day)
    outcomes["cumulative"] = establishment_outcomes(period, partner_id=partner_id)
    housing = (
        housing_company_figures(period, company_id=partnership.housing_company_id)
        if partnership.housing_company_id
        else None
    )
    return {
        "partnership": partnership,
        "period": period,
        "scope": scope,
        "as_of": period.last_day,
        "totals": {key: totals[key] for key in FIGURES},
        "lead_times": lead_times,
        "targets": target_rows,
        "funnel": funnel,
        "monthly": monthly,
        "by_municipality": municipality_rows(
            municipality_counts(period, scope, kept, partner), scope.municipality_codes
        ),
        "outcomes": outcomes,
        "housing": housing,
        "stay": stay_figures(period, partner_id=partner_id),
        "work": work_figures(
            period, partner_id=partner_id, company_id=partnership.housing_company_id
        ),
        "outreach": outreach_figures.outreach_figures(period, scope, kept),
    }


# The national roll-up -----------------------------------------------------------------------


def rollup_partnerships(organisation_id: int, year: int):
    """The partnerships of a volunteer organisation in a year: those whose local group is one of
    the organisation's (or, for an older partnership naming no group, whose volunteer
    organisation it is), with a period that overlaps the calendar year."""
    return (
        Partnership.objects.filter(
            Q(local_group__organisation_id=organisation_id)
            | Q(local_group__isnull=True, volunteer_organisation_id=organisation_id),
            period_start__lte=date(year, 12, 31),
            period_end__gte=date(year, 1, 1),
        )
        .select_related("partner", "local_group")
        .prefetch_related("municipalities")
        .order_by("name", "pk")
    )


def rollup_counts(period: Period, scopes: list[Scope]) -> dict[Scope, dict]:
    """``municipality_counts`` for several partnerships of one period that each name their
    municipalities and their local group, counted together: one query per figure grouped by the
    municipality and by the group (visits) or the partner (referrals, matches, move-ins), the same
    querysets and definitions, then each partnership's part. A visit with people of two groups
    counts for each group, as each partnership's own report counts it."""
    codes = sorted({code for scope in scopes for code in scope.municipality_codes})
    groups = sorted({scope.local_group_id for scope in scopes})
    partners = sorted({scope.partner_id for scope in scopes})
    every = Scope(partner_id=0, volunteer_organisation_id=0, municipality_codes=tuple(codes))
    registered = {
        code: (n, reached)
        for code, n, reached in registrations(period, every)
        .order_by()
        .values("home__municipality_id")
        .annotate(n=Count(ROW), reached=Count(ROW, filter=Q(reached_within(period, days=7))))
        .values_list("home__municipality_id", "n", "reached")
    }

    def by_code_and(queryset, code_path, key_path, count="pk"):
        rows = (
            queryset.order_by()
            .values(code_path, key_path)
            .annotate(n=Count(count, distinct=True))
            .values_list(code_path, key_path, "n")
        )
        return [(code, key, n) for code, key, n in rows if n]

    visits = by_code_and(
        HomeVisit.objects.filter(
            status=HomeVisit.Status.REPORTED,
            starts_at__gte=period.start,
            starts_at__lt=period.end,
            volunteers__local_group_id__in=groups,
        ),
        "home__municipality_id",
        "volunteers__local_group_id",
    )
    referred = by_code_and(
        first_referrals(period, partner_id=partners),
        "home__municipality_id",
        "home__partner_id",
        "home_id",
    )
    approved = by_code_and(
        matches_approved(period, partner_id=partners),
        "match__home__municipality_id",
        "match__case__partner_id",
    )
    housed = by_code_and(
        households_housed(period, partner_id=partners), "home__municipality_id", "case__partner_id"
    )
    result = {}
    for scope in scopes:
        own = set(scope.municipality_codes)
        result[scope] = {
            "registrations": {c: v[0] for c, v in registered.items() if c in own and v[0]},
            "reached_within_7_days": {c: v[1] for c, v in registered.items() if c in own and v[1]},
            "home_visits": {c: n for c, g, n in visits if g == scope.local_group_id},
            "homes_referred": {c: n for c, p, n in referred if p == scope.partner_id},
            "matches_approved": {c: n for c, p, n in approved if p == scope.partner_id},
            "households_housed": {c: n for c, p, n in housed if p == scope.partner_id},
        }
    return result


def national_rollup(organisation, year: int, *, as_of: date | None = None) -> dict[str, Any]:
    """The year's figures across a volunteer organisation's partnerships: for each partnership
    (``rollup_partnerships``), over its own period up to ``as_of`` (default: today, and at most
    the year's last day), the figures of ``BY_MUNICIPALITY`` by municipality, as each
    partnership's own report counts them (same definitions, same scope, same suppression,
    applied within each partnership's column), the totals of the stay (``ROLLUP_STAY``, the
    partner's, as its own report counts them: ``stay_figures``, a few aggregate queries per
    partnership), and the road to work (``ROLLUP_WORK``: the placements by outcome and the
    shares, as its own report counts them; grouped queries per period for every partner, the
    housing company's own figures left to each partnership's report). No total across partnerships is printed: two partnerships may share a
    municipality and its homes, or a partner."""
    from municipalities.models import Municipality

    from . import outreach_figures

    as_of = min(as_of or timezone.localdate(), date(year, 12, 31))
    names = dict(Municipality.objects.values_list("code", "name"))
    partnerships = [
        (partnership, Period.of(partnership, as_of), Scope.of(partnership))
        for partnership in rollup_partnerships(organisation.pk, year)
    ]
    # Partnerships of one period that name their municipalities and their group are counted
    # together, one grouped query per figure (``rollup_counts``); an older one alone.
    counted = {}
    together = {}
    for partnership, period, scope in partnerships:
        if scope.falls_back:
            counted[partnership.pk] = municipality_counts(period, scope)
        else:
            together.setdefault(period, []).append(scope)
    for period, scopes in together.items():
        counted.update(rollup_counts(period, scopes))
    # The road to work: one set of grouped queries per period for all its partners.
    partners_by_period = {}
    for _partnership, period, scope in partnerships:
        partners_by_period.setdefault(period, set()).add(scope.partner_id)
    work = {}
    for period, partner_ids in partners_by_period.items():
        ids = sorted(partner_ids)
        placements = placement_counts(period, ids)
        outcomes = work_outcome_counts(period, ids)
        for partner_id in ids:
            work[period, partner_id] = {
                "placements": placements[partner_id],
                **outcomes[partner_id],
                "company": None,
            }
    outreach = outreach_figures.rollup_outreach_of(partnerships)
    blocks = []
    for partnership, period, scope in partnerships:
        rows = municipality_rows(
            counted.get(partnership.pk) or counted[scope], scope.municipality_codes, names
        )
        blocks.append(
            {
                "partnership": partnership,
                "period": period,
                "scope": scope,
                "rows": rows,
                "totals": {key: sum(row[key] for row in rows) for key in BY_MUNICIPALITY},
                "stay": stay_figures(period, partner_id=scope.partner_id),
                "work": work[period, scope.partner_id],
                "outreach": outreach[partnership.pk],
            }
        )
    return {"organisation": organisation, "year": year, "as_of": as_of, "partnerships": blocks}


def target_label(target) -> Any:
    if target.metric == Metric.REACHED_WITHIN_DAYS:
        return _("Hosts reached within %(days)d days of registering") % {"days": target.within_days}
    if target.metric in TARGET_LEAD_TIMES:
        return _("Median days from registering to: %(step)s") % {
            "step": LEAD_TIMES[TARGET_LEAD_TIMES[target.metric]].label
        }
    return FIGURES[TARGET_TOTALS[target.metric]].label


def target_progress(target, value) -> dict[str, Any]:
    """The progress towards a target as shown (whole per cent, halves up), and whether it is
    met, decided on that same shown figure: "100 %" never stands beside "not met"."""
    goal = Decimal(target.goal)
    lower_is_better = target.metric in LOWER_IS_BETTER
    if value is None:
        progress = None
    elif lower_is_better:
        shown_value = Decimal(str(value))
        progress = 100 if shown_value <= goal else percent(goal, shown_value)
    else:
        progress = percent(value, goal) if goal else 100
    return {
        "metric": target.metric,
        "label": target_label(target),
        "goal": goal.normalize() if goal == goal.to_integral() else goal,
        "value": value,
        "percent": progress,
        "met": progress is not None and progress >= 100,
        "lower_is_better": lower_is_better,
        "within_days": (
            target.within_days if target.metric == Metric.REACHED_WITHIN_DAYS else None
        ),
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


def _in_month(field_name: str, month: date, start: datetime, end: datetime, dates: bool) -> Q:
    """``field_name`` in one month of ``month_bounds``: a moment from its start to its end, or a
    date (``dates``) on one of the month's days."""
    if dates:
        following = (month + timedelta(days=32)).replace(day=1)
        return Q(**{f"{field_name}__gte": month, f"{field_name}__lt": following})
    return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})


def partner_counts(period: Period, scope: Scope, stored=None) -> dict[str, dict[str | None, Any]]:
    """The partner's figures that happen in a home, each counted by the municipality code of its
    home (and by month) in one grouped statement, the same querysets as their totals: the homes
    referred (``first_referrals``: code → homes), the matches approved (``matches_approved``)
    and the households housed (``households_housed``: code → a count per month of
    ``month_bounds``). A total is the sum over the municipalities (a home has one), a month the
    sum of its column, so ``compute_figures`` reads the totals, the monthly table and the
    breakdown by municipality from these three statements instead of five. With ``stored``
    (``reports.daily.StoredFigures``), the homes referred, the matches approved and the
    households housed are read from the stored first referrals, approvals and move-ins,
    completed live for the homes touched since the refresh."""
    from . import daily

    bounds = month_bounds(period)
    partner = {"partner_id": scope.partner_id}

    def by_code_and_month(queryset, code_path, field_name, dates=False):
        rows = (
            queryset.order_by()
            .values(code_path)
            .annotate(
                **{
                    f"n_{i}": Count(ROW, filter=_in_month(field_name, *bound, dates))
                    for i, bound in enumerate(bounds)
                }
            )
            .values_list(code_path, *(f"n_{i}" for i in range(len(bounds))))
        )
        return {code: list(counts) for code, *counts in rows}

    if stored is not None:
        referred = stored.referred_by_municipality(first_referrals(period, **partner))
    else:
        referred = dict(
            first_referrals(period, **partner)
            .order_by()
            .values("home__municipality_id")
            .annotate(n=Count("home_id", distinct=True))
            .values_list("home__municipality_id", "n")
        )
    approvals = matches_approved(period, **partner)
    if stored is not None:
        approved = stored.approved_by_code_and_month(bounds)
        if stored.touched:
            touched = approvals.filter(daily.among("match__home_id", stored.touched))
            live = by_code_and_month(touched, "match__home__municipality_id", "created_at")
            for code, counts in live.items():
                kept = approved.setdefault(code, [0] * len(bounds))
                approved[code] = [a + b for a, b in zip(kept, counts, strict=True)]
    else:
        approved = by_code_and_month(approvals, "match__home__municipality_id", "created_at")
    if stored is not None:
        window = {"first_day": period.first_day, "last_day": period.last_day}
        housed = stored.housed_by_code_and_month(bounds, move_ins(**partner, **window))
    else:
        housed = by_code_and_month(
            households_housed(period, **partner), "home__municipality_id", "move_in_date", True
        )
    return {
        "homes_referred": {code: n for code, n in referred.items() if n},
        "matches_approved": approved,
        "households_housed": housed,
    }


def _months_of(by_code: dict[str | None, list[int]], n_months: int) -> list[int]:
    """The monthly column of a figure counted by municipality and month (``partner_counts``)."""
    return [sum(counts[i] for counts in by_code.values()) for i in range(n_months)]


def _codes_of(by_code: dict[str | None, list[int]]) -> dict[str | None, int]:
    """The breakdown by municipality of a figure counted by municipality and month."""
    return {code: sum(counts) for code, counts in by_code.items() if sum(counts)}


def monthly_counts(period: Period, scope: Scope, stored=None, partner=None) -> list[dict[str, Any]]:
    """Each figure of ``MONTHLY`` by month: one query per figure, each row counted into its
    month by a range of time (cheaper than truncating every row's time to its local month).
    With ``stored`` (``reports.daily.StoredFigures``): the new registrations from the stored
    facts, the calls from the stored days plus, live, the calls they do not hold. With
    ``partner`` (``partner_counts``): the approvals and the households housed from it."""
    bounds = month_bounds(period)

    def by_month(queryset, field_name="created_at", count=ROW, dates=False):
        counts = queryset.aggregate(
            **{
                f"n_{i}": Count(count, filter=_in_month(field_name, *bound, dates))
                for i, bound in enumerate(bounds)
            }
        )
        return [counts[f"n_{i}"] for i in range(len(bounds))]

    visits = stored.visits() if stored is not None else None
    kept = stored.stored_calls_by_month(bounds) if stored is not None else None
    if kept is not None:
        live = by_month(stored.live_calls(calls_made(period, scope)))
        calls = [a + b for a, b in zip(kept, live, strict=True)]
    else:
        calls = by_month(calls_made(period, scope))
    if stored is not None:
        registered = stored.registrations_by_month(bounds)
    else:
        registered = by_month(registrations(period, scope))
    if visits is not None:
        live = by_month(stored.live_visits(home_visits(period, scope)), "starts_at")
        visits = [a + b for a, b in zip(visits[0], live, strict=True)]
    else:
        visits = by_month(home_visits(period, scope), "starts_at")
    if partner is not None:
        approved = _months_of(partner["matches_approved"], len(bounds))
        housed = _months_of(partner["households_housed"], len(bounds))
    else:
        approved = by_month(matches_approved(period, partner_id=scope.partner_id))
        housed = by_month(
            households_housed(period, partner_id=scope.partner_id), "move_in_date", dates=True
        )
    columns = {
        "registrations": registered,
        "call_attempts": calls,
        "home_visits": visits,
        "matches_approved": approved,
        "households_housed": housed,
    }
    return [
        {"month": month, **{key: columns[key][i] for key in MONTHLY}}
        for i, (month, _start, _end) in enumerate(bounds)
    ]


# Small counts ------------------------------------------------------------------------------


def suppress(cells: list[int], *, threshold: int = SMALL_NUMBER) -> list[bool]:
    """Which cells of a breakdown whose total is printed are hidden.

    Primary suppression hides the counts from 1 to ``threshold - 1``. Secondary suppression then
    hides the smallest other non-zero counts of the same breakdown (every cell of that size at
    once, so that which of equal cells is hidden tells nothing), until someone who knows this
    rule, the total and the cells shown still finds each hidden cell could be at least three
    different counts (``_protected``). When only zeros are left to hide, every cell is hidden."""
    hidden = [0 < value < threshold for value in cells]
    while any(hidden) and not _protected(cells, hidden, threshold):
        shown_nonzero = [
            value for value, hide in zip(cells, hidden, strict=True) if not hide and value
        ]
        if not shown_nonzero:
            return [True] * len(cells)
        smallest = min(shown_nonzero)
        hidden = [hide or value == smallest for value, hide in zip(cells, hidden, strict=True)]
    return hidden


def _protected(cells: list[int], hidden: list[bool], threshold: int) -> bool:
    """Whether each hidden cell could still be three or more counts, as far as one can tell from
    the total and the cells shown: each hidden cell is at least 1 (zeros are only hidden with
    everything else), and at most the larger of ``threshold - 1`` (a small count) and one less
    than the smallest count shown (a secondary is smaller than every count left shown)."""
    values = [value for value, hide in zip(cells, hidden, strict=True) if hide]
    shown_nonzero = [value for value, hide in zip(cells, hidden, strict=True) if not hide and value]
    k, left = len(values), sum(values)
    if k < 2:
        return False
    most = max(threshold - 1, min(shown_nonzero) - 1) if shown_nonzero else left
    low = max(1, left - (k - 1) * most)
    high = min(most, left - (k - 1))
    return high - low >= 2


def monthly_shown(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """The monthly table as it may be printed: hidden cells are None (same rule everywhere)."""
    rows = figures["monthly"]
    masks = {key: suppress([row[key] for row in rows]) for key in MONTHLY}
    return [
        {
            "month": row["month"],
            **{key: None if masks[key][i] else row[key] for key in MONTHLY},
        }
        for i, row in enumerate(rows)
    ]


OUTCOME_KEYS = ("in_work", "in_studies", "other")


def outcomes_shown(outcomes: dict[str, Any]) -> dict[str, Any]:
    """The outcomes as they may be printed: hidden cells None, and no share in work when the
    count in work is hidden (the share and the total would give it away)."""
    mask = suppress([outcomes[key] for key in OUTCOME_KEYS])
    shown = {
        key: None if hide else outcomes[key] for key, hide in zip(OUTCOME_KEYS, mask, strict=True)
    }
    shown["recorded"] = outcomes["recorded"]
    shown["share_in_work"] = None if mask[0] else outcomes["share_in_work"]
    cumulative = outcomes.get("cumulative")
    if cumulative is not None:
        hide_share = 0 < cumulative["in_work"] < SMALL_NUMBER
        shown["cumulative"] = {
            "recorded": cumulative["recorded"],
            "share_in_work": None if hide_share else cumulative["share_in_work"],
        }
    return shown


def establishment_outcomes(
    period: Period, *, partner_id: int, since: date | None = None
) -> dict[str, Any]:
    """Outcomes after the establishment period (scope: the partner; dated by the day the
    household's two-year establishment period ends).

    Of the partner's households whose establishment period ended from ``since`` (None: at any
    time) to the last day of the period and whose outcome is recorded: how many are in work, in
    studies, or other, and the share in work."""
    cases = NewcomerCase.objects.filter(
        partner_id=partner_id, establishment_ends_on__lte=period.last_day
    )
    if since is not None:
        cases = cases.filter(establishment_ends_on__gte=since)
    counts = cases.aggregate(
        recorded=Count("pk", filter=~Q(outcome="")),
        in_work=Count("pk", filter=Q(outcome=NewcomerCase.Outcome.IN_WORK)),
        in_studies=Count("pk", filter=Q(outcome=NewcomerCase.Outcome.IN_STUDIES)),
        other=Count("pk", filter=Q(outcome=NewcomerCase.Outcome.OTHER)),
    )
    counts["share_in_work"] = percent(counts["in_work"], counts["recorded"])
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
