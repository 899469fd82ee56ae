"""The follow-up figures against a small hand-made history whose answers are known.

Every figure of ``reports.metrics.compute_figures`` is checked exactly: rows outside the period,
in another partner or merged away as duplicates do not count, the ``as_of`` cut-off holds, the
lead times are discrete percentiles (the value at rank ⌈p·n⌉), and the monthly breakdown hides
counts from 1 to 4. The same tests run on SQLite and on PostgreSQL and must give the same answers.
"""

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from accounts.models import Organisation
from matching.models import Match
from reports import metrics
from reports.models import Metric
from tests.factories import (
    NewcomerCaseFactory,
    PartnershipFactory,
    TargetFactory,
    UserFactory,
    home_with_history,
    match_with_history,
)
from volunteers.models import CallAttempt, HomeVisit

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(month, day, hour=12, minute=0, year=2026) -> datetime:
    """A moment in Swedish time (the portal's time zone), in 2026 unless told."""
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


REFERRED_PATH = ("contacted", "visit_booked", "visited", "referred", "matched")


def referred_steps(contacted, visit_booked, visited, referred, matched=None):
    moments = (contacted, visit_booked, visited, referred, matched)
    return [(state, when) for state, when in zip(REFERRED_PATH, moments, strict=True) if when]


def call(home, volunteer, when, outcome=CallAttempt.Outcome.NO_ANSWER):
    return CallAttempt.objects.create(
        home=home, volunteer=volunteer, outcome=outcome, created_at=when
    )


def visit(home, when, volunteers, status=HomeVisit.Status.REPORTED):
    home_visit = HomeVisit.objects.create(home=home, starts_at=when, status=status)
    home_visit.volunteers.set(volunteers)
    return home_visit


@pytest.fixture
def history(organisations):
    return build_history(organisations)


