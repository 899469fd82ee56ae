"""Seed steps for the road to work (issue 17): Krokomsbostäder, Krokoms kommun and a local shop as
employers, the company's supervisors and its own staff figures, placements of every kind in every
stage, and the outcomes after the establishment period that give the story's 63 % in work. Used
by ``manage.py seed_demo`` (``SEED_STEPS``); safe to run again: each step looks its rows up by a
natural key (an organisation's name, a placement's title, a case's reference) and makes only what
is missing.

Everything goes through the actions (``work.actions``, ``matching.actions``, ``housing.actions``,
``newcomers.actions``), never by setting a status. What happened months or years ago is taken
through the actions today and then moved back to its day (``happened_on``): every time stamp the
steps wrote is shifted by the same amount, so the histories keep their order.

The outcomes: 100 households of Krokom have passed their two-year establishment period, 63 of
them in work (63 %). 70 are plain closed cases (``seed_demo._seed_establishment_outcomes``, no
home through the portal, no placement, their periods ended before this year); the 30 here
(``ROAD``, KRK-ETB-101 to 130) went the whole road in the portal and their periods ended this
year, within this year's partnership period (``_road_ends_between``), so that its report shows
the road (19 of 30 in work, 63 %) with every group printed: 10 lived with a private host, 10 in a
company flat offered through the quota (a sublet that became a first-hand contract when they
registered with the Public Employment Service; the notices on those flats are recorded by
``seed_quota_history``, which ``seed_demo.seed_housing_company`` calls before this year's), 10
found a home some other way; 14 of the 30 had a placement. Each outcome is recorded with whether
the household still lives in Krokom and in the home it was matched with (``record_outcome``):
this year 23 of the 30 still live in Krokom (77 %), 8 of the 20 matched with a home still live
in it (40 %).

================  ======================  ======================
group             this year's report      all 100 (cumulative)
                  households, in work     households, in work
================  ======================  ======================
private host      10, 6 (60 %)            10, 6 (60 %)
quota flat        10, 7 (70 %)            10, 7 (70 %)
other             10, 6 (60 %)            80, 50 (63 %: 62.5, halves up)
had a placement   14, 11 (79 %)           14, 11 (79 %)
no placement      16, 8 (50 %)            86, 52 (60 %)
all               30, 19 (63 %)           100, 63 (63 %)
================  ======================  ======================

A demo database seeded before this module has 100 plain cases already (KRK-ETB-001 to 100, none
removed): with the 30 here it has 130, 82 in work, which is 63 % too (63.1); its 100 keep no
answer on staying, and its quota numbers the road's vacancies after this year's dozen. A database
seeded before the road's periods were moved into this year keeps the road's old dates (the cases
are found by their references): its report for this year holds only the few that ended in it,
with the groups hidden; a database seeded afresh shows them.
"""

import operator
import random
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache, reduce

from django.apps import apps
from django.db import connection, models
from django.db.models import Case, F, Q, When
from django.utils import timezone

from accounts.models import Organisation, User
from newcomers.models import NewcomerCase
from work import actions as work
from work.models import Employer, Placement, PlacementCheckIn, StaffFigures

PLACEMENTS_SEED = 2026 + 17
KROKOM = "2309"
KROKOM_PARTNER = "Krokoms kommun – Mottagningsenheten för nyanlända"
HOUSING_COMPANY = "Krokomsbostäder"
# Made up for the demo (no real shop is told): the employer the coordinator adds herself.
SHOP = "Demohandeln Nälden AB"
SHOP_EMAIL = "butiken@demohandeln.example.se"
# The housing company's own figures, as it records them: "three of our 38 came as newcomers".
STAFF_EMPLOYEES, STAFF_CAME_AS_NEWCOMERS = 38, 3

K = Placement.Kind
E = Placement.EndReason
C = PlacementCheckIn


def _aware(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


# Backdating ------------------------------------------------------------------------------------

# The statements that write a table, as Django writes them on PostgreSQL and SQLite.
WRITES = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)


@cache
def _dated_fields() -> dict[str, tuple[type[models.Model], tuple[str, ...]]]:
    """Every table with date and time fields: its model and those fields."""
    fields = {}
    for model in apps.get_models():
        names = tuple(
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, models.DateTimeField)
        )
        if names:
            fields[model._meta.db_table] = (model, names)
    return fields


@contextmanager
def happened_on(when: datetime):
    """Take the steps inside the block now, then move every time stamp they wrote (any date and
    time field set between the block's start and end, in the tables the steps wrote to) back to
    ``when``, keeping their order."""
    written: set[str] = set()

    def note_writes(execute, sql, params, many, context):
        if match := WRITES.match(sql):
            written.add(match.group(1))
        return execute(sql, params, many, context)

    start = timezone.now()
    with connection.execute_wrapper(note_writes):
        yield
    end = timezone.now()
    shift = start - when
    if shift <= timedelta(0):
        return
    dated = _dated_fields()
    for table in sorted(written & dated.keys()):
        model, names = dated[table]
        # One statement per table: each field set within the block is moved, the others stay.
        within = {name: Q(**{f"{name}__gte": start, f"{name}__lte": end}) for name in names}
        model._base_manager.filter(reduce(operator.or_, within.values())).update(
            **{
                name: Case(When(within[name], then=F(name) - shift), default=F(name))
                for name in names
            }
        )


