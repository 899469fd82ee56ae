"""Figures by municipality and the national roll-up: a partnership counts the homes of its
municipalities by code, with small counts hidden as in the other breakdowns; a volunteer
organisation's managers get one row per partnership and municipality, as a page and as a report
run (PDF and XLSX), and another organisation's partnerships and runs are not theirs (404)."""

import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation
from hosts.models import Home
from reports import metrics
from reports.models import ReportRun
from tests.factories import (
    OrganisationFactory,
    PartnershipFactory,
    home_with_history,
    local_group,
    staff_user,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MALMO, LUND, KROKOM = "1280", "1281", "2309"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def register(partnership, code, n, *, days_in=10):
    """``n`` homes registered in municipality ``code`` during the partnership's period."""
    day = partnership.period_start + timedelta(days=days_in)
    moment = datetime.combine(day, time(12), tzinfo=STOCKHOLM)
    for _ in range(n):
        home = home_with_history(moment, [])
        Home.objects.filter(pk=home.pk).update(municipality_id=code)


@pytest.fixture
def world(organisations, media):
    today = timezone.localdate()
    rws = OrganisationFactory(
        name="Refugees Welcome", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
    )
    other = organisations["volunteers"]
    skane = local_group(rws, name="RW Skåne", covers=[MALMO, LUND])
    jamtland = local_group(rws, name="RW Jämtland", covers=[KROKOM])
    period = {
        "period_start": today.replace(month=1, day=1),
        "period_end": today.replace(month=12, day=31),
    }
    south = PartnershipFactory(
        name="Skåne", volunteer_organisation=rws, local_group=skane, **period
    )
    south.municipalities.set([MALMO, LUND])
    north = PartnershipFactory(
        name="Jämtland", volunteer_organisation=rws, local_group=jamtland, **period
    )
    north.municipalities.set([KROKOM])
    foreign = PartnershipFactory(name="Another organisation's", volunteer_organisation=other)
    register(south, MALMO, 7)
    register(south, LUND, 2)
    register(north, KROKOM, 6)
    manager = staff_user("manager", rws, username="rw_chef", language="en")
    other_manager = staff_user("manager", other, username="annan_chef", language="en")
    return {
        "rws": rws,
        "south": south,
        "north": north,
        "foreign": foreign,
        "manager": manager,
        "other_manager": other_manager,
    }


@pytest.mark.django_db
def test_a_partnership_counts_its_municipalities_by_code_and_hides_small_counts(world):
    figures = metrics.compute_figures(world["south"])
    rows = {row["code"]: row for row in figures["by_municipality"]}
    # The partnership's municipalities, in code order; Krokom's homes are not its registrations.
    assert [row["code"] for row in figures["by_municipality"]] == [MALMO, LUND]
    assert rows[MALMO]["name"] == "Malmö kommun"
    assert (rows[MALMO]["registrations"], rows[LUND]["registrations"]) == (7, 2)
    assert figures["totals"]["registrations"] == 9
    shown = {row["code"]: row for row in metrics.municipality_shown(figures["by_municipality"])}
    # Lund's 2 is hidden, and so is Malmö's 7: with the total 9 printed it would give 2 away.
    assert shown[LUND]["registrations"] is None
    assert shown[MALMO]["registrations"] is None
    assert shown[MALMO]["home_visits"] == 0  # zeros are shown when nothing is hidden


@pytest.mark.django_db
def test_the_breakdown_shows_counts_of_five_or_more(world):
    register(world["south"], LUND, 4)
    rows = metrics.municipality_shown(metrics.compute_figures(world["south"])["by_municipality"])
    assert [(row["code"], row["registrations"]) for row in rows] == [(MALMO, 7), (LUND, 6)]


@pytest.mark.django_db
def test_the_rollup_has_a_row_per_partnership_and_municipality_of_the_organisation(world):
    # An older partnership naming no municipality and no group: every municipality's homes.
    PartnershipFactory(
        name="Äldre avtal",
        volunteer_organisation=world["rws"],
        period_start=world["south"].period_start,
        period_end=world["south"].period_end,
    )
    rollup = metrics.national_rollup(world["rws"], timezone.localdate().year)
    rows = [
        (block["partnership"].name, row["code"], row["registrations"])
        for block in rollup["partnerships"]
        for row in block["rows"]
    ]
    assert rows == [
        ("Jämtland", KROKOM, 6),
        ("Skåne", MALMO, 7),
        ("Skåne", LUND, 2),
        ("Äldre avtal", MALMO, 7),
        ("Äldre avtal", LUND, 2),
        ("Äldre avtal", KROKOM, 6),
    ]
    # Each partnership's rows are its own report's figures by municipality.
    for block in rollup["partnerships"]:
        own = metrics.compute_figures(block["partnership"])
        assert block["rows"] == own["by_municipality"]
        assert block["totals"]["registrations"] == own["totals"]["registrations"]


@pytest.mark.django_db
def test_the_manager_sees_the_rollup_page_and_downloads_it(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world["manager"])
    year = timezone.localdate().year
    page = client.get(reverse("reports:national"), {"year": year})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Jämtland" in html and "Skåne" in html and world["foreign"].name not in html
    assert "Malmö kommun" in html and MALMO in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:national_request"), {"year": year, "language": "sv"}
        )
    assert response.status_code == 302
    run = ReportRun.objects.get(kind=ReportRun.Kind.NATIONAL)
    assert (run.organisation, run.year, run.partnership) == (world["rws"], year, None)
    assert run.status == ReportRun.Status.DONE
    xlsx = client.get(reverse("reports:download_xlsx", args=[run.pk]))
    assert xlsx.status_code == 200
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    sheet = book[book.sheetnames[0]]
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    # The heading row, then one row per partnership and municipality.
    header = next(i for i, row in enumerate(cells) if row[0] == "Partnerskap")
    assert list(cells[header + 1][:4]) == ["Jämtland", KROKOM, "Krokoms kommun", 6]
    assert client.get(reverse("reports:download_pdf", args=[run.pk])).status_code == 200

    # Another volunteer organisation's manager does not find the run; a partner's gets 403.
    client.force_login(world["other_manager"])
    assert client.get(reverse("reports:download_xlsx", args=[run.pk])).status_code == 404
    other_page = client.get(reverse("reports:national"), {"year": year})
    assert other_page.status_code == 200 and "Jämtland" not in other_page.content.decode()
    partner_manager = staff_user(
        "manager", OrganisationFactory(kind=Organisation.Kind.PARTNER), username="partner_chef"
    )
    client.force_login(partner_manager)
    assert client.get(reverse("reports:national")).status_code == 403


@pytest.mark.django_db
def test_a_year_that_is_not_one_is_said_not_a_500(client, world):
    client.force_login(world["manager"])
    response = client.get(reverse("reports:national"), {"year": "abc"}, follow=True)
    assert response.status_code == 200
    assert "Välj ett år i listan." in response.content.decode()  # the page is in Swedish
