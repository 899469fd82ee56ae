"""The housing company's part of the follow-up, and the outcomes after the establishment period,
against a hand-built history whose answers are known.

Partnership ``main`` runs 1 January – 30 June 2026 between the volunteer organisation, partner A
and the housing company H; another company (G) and another partner (B) add rows that must not
count. Times are Swedish (the portal's time zone), so rows just around midnight at the ends of the
period test its edges.
"""

import io
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.utils import timezone, translation
from pypdf import PdfReader

from accounts.models import Organisation
from housing.models import Allotment, Contract, ContractTransition, QuotaAgreement, Vacancy
from matching.models import Match
from newcomers.models import NewcomerCase
from reports import documents, metrics
from tests.factories import (
    AllotmentFactory,
    HomeFactory,
    NewcomerCaseFactory,
    PartnershipFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(month, day, hour=12, minute=0, year=2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


class Vacancies:
    """Writes vacancies of one agreement with the next number and a given moment."""

    def __init__(self, agreement, unit):
        self.agreement, self.unit, self.sequence = agreement, unit, 0

    def add(self, when, status=Vacancy.Status.LET_NORMALLY, *, replacement=False):
        self.sequence += 1
        return Vacancy.objects.create(
            agreement=self.agreement,
            company_id=self.agreement.company_id,
            unit=self.unit,
            notice_given_on=when.date(),
            available_from=when.date(),
            sequence=self.sequence,
            offered=status != Vacancy.Status.LET_NORMALLY,
            as_replacement=replacement,
            status=status,
            created_at=when,
        )


def contract(company, unit, partner, *, converted_at=None):
    """A household in ``unit`` on a sublet, turned first-hand at ``converted_at`` (if given)."""
    home = HomeFactory(host=None, unit=unit)
    case = NewcomerCaseFactory(partner=partner)
    match = Match.objects.create(home=home, case=case, status=Match.Status.MOVED_IN)
    made = Contract.objects.create(
        match=match, company=company, unit=unit, starts_on=date(2025, 9, 1)
    )
    ContractTransition.objects.create(
        contract=made,
        from_state="",
        to_state="sublet",
        actor_kind="system",
        created_at=at(9, 1, year=2025),
    )
    if converted_at:
        Contract.objects.filter(pk=made.pk).update(kind="first_hand", converted_at=converted_at)
        ContractTransition.objects.create(
            contract=made,
            from_state="sublet",
            to_state="first_hand",
            actor_kind="system",
            created_at=converted_at,
        )
    return made


def cases_with_outcomes(partner, ends_on, **outcomes):
    """``outcomes``: outcome -> how many households; "" for ended without a recorded outcome."""
    rows = []
    for outcome, count in outcomes.items():
        for _ in range(count):
            n = len(rows)
            rows.append(
                NewcomerCase(
                    partner=partner,
                    reference=f"{partner.pk}-{ends_on:%Y%m%d}-{outcome or 'none'}-{n}",
                    assigned_on=date(2023, 1, 1),
                    housing_needed_by=date(2023, 3, 1),
                    establishment_ends_on=ends_on,
                    outcome="" if outcome == "none" else outcome,
                    status=NewcomerCase.Status.CLOSED,
                )
            )
    NewcomerCase.objects.bulk_create(rows)


@pytest.fixture
def history(organisations, other_company):
    V, A, B = organisations["volunteers"], organisations["partner"], organisations["other_partner"]
    H, G = organisations["housing"], other_company
    main = PartnershipFactory(
        name="Krokom 2026",
        volunteer_organisation=V,
        partner=A,
        housing_company=H,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30),
    )
    without_company = PartnershipFactory(
        volunteer_organisation=V,
        partner=A,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30),
    )

    # Units: 7 of H, 3 of G.
    units = [UnitFactory(company=H) for _ in range(7)]
    others = [UnitFactory(company=G) for _ in range(3)]

    # Allotments of H that overlap the period: 40 + 100 + 20 = 160, in use 40 + 30 + 5 = 75.
    AllotmentFactory(
        company=H,
        kind="emergency",
        count=100,
        in_use=30,
        period_start=date(2015, 9, 1),
        description="Evakueringsplatser",
    )
    AllotmentFactory(company=H, kind="ordinary", count=40, in_use=40, period_start=date(2016, 1, 1))
    AllotmentFactory(
        company=H,
        kind="new_build",
        count=20,
        in_use=5,
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
    )
    # Not counted: ended the day before the period, starts the day after, another company.
    AllotmentFactory(
        company=H,
        kind="converted",
        count=8,
        in_use=8,
        period_start=date(2016, 3, 1),
        period_end=date(2025, 12, 31),
    )
    AllotmentFactory(company=H, kind="new_build", count=60, in_use=6, period_start=date(2026, 7, 1))
    AllotmentFactory(company=G, kind="ordinary", count=50, in_use=50, period_start=date(2016, 1, 1))

    # Vacancies of H: 20 recorded in the period, of which 6 offered (1 as a replacement):
    # 2 accepted, 1 declined, 3 still open.
    agreement = QuotaAgreement.objects.create(
        company=H, integration_unit=A, period_start=date(2024, 1, 1)
    )
    S = Vacancy.Status
    h = Vacancies(agreement, units[0])
    h.add(at(12, 31, 23, 50, year=2025))  # before: 1 minute to midnight, Swedish time
    h.add(at(12, 20, year=2025), S.ACCEPTED)  # before
    h.add(at(1, 1, 0, 10))  # the first in the period
    for day in range(2, 15):
        h.add(at(2, day))  # 13 let normally
    h.add(at(3, 2), S.ACCEPTED)
    h.add(at(3, 9), S.ACCEPTED)
    h.add(at(4, 1), S.DECLINED)
    h.add(at(4, 8), S.OFFERED, replacement=True)
    h.add(at(5, 20), S.OFFERED)
    h.add(at(6, 30, 23, 55), S.OFFERED)  # the last minutes of the period
    h.add(at(7, 1, 0, 5), S.OFFERED)  # after
    h.add(at(8, 1))  # after
    o = Vacancies(
        QuotaAgreement.objects.create(company=G, integration_unit=B, period_start=date(2024, 1, 1)),
        others[0],
    )
    for day in range(1, 5):
        o.add(at(3, day))
    o.add(at(3, 5), S.ACCEPTED)

    # Contracts: 2 of H turned first-hand in the period; one before, one still a sublet, one of G.
    contract(H, units[1], A, converted_at=at(2, 10))
    contract(H, units[2], A, converted_at=at(6, 30, 23, 0))
    contract(H, units[3], A, converted_at=at(12, 15, year=2025))
    contract(H, units[4], A)
    contract(G, others[1], B, converted_at=at(3, 3))

    # Outcomes of A: 100 households whose period ended with an outcome: 63 in work.
    cases_with_outcomes(A, date(2026, 3, 1), in_work=40, in_studies=12, other=10)
    cases_with_outcomes(A, date(2025, 8, 1), in_work=22, in_studies=8, other=7)
    cases_with_outcomes(A, date(2026, 6, 30), in_work=1)  # the period's last day
    # Not counted: no outcome yet, period not yet ended, another partner.
    cases_with_outcomes(A, date(2026, 2, 1), none=5)
    cases_with_outcomes(A, date(2026, 7, 1), in_work=4, other=3)
    cases_with_outcomes(B, date(2026, 2, 1), in_work=10, other=30)
    return SimpleNamespace(main=main, without_company=without_company, H=H, G=G)