# Employers, supervisors and the company's figures ------------------------------------------------


def seed_employers(ctx) -> None:
    """Krokomsbostäder and Krokoms kommun take the integration unit's newcomers; the coordinator
    adds a local shop as an employer; the shop's supervisor (a demo log-in) works there; the
    company records its staff figures."""
    partner = ctx.organisations[KROKOM_PARTNER]
    company = work.register_employer(
        organisation=ctx.organisations[HOUSING_COMPANY], integration_units=[partner]
    )
    work.register_employer(organisation=partner, integration_units=[partner])
    shop = Organisation.objects.filter(name=SHOP).first()
    if shop is None:
        shop = work.add_employer(
            name=SHOP, contact_email=SHOP_EMAIL, user=ctx.users["samordnare"]
        ).organisation
        ctx.count(Organisation)
    ctx.organisations[SHOP] = shop
    # The shop's demo log-in was made before the coordinator added the shop (``seed_users``
    # finds it by name from the second run on).
    User.objects.filter(username="butik", organisation__isnull=True).update(organisation=shop)
    ctx.users["butik"].refresh_from_db()
    if not StaffFigures.objects.filter(employer=company).exists():
        today = timezone.localtime(ctx.now).date()
        with happened_on(_aware(today.replace(day=1), 9)):
            work.record_staff_figures(
                employer=company,
                recorded_on=today.replace(day=1),
                employees=STAFF_EMPLOYEES,
                came_as_newcomers=STAFF_CAME_AS_NEWCOMERS,
                user=ctx.users["bostadsbolag"],
            )
        ctx.count(StaffFigures)


def _employer(name: str, ctx) -> Employer:
    return Employer.objects.get(organisation=ctx.organisations[name])


# Where each employer's placements are, who offers them and who supervises them.
EMPLOYERS = {
    HOUSING_COMPANY: ("Krokomsbostäder, områdeskontoret Ringvägen", "handledare"),
    KROKOM_PARTNER: ("Krokoms kommun, Dvärsätts skola", "samordnare"),
    SHOP: ("Demohandeln, Näldenvägen 4", "butik"),
}


@dataclass(frozen=True)
class PlacementPlan:
    """One placement, from the offer to where it stands; days are counted from a day 0 (today
    for the current placements, the day the case was assigned for the road's)."""

    employer: str
    kind: str
    title: str
    offered: int  # the day the offer was made
    starts: int
    weeks: int
    hours: int
    # offered | withdrawn | proposed | started | completed | ended_early | employed
    stage: str
    case: str = ""  # the case's reference
    adult: int = 1
    check_ins: tuple = ()  # (day, days expected, present, language, going, note)
    ended: int | None = None  # completed or ended early on this day
    end_reason: str = ""
    end_note: str = ""
    employed: int | None = None
    supervisor: str = ""
    languages: tuple[str, ...] = ("sv",)


