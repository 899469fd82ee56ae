"""The report's road to work ("Vägen till arbete") against a hand-built set whose answers are
known: placements by kind and outcome, the share in work by housing route and by placement,
staying, and the housing company's own figures; then what may be printed of them (the
report's rule for small counts), and the section on the dashboard, in the PDF and the XLSX.

Partnership ``main`` runs from 200 days ago to 30 days ahead, between the volunteer
organisation, partner A and the housing company H; figures are taken as of today, so the
period's last day is today. Placement history rows are written by the actions (dated now, in
the period); rows meant to fall before the period are moved there with ``.update()``. Partner B
and another employer's placements offered to B add rows that must not count for A.

Outcomes and the staying answers are recorded by
``newcomers.actions.record_establishment_outcome``; one household without an outcome has a
staying answer set directly (as an old record might), and must not count.
"""

import io
from datetime import datetime, time, timedelta
from types import SimpleNamespace

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from accounts.models import Organisation
from housing.models import QuotaAgreement, Vacancy
from newcomers.actions import record_establishment_outcome
from newcomers.models import NewcomerCase
from reports import documents, metrics
from tests.factories import (
    HomeFactory,
    NewcomerCaseFactory,
    OrganisationFactory,
    PartnershipFactory,
    UnitFactory,
    match_with_history,
    offered_placement,
    proposed_placement,
    staff_user,
    started_placement,
    work_place,
)
from work import actions as work
from work.models import Placement, PlacementTransition, StaffFigures

pytestmark = pytest.mark.django_db


def before_period(placement, start):
    """Move every history row of ``placement`` to ten days before the period began."""
    moment = timezone.make_aware(datetime.combine(start - timedelta(days=10), time(12)))
    PlacementTransition.objects.filter(placement=placement).update(created_at=moment)


def moved_in(case, home, day, *, ended=False):
    """The household moved into ``home`` on ``day`` (a match with a row to "moved in"; then
    "ended" if ``ended``)."""
    when = timezone.make_aware(datetime.combine(day, time(12)))
    steps = [("approved", when), ("moved_in", when)] + [("ended", when)] * ended
    match = match_with_history(home, case, steps)
    type(match).objects.filter(pk=match.pk).update(move_in_date=day)
    return match


