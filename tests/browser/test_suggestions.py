"""A partner's coordinator proposes a suggested home from the case page, and accepts a line of
the best plan, in Chromium. The pages are saved to test-artifacts/admin-suggestions.png and
test-artifacts/admin-plan.png for a person to look at."""

import re

import pytest
from playwright.sync_api import expect

from matching.models import Match
from newcomers.actions import set_preferred_areas
from tests.factories import NewcomerCaseFactory, municipality, open_home, staff_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]

PASSWORD = "kaffe och kanelbullar 2026"


@pytest.fixture
def phone(browser):
    """A desk, not a phone: the admin is used on a laptop."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Europe/Stockholm"
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


def log_in(page, live_server, target):
    page.goto(f"{live_server.url}{target}")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}{target}")


def test_a_coordinator_proposes_a_suggested_home_and_accepts_the_plan(
    live_server, page, console, artifacts, organisations, localities
):
    partner = organisations["partner"]
    staff_user("partner_coordinator", partner, username="maria", password=PASSWORD)
    krokom, ostersund = localities["Krokom"], localities["Östersund"]
    case = NewcomerCaseFactory(
        partner=partner, reference="KRK-2026-051", languages=["ar"], rent_budget=3000
    )
    set_preferred_areas(case=case, names=["Krokom"], places=[krokom])
    other = NewcomerCaseFactory(partner=partner, reference="KRK-2026-052", languages=["ti"])
    set_preferred_areas(case=other, names=["Östersund"], places=[ostersund])
    in_krokom = {"place": krokom, "municipality": municipality("2309")}
    best = open_home(partner, languages=["ar"], rent_per_month=3000, **in_krokom)
    dearer = open_home(partner, languages=["sv"], rent_per_month=4000, **in_krokom)
    in_ostersund = open_home(
        partner, place=ostersund, municipality=municipality("2380"), languages=["ti"]
    )

    case_page = f"/admin/newcomers/newcomercase/{case.pk}/change/"
    log_in(page, live_server, case_page)
    suggestions = page.locator("#suggestions")
    expect(suggestions).to_contain_text("Homes that fit, best first")
    rows = suggestions.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("speaks Arabic like the household")
    expect(rows.nth(0)).to_contain_text("0.0 km from Krokom")
    expect(rows.nth(1)).to_contain_text("rent 1,000 kr above budget")
    page.screenshot(path=str(artifacts / "admin-suggestions.png"), full_page=True)

    rows.nth(0).get_by_role("button", name="Propose").click()

    expect(page).to_have_url(f"{live_server.url}{case_page}")
    expect(page.locator(".messagelist")).to_contain_text("Proposed")
    expect(page.locator("#suggestions")).to_have_count(0)  # the case has a live match now
    assert Match.objects.get().home_id == best.pk

    page.goto(f"{live_server.url}/admin/newcomers/newcomercase/plan/")
    plan = page.locator("#plan tbody tr")
    expect(plan).to_have_count(1)
    expect(plan.nth(0)).to_contain_text("KRK-2026-052")
    expect(page.locator("#plan-total")).not_to_have_text("0")
    page.screenshot(path=str(artifacts / "admin-plan.png"), full_page=True)
    plan.nth(0).get_by_role("button", name="Accept").click()

    expect(page).to_have_url(re.compile(r"/admin/newcomers/newcomercase/plan/$"))
    expect(page.locator(".messagelist")).to_contain_text("Proposed")
    expect(page.locator("#plan tbody")).to_contain_text("No open case can be given a home")
    assert set(Match.objects.values_list("case", "home")) == {
        (case.pk, best.pk),
        (other.pk, in_ostersund.pk),
    }
    assert dearer.matches.count() == 0
    assert console.server_errors == []
    assert console.page_errors == []
    assert console.csp_violations == []
