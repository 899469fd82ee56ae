"""The follow-up dashboard: who sees it, what it shows (charts as inline SVG and the same figures as
tables), the runs list that htmx polls only while a report is on its way, both languages, and a
number of queries that does not grow with the data."""

from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from reports import documents, metrics
from reports.models import Metric, ReportRun
from tests.factories import (
    NewcomerCaseFactory,
    PartnershipFactory,
    TargetFactory,
    UserFactory,
    home_with_history,
    match_with_history,
    staff_user,
)
from tests.reports.test_metrics import build_history
from volunteers.models import CallAttempt, HomeVisit

STOCKHOLM = ZoneInfo("Europe/Stockholm")


class _Cells(HTMLParser):
    """The text of every table row of a page, as tuples of cell texts."""

    def __init__(self):
        super().__init__()
        self.rows, self._row, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(tuple(self._row))
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str) -> list[tuple[str, ...]]:
    parser = _Cells()
    parser.feed(html)
    return parser.rows


def dashboard(client, partnership):
    return client.get(reverse("reports:partnership", args=[partnership.pk]))


@pytest.fixture
def history(organisations):
    history = build_history(organisations)
    TargetFactory(partnership=history.main, metric=Metric.NEW_REGISTRATIONS, goal=10)
    TargetFactory(partnership=history.main, metric=Metric.DAYS_TO_CONTACT, goal=5)
    return history


@pytest.fixture
def people(organisations):
    return {
        "volunteers_manager": staff_user("manager", organisations["volunteers"], username="m1"),
        "partner_manager": staff_user("manager", organisations["partner"], username="m2"),
        "housing_manager": staff_user("manager", organisations["housing"], username="m3"),
        "volunteer_coordinator": staff_user(
            "volunteer_coordinator", organisations["volunteers"], username="vc"
        ),
        "partner_coordinator": staff_user(
            "partner_coordinator", organisations["partner"], username="pc"
        ),
        "outsider_manager": staff_user("manager", organisations["other_partner"], username="om"),
        "outsider_coordinator": staff_user(
            "partner_coordinator", organisations["other_partner"], username="oc"
        ),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who",
    [
        "volunteers_manager",
        "partner_manager",
        "housing_manager",
        "volunteer_coordinator",
        "partner_coordinator",
    ],
)
def test_the_parties_see_the_dashboard_with_charts_and_tables(english, history, people, who):
    english.force_login(people[who])
    response = dashboard(english, history.main)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()

    with translation.override("en"):
        figures = metrics.compute_figures(history.main)
        charts = documents.chart_svgs(figures)
    # Three charts, inline, each read out by its title.
    assert html.count("<svg") == 3
    for title in (
        "From registration to move-in",
        "Registrations and home visits by month",
        "Matches approved and households housed by month",
    ):
        assert f'role="img" class="chart" aria-label="{title}"' in html
    assert charts["funnel"] in html

    # The same figures as tables.
    rows = table_rows(html)
    for step in figures["funnel"]:
        assert (str(step["label"]), str(step["count"])) in rows
    for key, label in documents.total_labels().items():
        if key != "reached_within_7_days":
            assert (str(label), str(figures["totals"][key])) in rows, label
    for row in metrics.monthly_shown(figures):
        shown = ["hidden" if row[k] is None else str(row[k]) for k in metrics.MONTHLY]
        assert (documents.month_label(row["month"]), *shown) in rows
    assert ("first reached by phone", "7.0", "11.0") in rows
    # (The target's name carries its goal too, shown on a phone where the goal's column is not.)
    target = next(
        r
        for r in rows
        if len(r) == 4 and r[0].startswith("New registrations") and r[1:3] == ("10", "13")
    )
    assert target[3] == "130% Met"
    # January's 8 calls are shown: the other months' 7 hidden calls could still be 4 ways.
    assert ("Jan 2026", "hidden", "8", "hidden", "hidden", "hidden") in rows
    # Every figure's definition is on the page too: the one it is counted by (this partnership
    # names no municipality and no group, so the older scopes, and the page says so).
    for item in metrics.definitions(metrics.Scope.of(history.main)):
        assert (str(item["label"]), str(item["scope"]), str(item["definition"])) in rows

    # Only managers see the request form and the download links.
    may_manage = who.endswith("manager")
    assert (reverse("reports:request", args=[history.main.pk]) in html) is may_manage


@pytest.mark.django_db
def test_others_do_not_find_the_dashboard(client, history, people, volunteer):
    for who in ("outsider_manager", "outsider_coordinator"):
        client.force_login(people[who])
        assert dashboard(client, history.main).status_code == 404, who
        assert client.get(reverse("reports:runs", args=[history.main.pk])).status_code == 404
        listing = client.get(reverse("reports:partnerships")).content.decode()
        assert history.main.name not in listing
        assert history.other.name in listing  # their own partnership
    client.force_login(volunteer)
    assert dashboard(client, history.main).status_code == 403