CHECK_IN_WELL = "Kommer i tid och tar egna initiativ. Använder svenskan allt mer."
CURRENT = [
    PlacementPlan(
        HOUSING_COMPANY,
        K.PRAO,
        "Prao: en vecka med fastighetsskötarna",
        offered=-7,
        starts=21,
        weeks=1,
        hours=30,
        stage="offered",
    ),
    PlacementPlan(
        HOUSING_COMPANY,
        K.PRAO,
        "Prao: en vecka på uthyrningen",
        offered=-75,
        starts=-60,
        weeks=1,
        hours=30,
        stage="completed",
        case="KR-2026-041",
        adult=3,
        check_ins=((-56, 4, 4, C.Language.SWEDISH_WITH_SUPPORT, C.Going.WELL, ""),),
        ended=-56,
    ),
    PlacementPlan(
        HOUSING_COMPANY,
        K.WORK_TRAINING,
        "Arbetsträning i fastighetsskötsel",
        offered=-30,
        starts=-20,
        weeks=12,
        hours=20,
        stage="started",
        case="KR-2026-014",
        check_ins=(
            (-13, 4, 4, C.Language.SWEDISH_WITH_SUPPORT, C.Going.WELL, CHECK_IN_WELL),
            (-6, 4, 3, C.Language.SWEDISH_WITH_SUPPORT, C.Going.SOME_DIFFICULTIES, ""),
        ),
        supervisor="handledare2",
        languages=("sv", "ar"),
    ),
    PlacementPlan(
        HOUSING_COMPANY,
        K.WORK_TRAINING,
        "Arbetsträning i trädgård och utemiljö",
        offered=-50,
        starts=-30,
        weeks=10,
        hours=20,
        stage="withdrawn",
        end_note="Arbetet i utemiljön vilar över vintern.",
    ),
    PlacementPlan(
        HOUSING_COMPANY,
        K.LANGUAGE_PRACTICE,
        "Språkpraktik på kundtjänst",
        offered=-12,
        starts=14,
        weeks=8,
        hours=16,
        stage="proposed",
        case="KR-2026-037",
        supervisor="handledare2",
    ),
    PlacementPlan(
        HOUSING_COMPANY,
        K.LANGUAGE_PRACTICE,
        "Språkpraktik i städ och lokalvård",
        offered=-140,
        starts=-120,
        weeks=12,
        hours=16,
        stage="ended_early",
        case="KR-2026-058",
        check_ins=(
            (-100, 8, 7, C.Language.OTHER_LANGUAGE, C.Going.SOME_DIFFICULTIES, ""),
            (
                -82,
                8,
                4,
                C.Language.OTHER_LANGUAGE,
                C.Going.DIFFICULT,
                "Har missat flera dagar. Vi behöver prata med integrationsenheten om upplägget.",
            ),
        ),
        ended=-75,
        end_reason=E.HEALTH_OR_FAMILY,
        end_note="Familjeskäl: kan inte fortsätta just nu.",
        languages=("sv", "en"),
    ),
    PlacementPlan(
        HOUSING_COMPANY,
        K.INTERNSHIP,
        "Praktik som fastighetsskötare",
        offered=-75,
        starts=-60,
        weeks=16,
        hours=30,
        stage="started",
        case="KR-2026-052",
        adult=2,
        check_ins=(
            (-45, 10, 10, C.Language.SWEDISH_WITH_SUPPORT, C.Going.WELL, CHECK_IN_WELL),
            (-30, 10, 9, C.Language.SWEDISH_WITH_SUPPORT, C.Going.WELL, ""),
            (-15, 10, 10, C.Language.SWEDISH, C.Going.WELL, "Sköter felanmälningar på egen hand."),
        ),
    ),
    PlacementPlan(
        HOUSING_COMPANY,
        K.INTERNSHIP,
        "Praktik på uthyrningen",
        offered=-65,
        starts=-55,
        weeks=7,
        hours=24,
        stage="completed",
        case="KR-2026-022",
        check_ins=(
            (-41, 10, 9, C.Language.SWEDISH_WITH_SUPPORT, C.Going.WELL, ""),
            (-20, 10, 10, C.Language.SWEDISH_WITH_SUPPORT, C.Going.WELL, CHECK_IN_WELL),
        ),
        ended=-5,
        supervisor="handledare2",
        languages=("sv", "fa"),
    ),
    PlacementPlan(
        HOUSING_COMPANY,
        K.WORK_TRAINING,
        "Arbetsträning i fastighetsservice",
        offered=-110,
        starts=-95,
        weeks=16,
        hours=30,
        stage="employed",
        case="KR-2026-044",
        check_ins=(
            (-80, 10, 10, C.Language.SWEDISH_WITH_SUPPORT, C.Going.WELL, ""),
            (-50, 20, 19, C.Language.SWEDISH, C.Going.WELL, CHECK_IN_WELL),
        ),
        employed=-10,
    ),
    PlacementPlan(
        HOUSING_COMPANY,
        K.EMPLOYMENT,
        "Visstidsanställning som lokalvårdare",
        offered=-55,
        starts=-40,
        weeks=26,
        hours=30,
        stage="started",
        case="KR-2026-063",
        check_ins=((-20, 14, 14, C.Language.SWEDISH_WITH_SUPPORT, C.Going.WELL, ""),),
        supervisor="handledare2",
    ),
    PlacementPlan(
        KROKOM_PARTNER,
        K.LANGUAGE_PRACTICE,
        "Språkpraktik i skolköket",
        offered=-45,
        starts=-30,
        weeks=10,
        hours=16,
        stage="started",
        case="KR-2026-031",
        adult=2,
        check_ins=((-10, 8, 8, C.Language.SWEDISH_WITH_SUPPORT, C.Going.WELL, ""),),
    ),
    PlacementPlan(
        SHOP,
        K.INTERNSHIP,
        "Praktik i butik",
        offered=-10,
        starts=28,
        weeks=8,
        hours=24,
        stage="offered",
    ),
]


def _reference(case: NewcomerCase, n: int) -> str:
    """A made-up reference of the person's plan at the Public Employment Service."""
    return f"AF-{case.assigned_on.year}-{case.pk % 1000:03d}{n}"


