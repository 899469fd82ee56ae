"""The host's "Something is wrong" on a phone, in Swedish: from the offer page to the form, a
missing answer that keeps what was typed, and the thanks; the partner's coordinator is told.
Screenshots land in test-artifacts/ for a person to look at."""

import re

import pytest
from django.conf import settings as django_settings
from django.core import mail
from playwright.sync_api import expect

from hosts.actions import self_service_url
from stays.models import Concern
from tests.factories import moved_in_match, referred_home, staff_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]


def test_the_host_tells_us_something_is_wrong_on_a_phone(
    live_server, page, console, artifacts, organisations
):
    partner = organisations["partner"]
    coordinator = staff_user("partner_coordinator", partner, email="samordnare@example.org")
    home = referred_home(partner, host__language="sv")
    stay = moved_in_match(partner, coordinator=coordinator, home=home)
    link = self_service_url(home.host).removeprefix(django_settings.SITE_URL)

    page.goto(live_server.url + link)
    page.get_by_role("link", name="Något är fel").click()
    expect(page.get_by_role("heading", name="Något är fel")).to_be_visible()
    expect(page.get_by_text("Ring 112 vid en nödsituation.")).to_be_visible()

    page.get_by_label("Det är bråttom").check()
    page.get_by_role("button", name="Skicka").click()  # nothing written yet
    expect(page.locator("#error-summary")).to_be_visible()
    page.get_by_label(re.compile("Vad är det som inte fungerar")).fill("Det luktar rök i köket.")
    page.screenshot(path=str(artifacts / "host-concern-phone-sv.png"), full_page=True)
    page.get_by_role("button", name="Skicka").click()

    expect(page.get_by_text("Tack för att du berättade.")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    concern = Concern.objects.get()
    assert (concern.match_id, concern.urgency, concern.text) == (
        stay.pk,
        "urgent",
        "Det luktar rök i köket.",
    )
    told = [m for m in mail.outbox if m.to == ["samordnare@example.org"]]
    assert told and told[0].subject.startswith("BRÅDSKANDE")
    assert not console.server_errors and not console.csp_violations