@pytest.mark.django_db
def test_the_list_shows_the_partnerships_of_ones_organisation(client, history, people):
    client.force_login(people["housing_manager"])
    listing = client.get(reverse("reports:partnerships")).content.decode()
    assert history.main.name in listing
    assert history.other.name not in listing  # the housing company is no party of it
    assert reverse("reports:partnership", args=[history.main.pk]) in listing


@pytest.mark.django_db
def test_the_runs_are_polled_only_while_a_report_is_on_its_way(client, history, people):
    client.force_login(people["partner_manager"])
    runs_url = reverse("reports:runs", args=[history.main.pk])
    run = ReportRun.objects.create(partnership=history.main, as_of=date(2026, 6, 30))

    for status, polls in (
        (ReportRun.Status.QUEUED, True),
        (ReportRun.Status.RUNNING, True),
        (ReportRun.Status.DONE, False),
        (ReportRun.Status.FAILED, False),
    ):
        ReportRun.objects.filter(pk=run.pk).update(status=status, progress=40)
        partial = client.get(runs_url)
        assert partial.status_code == 200
        html = partial.content.decode()
        assert html.lstrip().startswith('<div id="report-runs"')
        assert "<html" not in html  # a fragment, swapped into the page
        assert (f'hx-get="{runs_url}"' in html) is polls, status
        assert ('hx-trigger="every' in html) is polls
        page = dashboard(client, history.main).content.decode()
        assert (f'hx-get="{runs_url}"' in page) is polls, status
        if polls:
            assert '<progress max="100" value="40"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_dashboard_in_both_languages(client, history, people, settings, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(people["partner_coordinator"])
    html = dashboard(client, history.main).content.decode()
    assert f'<html lang="{language}"' in html
    with translation.override(language):
        assert str(Metric.NEW_REGISTRATIONS.label) in html
        assert str(metrics.HIDDEN) in html
    if language == "sv":
        assert "dold" in html
    else:
        assert "hidden" in html


def grow(history, organisations, *, homes=60):
    """Many more homes, calls, visits and matches, spread over every month of the period."""
    volunteer = UserFactory(organisation=organisations["volunteers"], roles=["volunteer"])
    for i in range(homes):
        month = 1 + i % 6
        registered = datetime(2026, month, 1 + i % 27, 9, tzinfo=STOCKHOLM)
        home = home_with_history(
            registered,
            [
                ("contacted", registered + timedelta(days=1 + i % 9)),
                ("visit_booked", registered + timedelta(days=10)),
                ("visited", registered + timedelta(days=12 + i % 5)),
                ("referred", registered + timedelta(days=14)),
                ("matched", registered + timedelta(days=16)),
            ],
            partner=organisations["partner"],
        )
        for hours in (1, 5, 30):
            CallAttempt.objects.create(
                home=home,
                volunteer=volunteer,
                outcome="no_answer",
                created_at=registered + timedelta(hours=hours),
            )
        visit = HomeVisit.objects.create(
            home=home, starts_at=registered + timedelta(days=12), status="reported"
        )
        visit.volunteers.set([volunteer])
        match_with_history(
            home,
            NewcomerCaseFactory(partner=organisations["partner"]),
            [
                ("approved", registered + timedelta(days=16)),
                ("moved_in", registered + timedelta(days=20)),
            ],
            proposed_at=registered + timedelta(days=15),
        )


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_data(client, history, people, organisations):
    client.force_login(people["partner_manager"])
    for _ in range(3):
        ReportRun.objects.create(partnership=history.main, as_of=date(2026, 6, 30))
    dashboard(client, history.main)  # warm up (sessions, content types)

    with CaptureQueriesContext(connection) as few:
        assert dashboard(client, history.main).status_code == 200
    before = metrics.compute_figures(history.main)["totals"]["registrations"]

    grow(history, organisations)
    for _ in range(5):
        ReportRun.objects.create(partnership=history.main, as_of=date(2026, 6, 30))
    with CaptureQueriesContext(connection) as many:
        assert dashboard(client, history.main).status_code == 200
    after = metrics.compute_figures(history.main)["totals"]["registrations"]

    assert after == before + 60
    assert len(many) == len(few), "\n".join(q["sql"][:200] for q in many.captured_queries)
    assert len(few) < 60
    runs_url = reverse("reports:runs", args=[history.main.pk])
    with CaptureQueriesContext(connection) as polled:
        client.get(runs_url)
    assert len(polled) <= 10


@pytest.mark.django_db
def test_an_empty_partnership_has_a_dashboard(client, organisations, people):
    partnership = PartnershipFactory(
        volunteer_organisation=organisations["volunteers"],
        partner=organisations["partner"],
        period_start=date(2030, 1, 1),
        period_end=date(2030, 12, 1),
    )
    client.force_login(people["partner_manager"])
    response = dashboard(client, partnership)
    assert response.status_code == 200
    assert response.content.decode().count("<svg") == 3
