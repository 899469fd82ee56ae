"""The public pages of information meetings: the municipality's page and the start page's picker,
a meeting and its sign-up form, the e-mailed links (confirm, the person's own page, the calendar
file), in Swedish and English, without ever a 500."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from outreach import actions
from outreach.models import MeetingSignup
from tests.conftest import link_in
from tests.factories import municipality
from tests.outreach.meetings import (
    confirmed_signup,
    organiser,
    planned_meeting,
    started_meeting,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("role_groups")]


@pytest.fixture
def coordinator(organisations):
    return organiser(organisations)


@pytest.fixture
def meeting(coordinator):
    return planned_meeting(coordinator, capacity=5)


def page(meeting) -> str:
    return f"/meetings/{meeting.pk}/"


def signup_data(**overrides):
    data = {"name": "Rut Ek", "email": "rut@example.org", "consent": "on", "website": ""}
    data.update(overrides)
    return data


def test_the_municipality_page_lists_its_coming_meetings(client, meeting, coordinator):
    cancelled = planned_meeting(coordinator, title="Inställt möte")
    actions.cancel_meeting(meeting=cancelled, user=coordinator, reason="Sjuk")
    response = client.get(f"/kommun/{meeting.municipality_id}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert meeting.title in body and page(meeting) in body
    assert "Inställt möte" not in body
    assert client.get("/kommun/1280/").status_code == 200  # no meetings: said so
    assert client.get("/kommun/9999/").status_code == 404


def test_the_start_page_picker_leads_to_the_municipality(client, db):
    municipality("1280")
    assert 'action="/kommun/"' in client.get("/").content.decode()
    response = client.post("/kommun/", {"kommun": "Malmö"})
    assert response.status_code == 302 and response.url == "/kommun/1280/"
    response = client.post("/kommun/", {"kommun": "Atlantis"})
    assert response.status_code == 400
    assert 'value="Atlantis"' in response.content.decode()


def test_a_number_no_meeting_has_is_not_found(client, meeting):
    assert client.get(f"/meetings/{meeting.pk + 1000}/").status_code == 404


def test_a_sign_up_with_mistakes_keeps_what_was_typed_and_says_what_is_wrong(english, meeting):
    response = english.post(page(meeting), signup_data(email="rut-at-example", consent=""))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="Rut Ek"' in body and 'value="rut-at-example"' in body
    assert "error-summary" in body and "privacy notice to sign up" in body
    assert not MeetingSignup.objects.exists()


def test_sign_up_confirm_calendar_and_cancel_through_the_links(
    english, meeting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = english.post(page(meeting), signup_data())
    assert response.status_code == 302 and response.url == page(meeting) + "sent/"
    assert "check your e-mail" in english.get(response.url).content.decode().lower()
    signup = MeetingSignup.objects.get()
    assert signup.language == "en" and signup.status == "pending"

    confirm = link_in(mail.outbox[-1], "/meetings/confirm/")
    # Opening the link takes nothing (an e-mail service that opens links to check them must
    # not take a place): it shows the meeting and the button.
    response = english.get(confirm)
    assert response.status_code == 200
    assert "Confirm my place" in response.content.decode()
    signup.refresh_from_db()
    assert signup.status == "pending" and signup.transitions.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = english.post(confirm)
    assert response.status_code == 200
    assert "You have a place" in response.content.decode()
    signup.refresh_from_db()
    assert signup.status == "confirmed"
    # The link opened again shows the place as it is.
    assert "You have a place" in english.get(confirm).content.decode()

    calendar = link_in(mail.outbox[-1], "/meetings/my-place/")
    assert calendar.endswith("/calendar.ics")
    response = english.get(calendar)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("dtstart") == meeting.starts_at

    own_page = calendar.removesuffix("calendar.ics")
    assert "Cancel my place" in english.get(own_page).content.decode()
    response = english.post(own_page)
    assert response.status_code == 200 and "Your place is cancelled" in response.content.decode()
    signup.refresh_from_db()
    assert signup.status == "cancelled"


def test_the_persons_pages_are_in_the_language_they_signed_up_in(
    client, meeting, django_capture_on_commit_callbacks
):
    client.cookies["django_language"] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page(meeting), signup_data())
    confirm = link_in(mail.outbox[-1], "/meetings/confirm/")
    client.cookies["django_language"] = "sv"
    assert "Confirm my place" in client.get(confirm).content.decode()
    assert "You have a place" in client.post(confirm).content.decode()


def test_a_full_meeting_says_so_when_the_link_is_followed(english, coordinator):
    meeting = planned_meeting(coordinator, capacity=1)
    late = actions.sign_up_for_meeting(
        meeting=meeting, name="Sen", email="sen@example.org", language="en"
    )
    confirmed_signup(meeting, email="forst@example.org")
    response = english.post(actions.confirm_url(late).removeprefix(settings.SITE_URL))
    assert response.status_code == 409
    assert "the meeting is full" in response.content.decode()
    assert "The meeting is full." in english.get(page(meeting)).content.decode()


def test_a_broken_or_erased_link_says_so(english, meeting):
    assert english.get("/meetings/confirm/nonsense/").status_code == 400
    assert english.get("/meetings/my-place/nonsense/").status_code == 400
    assert english.get("/meetings/my-place/nonsense/calendar.ics").status_code == 400
    signup = confirmed_signup(meeting)
    path = actions.manage_url(signup).removeprefix(settings.SITE_URL)
    actions.erase_signup(signup=signup)
    response = english.get(path)
    assert response.status_code == 400 and "no longer valid" in response.content.decode()


def test_a_robot_filling_the_honeypot_is_told_the_same_and_nothing_is_kept(client, meeting):
    response = client.post(page(meeting), signup_data(website="http://spam.example"))
    assert response.status_code == 302
    assert not MeetingSignup.objects.exists()


def test_a_meeting_that_has_begun_takes_no_sign_ups(english, coordinator):
    meeting = started_meeting(coordinator)
    response = english.get(page(meeting))
    assert response.status_code == 200
    assert "no longer takes sign-ups" in response.content.decode()
    response = english.post(page(meeting), signup_data())
    assert response.status_code in (400, 409)
    assert not MeetingSignup.objects.exists()
    assert timezone.now() - meeting.starts_at < timedelta(hours=2)