@pytest.fixture
def world(role_groups):
    today = timezone.localdate()
    start = today - timedelta(days=200)
    A = OrganisationFactory(name="Integrationsenheten A", kind=Organisation.Kind.PARTNER)
    B = OrganisationFactory(name="Integrationsenheten B", kind=Organisation.Kind.PARTNER)
    H = OrganisationFactory(name="Krokomsbostäder", kind=Organisation.Kind.HOUSING_COMPANY)
    main = PartnershipFactory(
        partner=A, housing_company=H, period_start=start, period_end=today + timedelta(days=30)
    )
    outside = work_place(A)  # an outside employer taking A's newcomers
    company = work_place(A, employer_organisation=H, supervisor_role="housing_company_staff")
    company.employer.integration_units.add(B)
    for_b = work_place(B)

    # Placements ---------------------------------------------------------------------------
    p = SimpleNamespace()
    p.p1 = offered_placement(outside, kind="work_training")  # offered, nothing more
    p.p2 = started_placement(outside, kind="work_training")  # offered and started
    p.p3 = started_placement(outside, kind="language_practice")
    work.complete_placement(placement=p.p3, ended_on=today, user=outside.supervisor)
    p.p4 = started_placement(outside, kind="language_practice")
    work.end_placement_early(
        placement=p.p4, ended_on=today, end_reason="moved", user=outside.supervisor
    )
    p.p5 = started_placement(outside, kind="internship")
    work.complete_placement(placement=p.p5, ended_on=today, user=outside.supervisor)
    work.record_employment(placement=p.p5, employed_on=today, user=outside.supervisor)
    # Offered before the period, started in it: a start, not an offer, in the period.
    p.p6 = proposed_placement(outside, kind="prao")
    before_period(p.p6, start)
    work.start_placement(placement=p.p6, started_on=today, user=outside.supervisor)
    # The housing company as an employer, offered to A: offered, started and completed.
    p.p8 = started_placement(company, kind="internship")
    work.complete_placement(placement=p.p8, ended_on=today, user=company.supervisor)
    # The housing company's offer to B: the company's, not A's.
    p.p9 = offered_placement(company, kind="prao", supervisor=company.supervisor)
    Placement.objects.filter(pk=p.p9.pk).update(integration_unit=B)
    # A proposal declined returns the placement to "offered": still one offer.
    p.p10 = proposed_placement(outside, kind="work_training")
    work.decline_proposal(placement=p.p10, user=outside.supervisor, reason="Inte nu")
    # Offered, started and completed before the period: nothing in it.
    p.p11 = started_placement(outside, kind="employment")
    work.complete_placement(placement=p.p11, ended_on=today, user=outside.supervisor)
    before_period(p.p11, start)
    # B's placements with another employer: never A's.
    p.p12 = started_placement(for_b, kind="work_training")

    # Staff figures of the housing company as an employer --------------------------------------
    work.record_staff_figures(
        employer=company.employer,
        recorded_on=today - timedelta(days=400),
        employees=35,
        came_as_newcomers=2,
        user=company.supervisor,
    )
    work.record_staff_figures(
        employer=company.employer,
        recorded_on=today - timedelta(days=5),
        employees=38,
        came_as_newcomers=3,
        user=company.supervisor,
    )
    # After the period's last day (today): not read. Written directly (the action refuses
    # a date in the future).
    StaffFigures.objects.create(
        employer=company.employer,
        recorded_on=today + timedelta(days=3),
        employees=50,
        came_as_newcomers=9,
    )

    # Homes: private hosts' homes, quota flats, a company flat let outside the quota ------------
    agreement = QuotaAgreement.objects.create(
        company=H, integration_unit=A, period_start=start - timedelta(days=900)
    )

    def company_flat(*, offered: bool, sequence: int):
        unit = UnitFactory(company=H)
        home = HomeFactory(host=None, unit=unit)
        Vacancy.objects.create(
            agreement=agreement,
            company=H,
            unit=unit,
            notice_given_on=start - timedelta(days=800),
            available_from=start - timedelta(days=780),
            sequence=sequence,
            offered=offered,
            status=Vacancy.Status.ACCEPTED if offered else Vacancy.Status.LET_NORMALLY,
            home=home,
        )
        return home

    quota_1 = company_flat(offered=True, sequence=5)
    quota_2 = company_flat(offered=True, sequence=10)
    quota_3 = company_flat(offered=True, sequence=15)
    not_quota = company_flat(offered=False, sequence=11)

    # Households whose establishment period ended in the period, outcomes recorded ------------
    coordinator = outside.coordinator
    ended = today - timedelta(days=20)
    long_ago = ended - timedelta(days=600)

    def household(outcome, *, partner=A, ends_on=ended, municipality=None, home=None):
        case = NewcomerCaseFactory(partner=partner, establishment_ends_on=ends_on)
        if outcome:
            record_establishment_outcome(
                case=case,
                outcome=outcome,
                user=coordinator,
                still_in_municipality=municipality,
                still_in_matched_home=home,
            )
        else:  # no outcome: the action refuses staying answers, an old record may hold one
            NewcomerCase.objects.filter(pk=case.pk).update(
                still_in_municipality=municipality, still_in_matched_home=home
            )
        return case

    def placement_for(case, *, started_on):
        placement = started_placement(outside, case=case, started_on=started_on)
        before_period(placement, start)  # its history is not one of the period's steps
        return placement

    c = SimpleNamespace()
    # C1: a private host's home, in work, a placement started before the period ended.
    c.c1 = household("in_work", municipality=True, home=True)
    moved_in(c.c1, HomeFactory(), long_ago)
    placement_for(c.c1, started_on=ended - timedelta(days=60))
    # C2: a private host's home, in work, no placement.
    c.c2 = household("in_work", municipality=True, home=False)
    moved_in(c.c2, HomeFactory(), long_ago)
    # C3: a private host's home, in studies, no placement; moved away.
    c.c3 = household("in_studies", municipality=False)
    moved_in(c.c3, HomeFactory(), long_ago)
    # C4: a quota flat, in work, a placement started on the day the period ended.
    c.c4 = household("in_work", municipality=True, home=True)
    moved_in(c.c4, quota_1, long_ago)
    placement_for(c.c4, started_on=ended)
    # C5: a quota flat, outcome other; its placement started after the period ended.
    c.c5 = household("other")
    moved_in(c.c5, quota_2, long_ago)
    placement_for(c.c5, started_on=ended + timedelta(days=5))
    # C6: a company flat let outside the quota: route "other"; in work.
    c.c6 = household("in_work", municipality=True)
    moved_in(c.c6, not_quota, long_ago)
    # C7: never moved in through the portal: route "other"; in work; a placement only
    # proposed (never started).
    c.c7 = household("in_work", municipality=True)
    proposed = proposed_placement(outside, case=c.c7, consent_given_on=ended - timedelta(days=9))
    before_period(proposed, start)
    # C8: two move-ins; the quota flat's recorded first but dated 200 days after the private
    # host's home: the earliest move-in date decides (private host).
    c.c8 = household("in_work", municipality=True, home=True)
    moved_in(c.c8, quota_3, long_ago + timedelta(days=200), ended=True)
    moved_in(c.c8, HomeFactory(), long_ago)

    # Not counted: ended before the period; no outcome; another partner; ends after today.
    household("in_work", ends_on=start - timedelta(days=1), municipality=True)
    household("", municipality=True)
    household("in_work", partner=B, municipality=True)
    household("in_work", ends_on=today + timedelta(days=1), municipality=True)

    return SimpleNamespace(
        main=main, A=A, B=B, H=H, placements=p, cases=c, today=today, company=company
    )


