"""A host may withdraw (or erase their data) while a match for their home is only proposed: the
proposal is cancelled with the reason "the host withdrew" and the partner's coordinators are
told. An approved match is the partner's to end first."""

import pytest
from django.core import mail

from hosts.models import Home, Host
from matching.actions import approve_match, propose_match
from matching.models import Match
from newcomers.models import NewcomerCase
from tests.factories import NewcomerCaseFactory, referred_home, said_yes

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed(organisations, coordinator):
    partner = organisations["partner"]
    home = referred_home(partner, host__language="en")
    return propose_match(home=home, case=NewcomerCaseFactory(partner=partner), user=coordinator)


def open_self_service(client, host):
    from django.conf import settings

    from hosts.actions import self_service_url

    response = client.get(self_service_url(host).removeprefix(settings.SITE_URL))
    assert response.status_code == 302


def test_withdrawing_cancels_a_proposed_match_and_tells_the_coordinator(
    english, proposed, coordinator, django_capture_on_commit_callbacks
):
    coordinator.email = "samordnare@example.org"
    coordinator.save()
    home = proposed.home
    open_self_service(english, home.host)

    with django_capture_on_commit_callbacks(execute=True):
        response = english.post("/my-offer/withdraw/", {"reason": "Vi flyttar."})

    assert response.status_code == 302
    home.refresh_from_db()
    proposed.refresh_from_db()
    proposed.case.refresh_from_db()
    assert home.status == Home.Status.WITHDRAWN
    assert proposed.status == Match.Status.CANCELLED
    assert proposed.transitions.last().reason == "The host withdrew the offer."
    assert proposed.case.status == NewcomerCase.Status.WAITING
    told = [m for m in mail.outbox if m.to == ["samordnare@example.org"]]
    assert len(told) == 1
    assert proposed.case.reference in told[0].body


def test_erasing_with_a_proposed_match_erases_and_cancels(english, proposed):
    home = proposed.home
    open_self_service(english, home.host)

    response = english.post("/my-offer/erase/")

    assert response.status_code == 200
    assert "Your data is erased" in response.content.decode()
    assert Host.objects.get(pk=home.host_id).erased_at is not None
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.CANCELLED


def test_an_approved_match_keeps_the_home_and_the_page_says_why(english, proposed, coordinator):
    approve_match(match=said_yes(proposed, coordinator), user=coordinator)
    open_self_service(english, proposed.home.host)

    response = english.post("/my-offer/withdraw/", {"reason": "Vi flyttar"})

    assert response.status_code == 409
    proposed.home.refresh_from_db()
    assert proposed.home.status == Home.Status.MATCHED
    page = response.content.decode()
    assert page.count("is not possible at the stage") == 1
    assert "Vi flyttar</textarea>" in page
