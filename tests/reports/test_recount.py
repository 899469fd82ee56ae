"""The report's figures, recounted independently: a history made through the portal's own
actions (sign-up, calls, visits, referral, pause and resume, matches proposed, cancelled,
approved, moved into and ended, a merged duplicate, the housing company's offered flat), with
the cases the definitions must get right, and every figure of ``compute_figures`` compared
with ``bench/recount.py``, SQL written from the printed definitions, not from ``metrics.py``.

The same test runs on SQLite and on PostgreSQL
(``DATABASE_URL=postgres://… pytest tests/reports/test_recount.py``).
"""

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from accounts.models import Organisation
from bench.recount import differences, recount, reported
from hosts.actions import (
    confirm_registration,
    pause_home,
    refer_home,
    register_host,
    resume_home,
)
from matching.actions import (
    CaseNext,
    HomeNext,
    approve_match,
    cancel_match,
    end_match,
    propose_match,
    record_move_in,
)
from reports import metrics
from reports.models import Metric
from tests.factories import (
    DEFAULT_MUNICIPALITY,
    NewcomerCaseFactory,
    OrganisationFactory,
    PartnershipFactory,
    QuotaAgreementFactory,
    TargetFactory,
    local_group,
    municipality,
    offered_flat,
    partnership_covering,
    said_yes,
    staff_user,
)
from volunteers.actions import book_visit, merge_duplicate, record_call, report_visit
from volunteers.models import HomeVisit, QueueEntry

STOCKHOLM = ZoneInfo("Europe/Stockholm")
AS_OF = date(2026, 11, 25)