def figures_of(world):
    return metrics.compute_figures(world.main, as_of=world.today)


def test_placements_by_kind_and_outcome(world):
    placements = figures_of(world)["work"]["placements"]
    # Offered in the period to A, by kind:
    # work training: P1, P2, P10 (its declined proposal returned it to "offered": one offer) = 3;
    # language practice: P3, P4 = 2; internship: P5 and the company's P8 = 2;
    # prao: P6 was offered before the period = 0; employment: P11 wholly before = 0.
    assert placements["offered"] == {
        "prao": 0,
        "work_training": 3,
        "language_practice": 2,
        "internship": 2,
        "employment": 0,
    }
    # Started in the period: P2 (work training); P3, P4 (language practice); P5, P8
    # (internship); P6 (prao: offered before, started in the period). The placements of the
    # households below were moved before the period; B's P12 is not A's.
    assert placements["started"] == {
        "prao": 1,
        "work_training": 1,
        "language_practice": 2,
        "internship": 2,
        "employment": 0,
    }
    # Completed: P3 (language practice); P5 and P8 (internship). P11's completion is before.
    assert placements["completed"] == {
        "prao": 0,
        "work_training": 0,
        "language_practice": 1,
        "internship": 2,
        "employment": 0,
    }
    # Ended early: P4. Led to employment: P5.
    assert placements["ended_early"]["language_practice"] == 1
    assert sum(placements["ended_early"].values()) == 1
    assert placements["employed"]["internship"] == 1
    assert sum(placements["employed"].values()) == 1


def test_share_in_work_by_route_and_placement(world):
    figures = figures_of(world)
    w = figures["work"]
    # C1–C8: eight households of A whose establishment period ended in the period with an
    # outcome; in work C1, C2, C4, C6, C7, C8 = 6; in studies C3. The same base as the
    # report's "Establishment period ended in the period".
    assert (w["recorded"], w["in_work"], w["in_studies"]) == (8, 6, 1)
    assert figures["outcomes"]["recorded"] == 8 and figures["outcomes"]["in_work"] == 6
    # By the first move-in: private host C1, C2, C3, C8 (its quota flat came later) = 4, in
    # work C1, C2, C8 = 3; quota flat C4, C5 = 2, in work C4 = 1; other: C6 (a company flat
    # outside the quota) and C7 (no move-in) = 2, both in work.
    assert w["by_route"] == {
        "private_host": {"n": 4, "in_work": 3},
        "quota_flat": {"n": 2, "in_work": 1},
        "other": {"n": 2, "in_work": 2},
    }
    # A placement started on or before the day the establishment period ended: C1 (60 days
    # before) and C4 (that very day) = 2, both in work. C5's started after, C7's never did.
    assert w["by_placement"] == {
        "with_placement": {"n": 2, "in_work": 2},
        "without_placement": {"n": 6, "in_work": 4},
    }


