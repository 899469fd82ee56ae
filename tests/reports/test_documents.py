"""The report files: the PDF's text and the XLSX's cells carry exactly the database's figures, in
the language of the report; the monthly sheet has native Excel charts; and the PDF's pages, drawn
as pictures into test-artifacts/, look like a document a municipality would publish."""

import io
import random
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.utils import formats, translation
from django.utils.translation import gettext as _
from pypdf import PdfReader

from hosts.models import Home, HomeTransition, Host
from matching.models import Match, MatchTransition
from matching_portal import formatting
from newcomers.models import NewcomerCase
from reports import documents, metrics
from reports.actions import produce_report
from reports.models import Metric, ReportRun
from tests.conftest import require
from tests.factories import (
    HomeFactory,
    NewcomerCaseFactory,
    PartnershipFactory,
    TargetFactory,
    UserFactory,
)
from tests.reports.test_metrics import build_history
from volunteers.models import CallAttempt, HomeVisit

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
HIDDEN = {"en": "hidden", "sv": "dold"}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def set_targets(partnership):
    for metric, goal, within in (
        (Metric.NEW_REGISTRATIONS, 10, 7),
        (Metric.REACHED_WITHIN_DAYS, 4, 3),
        (Metric.HOUSEHOLDS_HOUSED, 4, 7),
        (Metric.DAYS_TO_CONTACT, 5, 7),
    ):
        TargetFactory(partnership=partnership, metric=metric, goal=goal, within_days=within)


def produced(partnership, language, as_of) -> ReportRun:
    run = ReportRun.objects.create(partnership=partnership, language=language, as_of=as_of)
    run = produce_report(run_id=run.pk)
    assert run.status == ReportRun.Status.DONE
    return run


def pdf_text(data: bytes) -> str:
    """The PDF's text, with runs of white space made one space."""
    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def section(text: str, heading: str, next_heading: str) -> str:
    start = text.index(heading)
    return text[start : text.index(next_heading, start)]


def rows_after(rows, heading):
    """The rows of a sheet under the one whose first cell is ``heading``, to the next blank row."""
    start = next(i for i, row in enumerate(rows) if row[0] == heading) + 1
    block = []
    for row in rows[start:]:
        if row[0] is None:
            break
        block.append(row)
    return block


def number(value) -> str:
    """A figure as the template prints it in the active language (7.0 / 7,0)."""
    return str(formats.localize(value))


