"""A partner's coordinator answers a concern in the admin, in Chromium: the list shows its age
and the running clock (over the limit, in words as well as colour), the concern is acknowledged
and a mediation meeting booked. Screenshots land in test-artifacts/ for a person to look at."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stays.actions import raise_concern
from stays.models import Concern, Mediation
from tests.factories import moved_in_match, referred_home, staff_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]

PASSWORD = "kaffe och kanelbullar 2026"


@pytest.fixture
def phone(browser):
    """A desk: the admin is used on a laptop."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Europe/Stockholm"
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


def test_a_coordinator_answers_an_urgent_concern(
    live_server, page, console, artifacts, organisations
):
    partner = organisations["partner"]
    coordinator = staff_user("partner_coordinator", partner, username="maria", password=PASSWORD)
    stay = moved_in_match(partner, coordinator=coordinator, home=referred_home(partner))
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - timedelta(hours=6)):
        concern = raise_concern(
            match=stay, raised_by="host", text="Det luktar rök.", urgency="urgent", language="sv"
        )

    page.goto(f"{live_server.url}/admin/stays/concern/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    late = page.locator(".clock-late")
    expect(late).to_contain_text("over the time limit")
    expect(late).to_contain_text("waiting 6 h")
    page.screenshot(path=str(artifacts / "admin-concerns.png"), full_page=True)

    page.get_by_role("link", name=re.compile(f"Concern #{concern.pk}")).click()
    expect(page.locator(".field-text .readonly")).to_have_text("Det luktar rök.")
    page.locator("a.workflow-step[data-step=acknowledge]").click()
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".field-status .readonly")).to_have_text("Acknowledged")

    page.locator("a.workflow-step[data-step=mediate]").click()
    page.get_by_label("Where").fill("Kommunhuset, rum 3")
    page.get_by_role("button", name="Book a mediation meeting").click()
    expect(page.locator(".messagelist")).to_contain_text("The invitations have been sent")
    page.screenshot(path=str(artifacts / "admin-concern-booked.png"), full_page=True)
    mediation = Mediation.objects.get()
    assert mediation.mediator == coordinator and mediation.place == "Kommunhuset, rum 3"
    concern.refresh_from_db()
    assert concern.status == Concern.Status.IN_MEDIATION
    assert not console.server_errors and not console.csp_violations
