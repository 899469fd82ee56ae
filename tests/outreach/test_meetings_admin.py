"""Information meetings in the admin: a partner's coordinator plans their partner's meetings and
takes each step on its own page (change, cancel, record who came); another partner's meeting is
not found (404); a volunteer coordinator sees only their own group's."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from outreach import actions
from outreach.models import InformationMeeting
from tests.factories import municipality, staff_user
from tests.outreach.meetings import (
    confirmed_signup,
    meeting_fields,
    next_week_at,
    organiser,
    planned_meeting,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("role_groups")]

ADMIN = "/admin/outreach/informationmeeting/"


@pytest.fixture
def partner_coordinator(organisations):
    """A coordinator of a partner in Malmö: its meetings are listed in Malmö's page."""
    type(organisations["partner"]).objects.filter(pk=organisations["partner"].pk).update(
        municipality=municipality("1280")
    )
    return staff_user("partner_coordinator", organisations["partner"], username="mottagning")


@pytest.fixture
def partner_meeting(partner_coordinator, organisations):
    return actions.plan_meeting(
        user=partner_coordinator,
        partner=organisations["partner"],
        **meeting_fields(municipality=municipality("1280"), title="Malmö: bli värd"),
    )


def plan_data(**overrides):
    data = {
        "title": "Bli värd i Malmö",
        "topic": "hosting",
        "municipality": "1280",
        "day": next_week_at().date().isoformat(),
        "starts": "18:00",
        "ends": "19:00",
        "place": "Stadshuset",
        "online_url": "",
        "language": "sv",
        "capacity": "40",
        "description": "",
    }
    data.update(overrides)
    return data


def test_a_partners_coordinator_plans_a_meeting_for_their_partner(
    english, partner_coordinator, organisations
):
    municipality("1280")
    english.force_login(partner_coordinator)
    page = english.get(ADMIN + "add/")
    assert page.status_code == 200
    # Only where the partner works: its own municipality (and its partnerships').
    assert list(page.context["form"].fields["municipality"].queryset) == [municipality("1280")]
    response = english.post(ADMIN + "add/", plan_data(ends="17:00"))
    assert response.status_code == 400 and 'value="Bli värd i Malmö"' in response.content.decode()
    response = english.post(ADMIN + "add/", plan_data())
    meeting = InformationMeeting.objects.get()
    assert response.status_code == 302
    assert (meeting.partner, meeting.local_group) == (organisations["partner"], None)


def test_the_steps_are_buttons_with_their_own_pages(english, partner_coordinator, partner_meeting):
    english.force_login(partner_coordinator)
    page = english.get(f"{ADMIN}{partner_meeting.pk}/change/").content.decode()
    assert (
        f"{partner_meeting.pk}/step/change/" in page
        and f"{partner_meeting.pk}/step/cancel/" in page
    )
    assert "step/hold/" not in page  # who came: from the start only
    response = english.post(
        f"{ADMIN}{partner_meeting.pk}/step/change/",
        {**plan_data(title="Ny titel"), "municipality": "1280"},
    )
    assert response.status_code == 302
    partner_meeting.refresh_from_db()
    assert partner_meeting.title == "Ny titel"
    response = english.post(f"{ADMIN}{partner_meeting.pk}/step/cancel/", {"reason": "Lokalen"})
    assert response.status_code == 302
    partner_meeting.refresh_from_db()
    assert partner_meeting.status == "cancelled"


def test_who_came_is_recorded_in_the_admin(english, partner_coordinator, organisations):
    starts_at = timezone.now() - timedelta(hours=1)  # began an hour ago
    with mock.patch("django.utils.timezone.now", return_value=starts_at - timedelta(days=3)):
        meeting = actions.plan_meeting(
            user=partner_coordinator,
            partner=organisations["partner"],
            **meeting_fields(municipality=municipality("1280"), starts_at=starts_at),
        )
        came = confirmed_signup(meeting)
    english.force_login(partner_coordinator)
    assert (
        f"{meeting.pk}/step/hold/" in english.get(f"{ADMIN}{meeting.pk}/change/").content.decode()
    )
    response = english.post(
        f"{ADMIN}{meeting.pk}/step/hold/", {"came": [str(came.pk)], "walk_ins": "2"}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.walk_ins) == ("held", 2)


def test_another_organisers_meeting_is_not_found(
    english, organisations, partner_meeting, partner_coordinator
):
    group_meeting = planned_meeting(organiser(organisations))
    other = staff_user("partner_coordinator", organisations["other_partner"], username="granne2")
    english.force_login(other)
    assert english.get(f"{ADMIN}{partner_meeting.pk}/change/").status_code == 404
    assert (
        english.post(f"{ADMIN}{partner_meeting.pk}/step/cancel/", {"reason": "x"}).status_code
        == 404
    )
    assert "Malmö: bli värd" not in english.get(ADMIN).content.decode()
    english.force_login(partner_coordinator)
    assert english.get(f"{ADMIN}{group_meeting.pk}/change/").status_code == 404
    english.force_login(organiser(organisations, username="gruppsam"))
    assert english.get(f"{ADMIN}{group_meeting.pk}/change/").status_code == 200
    assert english.get(f"{ADMIN}{partner_meeting.pk}/change/").status_code == 404
    partner_meeting.refresh_from_db()
    assert partner_meeting.status == "planned"