def take_placement(ctx, plan: PlacementPlan, *, day0: date, case: NewcomerCase | None):
    """Offer the placement and take it to its stage, each step on its own day."""
    place, offered_by = EMPLOYERS[plan.employer]
    employer = _employer(plan.employer, ctx)
    offerer = ctx.users[offered_by]
    supervisor = ctx.users[plan.supervisor or offered_by]
    coordinator = ctx.users["samordnare"]
    on = lambda days: day0 + timedelta(days=days)  # noqa: E731
    starts_on = on(plan.starts)
    with happened_on(_aware(on(plan.offered), 9)):
        placement = work.offer_placement(
            employer=employer,
            integration_unit=ctx.organisations[KROKOM_PARTNER],
            kind=plan.kind,
            title=plan.title,
            place=place,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(weeks=plan.weeks, days=-1),
            hours_per_week=plan.hours,
            languages=plan.languages,
            supervisor=supervisor,
            user=offerer,
        )
    ctx.count(Placement)
    if plan.stage == "withdrawn":
        with happened_on(_aware(on(plan.offered + 15), 11)):
            work.withdraw_offer(placement=placement, user=offerer, reason=plan.end_note)
        return placement
    if plan.stage == "offered":
        return placement
    # The person agreed ten days before the start (for a start still ahead: a few days ago).
    consent_on = min(on(plan.starts - 10), timezone.localdate() - timedelta(days=3))
    with happened_on(_aware(consent_on, 13)):
        work.propose_newcomer(
            placement=placement,
            case=case,
            adult_number=plan.adult,
            employment_service_reference=_reference(case, plan.adult),
            consent_given_on=consent_on,
            consent_given=Placement.ConsentGiven.IN_PERSON,
            user=coordinator,
        )
    if plan.stage == "proposed":
        return placement
    started_on = starts_on
    with happened_on(_aware(started_on, 8)):
        work.start_placement(placement=placement, started_on=started_on, user=supervisor)
    for days, expected, present, language, going, note in plan.check_ins:
        with happened_on(_aware(on(days), 15)):
            work.record_placement_check_in(
                placement=placement,
                on=on(days),
                days_expected=expected,
                days_present=present,
                language=language,
                going=going,
                note=note,
                user=supervisor,
            )
    if plan.stage in ("completed", "ended_early") or (
        plan.stage == "employed" and plan.ended is not None
    ):
        ended_on = on(plan.ended)
        with happened_on(_aware(ended_on, 16)):
            if plan.stage == "ended_early":
                work.end_placement_early(
                    placement=placement,
                    ended_on=ended_on,
                    end_reason=plan.end_reason,
                    reason=plan.end_note,
                    user=supervisor,
                )
            else:
                work.complete_placement(placement=placement, ended_on=ended_on, user=supervisor)
    if plan.stage == "employed":
        employed_on = on(plan.employed)
        with happened_on(_aware(employed_on, 10)):
            work.record_employment(placement=placement, employed_on=employed_on, user=supervisor)
    return placement


def seed_placements(ctx) -> None:
    """The placements under way now, with the demo's Krokom cases: each kind, each stage."""
    partner = ctx.organisations[KROKOM_PARTNER]
    today = timezone.localtime(ctx.now).date()
    cases = {
        case.reference: case
        for case in NewcomerCase.objects.filter(
            partner=partner, reference__in={plan.case for plan in CURRENT if plan.case}
        )
    }
    for plan in CURRENT:
        employer = _employer(plan.employer, ctx)
        # The road's placements (``ROAD``) have the same titles: they belong to its cases.
        if (
            Placement.objects.filter(employer=employer, title=plan.title)
            .exclude(case__reference__startswith=ROAD_PREFIX)
            .exists()
        ):
            continue
        take_placement(ctx, plan, day0=today, case=cases.get(plan.case))


# The road: households past their establishment period -----------------------------------------

PRIVATE, QUOTA, OTHER = "private_host", "quota_flat", "other"
IN_WORK, IN_STUDIES, OUTCOME_OTHER = (
    NewcomerCase.Outcome.IN_WORK,
    NewcomerCase.Outcome.IN_STUDIES,
    NewcomerCase.Outcome.OTHER,
)


@dataclass(frozen=True)
class Road:
    """One household's road: its home, its placement (if any), its outcome, whether it stayed in
    the municipality and in the home it was matched with (None: it was matched with none), and
    the company's allotment it came from (the allotment's kind, where known)."""

    route: str
    placement: str  # "" or a key of ROAD_PLACEMENTS
    outcome: str
    stayed: bool
    in_matched_home: bool | None
    allotment: str = ""


# Each road placement as a template: the case and the days are the road's (day 0: assigned).
def _road_placement(
    employer, kind, title, stage, weeks, *, end_reason="", end_note="", supervisor=""
):
    employed = stage == "employed"
    ended = None if employed and kind != K.EMPLOYMENT else 150 + 7 * weeks - 1
    if stage == "ended_early":
        ended = 150 + 7 * weeks // 2
    return PlacementPlan(
        employer,
        kind,
        title,
        offered=120,
        starts=150,
        weeks=weeks,
        hours=30 if kind in (K.EMPLOYMENT, K.INTERNSHIP) else 20,
        stage=stage,
        check_ins=(
            (180, 20, 19, C.Language.SWEDISH_WITH_SUPPORT, C.Going.WELL, CHECK_IN_WELL),
            (
                150 + 7 * weeks // 2 - 1,
                20,
                16 if stage == "ended_early" else 20,
                C.Language.SWEDISH_WITH_SUPPORT,
                C.Going.SOME_DIFFICULTIES if stage == "ended_early" else C.Going.WELL,
                "",
            ),
        ),
        ended=ended,
        end_reason=end_reason,
        end_note=end_note,
        employed=150 + 7 * weeks if employed else None,
        supervisor=supervisor,
    )