def at(month, day, hour=12, minute=0, year=2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


class Clock:
    """``timezone.now()`` (and everything built on it) stands at the moment set."""

    def __init__(self):
        self.moment = at(1, 1)
        clock = self

        class Fixed(datetime):
            @classmethod
            def now(cls, tz=None):
                return clock.moment.astimezone(tz) if tz else clock.moment.replace(tzinfo=None)

        self._patch = mock.patch("django.utils.timezone.datetime", Fixed)

    def __call__(self, moment: datetime) -> datetime:
        self.moment = moment
        return moment


class Story:
    """The steps people take, each at its moment, through the portal's actions."""

    def __init__(self, clock, people):
        self.clock, self.p, self.n = clock, people, 0

    def register(self, when, code=DEFAULT_MUNICIPALITY):
        self.clock(when)
        self.n += 1
        host = register_host(
            name=f"Värd {self.n}",
            email=f"recount{self.n}@example.se",
            phone=f"+4670{self.n:07d}",
            language="sv",
            offer={
                "street_address": f"Storgatan {self.n}",
                "postcode": "83130",
                "municipality": municipality(code),
                "kind": "room",
                "beds": 2,
                "available_from": date(2026, 1, 1),
                "available_months": 6,
                "rent_per_month": 3500,
                "household_description": "Jag och min sambo.",
                "smoking": "no",
                "languages": ["sv"],
                "heard_from": "friend",
            },
            consent_language="sv",
        )
        confirm_registration(host=host)
        return host.homes.get()

    def call(self, home, volunteer, when, outcome="interested", callback_at=None):
        self.clock(when)
        entry = QueueEntry.objects.get(home=home)
        return record_call(
            entry=entry, volunteer=volunteer, outcome=outcome, callback_at=callback_at, now=when
        )

    def visit(self, home, volunteers, booked, starts):
        self.clock(booked)
        visit = book_visit(
            home=home, starts_at=starts, volunteers=volunteers, user=volunteers[0], now=booked
        )
        self.clock(starts + timedelta(hours=1))
        checklist = dict.fromkeys(HomeVisit.CHECKLIST, True)
        return report_visit(
            visit=visit, user=volunteers[0], verdict="suitable", checklist=checklist
        )

    def refer(self, home, partner, when):
        self.clock(when)
        home.refresh_from_db()
        refer_home(home=home, partner=partner, user=self.p.coordinator)

    def match(self, home, case, coordinator, proposed, approved):
        self.clock(proposed)
        home.refresh_from_db()
        match = propose_match(home=home, case=case, user=coordinator)
        self.clock(approved)
        return approve_match(match=said_yes(match, coordinator), user=coordinator)

    def move_in(self, match, coordinator, day, recorded=None):
        self.clock(
            recorded or datetime.combine(day, datetime.min.time(), STOCKHOLM).replace(hour=9)
        )
        match.refresh_from_db()
        return record_move_in(match=match, user=coordinator, move_in_date=day)


def build_story(organisations, *, scoped=False):
    """The story; ``scoped``: the partnership names its municipality (Östersund) and its local
    group, and a home in Krokom is called by a volunteer of the organisation's Krokom group."""
    V, A, B = organisations["volunteers"], organisations["partner"], organisations["other_partner"]
    W = OrganisationFactory(name="Another group", kind=Organisation.Kind.VOLUNTEER_ORGANISATION)
    people = SimpleNamespace(
        v1=staff_user("volunteer", V, is_staff=False, username="v1"),
        v2=staff_user("volunteer", V, is_staff=False, username="v2"),
        w1=staff_user("volunteer", W, is_staff=False, username="w1"),
        coordinator=staff_user("volunteer_coordinator", V, username="vc"),
        ca=staff_user("partner_coordinator", A, username="ca"),
        cb=staff_user("partner_coordinator", B, username="cb"),
    )
    if scoped:
        people.v3 = staff_user("volunteer", V, is_staff=False, username="v3")
        people.v3.local_group = local_group(V, name="Krokomsgruppen", covers=["2309"])
        people.v3.save()
    partnership = PartnershipFactory(
        name="Recount 2026",
        volunteer_organisation=V,
        partner=A,
        housing_company=organisations["housing"],
        period_start=date(2026, 2, 1),
        period_end=date(2026, 6, 30),
    )
    TargetFactory(partnership=partnership, metric=Metric.REACHED_WITHIN_DAYS, goal=3, within_days=1)
    # Homes are referred to A and B from January on: partnerships covering Östersund, where the
    # homes are, make both partners ones a home may be referred to (``reports.partners``).
    for partner in (A, B):
        partnership_covering(
            partner,
            volunteer_organisation=V,
            name=f"Östersund {partner.name}",
            period_start=date(2025, 12, 1),
            period_end=date(2026, 12, 31),
        )
    if scoped:
        partnership.local_group = people.v1.local_group
        partnership.save()
        partnership.municipalities.set([DEFAULT_MUNICIPALITY])
    clock = Clock()
    with clock._patch:
        s = Story(clock, people)
        x1, x2, y = (NewcomerCaseFactory(partner=A) for _ in range(3))
        b_case = NewcomerCaseFactory(partner=B)

        # Registered in January, referred then; paused and resumed, a match cancelled and
        # another made in the period: no new referral, two approvals, one household housed.
        h_jan = s.register(at(1, 20))
        s.call(h_jan, people.v1, at(1, 21))
        s.visit(h_jan, [people.v1], at(1, 22), at(1, 25))
        s.refer(h_jan, A, at(1, 28))
        clock(at(2, 10))
        pause_home(home=h_jan, user=people.v1)
        clock(at(2, 20))
        resume_home(home=h_jan, user=people.v1)
        m_x1 = s.match(h_jan, x1, people.ca, at(3, 1), at(3, 2))
        clock(at(3, 5))
        cancel_match(match=m_x1, user=people.ca, note="Familjen tackade nej.")
        m_x2 = s.match(h_jan, x2, people.ca, at(3, 10), at(3, 11))
        s.move_in(m_x2, people.ca, date(2026, 3, 20))

        # 1 February 00:05 in Sweden (still 31 January in UTC): in the period. "Not now" on the
        # first day reaches the host; the contact step comes only on the 12th. Household Y
        # moves in on 28 February (recorded 3 March), the stay ends, and Y is housed again.
        h_edge = s.register(at(2, 1, 0, 5))
        s.call(h_edge, people.v1, at(2, 1, 10), "not_now", callback_at=at(2, 12, 9))
        s.call(h_edge, people.v1, at(2, 12, 10))
        s.visit(h_edge, [people.v1], at(2, 13), at(2, 15))
        s.refer(h_edge, A, at(2, 16))
        m_y1 = s.match(h_edge, y, people.ca, at(2, 20), at(2, 21))
        s.move_in(m_y1, people.ca, date(2026, 2, 28), recorded=at(3, 3))
        clock(at(4, 10))
        m_y1.refresh_from_db()
        end_match(
            match=m_y1,
            user=people.ca,
            note="Flyttade vidare.",
            home_next=HomeNext.REFERRED,
            case_next=CaseNext.WAITING,
            ended_on=date(2026, 4, 10),
        )

        h3 = s.register(at(2, 5))
        s.call(h3, people.v2, at(2, 6))
        s.visit(h3, [people.v2], at(2, 7), at(2, 10))
        s.refer(h3, A, at(2, 12))
        y.refresh_from_db()
        m_y2 = s.match(h3, y, people.ca, at(4, 20), at(4, 21))
        s.move_in(m_y2, people.ca, date(2026, 5, 2))

        # The other partner's home, match and move-in.
        h_b = s.register(at(2, 10))
        s.call(h_b, people.v1, at(2, 11))
        s.visit(h_b, [people.v2], at(2, 12), at(2, 14))
        s.refer(h_b, B, at(2, 15))
        m_b = s.match(h_b, b_case, people.cb, at(2, 20), at(2, 21))
        s.move_in(m_b, people.cb, date(2026, 3, 1))

        # Another organisation's volunteer calls and visits: the host is reached, the home
        # visited; neither call nor visit is the volunteer organisation's work.
        h_w = s.register(at(3, 1))
        s.call(h_w, people.w1, at(3, 2), "no_answer")
        s.call(h_w, people.w1, at(3, 3))
        s.visit(h_w, [people.w1], at(3, 5), at(3, 7))

        h_silent = s.register(at(4, 1))  # never reached
        s.call(h_silent, people.v1, at(4, 2), "no_answer")
        s.call(h_silent, people.v1, at(4, 5), "no_answer")

        h_withdraw = s.register(at(4, 10))  # "withdraws" is reached too
        s.call(h_withdraw, people.v1, at(4, 11), "withdraws")

        h_late = s.register(at(6, 28))  # reached only after the period
        s.call(h_late, people.v1, at(7, 1))

        if scoped:
            # Outside the partnership's municipality, called by another group's volunteer: no
            # registration of the partnership's, no call of its group.
            h_krokom = s.register(at(3, 3), code="2309")
            s.call(h_krokom, people.v3, at(3, 4))
            s.call(h_jan, people.v3, at(3, 4, 13), "no_answer")

        h_last = s.register(at(6, 30, 23, 50))  # the period's last minutes
        s.register(at(7, 1, 0, 1))  # the first minute after it
        h_before = s.register(at(1, 31, 23, 59))  # the last minute before it
        s.call(h_before, people.v2, at(2, 2))

        # A registration made twice, merged away.
        h_dup = s.register(at(3, 5))
        clock(at(3, 6))
        merge_duplicate(keep=h_withdraw, duplicate=h_dup, user=people.coordinator)

        # The housing company's flat offered to the partner: no registration, no referral.
        clock(at(3, 15))
        offered_flat(
            QuotaAgreementFactory(company=organisations["housing"], integration_unit=A, every_nth=1)
        )

    # Outcomes after the establishment period (a coordinator records them).
    for ends_on, outcome, count, partner in (
        (date(2026, 3, 15), "in_work", 6, A),
        (date(2026, 3, 15), "in_studies", 2, A),
        (date(2026, 3, 15), "other", 1, A),
        (date(2025, 10, 1), "in_work", 3, A),
        (date(2025, 10, 1), "other", 2, A),
        (date(2026, 4, 1), "in_work", 4, B),
        (date(2026, 8, 1), "in_work", 2, A),
    ):
        for _ in range(count):
            NewcomerCaseFactory(
                partner=partner,
                assigned_on=ends_on.replace(year=ends_on.year - 2),
                establishment_ends_on=ends_on,
                outcome=outcome,
                status="closed",
            )
    return SimpleNamespace(
        partnership=partnership,
        people=people,
        homes=SimpleNamespace(edge=h_edge, h3=h3, last=h_last, jan=h_jan),
    )


@pytest.fixture
def story(organisations):
    return build_story(organisations)


@pytest.mark.django_db
def test_every_figure_agrees_with_the_recount(story):
    with translation.override("en"):
        figures = metrics.compute_figures(story.partnership, as_of=AS_OF)
    counted = recount(partnership=story.partnership, as_of=AS_OF, within_days=(1, 7))

    assert differences(reported(figures, within_days=(1, 7)), counted) == []


@pytest.mark.django_db
def test_the_story_counts_what_the_labels_say(story):
    figures = metrics.compute_figures(story.partnership, as_of=AS_OF)

    assert figures["totals"] == {
        # h_edge, h3, h_b, h_w, h_silent, h_withdraw, h_late, h_last (not the duplicate, the
        # flat, nor the minutes before and after the period)
        "registrations": 8,
        # h_edge ("not now" at 10 the first morning), h3, h_b, h_w (another group's call),
        # h_withdraw ("withdraws")
        "reached_within_7_days": 5,
        # the volunteer organisation's: h_edge 2, h3, h_b, h_silent 2, h_withdraw, h_before
        "call_attempts": 8,
        "home_visits": 3,  # h_edge, h3, h_b (not the other group's at h_w)
        "homes_referred": 2,  # h_edge, h3 first referred in the period; not h_jan's resume
        "matches_approved": 4,  # x1 (later cancelled), x2, y twice
        "households_housed": 2,  # y (housed twice, once), x2
        "active_volunteers": 2,  # v1, v2 (not w1)
    }
    # y is counted in February, by the move-in date (recorded on 3 March).
    assert [row["households_housed"] for row in figures["monthly"]] == [1, 1, 0, 0, 0]
    funnel = {step["step"]: step["count"] for step in figures["funnel"]}
    # Of the 8: reached 5, visited 4 (h_w too), referred to A 2, matched with and moved into
    # by A's households 2 (h_b is partner B's).
    assert funnel == {
        "registered": 8,
        "reached": 5,
        "visited": 4,
        "referred": 2,
        "matched": 2,
        "moved_in": 2,
    }
    assert funnel["registered"] == figures["totals"]["registrations"]
    # contact: 0.4 (9 h 55 min), 1, 1, 1, 2 days
    assert figures["lead_times"]["contact"] == {"median": 1.0, "p90": 2.0}
    # move-in: h_edge 1 → 28 February (27 days), h3 5 February → 2 May (86 days)
    assert figures["lead_times"]["move_in"] == {"median": 27.0, "p90": 86.0}
    outcomes = figures["outcomes"]
    assert (outcomes["recorded"], outcomes["in_work"], outcomes["share_in_work"]) == (9, 6, 67)
    cumulative = outcomes["cumulative"]
    assert (cumulative["recorded"], cumulative["in_work"], cumulative["share_in_work"]) == (
        14,
        9,
        64,
    )
    # Within 1 day: h_edge and h3, h_b, h_withdraw (exactly 24 hours each) of the 8.
    assert figures["targets"][0]["value"] == 4


@pytest.mark.django_db
def test_the_recount_agrees_up_to_a_day_in_the_period(story):
    as_of = date(2026, 3, 3)
    figures = metrics.compute_figures(story.partnership, as_of=as_of)
    counted = recount(partnership=story.partnership, as_of=as_of, within_days=(1, 7))

    assert differences(reported(figures, within_days=(1, 7)), counted) == []
    # y's move-in, dated 28 February and recorded on 3 March, counts by its date.
    assert figures["totals"]["households_housed"] == 1


@pytest.mark.django_db
def test_a_partnership_of_municipalities_and_a_group_agrees_with_the_recount(organisations):
    """Scoped by its municipality and its local group, the report still equals the recount; the
    Krokom home and the Krokom group's calls are not the partnership's, and the figures by
    municipality add up to the totals."""
    story = build_story(organisations, scoped=True)
    unscoped = metrics.compute_figures(build_story_copy_unscoped(story), as_of=AS_OF)
    with translation.override("en"):
        figures = metrics.compute_figures(story.partnership, as_of=AS_OF)
    counted = recount(partnership=story.partnership, as_of=AS_OF, within_days=(1, 7))
    assert differences(reported(figures, within_days=(1, 7)), counted) == []

    totals = figures["totals"]
    assert totals["registrations"] == unscoped["totals"]["registrations"] - 1
    assert totals["call_attempts"] == unscoped["totals"]["call_attempts"] - 2
    assert totals["active_volunteers"] == unscoped["totals"]["active_volunteers"] - 1
    assert {row["code"] for row in figures["by_municipality"]} >= {DEFAULT_MUNICIPALITY}
    assert "2309" not in {row["code"] for row in figures["by_municipality"] if row["registrations"]}
    for key in metrics.BY_MUNICIPALITY:
        assert sum(row[key] for row in figures["by_municipality"]) == totals[key], key
    scope_labels = {row["key"]: row["scope"] for row in metrics.definitions(figures["scope"])}
    assert scope_labels["registrations"] == metrics.MUNICIPALITIES
    assert scope_labels["call_attempts"] == metrics.LOCAL_GROUP
    assert scope_labels["homes_referred"] == metrics.PARTNER


def build_story_copy_unscoped(story):
    """The same partnership naming no municipality and no group (counted as before)."""
    from reports.models import Partnership

    copy = Partnership.objects.create(
        name="Recount 2026, as before",
        volunteer_organisation=story.partnership.volunteer_organisation,
        partner=story.partnership.partner,
        period_start=story.partnership.period_start,
        period_end=story.partnership.period_end,
    )
    return copy


# The stay: concerns, first responses, mediations, early ends, a rematch, evaluations ----------


def add_stay_history(story, organisations):
    """A hand-built history of the stays of the story (rows written as they would stand): the
    expected figures are worked out by hand in ``test_the_stay_counts_what_the_labels_say``."""
    from matching.models import Match
    from stays.models import Concern, Evaluation, EvaluationAnswer, Mediation

    x2 = Match.objects.get(home=story.homes.jan, status=Match.Status.MOVED_IN)
    y1 = Match.objects.get(home=story.homes.edge)  # ended on 10 April, in the period
    y2 = Match.objects.get(home=story.homes.h3)  # y again, approved on 21 April
    b = Match.objects.get(case__partner=organisations["other_partner"])
    # y's first stay ended early: its end counts, and y's approval on 21 April is a rematch.
    Match.objects.filter(pk=y1.pk).update(early_end_reason=Match.EarlyEnd.RELATIONSHIP)
    # A reason on a stay that has not ended (and the other partner's): not counted.
    Match.objects.filter(pk=b.pk).update(early_end_reason=Match.EarlyEnd.SAFETY)

    def concern(match, raised_by, raised, responded=None, urgency="normal"):
        return Concern.objects.create(
            match=match,
            raised_by=raised_by,
            urgency=urgency,
            created_at=raised,
            first_response_at=responded,
            status="acknowledged" if responded else "opened",
        )

    concern(x2, "host", at(3, 22, 10), at(3, 22, 12))  # 2 h
    concern(x2, "household", at(3, 25, 8), at(3, 25, 8, 30), urgency="urgent")  # 0.5 h
    c3 = concern(x2, "check_in", at(4, 1, 9), at(4, 3, 9))  # 48 h
    concern(x2, "household", at(5, 2, 10))  # not answered
    concern(x2, "staff", at(6, 30, 22), at(7, 1, 10), urgency="urgent")  # answered after
    concern(x2, "host", at(1, 31, 22), at(2, 1, 9))  # raised before the period
    c_b = concern(b, "host", at(3, 22, 10), at(3, 22, 11))  # the other partner's

    mediator = story.people.ca
    for about, status, starts in (
        (c3, "held", at(4, 10, 10)),  # counted
        (c3, "cancelled", at(4, 5, 10)),
        (c3, "booked", at(6, 1, 10)),
        (c3, "held", at(7, 2, 10)),  # after the period
        (c_b, "held", at(4, 10, 10)),  # the other partner's
    ):
        Mediation.objects.create(
            concern=about, status=status, starts_at=starts, place="Kommunhuset", mediator=mediator
        )

    def evaluation(match, respondent, point, answered=None, **scores):
        # An ended stay already has its end surveys (end_match opens them): rewritten here.
        e, _made = Evaluation.objects.update_or_create(
            match=match,
            respondent=respondent,
            point=point,
            defaults={
                "survey": f"{respondent}_{point}",
                "opens_on": date(2026, 3, 1),
                "status": "answered" if answered else "open",
                "answered_at": answered,
            },
        )
        for question, score in scores.items():
            EvaluationAnswer.objects.create(evaluation=e, question=question, score=score)
        EvaluationAnswer.objects.create(evaluation=e, question="in_words", text="Bra.")
        return e

    evaluation(x2, "host", "month_1", at(4, 20), felt_welcome=4, would_host_again=5)
    evaluation(y1, "host", "month_1", at(3, 28), felt_welcome=4)
    evaluation(y2, "host", "month_1", at(6, 2), felt_welcome=5)
    # "again" is a yes/no question of the host's end survey: a yes is 1, everyone said yes, and
    # still it is no score from 1 to 5 (the survey definitions say so).
    evaluation(y1, "host", "end", at(4, 11), felt_welcome=4, again=1)
    evaluation(x2, "household", "month_1", at(4, 22), felt_welcome=3, recommend=0)
    evaluation(x2, "household", "end", at(7, 5), felt_welcome=1)  # after the period
    evaluation(x2, "host", "end")  # not answered
    evaluation(b, "host", "month_1", at(4, 20), felt_welcome=1)  # the other partner's


@pytest.mark.django_db
def test_the_stay_counts_what_the_labels_say(story, organisations):
    add_stay_history(story, organisations)
    with translation.override("en"):
        figures = metrics.compute_figures(story.partnership, as_of=AS_OF)
    counted = recount(partnership=story.partnership, as_of=AS_OF, within_days=(1, 7))
    assert differences(reported(figures, within_days=(1, 7)), counted) == []

    stay = figures["stay"]
    assert stay["concerns_raised"] == 5  # not the one before the period, nor partner B's
    assert stay["concerns_urgent"] == 2
    assert stay["by_raiser"] == {
        "host": 1,
        "household": 2,
        "check_in": 1,
        "evaluation": 0,
        "staff": 1,
    }
    # 0.5, 2 and 48 hours (the unanswered one and the one answered after the period do not
    # count): the median is the 2nd of 3, the 90th percentile the 3rd (rank ⌈0.9 · 3⌉).
    assert stay["first_response"] == {"median": 2.0, "p90": 48.0}
    assert stay["mediations_held"] == 1
    assert stay["stays_ended_early"] == 1
    assert stay["by_reason"]["relationship"] == 1
    assert sum(stay["by_reason"].values()) == 1
    assert stay["rematches"] == 1  # y's second approval (21 April), after the early end
    assert stay["evaluations_answered"] == 5
    assert stay["evaluations"] == {
        "host__month_1": 3,
        "host__end": 1,
        "household__month_1": 1,
        "household__end": 0,
    }
    # Host, felt welcome: 4, 4, 5, 4 → 4.25 → 4.3 (halves up); "recommend" (scored 0) and
    # "again" (scored 1) are yes/no questions, never averaged; free text has no score.
    assert [
        (r["respondent"], r["question"], r["answers"], r["average"]) for r in stay["scores"]
    ] == [
        ("host", "felt_welcome", 4, 4.3),
        ("host", "would_host_again", 1, 5.0),
        ("household", "felt_welcome", 1, 3.0),
    ]

    shown = metrics.stay_shown(stay)
    # Every non-zero count of these breakdowns is small. By raiser (1, 2, 1, 0, 1 of 5): the
    # four hidden cells could be only 1 or 2 each, so the zero is hidden too (the whole column).
    # By respondent and point (3, 1, 1, 0 of 5): three hidden cells could be 1 to 3 each, so
    # the zero may show. The totals are printed.
    assert [row["count"] for row in shown["by_raiser"]] == [None] * 5
    assert [row["count"] for row in shown["evaluations"]] == [None, None, None, 0]
    assert shown["concerns_raised"] == 5
    # An average over fewer than 5 answers is hidden.
    assert [row["average"] for row in shown["scores"]] == [None, None, None]


@pytest.mark.django_db
def test_the_stay_up_to_a_day_in_the_period_agrees_with_the_recount(story, organisations):
    add_stay_history(story, organisations)
    as_of = date(2026, 4, 2)  # c3's response (3 April) comes after this day
    figures = metrics.compute_figures(story.partnership, as_of=as_of)
    counted = recount(partnership=story.partnership, as_of=as_of, within_days=(1, 7))
    assert differences(reported(figures, within_days=(1, 7)), counted) == []
    stay = figures["stay"]
    # Answered by then: 0.5 and 2 hours; the median is the 1st of 2 (rank ⌈0.5 · 2⌉).
    assert (stay["concerns_raised"], stay["first_response"]) == (3, {"median": 0.5, "p90": 2.0})
    assert (stay["stays_ended_early"], stay["rematches"], stay["mediations_held"]) == (0, 0, 0)


@pytest.mark.django_db
def test_the_dashboard_the_pdf_and_the_xlsx_print_the_stay(story, organisations, client):
    """The stay's section on the dashboard and in the PDF (drawn into
    test-artifacts/report-stay-sv-*.png for a person to look at) and its sheet in the workbook,
    with hidden cells hidden."""
    import io
    import shutil
    import subprocess
    from pathlib import Path

    import openpyxl
    from django.urls import reverse
    from pypdf import PdfReader

    from reports import documents

    add_stay_history(story, organisations)
    with translation.override("sv"):
        figures = metrics.compute_figures(story.partnership, as_of=AS_OF)
        data = documents.render_pdf(figures)
        text = " ".join(
            " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages
        )
        assert "Boendet" in text
        assert f"{metrics.STAY['concerns_raised'].label} 5 " in text
        assert f"{metrics.STAY['rematches'].label} 1 " in text
        assert "Från anmält problem till första svar 2,0 48,0" in text or (
            "Från anmält problem till första svar 2.0 48.0" in text
        )
        book = openpyxl.load_workbook(io.BytesIO(documents.render_xlsx(figures)))
        sheet = book["Boendet"]
        values = [[cell.value for cell in row][:2] for row in sheet.iter_rows()]
        assert [str(metrics.STAY["stays_ended_early"].label), 1] in values
    client.force_login(story.people.ca)
    page = client.get(reverse("reports:partnership", args=[story.partnership.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="stay-totals"' in html
    assert "Nya matchningar efter avbrott" in html
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        pdf_path = artifacts / "report-stay-sv.pdf"
        pdf_path.write_bytes(data)
        subprocess.run(  # noqa: S603 (a fixed command on our own file)
            [pdftoppm, "-png", "-r", "70", str(pdf_path), str(artifacts / "report-stay-sv")],
            check=True,
            timeout=60,
        )


@pytest.mark.django_db
def test_the_rollup_counts_the_stay_as_the_partnerships_own_report(story, organisations):
    from reports import documents

    add_stay_history(story, organisations)
    own = metrics.compute_figures(story.partnership, as_of=AS_OF)["stay"]
    rollup = metrics.national_rollup(organisations["volunteers"], 2026, as_of=AS_OF)
    (block,) = [b for b in rollup["partnerships"] if b["partnership"] == story.partnership]
    assert block["stay"] == own
    with translation.override("en"):
        context = documents.national_context(rollup)
        (shown,) = [b for b in context["blocks"] if b["partnership"] == story.partnership]
        values = {str(row["label"]): row["value"] for row in shown["stay_rows"]}
    assert values["Rematches"] == 1
    assert values["First response, median (hours)"] == 2.0