def test_staying(world):
    w = figures_of(world)["work"]
    # Still in the municipality: known for all but C5 = 7; yes for all of them but C3 = 6.
    assert w["still_in_municipality"] == {"known": 7, "yes": 6}
    # Still in the matched home: known for C1, C2, C4, C8 = 4; yes C1, C4, C8 = 3.
    assert w["still_in_matched_home"] == {"known": 4, "yes": 3}


def test_housing_company_figures(world):
    company = figures_of(world)["work"]["company"]
    # Offered by the company in the period: P8 (to A) and P9 (to B) = 2; completed: P8.
    assert company["offered"] == 2
    assert company["completed"] == 1
    # The latest figures on or before today: 38 employees, 3 came as newcomers, five days ago
    # (the row dated after today is not read).
    assert company["staff"] == {
        "recorded_on": world.today - timedelta(days=5),
        "employees": 38,
        "came_as_newcomers": 3,
    }


def test_no_company_or_no_staff_figures(world):
    other = PartnershipFactory(
        partner=world.A, period_start=world.main.period_start, period_end=world.main.period_end
    )
    assert metrics.compute_figures(other, as_of=world.today)["work"]["company"] is None
    bare = PartnershipFactory(
        partner=world.A,
        housing_company=OrganisationFactory(kind=Organisation.Kind.HOUSING_COMPANY),
        period_start=world.main.period_start,
        period_end=world.main.period_end,
    )
    company = metrics.compute_figures(bare, as_of=world.today)["work"]["company"]
    assert company == {"offered": 0, "completed": 0, "staff": None}


def test_small_counts_hidden_in_the_hand_built_set(world):
    shown = metrics.work_shown(figures_of(world)["work"])
    # Every non-zero per-kind count of people (started, completed, ...) is from 1 to 4:
    # hidden; with only zeros left to hide, the whole column is hidden (``suppress``). The
    # offers count places and are shown; the totals are exact.
    rows = {row["kind"]: row["cells"] for row in shown["placements"]}
    assert rows["work_training"] == [3, None, None, None, None]
    assert rows["internship"] == [2, None, None, None, None]
    assert shown["placement_totals"] == [7, 6, 3, 1, 1]
    # Eight households: six in work, one in studies, one other. As the outcome section does,
    # the 1 and 1 are hidden, and then the 6 (two hidden 1s could be worked out from the
    # total): no share in work is shown, the same as in "After the establishment period".
    assert shown["share_in_work"] is None
    outcomes = metrics.outcomes_shown(figures_of(world)["outcomes"])
    assert outcomes["share_in_work"] is None and outcomes["recorded"] == shown["recorded"] == 8
    # Each route and placement group has fewer than 5 households: hidden, and so its share.
    assert all(row["n"] is None and row["share"] is None for row in shown["by_route"])
    assert all(row["n"] is None and row["share"] is None for row in shown["by_placement"])
    # Staying: n exact; 6 of 7 in the municipality (86 %); 3 of 4 in the home: too few.
    assert shown["still_in_municipality"] == {"n": 7, "share": 86}
    assert shown["still_in_matched_home"] == {"n": 4, "share": None}


