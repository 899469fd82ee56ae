"""The demo's information meetings (``accounts.demo_outreach``): both cities list coming
meetings, Krokom's last meeting has who came recorded, and Malmö stad has one of its own."""

import pytest

from outreach.models import InformationMeeting, MeetingSignup, MeetingTransition
from outreach.selectors import coming_meetings

pytestmark = pytest.mark.django_db


def test_the_demo_has_meetings_in_both_cities_made_through_the_steps(demo, client):
    krokom, malmo = "2309", "1280"
    assert coming_meetings(krokom).exists() and coming_meetings(malmo).exists()
    held = InformationMeeting.objects.get(status="held")
    assert held.municipality_id == krokom and held.walk_ins == 3
    assert MeetingSignup.objects.filter(meeting=held, attended=True).count() == 4
    assert MeetingTransition.objects.filter(meeting=held).count() == 2  # planned, held
    assert InformationMeeting.objects.filter(partner__isnull=False, municipality=malmo).exists()
    for meeting in InformationMeeting.objects.all():
        assert meeting.transitions.filter(from_state="").exists()  # planned through the action
    page = client.get(f"/kommun/{malmo}/")
    assert "Dela ditt hem" in page.content.decode()
