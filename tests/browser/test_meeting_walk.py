"""An information meeting from planning to attendance, in Chromium on a phone, in Swedish: a
volunteer coordinator plans it in the web app; a resident picks their municipality on the start
page, finds the meeting, sends the sign-up form empty (told what is missing), signs up, confirms
through the link in the e-mail and downloads the calendar file; the reminder goes out the day
before; the coordinator records who came (the list and walk-ins). Every page is checked by axe
(WCAG 2.1 AA), for server errors and for Swedish the catalogue lacks (tests/browser/walk.py).

The pages are served from the test's own transaction (tests/browser/inprocess.py): e-mails stay
in the outbox (they are sent on commit), so the links are read from there.
"""

import re
from datetime import datetime, time, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from notifications.models import OutboundEmail
from outreach import actions
from outreach.models import InformationMeeting, MeetingSignup
from tests.browser.walk import check, visit
from tests.outreach.meetings import organiser

pytestmark = [pytest.mark.browser, pytest.mark.django_db, pytest.mark.usefixtures("role_groups")]


def link_in_outbox(to: str, prefix: str, served) -> str:
    body = OutboundEmail.objects.filter(to=to).latest("created_at", "pk").body
    found = re.search(re.escape(settings.SITE_URL + prefix) + r"\S+", body)
    assert found, body
    return found.group(0).replace(settings.SITE_URL, served.url)


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(f"{selector} [type=submit]").first.click()


def test_a_meeting_from_planning_to_attendance(browser, served, organisations):
    coordinator = organiser(organisations)
    day = timezone.localdate() + timedelta(days=7)
    problems: list[str] = []

    # The coordinator plans the meeting on their phone.
    with served.page(browser, user=coordinator) as page:
        problems += visit(page, "/volunteer/meetings/")
        with page.expect_navigation():
            page.locator('a[href="/volunteer/meetings/new/"]').first.click()
        problems += check(page, "plan form")
        page.locator('input[name="title"]').fill("Bli värd – en kväll på biblioteket")
        page.locator('input[name="topic"][value="hosting"]').check()
        page.locator('select[name="municipality"]').select_option("2380")
        page.locator('input[name="day"]').fill(day.isoformat())
        page.locator('input[name="starts"]').fill("18:00")
        page.locator('input[name="ends"]').fill("17:00")  # before it starts: refused
        page.locator('input[name="place"]').fill("Stadsbiblioteket, Rådhusgatan 25")
        page.locator('input[name="capacity"]').fill("20")
        submit(page, "main form")
        expect(page.locator("#error-summary")).to_be_visible()
        expect(page.locator('input[name="title"]')).to_have_value(
            "Bli värd – en kväll på biblioteket"
        )
        problems += check(page, "plan form, ends before it starts")
        page.locator('input[name="ends"]').fill("19:30")
        submit(page, "main form")
        expect(page).to_have_url(re.compile(r"/volunteer/meetings/\d+/$"))
        problems += check(page, "the planned meeting")
    meeting = InformationMeeting.objects.get()
    assert meeting.local_group == coordinator.local_group
    assert meeting.starts_at == timezone.make_aware(datetime.combine(day, time(18, 0)))

    # A resident finds it through the start page's picker, and signs up.
    with served.page(browser) as page:
        problems += visit(page, "/")
        page.locator('input[name="kommun"]').fill("Östersund")
        submit(page, 'form[action="/kommun/"]')
        expect(page).to_have_url(re.compile(r"/kommun/2380/$"))
        problems += check(page, "the municipality's page")
        with page.expect_navigation():
            page.get_by_role("link", name="Bli värd – en kväll på biblioteket").click()
        problems += check(page, "the meeting's page")
        submit(page, "main form")  # empty: told what is missing
        expect(page.locator("#error-summary")).to_be_visible()
        problems += check(page, "the sign-up form, empty")
        page.locator('input[name="name"]').fill("Rut Ek")
        page.locator('input[name="email"]').fill("rut@example.org")
        page.locator('input[name="consent"]').check()
        submit(page, "main form")
        expect(page).to_have_url(re.compile(rf"/meetings/{meeting.pk}/sent/$"))
        problems += check(page, "check your e-mail")
        signup = MeetingSignup.objects.get()
        assert (signup.status, signup.language) == ("pending", "sv")

        # The link in the e-mail shows the meeting; its button confirms the place. The calendar
        # file comes from the page.
        page.goto(link_in_outbox("rut@example.org", "/meetings/confirm/", served))
        problems += check(page, "confirm your place")
        signup.refresh_from_db()
        assert signup.status == "pending"
        submit(page, "main form")
        problems += check(page, "confirmed")
        signup.refresh_from_db()
        assert signup.status == "confirmed"
        with page.expect_download() as download:
            page.locator('a[href$="/calendar.ics"]').first.click()
        with open(download.value.path(), "rb") as ics:
            (event,) = Calendar.from_ical(ics.read()).walk("VEVENT")
        assert event.decoded("dtstart") == meeting.starts_at
        assert str(event["summary"]) == meeting.title

    # The day before, the reminder goes out once.
    the_day_before = meeting.starts_at - timedelta(hours=20)
    assert actions.send_meeting_reminders(now=the_day_before) == 1
    assert actions.send_meeting_reminders(now=the_day_before) == 0
    assert (
        OutboundEmail.objects.filter(to="rut@example.org", subject__contains="morgon").count() == 1
    )

    # The meeting has been held (an hour ago): the coordinator records who came.
    begun = timezone.now() - timedelta(hours=1)
    InformationMeeting.objects.filter(pk=meeting.pk).update(
        starts_at=begun, ends_at=begun + timedelta(hours=1, minutes=30)
    )
    with served.page(browser, user=coordinator) as page:
        problems += visit(page, f"/volunteer/meetings/{meeting.pk}/")
        page.get_by_label("Rut Ek").check()
        page.locator('input[name="walk_ins"]').fill("3")
        submit(page, 'form[action$="/attendance/"]')
        expect(page).to_have_url(re.compile(rf"/volunteer/meetings/{meeting.pk}/$"))
        problems += check(page, "who came, recorded")
    meeting.refresh_from_db()
    signup.refresh_from_db()
    assert (meeting.status, meeting.walk_ins, signup.attended) == ("held", 3, True)
    assert not problems, "\n".join(problems)