def build_history(organisations):
    """Partnership ``main`` (1 January – 30 June 2026) with partner A and ``other`` with partner B.

    The comments give each row's part in the answers; lead times in days after the home's
    registration.
    """
    V = organisations["volunteers"]
    A = organisations["partner"]
    B = organisations["other_partner"]
    main = PartnershipFactory(
        name="Värdskap Östersund 2026",
        volunteer_organisation=V,
        partner=A,
        housing_company=organisations["housing"],
        period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30),
    )
    other = PartnershipFactory(
        name="Grannkommunen 2026",
        volunteer_organisation=V,
        partner=B,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30),
    )

    # Homes registered in the period (13) ---------------------------------------------------
    # 1 January 00:30 in Sweden is still 31 December in UTC: January, in the period.
    h_new_year = home_with_history(at(1, 1, 0, 30))
    h1 = home_with_history(  # contact 2, visit 10, moves in 36 (partner A)
        at(1, 10, 10),
        referred_steps(at(1, 12, 10), at(1, 13), at(1, 20, 10), at(1, 25), at(2, 1)),
        partner=A,
    )
    h2 = home_with_history(  # contact 10, visit 20, moves in 35 (partner B)
        at(2, 3, 9),
        referred_steps(at(2, 13, 9), at(2, 14), at(2, 23, 9), at(2, 25), at(3, 1)),
        partner=B,
    )
    h3 = home_with_history(at(3, 1, 12), [("contacted", at(3, 1, 18))])  # contact 0.25
    h4 = home_with_history(  # contact 7 (exactly); visited only after the period
        at(3, 15, 12),
        [("contacted", at(3, 22, 12)), ("visit_booked", at(3, 25)), ("visited", at(7, 5))],
    )
    h5 = home_with_history(at(4, 1, 12))  # never reached
    h6 = home_with_history(  # contact 11, visit 30; moves in only after the period (partner A)
        at(4, 10, 12),
        referred_steps(at(4, 21, 12), at(4, 25), at(5, 10, 12), at(5, 12), at(5, 20)),
        partner=A,
    )
    batch = [home_with_history(at(5, day)) for day in range(5, 10)]  # five in May
    # 30 June 23:30 in Sweden (21:30 UTC): the last evening of the period; reached only in July.
    h_last = home_with_history(at(6, 30, 23, 30), [("contacted", at(7, 1, 8))])

    # Homes that are not registrations of the period ------------------------------------------
    h_before = home_with_history(  # registered the evening before; referred to A in January
        at(12, 31, 23, 0, year=2025),
        referred_steps(at(1, 2), at(1, 3), at(1, 5), at(1, 8), at(1, 15)),
        partner=A,
    )
    h_duplicate = home_with_history(  # merged into h1: counts nowhere
        at(2, 10, 12),
        referred_steps(at(2, 11, 12), at(2, 12), at(2, 13), None),
        duplicate_of=h1,
    )
    h_after = home_with_history(at(7, 2, 12), [("contacted", at(7, 3))])

    # Matches: A's cases and one of B's ---------------------------------------------------------
    m1 = match_with_history(
        h1,
        NewcomerCaseFactory(partner=A),
        [("approved", at(2, 1)), ("moved_in", at(2, 15, 10))],
        proposed_at=at(1, 28),
    )
    m2 = match_with_history(  # partner B's
        h2,
        NewcomerCaseFactory(partner=B),
        [("approved", at(3, 1)), ("moved_in", at(3, 10, 9))],
        proposed_at=at(2, 27),
    )
    m3 = match_with_history(  # approved in May, moves in after the period
        h6,
        NewcomerCaseFactory(partner=A),
        [("approved", at(5, 20)), ("moved_in", at(7, 10))],
        proposed_at=at(5, 15),
    )
    m4 = match_with_history(  # a home registered before the period, housed in January
        h_before,
        NewcomerCaseFactory(partner=A),
        [("approved", at(1, 15)), ("moved_in", at(1, 20))],
        proposed_at=at(1, 10),
    )
    # Proposed before the period, approved before it: no count.
    match_with_history(
        h_duplicate,
        NewcomerCaseFactory(partner=A),
        [("approved", at(12, 20, year=2025)), ("cancelled", at(12, 22, year=2025))],
        proposed_at=at(12, 18, year=2025),
    )

    # Volunteers, calls and visits ------------------------------------------------------------
    vol1 = UserFactory(organisation=V, roles=["volunteer"], username="vol1")
    vol2 = UserFactory(organisation=V, roles=["volunteer"], username="vol2")  # only outside
    vol3 = UserFactory(organisation=V, roles=["volunteer"], username="vol3")  # only a visit
    vol5 = UserFactory(organisation=V, roles=["volunteer"], username="vol5")  # only booked
    outsider = UserFactory(organisation=B, roles=["partner_coordinator"], username="outsider")

    # January 6 (the first at 00:10 on 1 January, still December in UTC), February 2, June 1
    for when in [at(1, 1, 0, 10), at(1, 11), at(1, 11, 13), at(1, 12), at(1, 20), at(1, 31, 23)]:
        call(h1, vol1, when)
    call(h2, vol1, at(2, 4))
    call(h2, vol1, at(2, 13, 9), CallAttempt.Outcome.INTERESTED)
    call(h_last, vol1, at(6, 30, 23, 50))
    call(h_before, vol2, at(12, 20, year=2025))  # before the period
    call(h_after, vol2, at(7, 3))  # after the period
    for day in (5, 6, 7):  # calls made count the volunteer organisation's: not the outsider's
        call(h3, outsider, at(3, day))
    # The calls that reached the hosts, at the moments the homes became contacted (h2's is
    # above). Reached is what the call says, not the step: the July ones are after the period.
    reached = CallAttempt.Outcome.INTERESTED
    for home, when in (
        (h1, at(1, 12, 10)),
        (h3, at(3, 1, 18)),
        (h4, at(3, 22, 12)),
        (h6, at(4, 21, 12)),
        (h_last, at(7, 1, 8)),
        (h_before, at(1, 2)),
        (h_duplicate, at(2, 11, 12)),
        (h_after, at(7, 3, 9)),
    ):
        call(home, vol1, when, reached)

    visit(h1, at(1, 19, 10), [vol1])
    visit(h2, at(2, 22), [vol3])
    visit(h6, at(5, 9), [vol1, vol3])
    visit(h4, at(3, 24), [vol5], status=HomeVisit.Status.BOOKED)
    visit(h4, at(3, 25), [vol5], status=HomeVisit.Status.CANCELLED)
    visit(h4, at(7, 4), [vol1])  # after the period
    visit(h_before, at(12, 30, year=2025), [vol2])  # before the period

    # A move-in is dated by its move-in date (here the day it was recorded).
    for match, day in ((m1, date(2026, 2, 15)), (m2, date(2026, 3, 10)), (m3, date(2026, 7, 10))):
        Match.objects.filter(pk=match.pk).update(move_in_date=day)
    Match.objects.filter(pk=m4.pk).update(move_in_date=date(2026, 1, 20))

    return SimpleNamespace(
        main=main,
        other=other,
        homes=SimpleNamespace(
            new_year=h_new_year, h1=h1, h2=h2, h3=h3, h4=h4, h5=h5, h6=h6, batch=batch
        ),
        matches=(m1, m2, m3, m4),
        volunteers=(vol1, vol2, vol3, vol5),
    )


