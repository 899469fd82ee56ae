"""A meeting sign-up's personal data: in the data protection officer's export of the person,
erased on the person's request (``privacy.actions.erase_person``) and by the retention run,
leaving the anonymous row so that the meeting's counts still add up."""

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings

from outreach import actions
from outreach.models import MeetingSignup
from privacy.actions import apply_retention, erase_person, export_person
from privacy.models import DataRequest
from tests.outreach.meetings import confirmed_signup, organiser, planned_meeting, started_meeting

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("role_groups")]


@pytest.fixture
def coordinator(organisations):
    return organiser(organisations)


def test_the_officers_export_holds_the_sign_ups_and_their_e_mails(
    coordinator, data_protection_officer
):
    meeting = planned_meeting(coordinator)
    confirmed_signup(meeting, name="Rut Ek", email="rut@example.org")
    data = export_person(email="RUT@example.org", handled_by=data_protection_officer)
    (row,) = data["meeting_signups"]
    assert (row["name"], row["email"], row["status"]) == ("Rut Ek", "rut@example.org", "confirmed")
    assert row["meeting"]["title"] == meeting.title
    assert [step["to"] for step in row["history"]] == ["pending", "confirmed"]
    assert {email["to"] for email in data["emails_sent"]} == {"rut@example.org"}
    assert "meeting sign-up #" in DataRequest.objects.get().subject


def test_erasure_on_request_erases_the_sign_ups_and_frees_the_place(
    coordinator, data_protection_officer
):
    meeting = planned_meeting(coordinator)
    signup = confirmed_signup(meeting, email="rut@example.org")
    counts = erase_person(email="rut@example.org", handled_by=data_protection_officer)
    assert counts["meeting_signups"] == 1
    signup.refresh_from_db()
    assert (signup.name, signup.email, signup.status) == ("", "", "cancelled")
    assert actions.places_taken(meeting) == 0
    assert (
        export_person(email="rut@example.org", handled_by=data_protection_officer)[
            "meeting_signups"
        ]
        == []
    )


def test_the_retention_run_erases_sign_ups_of_meetings_long_over(coordinator):
    meeting = started_meeting(coordinator)
    with mock.patch(
        "django.utils.timezone.now", return_value=meeting.starts_at - timedelta(days=2)
    ):
        came = confirmed_signup(meeting, email="came@example.org")
    actions.record_attendance(meeting=meeting, user=coordinator, came=[came.pk], walk_ins=2)
    days = settings.RETENTION_DAYS["meeting_signups"]
    assert apply_retention(now=meeting.ends_at + timedelta(days=days - 1))["meeting_signups"] == 0
    assert apply_retention(now=meeting.ends_at + timedelta(days=days + 1))["meeting_signups"] == 1
    came.refresh_from_db()
    assert came.erased_at is not None and (came.name, came.email) == ("", "")
    # The anonymous count stays: one confirmed, one came, two walk-ins.
    assert MeetingSignup.objects.filter(meeting=meeting, attended=True).count() == 1


def test_the_officers_page_finds_a_person_with_only_a_meeting_sign_up(
    client, coordinator, data_protection_officer
):
    confirmed_signup(planned_meeting(coordinator), email="rut@example.org")
    client.force_login(data_protection_officer)
    response = client.post(
        "/privacy-officer/requests/", {"email": "rut@example.org", "action": "find"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="erase"' in body
