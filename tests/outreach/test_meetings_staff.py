"""The organisers' meeting pages in the volunteers' web app: a volunteer coordinator plans,
changes and cancels their group's meetings, sees who signed up and records who came; another
group's meeting is not found (404), and a volunteer is refused (403)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from outreach.models import InformationMeeting, MeetingTransition
from tests.factories import OrganisationFactory, local_group, staff_user
from tests.outreach.meetings import (
    confirmed_signup,
    next_week_at,
    organiser,
    planned_meeting,
    started_meeting,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("role_groups")]


@pytest.fixture
def coordinator(organisations):
    return organiser(organisations)


@pytest.fixture
def signed_in(english, coordinator):
    english.force_login(coordinator)
    return english


def plan_data(**overrides):
    starts = next_week_at(18)
    data = {
        "title": "Bli värd",
        "topic": "both",
        "municipality": "2380",
        "day": starts.date().isoformat(),
        "starts": "18:00",
        "ends": "19:30",
        "place": "Biblioteket",
        "online_url": "",
        "language": "sv",
        "capacity": "25",
        "description": "Fika finns.",
    }
    data.update(overrides)
    return data


def test_a_coordinator_plans_a_meeting_on_the_phone(signed_in, coordinator):
    assert signed_in.get("/volunteer/meetings/new/").status_code == 200
    response = signed_in.post("/volunteer/meetings/new/", plan_data())
    meeting = InformationMeeting.objects.get()
    assert response.status_code == 302 and response.url == f"/volunteer/meetings/{meeting.pk}/"
    assert meeting.local_group == coordinator.local_group
    assert (meeting.capacity, meeting.topic, meeting.description) == (25, "both", "Fika finns.")
    assert timezone.localtime(meeting.starts_at).hour == 18
    page = signed_in.get("/volunteer/meetings/").content.decode()
    assert "Bli värd" in page


def test_a_plan_with_mistakes_keeps_what_was_typed(signed_in):
    response = signed_in.post(
        "/volunteer/meetings/new/", plan_data(ends="17:00", place="", capacity="0")
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "error-summary" in body
    assert 'value="Bli värd"' in body and "Fika finns." in body
    assert not InformationMeeting.objects.exists()


def test_a_municipality_outside_the_groups_is_not_offered(signed_in):
    response = signed_in.post("/volunteer/meetings/new/", plan_data(municipality="1280"))
    assert response.status_code == 400
    assert not InformationMeeting.objects.exists()


def test_change_and_cancel_through_the_pages(signed_in, coordinator):
    meeting = planned_meeting(coordinator)
    response = signed_in.get(f"/volunteer/meetings/{meeting.pk}/change/")
    assert response.status_code == 200
    assert 'value="Stadsbiblioteket, Rådhusgatan 25"' in response.content.decode()  # as it is
    response = signed_in.post(
        f"/volunteer/meetings/{meeting.pk}/change/", plan_data(title="Ny titel", capacity="30")
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.title, meeting.capacity) == ("Ny titel", 30)
    response = signed_in.post(f"/volunteer/meetings/{meeting.pk}/cancel/", {"reason": ""})
    assert response.status_code == 400
    response = signed_in.post(f"/volunteer/meetings/{meeting.pk}/cancel/", {"reason": "Sjuk"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "cancelled"
    assert MeetingTransition.objects.filter(meeting=meeting, to_state="cancelled").get().reason == (
        "Sjuk"
    )


def test_who_came_is_recorded_with_checkboxes_and_walk_ins(signed_in, coordinator):
    meeting = started_meeting(coordinator)
    with mock.patch(
        "django.utils.timezone.now", return_value=meeting.starts_at - timedelta(days=2)
    ):
        came = confirmed_signup(meeting, name="Rut Ek", email="rut@example.org")
        confirmed_signup(meeting, name="Bo Ek", email="bo@example.org")
    page = signed_in.get(f"/volunteer/meetings/{meeting.pk}/").content.decode()
    assert "Rut Ek" in page and "Bo Ek" in page and 'type="checkbox"' in page
    response = signed_in.post(
        f"/volunteer/meetings/{meeting.pk}/attendance/", {"came": [str(came.pk)], "walk_ins": "x"}
    )
    assert response.status_code == 400
    response = signed_in.post(
        f"/volunteer/meetings/{meeting.pk}/attendance/", {"came": [str(came.pk)], "walk_ins": "4"}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.walk_ins) == ("held", 4)
    assert list(meeting.signups.filter(attended=True)) == [came]


def test_attendance_before_the_start_is_refused_in_words(signed_in, coordinator):
    meeting = planned_meeting(coordinator)
    response = signed_in.post(f"/volunteer/meetings/{meeting.pk}/attendance/", {"walk_ins": "1"})
    assert response.status_code == 409
    assert "from the meeting's start" in response.content.decode()


def test_another_groups_meeting_is_not_found_and_a_volunteer_is_refused(
    english, organisations, coordinator
):
    meeting = planned_meeting(coordinator)
    other_org = OrganisationFactory(name="Andra föreningen", kind="volunteer_organisation")
    stranger = staff_user(
        "volunteer_coordinator",
        other_org,
        username="annan-samordnare",
        local_group=local_group(other_org, covers=["1280"]),
    )
    english.force_login(stranger)
    for path in ["", "change/"]:
        assert english.get(f"/volunteer/meetings/{meeting.pk}/{path}").status_code == 404
    for path, data in [("cancel/", {"reason": "x"}), ("attendance/", {"walk_ins": "1"})]:
        assert english.post(f"/volunteer/meetings/{meeting.pk}/{path}", data).status_code == 404
    assert meeting.title not in english.get("/volunteer/meetings/").content.decode()
    english.force_login(staff_user("volunteer", organisations["volunteers"], username="vol"))
    assert english.get("/volunteer/meetings/").status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == "planned"


def test_a_national_coordinator_sees_every_groups_meetings(organisations, english, coordinator):
    meeting = planned_meeting(coordinator)
    national = staff_user("volunteer_coordinator", organisations["volunteers"], username="riks")
    national.groups.add(*type(national.groups.first()).objects.filter(name="national_coordinator"))
    english.force_login(national)
    assert english.get(f"/volunteer/meetings/{meeting.pk}/").status_code == 200