def figures_of(partnership, **kwargs):
    with translation.override("en"):
        return metrics.compute_figures(partnership, **kwargs)


@pytest.mark.django_db
def test_the_totals_of_the_period(history):
    figures = figures_of(history.main, as_of=date(2026, 11, 25))

    assert figures["as_of"] == date(2026, 6, 30)  # the period ended before as_of
    assert figures["totals"] == {
        "registrations": 13,
        "reached_within_7_days": 3,  # 2, 0.25 and exactly 7 days
        "home_visits": 3,
        "homes_referred": 3,  # h1 and h6, and h_before (registered in 2025, referred in January)
        "matches_approved": 3,  # m1, m3, m4 (m2 is partner B's)
        "households_housed": 2,  # m1, m4 (m3 moves in after the period)
        "active_volunteers": 2,  # vol1 (calls, visits), vol3 (a visit)
        "call_attempts": 15,  # V's: 9, and the 6 reached calls of the period (not the outsider's)
    }


@pytest.mark.django_db
def test_the_other_partner_sees_only_its_own_steps(history):
    totals = figures_of(history.other, as_of=date(2026, 11, 25))["totals"]

    assert totals["homes_referred"] == 1  # h2
    assert totals["matches_approved"] == 1  # m2
    assert totals["households_housed"] == 1
    # Registrations, calls and visits belong to the portal and the volunteer organisation.
    assert totals["registrations"] == 13
    assert totals["call_attempts"] == 15


@pytest.mark.django_db
def test_lead_times_are_discrete_percentiles(history):
    lead_times = figures_of(history.main)["lead_times"]

    # contact: 0.25, 2, 7, 10, 11 -> median at rank 3, p90 at rank 5 (not 10.6 interpolated)
    assert lead_times["contact"] == {"median": 7.0, "p90": 11.0}
    # visit: 10, 20, 30 (h4 is visited only after the period)
    assert lead_times["visit"] == {"median": 20.0, "p90": 30.0}
    # move-in: 36 (h1; h2's household is partner B's, h6's moves in after the period)
    assert lead_times["move_in"] == {"median": 36.0, "p90": 36.0}


@pytest.mark.django_db
def test_the_funnel(history):
    funnel = figures_of(history.main)["funnel"]

    assert [(step["step"], step["count"]) for step in funnel] == [
        ("registered", 13),
        ("reached", 5),  # h1, h2, h3, h4, h6 (h_last only in July, the duplicate not at all)
        ("visited", 3),  # h1, h2, h6
        ("referred", 2),  # h1, h6: h2 is referred to partner B
        ("matched", 2),  # h1 (m1), h6 (m3)
        ("moved_in", 1),  # h1 (m3 moves in after the period; m2 is B's)
    ]
    with translation.override("en"):
        assert [str(step["label"]) for step in funnel][:2] == [
            "New registrations",
            "of them reached by phone",
        ]