def figures_of(partnership, as_of=date(2026, 11, 25)):
    with translation.override("en"):
        return metrics.compute_figures(partnership, as_of=as_of)


def test_the_housing_company_figures(history):
    housing = figures_of(history.main)["housing"]

    assert housing["units"] == 7
    assert (housing["allotted"], housing["allotted_in_use"]) == (160, 75)
    assert [(a["kind"], a["count"], a["in_use"]) for a in housing["allotments"]] == [
        ("emergency", 100, 30),
        ("ordinary", 40, 40),
        ("new_build", 20, 5),
    ]
    assert housing["allotments"][0]["description"] == "Evakueringsplatser"
    with translation.override("en"):
        assert str(housing["allotments"][0]["kind_label"]) == "Emergency places"
    assert housing["vacancies"] == {
        "recorded": 20,
        "offered": 6,
        "replacements": 1,
        "accepted": 2,
        "declined": 1,
        "open": 3,
    }
    assert housing["contracts_converted"] == 2


def test_the_figures_up_to_a_day_in_the_period(history):
    housing = figures_of(history.main, as_of=date(2026, 3, 31))["housing"]

    assert housing["vacancies"] == {
        "recorded": 16,
        "offered": 2,
        "replacements": 0,
        "accepted": 2,
        "declined": 0,
        "open": 0,
    }
    assert housing["contracts_converted"] == 1
    assert housing["allotted"] == 160  # the March new builds overlap the shortened period


