"""A partner's coordinator approves a proposed match in the admin, in Chromium.

Log in -> the match -> "Approve" -> confirm -> the match is approved and the home matched. The page
after the approval is saved to test-artifacts/admin-approve.png for a person to look at.
"""

import re

import pytest
from playwright.sync_api import expect

from hosts.models import Home
from matching.actions import propose_match
from matching.models import Match
from tests.factories import NewcomerCaseFactory, municipality, referred_home, said_yes, staff_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]

PASSWORD = "kaffe och kanelbullar 2026"


@pytest.fixture
def phone(browser):
    """A desk, not a phone: the admin is used on a laptop (overrides the browser conftest's
    phone-sized context, so that its ``page`` fixture and failure screenshots still apply)."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
        timezone_id="Europe/Stockholm",
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


def test_a_coordinator_approves_a_proposed_match(
    live_server, page, console, artifacts, organisations
):
    partner = organisations["partner"]
    coordinator = staff_user("partner_coordinator", partner, username="maria", password=PASSWORD)
    home = referred_home(partner, municipality=municipality("2309"))
    case = NewcomerCaseFactory(partner=partner, reference="KRK-2026-042")
    match = said_yes(propose_match(home=home, case=case, user=coordinator), coordinator)
    match_page = f"{live_server.url}/admin/matching/match/{match.pk}/change/"

    page.goto(match_page)
    expect(page).to_have_url(re.compile(r"/admin/login/\?next="))
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(match_page)
    approve = page.locator("#content .object-tools a.workflow-step[data-step=approve]")
    expect(approve).to_have_text("Approve")
    approve.click()

    expect(page).to_have_url(re.compile(rf"/admin/matching/match/{match.pk}/step/approve/$"))
    expect(page.locator("#content-main")).to_contain_text("Take the step “Approve”")
    page.get_by_role("button", name="Approve").click()

    expect(page).to_have_url(match_page)
    expect(page.locator(".messagelist")).to_contain_text("Done: Approve.")
    expect(page.locator(".field-status .readonly")).to_have_text("Approved")
    expect(page.locator("#transitions-group")).to_contain_text("Approved")
    # Approved: the next steps are recording the move-in or cancelling.
    steps = page.locator("a.workflow-step")
    expect(steps).to_have_count(2)
    expect(page.locator("a.workflow-step[data-step=move_in]")).to_be_visible()
    page.screenshot(path=str(artifacts / "admin-approve.png"), full_page=True)

    page.goto(f"{live_server.url}/admin/hosts/home/{home.pk}/change/")
    expect(page.locator(".field-status .readonly")).to_have_text("Matched")

    match.refresh_from_db()
    home.refresh_from_db()
    case.refresh_from_db()
    assert (match.status, home.status, case.status) == (
        Match.Status.APPROVED,
        Home.Status.MATCHED,
        "matched",
    )
    assert console.server_errors == []
    assert console.page_errors == []
    assert console.csp_violations == []