@pytest.mark.django_db
def test_the_monthly_table(history):
    monthly = figures_of(history.main)["monthly"]

    assert [
        (
            row["month"],
            row["registrations"],
            row["call_attempts"],
            row["home_visits"],
            row["matches_approved"],
            row["households_housed"],
        )
        for row in monthly
    ] == [
        (date(2026, 1, 1), 2, 8, 1, 1, 1),  # new year, h1; h1 and h_before reached; m4
        (date(2026, 2, 1), 1, 3, 1, 1, 1),  # h2 (the duplicate does not count, its call does); m1
        (date(2026, 3, 1), 2, 2, 0, 0, 0),  # h3, h4 reached (not the outsider's); m2 is B's
        (date(2026, 4, 1), 2, 1, 0, 0, 0),  # h6 reached
        (date(2026, 5, 1), 5, 0, 1, 1, 0),  # the batch; m3 approved
        (date(2026, 6, 1), 1, 1, 0, 0, 0),  # the last evening of the period
    ]


@pytest.mark.django_db
def test_targets_and_their_progress(history):
    goals = {
        Metric.NEW_REGISTRATIONS: 10,
        Metric.REACHED_WITHIN_DAYS: 4,
        Metric.HOME_VISITS: 4,
        Metric.HOMES_REFERRED: 3,
        Metric.MATCHES_APPROVED: 2,
        Metric.HOUSEHOLDS_HOUSED: 4,
        Metric.ACTIVE_VOLUNTEERS: 2,
        Metric.DAYS_TO_CONTACT: 5,
        Metric.DAYS_TO_VISIT: 25,
        Metric.DAYS_TO_MOVE_IN: 30,
    }
    assert set(goals) == set(Metric), "every metric of the catalogue is checked"
    for metric, goal in goals.items():
        TargetFactory(partnership=history.main, metric=metric, goal=goal, within_days=3)

    rows = {row["metric"]: row for row in figures_of(history.main)["targets"]}

    expected = {  # value, percent, met
        Metric.NEW_REGISTRATIONS: (13, 130, True),
        Metric.REACHED_WITHIN_DAYS: (2, 50, False),  # within 3 days: h1 (2) and h3 (0.25)
        Metric.HOME_VISITS: (3, 75, False),
        Metric.HOMES_REFERRED: (3, 100, True),
        Metric.MATCHES_APPROVED: (3, 150, True),
        Metric.HOUSEHOLDS_HOUSED: (2, 50, False),
        Metric.ACTIVE_VOLUNTEERS: (2, 100, True),
        Metric.DAYS_TO_CONTACT: (7.0, 71, False),  # at most 5: 5/7
        Metric.DAYS_TO_VISIT: (20.0, 100, True),  # at most 25
        Metric.DAYS_TO_MOVE_IN: (36.0, 83, False),  # at most 30: 30/36
    }
    assert {m: (r["value"], r["percent"], r["met"]) for m, r in rows.items()} == expected
    assert {m for m, r in rows.items() if r["lower_is_better"]} == {
        Metric.DAYS_TO_CONTACT,
        Metric.DAYS_TO_VISIT,
        Metric.DAYS_TO_MOVE_IN,
    }
    with translation.override("en"):
        assert str(rows[Metric.REACHED_WITHIN_DAYS]["label"]) == (
            "Hosts reached within 3 days of registering"
        )


@pytest.mark.django_db
def test_figures_up_to_a_day_in_the_period(history):
    figures = figures_of(history.main, as_of=date(2026, 3, 1))

    assert figures["as_of"] == date(2026, 3, 1)
    assert figures["totals"] == {
        "registrations": 4,  # the new-year home, h1, h2, h3 (noon on 1 March)
        "reached_within_7_days": 2,  # h1, h3 (evening of 1 March)
        "home_visits": 2,
        "homes_referred": 2,  # h_before, h1
        "matches_approved": 2,  # m4, m1
        "households_housed": 2,
        "active_volunteers": 2,
        "call_attempts": 12,  # January 8, February 3, h3 reached on the evening of 1 March
    }
    assert figures["lead_times"] == {
        "contact": {"median": 2.0, "p90": 10.0},  # 0.25, 2, 10
        "visit": {"median": 10.0, "p90": 20.0},  # 10, 20: the lower one is the median
        "move_in": {"median": 36.0, "p90": 36.0},  # only h1 had moved in
    }
    assert [step["count"] for step in figures["funnel"]] == [4, 3, 2, 1, 1, 1]
    assert [row["month"] for row in figures["monthly"]] == [
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]
    assert figures["monthly"][-1]["registrations"] == 1