@pytest.fixture
def small_history(organisations):
    history = build_history(organisations)
    set_targets(history.main)
    return history


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_pdf_carries_the_figures_of_the_database(small_history, media, language):
    run = produced(small_history.main, language, date(2026, 6, 30))
    with translation.override(language):
        figures = metrics.compute_figures(small_history.main, as_of=run.as_of)
        text = pdf_text(run.pdf.read())

        assert text.startswith(_("Interim report")), text[:200]
        assert small_history.main.name in text

        goals = section(text, _("Goal fulfilment"), _("The work done during the period"))
        for target in figures["targets"]:
            result = "–" if target["value"] is None else number(target["value"])
            row = (
                f"{target['label']}{' (' + _('at most') + ')' if target['lower_is_better'] else ''}"
            )
            share = " ".join(formatting.percent(target["percent"]).split())  # "33 %" / "33%"
            expected = f"{row} {number(target['goal'])} {result} {share}"
            assert expected in goals, (expected, goals)

        work = section(
            text, _("The work done during the period"), _("From registration to move-in")
        )
        for key, label in documents.total_labels().items():
            assert f"{label} {figures['totals'][key]} " in work, (label, work)

        funnel = section(text, _("From registration to move-in"), _("Month by month"))
        for step in figures["funnel"]:
            assert f"{step['label']} {step['count']} " in funnel, (step, funnel)
        assert [step["count"] for step in figures["funnel"]] == [13, 5, 3, 2, 2, 1]

        months = section(text, _("Month by month"), _("Lead times"))
        for row in metrics.monthly_shown(figures):
            cells = [HIDDEN[language] if row[k] is None else row[k] for k in metrics.MONTHLY]
            expected = " ".join([documents.month_label(row["month"])] + [str(c) for c in cells])
            assert expected in months, (expected, months)

        lead = section(text, _("Lead times"), _("How the figures are counted"))
        for key, label in documents.lead_time_labels().items():
            values = figures["lead_times"][key]
            assert f"{label} {number(values['median'])} {number(values['p90'])}" in lead

    # The figures were those of the database: spot-check a few against the known history.
    assert figures["totals"]["registrations"] == 13
    assert figures["lead_times"]["contact"] == {"median": 7.0, "p90": 11.0}
    # January's two registrations, in the words of the report's language.
    assert HIDDEN[language] in months


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_xlsx_carries_the_figures_and_native_charts(small_history, media, language):
    run = produced(small_history.main, language, date(2026, 6, 30))
    data = run.xlsx.read()
    book = openpyxl.load_workbook(io.BytesIO(data))
    with translation.override(language):
        figures = metrics.compute_figures(small_history.main, as_of=run.as_of)
        summary_name, funnel_name, monthly_name = _("Summary"), _("Funnel"), _("By month")
        assert book.sheetnames == [
            summary_name,
            funnel_name,
            monthly_name,
            _("By municipality"),
            _("The stay"),
            _("The road to work"),
            _("Sources of registrations"),
            _("Definitions"),
        ]

        summary = list(book[summary_name].iter_rows(values_only=True))
        targets = rows_after(summary, _("Target"))
        assert [row[:5] for row in targets] == [
            (
                str(target["label"]),
                float(target["goal"]),
                "–" if target["value"] is None else target["value"],
                "–" if target["percent"] is None else target["percent"],
                _("Yes") if target["met"] else _("No"),
            )
            for target in figures["targets"]
        ]
        totals = rows_after(summary, _("Totals"))
        assert [row[:2] for row in totals] == [
            (str(label), figures["totals"][key]) for key, label in documents.total_labels().items()
        ]
        lead_times = rows_after(summary, _("From registration to"))
        assert [row[:3] for row in lead_times] == [
            (str(label), figures["lead_times"][key]["median"], figures["lead_times"][key]["p90"])
            for key, label in documents.lead_time_labels().items()
        ]

        funnel = list(book[funnel_name].iter_rows(values_only=True))
        assert funnel[0][:2] == (_("Step"), _("Homes registered in the period"))
        assert [row[:2] for row in funnel[1:7]] == [
            (str(step["label"]), step["count"]) for step in figures["funnel"]
        ]

        monthly = book[monthly_name]
        rows = list(monthly.iter_rows(values_only=True))
        assert rows[0][:6] == (
            _("Month"),
            *(str(metrics.FIGURES[key].label) for key in metrics.MONTHLY),
        )
        for row, month in zip(rows[1:], metrics.monthly_shown(figures), strict=False):
            # The month is a date cell (its first day) shown as a month: "nov. 2026".
            assert row[0].date() == month["month"].replace(day=1)
            # Numbers stay numbers; a hidden cell is empty (with a note).
            assert list(row[1:6]) == [month[key] for key in metrics.MONTHLY]
        assert len(figures["monthly"]) == 6
        assert rows[1][1] is None  # two registrations in January
        assert monthly.cell(2, 2).comment is not None
        # May's five are shown: the 8 hidden in the other five months could be many ways.
        assert rows[5][1] == 5

    # Native Excel charts, with the monthly table behind them.
    assert len(monthly._charts) == 2
    assert len(book[funnel_name]._charts) == 1
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        charts = [name for name in archive.namelist() if re.match(r"xl/charts/chart\d+\.xml", name)]
        assert len(charts) == 3
        xml = " ".join(archive.read(name).decode() for name in charts)
    assert f"'{monthly_name}'!$B$2:$B$7" in xml or f"{monthly_name}!$B$2:$B$7" in xml


@pytest.mark.django_db
def test_a_report_of_an_empty_period_says_so(organisations, media):
    partnership = PartnershipFactory(
        volunteer_organisation=organisations["volunteers"],
        partner=organisations["partner"],
        period_start=date(2030, 1, 1),
        period_end=date(2030, 12, 1),
    )
    run = produced(partnership, "en", date(2030, 12, 1))
    text = pdf_text(run.pdf.read())
    assert "No targets have been set for this partnership." in text
    assert "None" not in text and "{%" not in text and "{{" not in text
    book = openpyxl.load_workbook(io.BytesIO(run.xlsx.read()))
    assert book.sheetnames == [
        "Summary",
        "Funnel",
        "By month",
        "By municipality",
        "The stay",
        "The road to work",
        "Sources of registrations",
        "Definitions",
    ]