ROAD_PLACEMENTS = {
    "wt_employed": _road_placement(
        HOUSING_COMPANY, K.WORK_TRAINING, "Arbetsträning i fastighetsskötsel", "employed", 16
    ),
    "int_employed": _road_placement(
        HOUSING_COMPANY,
        K.INTERNSHIP,
        "Praktik som fastighetsskötare",
        "employed",
        16,
        supervisor="handledare2",
    ),
    "lp_completed": _road_placement(
        HOUSING_COMPANY, K.LANGUAGE_PRACTICE, "Språkpraktik på kundtjänst", "completed", 12
    ),
    "int_completed": _road_placement(
        HOUSING_COMPANY, K.INTERNSHIP, "Praktik på uthyrningen", "completed", 12
    ),
    "emp_completed": _road_placement(
        HOUSING_COMPANY,
        K.EMPLOYMENT,
        "Visstidsanställning som lokalvårdare",
        "completed",
        20,
        supervisor="handledare2",
    ),
    "wt_completed": _road_placement(
        SHOP, K.WORK_TRAINING, "Arbetsträning i butik", "completed", 12
    ),
    "lp_employed": _road_placement(
        KROKOM_PARTNER, K.LANGUAGE_PRACTICE, "Språkpraktik i skolköket", "employed", 12
    ),
    "lp_studies": _road_placement(
        HOUSING_COMPANY,
        K.LANGUAGE_PRACTICE,
        "Språkpraktik i städ och lokalvård",
        "ended_early",
        12,
        end_reason=E.STUDIES,
        end_note="Har börjat på en yrkesutbildning.",
    ),
    "wt_did_not_work_out": _road_placement(
        HOUSING_COMPANY,
        K.WORK_TRAINING,
        "Arbetsträning i fastighetsservice",
        "ended_early",
        12,
        end_reason=E.DID_NOT_WORK_OUT,
        end_note="Arbetsuppgifterna passade inte. Vi har pratat med integrationsenheten.",
        supervisor="handledare2",
    ),
    "lp_family": _road_placement(
        KROKOM_PARTNER,
        K.LANGUAGE_PRACTICE,
        "Språkpraktik i skolköket",
        "ended_early",
        12,
        end_reason=E.HEALTH_OR_FAMILY,
    ),
}

ROAD = [
    # Lived with a private host (found through the volunteers), then moved on.
    Road(PRIVATE, "wt_employed", IN_WORK, True, False, "emergency"),
    Road(PRIVATE, "lp_completed", IN_WORK, True, False),
    Road(PRIVATE, "int_completed", IN_WORK, True, False),
    Road(PRIVATE, "emp_completed", IN_WORK, False, False),
    Road(PRIVATE, "lp_studies", IN_STUDIES, True, False),
    Road(PRIVATE, "", IN_WORK, True, False, "emergency"),
    Road(PRIVATE, "", IN_WORK, False, False),
    Road(PRIVATE, "", IN_STUDIES, True, False),
    Road(PRIVATE, "", OUTCOME_OTHER, True, False),
    Road(PRIVATE, "", OUTCOME_OTHER, False, False),
    # A company flat offered through the quota: a sublet, then a first-hand contract.
    Road(QUOTA, "wt_employed", IN_WORK, True, True, "ordinary"),
    Road(QUOTA, "int_employed", IN_WORK, True, True, "ordinary"),
    Road(QUOTA, "lp_completed", IN_WORK, True, True),
    Road(QUOTA, "emp_completed", IN_WORK, True, True, "converted"),
    Road(QUOTA, "wt_did_not_work_out", OUTCOME_OTHER, True, True),
    Road(QUOTA, "", IN_WORK, True, True, "ordinary"),
    Road(QUOTA, "", IN_WORK, True, False),
    Road(QUOTA, "", IN_WORK, True, True),
    Road(QUOTA, "", IN_STUDIES, True, True),
    Road(QUOTA, "", OUTCOME_OTHER, False, False),
    # Found a home some other way (relatives, the private market).
    Road(OTHER, "wt_completed", IN_WORK, True, None),
    Road(OTHER, "lp_employed", IN_WORK, True, None, "emergency"),
    Road(OTHER, "int_completed", IN_WORK, False, None),
    Road(OTHER, "lp_family", OUTCOME_OTHER, True, None),
    Road(OTHER, "", IN_WORK, True, None, "emergency"),
    Road(OTHER, "", IN_WORK, False, None),
    Road(OTHER, "", IN_WORK, True, None),
    Road(OTHER, "", IN_STUDIES, True, None),
    Road(OTHER, "", OUTCOME_OTHER, False, None),
    Road(OTHER, "", IN_STUDIES, True, None),
]
ROAD_PREFIX, ROAD_FIRST = "KRK-ETB-", 101  # KRK-ETB-101 to KRK-ETB-130
MOVE_IN_DAY = 45  # after the assignment
HOST_STAY_DAYS = 365  # a private host's stay
MOVED_OUT_DAY = 500  # a household that left its company flat early
OUTCOME_RECORDED_AFTER = 14  # days after the establishment period ended


