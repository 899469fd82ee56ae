"""Self-service for hosts through a signed link: see, change, pause, withdraw, download, erase."""

import json
import re

import pytest
from django.core import mail

from hosts.actions import host_step, send_self_service_link, transition_home
from hosts.models import ErasureRecord, Home, HomeTransition, Host
from notifications.models import OutboundEmail
from tests.conftest import link_in
from tests.factories import HomeFactory, registration_post_data

pytestmark = pytest.mark.django_db

HOST_KEY = "self_service_host_id"


def change_data(**overrides):
    """The change form as a host sends it: the sign-up answers without e-mail and honeypot."""
    data = registration_post_data(**overrides)
    del data["email"], data["website"]
    return data


def without_csrf_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_link_form_answers_the_same_for_known_and_unknown_addresses(
    english, django_capture_on_commit_callbacks
):
    home = HomeFactory(host__email="known@example.org", host__language="en")
    answers = []
    for address in ["Known@Example.org", "unknown@example.org"]:
        with django_capture_on_commit_callbacks(execute=True):
            response = english.post("/my-offer/link/", {"email": address})
        answers.append((response.status_code, without_csrf_tokens(response.content.decode())))
    assert answers[0] == answers[1]
    assert answers[0][0] == 200 and "Check your e-mail" in answers[0][1]

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["known@example.org"]
    assert mail.outbox[0].subject == "The link to your offer"
    response = english.get(link_in(mail.outbox[0], "/my-offer/open/"))
    assert response.status_code == 302 and response.url == "/my-offer/"
    page = english.get("/my-offer/").content.decode()
    assert f"Hello {home.host.name}" in page
    assert "We have your offer. A volunteer will call you to talk about it." in page