# A realistic year, for the pictures -------------------------------------------------------


def realistic_year(organisations, *, homes=320, seed=2026):
    """A partnership year (January – 1 December 2026) of a mid-sized municipality: a few hundred
    homes registered, most reached by phone within days, some visited, referred, matched and moved
    into; calls and visits by a dozen volunteers. Made with bulk inserts so it takes a second."""
    rng = random.Random(seed)
    V, A, B = organisations["volunteers"], organisations["partner"], organisations["other_partner"]
    partnership = PartnershipFactory(
        name="Värdskap för nyanlända i Östersund 2026",
        volunteer_organisation=V,
        partner=A,
        housing_company=organisations["housing"],
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 1),
    )
    for metric, goal, within in (
        (Metric.NEW_REGISTRATIONS, 300, 7),
        (Metric.REACHED_WITHIN_DAYS, 250, 7),
        (Metric.HOME_VISITS, 150, 7),
        (Metric.HOMES_REFERRED, 100, 7),
        (Metric.MATCHES_APPROVED, 60, 7),
        (Metric.HOUSEHOLDS_HOUSED, 50, 7),
        (Metric.ACTIVE_VOLUNTEERS, 15, 7),
        (Metric.DAYS_TO_CONTACT, 3, 7),
        (Metric.DAYS_TO_VISIT, 21, 7),
        (Metric.DAYS_TO_MOVE_IN, 90, 7),
    ):
        TargetFactory(partnership=partnership, metric=metric, goal=goal, within_days=within)
    volunteers = [
        UserFactory(organisation=V, roles=["volunteer"], username=f"volontar{i}") for i in range(12)
    ]
    start = datetime.combine(date(2026, 1, 1), time(8), tzinfo=STOCKHOLM)
    # More offers in spring and after the summer, as when the news reports on it.
    weights = [6, 8, 12, 11, 9, 6, 4, 5, 10, 9, 7, 3]

    hosts = Host.objects.bulk_create([HomeFactory.build().host for _ in range(homes)])
    built = []
    for host in hosts:
        month = rng.choices(range(12), weights)[0]
        day = rng.randrange(28)
        registered = start + timedelta(days=30.4 * month + day, hours=rng.uniform(0, 12))
        home = HomeFactory.build(host=host, created_at=registered)
        built.append(home)
    saved = Home.objects.bulk_create(built)

    transitions, calls, visits, matches = [], [], [], []
    for home in saved:
        registered = home.created_at
        transitions.append(
            HomeTransition(
                home=home,
                from_state="",
                to_state="registered",
                actor_kind="host",
                created_at=registered,
            )
        )
        state, moment = "registered", registered
        n_calls = rng.choice([1, 1, 2, 2, 3, 4])
        for i in range(n_calls):
            calls.append(
                CallAttempt(
                    home=home,
                    volunteer=rng.choice(volunteers),
                    outcome="no_answer" if i < n_calls - 1 else "interested",
                    created_at=registered + timedelta(days=rng.uniform(0.1, 2) * (i + 1)),
                )
            )
        steps = []
        if rng.random() < 0.85:
            steps.append(("contacted", rng.lognormvariate(0.7, 0.9)))
            if rng.random() < 0.6:
                steps.append(("visit_booked", rng.uniform(1, 5)))
                steps.append(("visited", rng.uniform(3, 20)))
                if rng.random() < 0.75:
                    steps.append(("referred", rng.uniform(1, 10)))
                    if rng.random() < 0.6:
                        steps.append(("matched", rng.uniform(5, 40)))
        for to_state, after in steps:
            moment = moment + timedelta(days=after)
            transitions.append(
                HomeTransition(
                    home=home,
                    from_state=state,
                    to_state=to_state,
                    actor_kind="user",
                    created_at=moment,
                )
            )
            if to_state == "visited":
                visits.append((home, moment))
            if to_state == "matched":
                matches.append((home, moment))
            state = to_state
        partner = (A if rng.random() < 0.85 else B) if state in ("referred", "matched") else None
        Home.objects.filter(pk=home.pk).update(status=state, partner=partner)
        home.partner = partner
    HomeTransition.objects.bulk_create(transitions)
    CallAttempt.objects.bulk_create(calls)
    for home, moment in visits:
        visit = HomeVisit.objects.create(
            home=home, starts_at=moment, status=HomeVisit.Status.REPORTED, verdict="suitable"
        )
        visit.volunteers.set(rng.sample(volunteers, 2))
    cases = NewcomerCase.objects.bulk_create(
        [NewcomerCaseFactory.build(partner=home.partner or A) for home, _moment in matches]
    )
    match_rows = Match.objects.bulk_create(
        [
            Match(home=home, case=case, created_at=moment, status="approved")
            for (home, moment), case in zip(matches, cases, strict=True)
        ]
    )
    match_steps = []
    for match, (_home, moment) in zip(match_rows, matches, strict=True):
        match_steps.append(
            MatchTransition(
                match=match,
                from_state="",
                to_state="proposed",
                actor_kind="user",
                created_at=moment - timedelta(days=2),
            )
        )
        match_steps.append(
            MatchTransition(
                match=match,
                from_state="proposed",
                to_state="approved",
                actor_kind="user",
                created_at=moment,
            )
        )
        if rng.random() < 0.85:
            match_steps.append(
                MatchTransition(
                    match=match,
                    from_state="approved",
                    to_state="moved_in",
                    actor_kind="user",
                    created_at=moment + timedelta(days=rng.uniform(3, 25)),
                )
            )
    MatchTransition.objects.bulk_create(match_steps)
    # A move-in is dated by its move-in date, as ``record_move_in`` sets it.
    for step in match_steps:
        if step.to_state == "moved_in":
            Match.objects.filter(pk=step.match_id).update(
                move_in_date=step.created_at.astimezone(STOCKHOLM).date()
            )
    # Households whose establishment period ended this year, with their outcome recorded.
    outcomes = ["in_work"] * 14 + ["in_studies"] * 6 + ["other"] * 3
    for outcome in outcomes:
        NewcomerCaseFactory(
            partner=A,
            assigned_on=date(2024, 3, 1),
            establishment_ends_on=date(2026, 3, 1),
            outcome=outcome,
        )
    return partnership