# This year's partnership runs from 1 January to 1 December (``seed_demo.seed_partnership``); the
# road's last establishment period ended this long ago, so that its stays, surveys and
# placements are all over by today.
ROAD_ENDED_AT_LEAST_DAYS_AGO = 75


def _road_ends_between(today: date) -> tuple[date, date]:
    """The first and last day the road's establishment periods end: within this year's
    partnership period (so that its report shows the road's groups), up to 75 days ago. Seeded
    before the middle of March, that leaves no days: they end over the 262 days before then."""
    last = min(date(today.year, 12, 1), today - timedelta(days=ROAD_ENDED_AT_LEAST_DAYS_AGO))
    first = date(today.year, 1, 5)
    if last < first:
        first = last - timedelta(days=262)
    return first, last


def _assigned_on(n: int, today: date) -> date:
    """Household ``n`` of the road was assigned two years before its establishment period ends:
    the 30 ends are spread evenly from the first to the last day of ``_road_ends_between``, in
    the order of ``ROAD`` (the private hosts' first, then the quota flats', then the others')."""
    first, last = _road_ends_between(today)
    ends_on = first + timedelta(days=(last - first).days * n // (len(ROAD) - 1))
    try:
        return ends_on.replace(year=ends_on.year - 2)
    except ValueError:  # 29 February
        return ends_on.replace(year=ends_on.year - 2, day=28)


def road_reference(n: int) -> str:
    return f"{ROAD_PREFIX}{ROAD_FIRST + n:03d}"


def _plus_two_years(day: date) -> date:
    try:
        return day.replace(year=day.year + 2)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 2, day=28)


def record_outcome(
    *, case: NewcomerCase, outcome: str, stayed: bool, in_matched_home: bool | None, user
) -> None:
    """The establishment outcome with whether the household stayed (in the municipality, and in
    the home it was matched with)."""
    from newcomers.actions import record_establishment_outcome

    record_establishment_outcome(
        case=case,
        outcome=outcome,
        still_in_municipality=stayed,
        still_in_matched_home=in_matched_home,
        user=user,
    )


def _host_home(ctx, *, registered_at: datetime, rng: random.Random, faker):
    """A private host who registered before the household came: called, visited, found
    suitable and referred to Krokom's integration unit."""
    from accounts.management.commands.seed_demo import (
        TOWNS,
        HostPlan,
        _email_for,
        _offer,
        _phone,
        create_host,
    )
    from volunteers import actions as volunteering
    from volunteers.models import CallAttempt, HomeVisit, QueueEntry

    name = faker.name()
    towns = [town for town in TOWNS if town[1] == KROKOM]
    plan = HostPlan(
        name=name,
        email=_email_for(name, ctx.emails),
        phone=_phone(rng, ctx.phones),
        language="sv",
        registered_at=registered_at,
        confirmed_at=registered_at + timedelta(minutes=rng.randint(5, 300)),
        offer=_offer(rng, faker, registered_at, towns=towns),
        steps=[],
    )
    with happened_on(registered_at):
        host = create_host(ctx, plan, volunteer="volontar")
    ctx.count(type(host))
    home = host.homes.get()
    volunteer = ctx.users["volontar"]
    called_at = registered_at + timedelta(days=3)
    with happened_on(called_at):
        volunteering.record_call(
            entry=QueueEntry.objects.get(home=home),
            volunteer=volunteer,
            outcome=CallAttempt.Outcome.INTERESTED,
            note="Trevligt samtal, vill gärna ha besök.",
            now=called_at,
        )
        home.refresh_from_db()
        visit = volunteering.book_visit(
            home=home,
            starts_at=called_at + timedelta(days=7),
            volunteers=[volunteer],
            user=volunteer,
            now=called_at,
        )
    visited_at = called_at + timedelta(days=7, hours=2)
    with happened_on(visited_at):
        volunteering.report_visit(
            visit=visit,
            user=volunteer,
            verdict=HomeVisit.Verdict.SUITABLE,
            checklist=dict.fromkeys(HomeVisit.CHECKLIST, True),
            report="Ljust rum med eget lås, tydliga husregler.",
        )
    from hosts.actions import refer_home

    with happened_on(visited_at + timedelta(days=2)):
        home.refresh_from_db()
        refer_home(
            home=home,
            partner=ctx.organisations[KROKOM_PARTNER],
            user=ctx.users["volontarsamordnare"],
        )
    home.refresh_from_db()
    return home