def test_link_form_explains_a_wrong_address(english):
    response = english.post("/my-offer/link/", {"email": "not an address"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert 'value="not an address"' in response.content.decode()


def test_without_a_link_the_pages_send_you_to_the_link_form(english):
    home = HomeFactory()
    for path in ["/my-offer/", "/my-offer/change/", "/my-offer/pause/", "/my-offer/data/"]:
        response = english.get(path)
        assert response.status_code == 302 and response.url == "/my-offer/link/", path
    response = english.post("/my-offer/erase/")
    assert response.status_code == 302 and response.url == "/my-offer/link/"
    assert Host.objects.filter(pk=home.host.pk, erased_at=None).exists()
    page = english.get("/my-offer/link/").content.decode()
    assert "Open the link we e-mailed you, or ask for a new one here." in page


def test_self_service_pages_are_not_cached(host_session):
    for path in [
        "/my-offer/",
        "/my-offer/change/",
        "/my-offer/pause/",
        "/my-offer/withdraw/",
        "/my-offer/data/",
        "/my-offer/erase/",
    ]:
        response = host_session.client.get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "no-store", path


def test_change_offer(host_session):
    client, home = host_session.client, host_session.home
    page = client.get("/my-offer/change/").content.decode()
    assert f'value="{home.street_address}"' in page

    response = client.post(
        "/my-offer/change/",
        change_data(name="Anna Berg", phone="070-765 43 21", beds="3", postcode="836 31"),
    )
    assert response.status_code == 302 and response.url == "/my-offer/"
    home.refresh_from_db()
    home.host.refresh_from_db()
    assert (home.beds, home.postcode, home.street_address) == (3, "83631", "Storgatan 1")
    assert (home.host.name, str(home.host.phone)) == ("Anna Berg", "+46707654321")
    assert home.host.email == host_session.host.email  # not part of the form
    page = client.get("/my-offer/").content.decode()
    assert "Your changes are saved." in page and "Hello Anna Berg" in page

    response = client.post("/my-offer/change/", change_data(beds="25", hopes="Att <lära> mig"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please give at most 20 beds." in page
    assert 'value="25"' in page and "Att &lt;lära&gt; mig" in page
    home.refresh_from_db()
    assert home.beds == 3


def test_pause_and_resume_return_to_the_stage_it_was_paused_from(host_session, volunteer):
    client, home = host_session.client, host_session.home
    transition_home(home=home, name="contact", user=volunteer)
    assert "A volunteer has talked to you." in client.get("/my-offer/").content.decode()

    assert client.get("/my-offer/pause/").status_code == 200
    response = client.post("/my-offer/pause/")
    assert response.status_code == 302 and response.url == "/my-offer/"
    home.refresh_from_db()
    assert home.status == Home.Status.PAUSED
    page = client.get("/my-offer/").content.decode()
    assert "Your offer is paused." in page and 'href="/my-offer/resume/"' in page

    client.post("/my-offer/resume/")
    home.refresh_from_db()
    assert home.status == Home.Status.CONTACTED
    steps = list(home.transitions.values_list("from_state", "to_state", "actor_kind"))
    assert steps == [
        ("", "registered", "host"),
        ("registered", "contacted", "user"),
        ("contacted", "paused", "host"),
        ("paused", "contacted", "host"),
    ]
    # A step that is not possible from here is explained, not carried out.
    response = client.post("/my-offer/resume/")
    assert response.status_code == 409
    assert response.content.decode().count("“Resume” is not possible") == 1
    assert home.transitions.count() == 4


def test_withdraw_with_a_reason(host_session):
    client, home = host_session.client, host_session.home
    # A control character is refused, not removed: the reason is shown again to be corrected.
    response = client.post("/my-offer/withdraw/", {"reason": "Vi har flyttat.\x07 "})
    assert response.status_code == 400
    assert "invisible control character (U+0007)" in response.content.decode()
    home.refresh_from_db()
    assert home.status != Home.Status.WITHDRAWN
    response = client.post("/my-offer/withdraw/", {"reason": "Vi har flyttat. "})
    assert response.status_code == 302
    home.refresh_from_db()
    assert home.status == Home.Status.WITHDRAWN
    last = home.transitions.last()
    assert (last.to_state, last.actor_kind, last.reason) == ("withdrawn", "host", "Vi har flyttat.")
    page = client.get("/my-offer/").content.decode()
    assert "You have withdrawn your offer. Nobody will contact you about it." in page
    for gone in [
        'href="/my-offer/change/"',
        'href="/my-offer/pause/"',
        'href="/my-offer/withdraw/"',
    ]:
        assert gone not in page
    response = client.get("/my-offer/change/")
    assert response.status_code == 302 and response.url == "/my-offer/"


def test_download_my_data(host_session):
    client, home, host = host_session.client, host_session.home, host_session.host
    host_step(home=home, name="pause", reason="Semester")
    response = client.get("/my-offer/data/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["host"]["name"] == host.name
    assert data["host"]["email"] == host.email
    assert data["host"]["phone"] == str(host.phone)
    assert data["host"]["consent"]["privacy_notice_version"] == host.consent_notice_version
    [offer] = data["homes"]
    assert offer["street_address"] == home.street_address and offer["stage"] == "paused"
    assert [(h["from"], h["to"], h["reason"]) for h in offer["history"]] == [
        (None, "registered", ""),
        ("registered", "paused", "Semester"),
    ]


def test_erase_my_data(host_session, django_capture_on_commit_callbacks):
    client, home, host = host_session.client, host_session.home, host_session.host
    host_step(home=home, name="pause", reason="Vi är bortresta hos Anna")
    with django_capture_on_commit_callbacks(execute=True):
        send_self_service_link(email=host.email)
    other = HomeFactory()
    with django_capture_on_commit_callbacks(execute=True):
        send_self_service_link(email=other.host.email)
    assert OutboundEmail.objects.filter(to=host.email).count() == 1

    assert client.get("/my-offer/erase/").status_code == 200
    response = client.post("/my-offer/erase/")
    assert response.status_code == 200
    assert "Your data is erased" in response.content.decode()

    host.refresh_from_db()
    home.refresh_from_db()
    assert (host.name, host.email, str(host.phone)) == ("", "", "")
    assert host.erased_at is not None
    assert home.status == Home.Status.WITHDRAWN
    assert (home.street_address, home.postcode, home.household_description, home.hopes) == (
        "",
        "",
        "",
        "",
    )
    assert home.municipality.short_name == "Östersund"  # anonymous figures stay for the reports
    assert set(HomeTransition.objects.filter(home=home).values_list("reason", flat=True)) == {""}
    assert list(OutboundEmail.objects.values_list("to", flat=True)) == [other.host.email]
    assert ErasureRecord.objects.get().channel == "self_service"
    assert not Host.objects.confirmed().filter(pk=host.pk).exists()
    # The browser no longer holds the host, and the old link no longer opens anything.
    assert HOST_KEY not in client.session
    assert client.get("/my-offer/").url == "/my-offer/link/"
    response = client.get(host_session.link)
    assert response.status_code == 400
    assert "This link is no longer valid. Ask for a new one below." in response.content.decode()
    assert client.get("/my-offer/").url == "/my-offer/link/"


def test_the_whole_way_from_sign_up_to_erasure(
    english, sign_up, django_capture_on_commit_callbacks
):
    client = english
    assert sign_up(email="lina@example.org", name="Lina Ek").url == "/offer/sent/"
    confirm_link = link_in(mail.outbox[-1], "/offer/confirm/")
    page = client.get(confirm_link).content.decode()
    assert "Your e-mail address is confirmed" in page and 'href="/my-offer/"' in page

    # Later, in another browser: ask for the link, follow it from the e-mail.
    client.cookies.pop("sessionid")
    assert client.get("/my-offer/").url == "/my-offer/link/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/my-offer/link/", {"email": "lina@example.org"})
    open_link = link_in(mail.outbox[-1], "/my-offer/open/")
    assert client.get(open_link).url == "/my-offer/"
    page = client.get("/my-offer/").content.decode()
    assert "Hello Lina Ek" in page and 'href="/my-offer/change/"' in page

    client.post("/my-offer/change/", change_data(name="Lina Ek", beds="4"))
    assert Home.objects.get().beds == 4
    client.post("/my-offer/withdraw/", {"reason": "Vi säljer huset."})
    assert Home.objects.get().status == Home.Status.WITHDRAWN
    assert "You have withdrawn your offer." in client.get("/my-offer/").content.decode()

    response = client.post("/my-offer/erase/")
    assert "Your data is erased" in response.content.decode()
    assert Host.objects.get().erased_at is not None
    assert not OutboundEmail.objects.exists()
    for old_link in [open_link, confirm_link]:
        assert client.get(old_link).status_code == 400
    assert client.get("/my-offer/").url == "/my-offer/link/"