@pytest.mark.django_db
def test_the_pdf_pages_as_pictures(organisations, media):
    """A realistic year drawn as PNG pages into test-artifacts/report-<language>-<page>.png, for a
    person to look at; the test checks that the pages are there and the figures are printed."""
    partnership = realistic_year(organisations)
    for language in ("sv", "en"):
        run = produced(partnership, language, date(2026, 12, 1))
        data = run.pdf.read()
        pages = PdfReader(io.BytesIO(data)).pages
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"report-{language}.pdf").write_bytes(data)
        # with the figures by municipality, the stay and the definitions of every figure
        assert 3 <= len(pages) <= 12, len(pages)
        with translation.override(language):
            figures = metrics.compute_figures(partnership, as_of=run.as_of)
            text = pdf_text(data)
            registrations = figures["totals"]["registrations"]
            assert 280 <= registrations <= 320
            assert f"{documents.total_labels()['registrations']} {registrations} " in text
        pdftoppm = shutil.which("pdftoppm")
        require(
            pdftoppm is not None,
            "pdftoppm draws the report's pages as pictures: apt-get install poppler-utils",
        )
        ARTIFACTS.mkdir(exist_ok=True)
        for old in ARTIFACTS.glob(f"report-{language}-*.png"):
            old.unlink()
        pdf_path = ARTIFACTS / f"report-{language}.pdf"
        pdf_path.write_bytes(data)
        subprocess.run(  # noqa: S603 (a fixed command on our own file)
            [pdftoppm, "-png", "-r", "70", str(pdf_path), str(ARTIFACTS / f"report-{language}")],
            check=True,
            timeout=60,
        )
        assert len(list(ARTIFACTS.glob(f"report-{language}-*.png"))) == len(pages)