def _quota_notice(n: int, today: date) -> date:
    """The day a tenant gave notice on the flat the road's household ``n`` moved into."""
    return _assigned_on(n, today) + timedelta(days=MOVE_IN_DAY - 40)


def seed_quota_history(ctx, *, avoid: set[int]) -> None:
    """Years ago: for each household of the road that moved into a company flat, tenants give
    notice until the quota offers a flat to the integration unit (every fifth vacancy). Called by
    ``seed_demo.seed_housing_company`` before this year's notices, so that the vacancies are
    numbered in the order they came; the flats are other than ``avoid`` (this year's)."""
    from housing.actions import record_vacancy
    from housing.models import Unit, Vacancy

    company = ctx.organisations[HOUSING_COMPANY]
    today = timezone.localtime(ctx.now).date()
    made = set(
        NewcomerCase.objects.filter(
            partner=ctx.organisations[KROKOM_PARTNER],
            reference__in=[road_reference(n) for n in range(len(ROAD))],
        ).values_list("reference", flat=True)
    )
    free = None
    for n, road in enumerate(ROAD):
        notice_on = _quota_notice(n, today)
        if (
            road.route != QUOTA
            or road_reference(n) in made
            or Vacancy.objects.filter(
                company=company, offered=True, notice_given_on=notice_on
            ).exists()
        ):
            continue
        if free is None:
            free = list(
                Unit.objects.filter(
                    company=company, kind=Unit.Kind.ORDINARY, vacancies__isnull=True
                )
                .exclude(pk__in=avoid)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        rng = random.Random(PLACEMENTS_SEED * 100 + n)
        for _n in range(5):
            unit = Unit.objects.get(pk=free.pop(rng.randrange(len(free))))
            with happened_on(_aware(notice_on, 11)):
                vacancy = record_vacancy(
                    unit=unit,
                    notice_given_on=notice_on,
                    available_from=notice_on + timedelta(days=30),
                    user=ctx.users["bostadsbolag"],
                )
            ctx.count(Vacancy)
            if vacancy.offered:
                break


def _quota_flat(ctx, n: int):
    """The home of the flat the quota offered for the road's household ``n``."""
    from housing.models import Vacancy

    today = timezone.localtime(ctx.now).date()
    return Vacancy.objects.get(
        company=ctx.organisations[HOUSING_COMPANY],
        offered=True,
        notice_given_on=_quota_notice(n, today),
    ).home


def _move_in(ctx, *, home, case: NewcomerCase, moved_in_on: date):
    """The coordinator proposes the home, the household says yes, the coordinator approves, and
    the household moves in (taken today, then dated back)."""
    from housing.models import Contract
    from matching import actions as matching
    from matching.models import Match
    from stays.models import CheckIn

    coordinator = ctx.users["samordnare"]
    with happened_on(_aware(moved_in_on - timedelta(days=14), 10)):
        match = matching.propose_match(home=home, case=case, user=coordinator)
        matching.record_household_answer(match=match, answer="yes")
    ctx.count(Match)
    with happened_on(_aware(moved_in_on - timedelta(days=10), 14)):
        matching.approve_match(match=match, user=coordinator)
    today = timezone.localdate()
    with happened_on(_aware(moved_in_on, 12)):
        matching.record_move_in(match=match, user=coordinator, move_in_date=today)
    # A move-in can be recorded at most 90 days back: its dates are moved to the day it was.
    back = today - moved_in_on
    Match.objects.filter(pk=match.pk).update(move_in_date=moved_in_on)
    Contract.objects.filter(match=match).update(starts_on=moved_in_on)
    for check_in in CheckIn.objects.filter(match=match):
        CheckIn.objects.filter(pk=check_in.pk).update(due_on=check_in.due_on - back)
    match.refresh_from_db()
    return match


def _end_stay(ctx, *, match, ended_on: date, note: str, reason_label: str = ""):
    """The stay ends (the case closes with it); the end-of-stay surveys nobody answered lapse."""
    from matching import actions as matching
    from matching.models import MatchReason
    from stays.actions.evaluations import lapse_evaluations

    reason = (
        MatchReason.objects.filter(partner=match.case.partner, label=reason_label).first()
        if reason_label
        else None
    )
    with happened_on(_aware(ended_on, 15)):
        matching.end_match(
            match=match,
            user=ctx.users["samordnare"],
            reason_choice=reason,
            note=note,
            home_next=matching.HomeNext.CLOSED,
            case_next=matching.CaseNext.CLOSED,
            ended_on=ended_on,
        )
    # The end-of-stay surveys nobody answered lapse as the beat task would have, 60 days on.
    with happened_on(_aware(ended_on + timedelta(days=60), 3)):
        lapse_evaluations(today=ended_on + timedelta(days=60))


def _road_case(ctx, n: int, road: Road, *, rng: random.Random, faker) -> NewcomerCase:
    from housing.actions import record_employment_service_registration
    from housing.models import Allotment
    from newcomers.actions import close_case, open_case

    partner = ctx.organisations[KROKOM_PARTNER]
    coordinator = ctx.users["samordnare"]
    today = timezone.localtime(ctx.now).date()
    assigned_on = _assigned_on(n, today)
    ends_on = _plus_two_years(assigned_on)
    day = lambda days: assigned_on + timedelta(days=days)  # noqa: E731
    adults = rng.choice([1, 1, 2, 2])
    children = sorted(rng.randint(0, 17) for _ in range(rng.choice([0, 1, 2, 3])))
    languages = rng.choice([["ar"], ["ti"], ["so"], ["prs", "fa"], ["ar", "en"], ["uk"]])
    allotment = (
        Allotment.objects.filter(company=ctx.organisations[HOUSING_COMPANY], kind=road.allotment)
        .order_by("period_start")
        .first()
        if road.allotment
        else None
    )
    with happened_on(_aware(assigned_on, 9)):
        case = open_case(
            user=coordinator,
            partner=partner,
            reference=road_reference(n),
            adults=adults,
            children_ages=children,
            languages=languages,
            language=languages[0],
            assigned_on=assigned_on,
            housing_needed_by=day(90),
            establishment_ends_on=ends_on,
            asylum_allotment=allotment,
        )
    # Most register with the Public Employment Service within weeks; in a company flat the
    # registration turns the sublet into a first-hand contract, so it comes after the move-in.
    registered_on = day(MOVE_IN_DAY + 15 if road.route == QUOTA else 20)
    if road.route != QUOTA:
        with happened_on(_aware(registered_on, 10)):
            record_employment_service_registration(
                case=case, registered_on=registered_on, user=coordinator
            )
    match = None
    if road.route == PRIVATE:
        home = _host_home(ctx, registered_at=_aware(day(-40), 19), rng=rng, faker=faker)
        match = _move_in(ctx, home=home, case=case, moved_in_on=day(MOVE_IN_DAY))
    elif road.route == QUOTA:
        home = _quota_flat(ctx, n)
        match = _move_in(ctx, home=home, case=case, moved_in_on=day(MOVE_IN_DAY))
        with happened_on(_aware(registered_on, 10)):
            record_employment_service_registration(
                case=case, registered_on=registered_on, user=coordinator
            )
    if road.placement:
        case.refresh_from_db()
        take_placement(ctx, ROAD_PLACEMENTS[road.placement], day0=assigned_on, case=case)
    if road.route == PRIVATE:
        _end_stay(
            ctx,
            match=match,
            ended_on=day(MOVE_IN_DAY + HOST_STAY_DAYS),
            note="Hushållet har fått en egen lägenhet.",
            reason_label="Hushållet fick eget boende",
        )
    elif road.route == QUOTA:
        _end_stay(
            ctx,
            match=match,
            ended_on=ends_on if road.in_matched_home else day(MOVED_OUT_DAY),
            note="Etableringstiden är slut. Hushållet bor kvar på eget förstahandskontrakt."
            if road.in_matched_home
            else "Hushållet har flyttat från lägenheten.",
        )
    else:
        with happened_on(_aware(ends_on, 10)):
            case.refresh_from_db()
            close_case(case=case, user=coordinator, reason="Etableringstiden är slut.")
    case.refresh_from_db()
    with happened_on(_aware(ends_on + timedelta(days=OUTCOME_RECORDED_AFTER), 10)):
        record_outcome(
            case=case,
            outcome=road.outcome,
            stayed=road.stayed,
            in_matched_home=road.in_matched_home,
            user=coordinator,
        )
    return case


def seed_road_to_work(ctx) -> None:
    """The 30 households that went the whole road in the portal (``ROAD``)."""
    from accounts.management.commands.seed_demo import make_faker

    faker = make_faker(PLACEMENTS_SEED)
    partner = ctx.organisations[KROKOM_PARTNER]
    existing = set(
        NewcomerCase.objects.filter(
            partner=partner, reference__in=[road_reference(n) for n in range(len(ROAD))]
        ).values_list("reference", flat=True)
    )
    for n, road in enumerate(ROAD):
        # Each household draws from its own generator: one made already changes no other.
        rng = random.Random(PLACEMENTS_SEED * 1000 + n)
        if road_reference(n) in existing:
            continue
        faker.seed_instance(PLACEMENTS_SEED * 1000 + n)
        _road_case(ctx, n, road, rng=rng, faker=faker)
        ctx.count(NewcomerCase)


__all__ = [
    "ROAD",
    "happened_on",
    "record_outcome",
    "seed_employers",
    "seed_placements",
    "seed_quota_history",
    "seed_road_to_work",
    "take_placement",
]
