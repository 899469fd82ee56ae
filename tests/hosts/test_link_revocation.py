"""A host's links stop working when a newer one is sent or the offer is withdrawn (issue 13,
finding 13), and the pages they open are never stored by a browser or a proxy (finding 12)."""

import pytest
from django.conf import settings
from django.core import mail

from hosts.actions import (
    host_step,
    make_link_token,
    mark_home_unreachable,
    send_self_service_link,
    withdraw_home,
)
from hosts.models import Home
from tests.conftest import link_in
from tests.factories import HomeFactory

pytestmark = pytest.mark.django_db

REPLACED = (
    "This link has been replaced by a newer one, or the offer was withdrawn. "
    "Ask for a new link below."
)
REPLACED_SV = (
    "Den här länken har ersatts av en nyare, eller så har erbjudandet dragits tillbaka. "
    "Be om en ny länk nedan."
)


def links_sent(host, django_capture_on_commit_callbacks, count=1):
    """Ask for the self-service link ``count`` times; the links, oldest first."""
    links = []
    for _ in range(count):
        with django_capture_on_commit_callbacks(execute=True):
            assert send_self_service_link(email=host.email) == 1
        links.append(link_in(mail.outbox[-1], "/my-offer/open/"))
    return links


def confirm_link(host):
    return f"/offer/confirm/{make_link_token(host, purpose='confirm')}/"


def assert_revoked(client, link, message=REPLACED):
    response = client.get(link)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'name="email"' in page  # the form to ask for a new link, on the same page
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def host(db):
    return HomeFactory(host__language="en", host__confirmed_at=None).host


def test_a_newer_link_replaces_the_older_one(english, host, django_capture_on_commit_callbacks):
    older, newer = links_sent(host, django_capture_on_commit_callbacks, count=2)
    assert_revoked(english, older)
    assert english.get("/my-offer/").url == "/my-offer/link/"  # no session from the old link
    assert english.get(newer).url == "/my-offer/"
    assert english.get("/my-offer/").status_code == 200


def test_the_revoked_link_page_is_in_the_visitors_language(
    client, host, django_capture_on_commit_callbacks
):
    older, _newer = links_sent(host, django_capture_on_commit_callbacks, count=2)
    assert_revoked(client, older, REPLACED_SV)  # Swedish, the default


def test_a_new_link_replaces_the_confirmation_link_too(
    english, host, django_capture_on_commit_callbacks
):
    confirm = confirm_link(host)
    (link,) = links_sent(host, django_capture_on_commit_callbacks)
    assert_revoked(english, confirm)
    assert english.get(link).url == "/my-offer/"  # and the new link confirms the address
    host.refresh_from_db()
    assert host.confirmed_at is not None


def test_the_confirmation_link_works_again_until_the_offer_is_withdrawn(english, host):
    confirm = confirm_link(host)
    for _ in range(2):  # idempotent: a second click shows the same page
        response = english.get(confirm)
        assert response.status_code == 200
        assert "Your e-mail address is confirmed" in response.content.decode()
        assert "no-store" in response["Cache-Control"]
    home = host.homes.get()
    host_step(home=home, name="withdraw", reason="")
    assert_revoked(english, confirm)


@pytest.mark.parametrize("by_host", [True, False])
def test_withdrawal_revokes_every_link(
    english, host, volunteer_coordinator, django_capture_on_commit_callbacks, by_host
):
    confirm = confirm_link(host)
    (link,) = links_sent(host, django_capture_on_commit_callbacks)
    home = host.homes.get()
    if by_host:
        withdraw_home(home=home, by_host=True)
    else:
        withdraw_home(home=home, user=volunteer_coordinator, reason="The host called us.")
    for old in [confirm, link]:
        assert_revoked(english, old)
    # The host can still ask for a new link (to download or erase their data).
    (new,) = links_sent(host, django_capture_on_commit_callbacks)
    assert english.get(new).url == "/my-offer/"
    assert "You have withdrawn your offer." in english.get("/my-offer/").content.decode()


def test_withdrawing_through_self_service_keeps_this_browser_in_but_not_the_link(
    english, host, django_capture_on_commit_callbacks
):
    (link,) = links_sent(host, django_capture_on_commit_callbacks)
    assert english.get(link).url == "/my-offer/"
    english.post("/my-offer/withdraw/", {"reason": "Vi flyttar."})
    assert Home.objects.get(host=host).status == Home.Status.WITHDRAWN
    assert english.get("/my-offer/").status_code == 200
    english.cookies.pop("sessionid")
    assert_revoked(english, link)


def test_the_unreachable_e_mail_sends_a_new_link_that_replaces_the_older(
    english, host, volunteer_coordinator, django_capture_on_commit_callbacks
):
    (older,) = links_sent(host, django_capture_on_commit_callbacks)
    home = host.homes.get()
    host.confirmed_at = host.created_at
    host.save(update_fields=["confirmed_at"])
    with django_capture_on_commit_callbacks(execute=True):
        mark_home_unreachable(home=home, user=volunteer_coordinator, reason="Tre försök.")
    newer = link_in(mail.outbox[-1], "/my-offer/open/")
    assert_revoked(english, older)
    assert english.get(newer).url == "/my-offer/"


def test_an_erased_hosts_links_say_they_no_longer_work(english, host):
    from hosts.actions import erase_host, self_service_url

    link = self_service_url(host).removeprefix(settings.SITE_URL)
    erase_host(host=host)
    response = english.get(link)
    assert response.status_code == 400
    assert "This link is no longer valid. Ask for a new one below." in response.content.decode()


def test_the_confirmation_and_link_pages_are_not_stored(english, host):
    from hosts.actions import self_service_url

    response = english.get(confirm_link(host))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    response = english.get(self_service_url(host).removeprefix(settings.SITE_URL))
    assert response.status_code == 302 and "no-store" in response["Cache-Control"]
    for bad in ["/offer/confirm/nonsense/", "/my-offer/open/nonsense/"]:
        response = english.get(bad)
        assert response.status_code == 400 and "no-store" in response["Cache-Control"]
    response = english.post("/my-offer/link/", {"email": "not an address"})
    assert response.status_code == 400 and "no-store" in response["Cache-Control"]