def test_shares_and_suppression_rule():
    work = {
        "placements": {
            step: dict.fromkeys(Placement.Kind.values, 0) for step in metrics.PLACEMENT_STEPS
        },
        "recorded": 36,
        "in_work": 22,
        "in_studies": 6,
        "by_route": {
            # 13 of 20 = 65 %; 7 of 10 = 70 %; 2 of 6 = 33 %.
            "private_host": {"n": 20, "in_work": 13},
            "quota_flat": {"n": 10, "in_work": 7},
            "other": {"n": 6, "in_work": 2},
        },
        "by_placement": {
            "with_placement": {"n": 12, "in_work": 10},
            "without_placement": {"n": 24, "in_work": 12},
        },
        "still_in_municipality": {"known": 30, "yes": 25},
        "still_in_matched_home": {"known": 30, "yes": 3},
        "company": None,
    }
    work["placements"]["started"].update(work_training=12, prao=2, internship=9)
    shown = metrics.work_shown(work)
    started = {row["kind"]: row["cells"][1] for row in shown["placements"]}
    # 2 is hidden (1 to 4); then the smallest shown, 9, so that 2 cannot be worked out from
    # the total 23; the zeros stay.
    assert started == {
        "prao": None,
        "work_training": 12,
        "language_practice": 0,
        "internship": None,
        "employment": 0,
    }
    routes = {row["key"]: (row["n"], row["share"]) for row in shown["by_route"]}
    # The households by route (20, 10, 6) are all shown. In work (13, 7, 2): 2 is hidden, and
    # 7 with it (secondary): only the private hosts' share is shown.
    assert routes == {"private_host": (20, 65), "quota_flat": (10, None), "other": (6, None)}
    placements = {row["key"]: (row["n"], row["share"]) for row in shown["by_placement"]}
    # 10 of 12 = 83 % (83.3); 12 of 24 = 50 %.
    assert placements == {"with_placement": (12, 83), "without_placement": (24, 50)}
    # 25 of 30 = 83 %; 3 of 30 still in the matched home: a count from 1 to 4, hidden.
    assert shown["still_in_municipality"] == {"n": 30, "share": 83}
    assert shown["still_in_matched_home"] == {"n": 30, "share": None}
    # Overall: 22 of 36 = 61 % (61.1), as the outcome section shows it (in studies 6, other 8).
    assert shown["share_in_work"] == 61


def test_the_section_on_the_dashboard_pdf_and_xlsx(world, client):
    manager = staff_user("manager", world.A)
    client.force_login(manager)
    figures = figures_of(world)
    with translation.override("sv"):
        page = client.get(
            reverse("reports:partnership", args=[world.main.pk]), HTTP_ACCEPT_LANGUAGE="sv"
        )
        html = page.content.decode()
        assert "Vägen till arbete" in html
        assert "Privat värds bostad" in html
        assert "Bostadsbolagets egna uppgifter" in html
        pdf = documents.render_pdf(figures)
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        assert "Vägen till arbete" in text
        assert "Privat värds bostad" in text
        book = openpyxl.load_workbook(io.BytesIO(documents.render_xlsx(figures)))
        sheet = book["Vägen till arbete"]
        cells = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
        assert "Erbjudna praktikplatser" in cells
        assert 38 in cells and 3 in cells  # the company's staff figures


def test_the_independent_recount_agrees(world):
    """``bench/recount.py`` counts the same set from the printed definitions, in its own SQL."""
    from bench.recount import differences, recount, reported

    figures = figures_of(world)
    counted = recount(partnership=world.main, as_of=world.today)
    assert differences(reported(figures)["work"], counted["work"]) == []
    # And it is no copy of a zero: the hand-built answers are in it.
    assert counted["work"]["by_route"]["private_host"] == {"n": 4, "in_work": 3}
    assert counted["work"]["company"]["staff"]["employees"] == 38


def test_the_national_rollup_counts_as_the_report_does(world):
    """Each partnership's road to work in the roll-up is its own report's (the company's own
    figures are left to the report), counted by grouped queries: a second partnership of the
    same period adds no query for the road to work."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    organisation = world.main.volunteer_organisation
    figures = figures_of(world)
    rollup = metrics.national_rollup(organisation, world.today.year, as_of=world.today)
    (block,) = rollup["partnerships"]
    assert block["work"] == {**figures["work"], "company": None}

    def work_queries():
        with CaptureQueriesContext(connection) as captured:
            metrics.national_rollup(organisation, world.today.year, as_of=world.today)
        return sum("work_placement" in q["sql"] for q in captured.captured_queries)

    before = work_queries()
    PartnershipFactory(
        volunteer_organisation=organisation,
        partner=world.B,
        period_start=world.main.period_start,
        period_end=world.main.period_end,
    )
    assert work_queries() == before
    with translation.override("sv"):
        rollup = metrics.national_rollup(organisation, world.today.year, as_of=world.today)
        book = openpyxl.load_workbook(io.BytesIO(documents.render_national_xlsx(rollup)))
        rows = list(book["Vägen till arbete"].iter_rows(values_only=True))
        # One row per partnership, the offers in the first column: A's 7; B's 2 (the
        # company's P9, offered to B, and P12).
        offered = {row[0]: row[1] for row in rows[1:3]}
        assert sorted(offered.values()) == [2, 7]