@pytest.mark.django_db
def test_as_of_defaults_to_today_and_stops_at_the_period_end(history):
    assert figures_of(history.main)["as_of"] == min(date.today(), date(2026, 6, 30))
    # A day before the period starts shows the first day, with nothing in it yet.
    early = figures_of(history.main, as_of=date(2025, 12, 1))
    assert early["as_of"] == date(2026, 1, 1)
    assert early["totals"]["registrations"] == 1  # only the new-year home, at 00:30


@pytest.mark.django_db
def test_an_empty_period(organisations):
    partnership = PartnershipFactory(
        volunteer_organisation=organisations["volunteers"],
        partner=organisations["partner"],
        period_start=date(2030, 1, 1),
        period_end=date(2030, 12, 1),
    )
    TargetFactory(partnership=partnership, metric=Metric.DAYS_TO_CONTACT, goal=3)

    figures = figures_of(partnership, as_of=date(2030, 12, 1))

    assert set(figures["totals"].values()) == {0}
    assert figures["lead_times"]["contact"] == {"median": None, "p90": None}
    assert [step["count"] for step in figures["funnel"]] == [0] * 6
    assert len(figures["monthly"]) == 12
    assert figures["targets"][0]["value"] is None and figures["targets"][0]["met"] is False


def test_suppress_hides_small_counts_and_enough_beside_them():
    # Nothing small: nothing hidden.
    assert metrics.suppress([0, 5, 12]) == [False, False, False]
    # One small count: the smallest other non-zero one goes too, and they add up to 4 + 2 = 6
    # or more, so neither can be worked out from the total, nor whether it is below 5.
    assert metrics.suppress([2, 0, 7, 9]) == [True, False, True, False]
    # Two small ones adding up to too little: a third is hidden.
    assert metrics.suppress([1, 1, 9, 6, 0]) == [True, True, False, True, False]
    # All small and few: every cell, zeros too, since the total is printed.
    assert metrics.suppress([3, 0]) == [True, True]
    assert metrics.suppress([0, 0, 0]) == [False, False, False]


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [(12.5, 0, 13), (0.5, 0, 1), (2.5, 0, 3), (99.5, 0, 100), (7.25, 1, 7.3), (7.35, 1, 7.4)],
)
def test_rounding_is_half_up(value, places, expected):
    assert metrics.round_half_up(value, places) == expected
    assert metrics.percent(1, 8) == 13  # 12.5 %


@pytest.mark.parametrize(
    ("metric", "goal", "value", "progress", "met"),
    [
        (Metric.NEW_REGISTRATIONS, 8, 1, 13, False),  # 12.5 % shows 13 %
        (Metric.NEW_REGISTRATIONS, "200.5", 200, 100, True),  # 99.75 % shows 100 %: met
        (Metric.NEW_REGISTRATIONS, 201, 200, 100, True),  # 99.5 % shows 100 %: met
        (Metric.NEW_REGISTRATIONS, 202, 200, 99, False),
        (Metric.DAYS_TO_CONTACT, 5, 5.0, 100, True),
        (Metric.DAYS_TO_CONTACT, 5, 8.0, 63, False),  # 62.5 % shows 63 %
        (Metric.DAYS_TO_CONTACT, "10.0", 10.05, 100, True),  # as shown: 99.5 %
        (Metric.DAYS_TO_CONTACT, 5, None, None, False),
    ],
)
def test_met_is_decided_on_the_progress_shown(metric, goal, value, progress, met):
    target = SimpleNamespace(metric=metric, goal=goal, within_days=7)
    row = metrics.target_progress(target, value)
    assert (row["percent"], row["met"]) == (progress, met)


@pytest.mark.django_db
def test_months_of_a_period_across_a_year_end(organisations):
    partnership = PartnershipFactory(
        volunteer_organisation=organisations["volunteers"],
        partner=organisations["partner"],
        period_start=date(2025, 11, 15),
        period_end=date(2026, 2, 10),
    )
    period = metrics.Period.of(partnership)
    assert period.months() == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    assert period.end - period.start == timedelta(days=88)
    assert Organisation.objects.filter(pk__in=partnership.party_ids()).count() == 2
