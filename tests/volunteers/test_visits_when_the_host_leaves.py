"""A host who withdraws or pauses the offer while a home visit is booked: the portal cancels the
visit (the host and the volunteers are told), so no visit is left that nobody can report or
cancel. Resumed, a home paused with its visit cancelled is contacted again."""

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext

from hosts.actions import host_step
from hosts.models import Home
from tests.factories import UserFactory, visit_booked_home
from volunteers.models import HomeVisit

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit():
    return visit_booked_home([UserFactory(roles=["volunteer"], email="vol@example.org")])


def test_withdrawing_cancels_the_booked_visit_and_tells_everyone(
    visit, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        host_step(home=visit.home, name="withdraw", reason="Vi flyttar")

    visit.refresh_from_db()
    visit.home.refresh_from_db()
    assert visit.status == HomeVisit.Status.CANCELLED
    assert visit.home.status == Home.Status.WITHDRAWN
    last = visit.transitions.last()
    # The portal writes its reason in the portal's default language (Swedish).
    with translation.override(settings.LANGUAGE_CODE):
        reason = gettext("The offer was withdrawn.")
    assert reason != "The offer was withdrawn."
    assert (last.to_state, last.actor_kind, last.reason) == ("cancelled", "system", reason)
    told = sorted(address for message in mail.outbox for address in message.to)
    assert "vol@example.org" in told and visit.home.host.email in told


def test_pausing_cancels_the_visit_and_resuming_goes_back_to_contacted(visit):
    host_step(home=visit.home, name="pause")
    visit.refresh_from_db()
    assert visit.status == HomeVisit.Status.CANCELLED

    host_step(home=visit.home, name="resume")
    visit.home.refresh_from_db()
    assert visit.home.status == Home.Status.CONTACTED
    assert not visit.home.visits.filter(status=HomeVisit.Status.BOOKED).exists()