def test_a_partnership_without_a_housing_company_has_no_housing_section(history):
    assert figures_of(history.without_company)["housing"] is None


def test_the_outcomes_after_the_establishment_period(history):
    outcomes = figures_of(history.main)["outcomes"]

    # The period's: establishment periods that ended from 1 January to 30 June 2026.
    cumulative = outcomes.pop("cumulative")
    assert outcomes == {
        "recorded": 63,  # 1 March (40 + 12 + 10) and the last day (1)
        "in_work": 41,
        "in_studies": 12,
        "other": 10,
        "share_in_work": 65,  # 65.08 %
    }
    # At any time up to the end of the period: also those that ended in August 2025.
    assert cumulative == {
        "recorded": 100,
        "in_work": 63,
        "in_studies": 20,
        "other": 17,
        "share_in_work": 63,
    }
    # Up to 31 March only the periods that had ended by then count.
    earlier = figures_of(history.main, as_of=date(2026, 3, 31))["outcomes"]
    assert (earlier["recorded"], earlier["in_work"], earlier["share_in_work"]) == (62, 40, 65)
    cumulative = earlier["cumulative"]  # 40 + 22 in work of 99: 62.6 %
    assert (cumulative["recorded"], cumulative["in_work"], cumulative["share_in_work"]) == (
        99,
        62,
        63,
    )


def test_no_recorded_outcome_gives_no_share(organisations):
    partnership = PartnershipFactory(
        volunteer_organisation=organisations["volunteers"], partner=organisations["partner"]
    )
    cases_with_outcomes(organisations["partner"], date(2025, 1, 1), none=3)

    outcomes = figures_of(partnership)["outcomes"]

    assert (outcomes["recorded"], outcomes["share_in_work"]) == (0, None)


def pdf_text(data: bytes) -> str:
    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def test_the_pdf_and_the_xlsx_carry_the_housing_section(history):
    figures = figures_of(history.main)
    with translation.override("en"):
        text = pdf_text(documents.render_pdf(figures))
        book = openpyxl.load_workbook(io.BytesIO(documents.render_xlsx(figures)))

    start = text.index("The housing company")
    housing = text[start:]
    for row in (
        "Units owned 7",
        "Units and places let to the Migration Agency 160",
        "of which in use 75",
        "Vacancies recorded 20",
        "Offered to the integration unit under the quota 6",
        "of which replacing a declined offer 1",
        "Offers accepted (a household moved in) 2",
        "Offers declined 1",
        "Offers still open 3",
        "Sublets turned into first-hand contracts 2",
        "Emergency places: Evakueringsplatser 100 30 1 Sep 2015",
    ):
        assert row in housing, (row, housing)
    assert "Krokomsbostäder" in text
    assert "63" in text[:start]  # the share in work, in the outcome section before it

    rows = [tuple(r[:2]) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert ("Vacancies recorded", 20) in rows
    assert ("Offers still open", 3) in rows
    assert ("Sublets turned into first-hand contracts", 2) in rows
    assert Allotment.objects.count() == 6


def test_the_dashboard_shows_the_share_in_work_and_the_housing_company(
    english, history, coordinator
):
    english.force_login(coordinator)

    page = english.get(f"/reports/{history.main.pk}/").content.decode()

    assert "63 %" in page
    assert "The housing company" in page
    for label, value in (("Units owned", 7), ("Vacancies recorded", 20)):
        start = page.index(label)
        assert f">{value}</td>" in page[start : start + 200], label


def test_the_demo_seed_has_the_housing_company_of_the_story(demo):
    """``manage.py seed_demo`` (twice: nothing is added the second time). The first seed is the
    test process's own (``demo`` in tests/conftest.py), on the empty database as before."""
    from io import StringIO

    from django.core.management import call_command

    from housing.models import QuotaAgreement, Unit
    from reports.models import Partnership, Target

    models = (Unit, Allotment, QuotaAgreement, Vacancy, NewcomerCase, Partnership, Target)
    first = {model.__name__: model.objects.count() for model in models}
    call_command("seed_demo", stdout=StringIO())
    assert {model.__name__: model.objects.count() for model in models} == first

    # Krokom's company (Malmö has a small made-up one of its own).
    company = Organisation.objects.get(name="Krokomsbostäder")
    units = Unit.objects.filter(company=company).count()
    assert 1_000 <= units <= 1_200
    assert list(
        Allotment.objects.order_by("period_start").values_list("kind", "count", "in_use")
    ) == [("emergency", 100, 18), ("ordinary", 40, 40), ("converted", 8, 8), ("new_build", 6, 6)]
    agreement = QuotaAgreement.objects.get(company=company)
    # Years ago, 50 notices: every fifth flat went to a household of the road to work
    # (``accounts.demo_placements``); this year a dozen, so two flats are offered.
    assert (agreement.every_nth, agreement.vacancies_counted) == (5, 62)
    vacancies = Vacancy.objects.filter(unit__company=company).select_related("home")
    this_year = vacancies.filter(notice_given_on__gte=timezone.localdate() - timedelta(days=60))
    assert this_year.count() == 12
    offered = this_year.filter(offered=True)
    assert sorted(v.sequence for v in offered) == [55, 60]
    assert {v.home.partner_id for v in offered} == {agreement.integration_unit_id}
    # Numbered in the order the notices came.
    by_sequence = list(vacancies.order_by("sequence").values_list("notice_given_on", flat=True))
    assert by_sequence == sorted(by_sequence)
    assert vacancies.filter(offered=True).count() == 12

    partnership = Partnership.objects.get(
        housing_company=company, period_start__year=timezone.localdate().year
    )
    assert partnership.period_start.month == 1 and partnership.period_end.month == 12
    assert partnership.targets.count() >= 3
    figures = metrics.compute_figures(partnership)
    # The seed's 100 households whose establishment period has ended (30 of them this year).
    cumulative = figures["outcomes"]["cumulative"]
    assert cumulative["share_in_work"] == 63
    assert (cumulative["in_studies"], cumulative["other"]) == (20, 17)
    assert figures["housing"]["units"] == units
    assert figures["housing"]["allotted"] == 154


def test_offered_company_flats_are_not_registrations_from_the_public_form(organisations):
    from tests.factories import QuotaAgreementFactory, offered_flat

    today = timezone.localdate()
    partnership = PartnershipFactory(
        volunteer_organisation=organisations["volunteers"],
        partner=organisations["partner"],
        housing_company=organisations["housing"],
        period_start=today - timedelta(days=30),
        period_end=today + timedelta(days=30),
    )
    agreement = QuotaAgreementFactory(
        company=organisations["housing"], integration_unit=organisations["partner"]
    )
    offered_flat(agreement)

    figures = figures_of(partnership, as_of=today)

    assert figures["housing"]["vacancies"]["offered"] == 1
    assert figures["totals"]["registrations"] == 0
