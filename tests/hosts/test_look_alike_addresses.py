"""Look-alike e-mail addresses are other people: they share no identity, no data and no limits
with the address they imitate (issue 13, finding 2). The portal compares canonical forms
(``accounts.emails``) exactly; on PostgreSQL the old ``__iexact`` took ``gmaıl`` for ``gmail``."""

import json
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core import mail
from django.test import override_settings

from hosts.models import Host
from notifications.models import OutboundEmail
from tests.factories import HomeFactory, registration_post_data

pytestmark = pytest.mark.django_db

REAL = "anna@gmail.example"
LOOK_ALIKE = "anna@gma\u0131l.example"  # a dotless ı: a different, registrable domain


@pytest.fixture
def real_host():
    """The real Anna, with an e-mail of her own in the outbox."""
    home = HomeFactory(host__email=REAL, host__name="Anna Riktig", host__language="en")
    OutboundEmail.objects.create(to=REAL, subject="Om ditt rum", body="Hej Anna!", language="sv")
    return home.host


def open_self_service(client, host):
    """Follow the host's self-service link."""
    from django.conf import settings

    from hosts.actions import self_service_url

    response = client.get(self_service_url(host).removeprefix(settings.SITE_URL))
    assert response.status_code == 302


def test_a_look_alike_domain_signs_up_as_another_host(english, sign_up, real_host):
    assert sign_up(email=LOOK_ALIKE, name="Anna Falsk").url == "/offer/sent/"
    look_alike = Host.objects.exclude(pk=real_host.pk).get()
    assert look_alike.email == "anna@xn--gmal-nza.example"
    assert look_alike.email != real_host.email
    # The confirmation went to the look-alike's own domain, nothing to the real Anna.
    assert [message.to for message in mail.outbox] == [["anna@xn--gmal-nza.example"]]


def test_the_look_alike_hosts_export_and_erasure_leave_the_real_host_alone(english, real_host):
    look_alike = HomeFactory(host__email=LOOK_ALIKE, host__language="en").host
    assert look_alike.email == "anna@xn--gmal-nza.example"  # stored in its canonical form
    OutboundEmail.objects.create(to=LOOK_ALIKE, subject="Om ditt hus", body="Hej!", language="sv")
    open_self_service(english, look_alike)

    data = json.loads(english.get("/my-offer/data/").content)
    assert data["host"]["email"] == "anna@xn--gmal-nza.example"
    assert [email["subject"] for email in data["emails_sent_to_you"]] == ["Om ditt hus"]

    assert english.post("/my-offer/erase/").status_code == 200
    look_alike.refresh_from_db()
    assert look_alike.erased_at is not None and look_alike.email == ""
    real_host.refresh_from_db()
    assert real_host.erased_at is None and real_host.email == REAL
    assert list(OutboundEmail.objects.values_list("subject", flat=True)) == ["Om ditt rum"]


def test_a_local_part_with_a_dotless_i_is_refused_on_the_sign_up_form(english, real_host):
    typed = "ann\u0131@gmail.example"
    response = english.post("/offer/", registration_post_data(email=typed))
    assert response.status_code == 400
    page = response.content.decode()
    assert "The part before the @ may only contain the letters a–z without accents" in page
    assert f'value="{typed}"' in page  # what was typed is kept
    assert Host.objects.count() == 1


def test_the_link_form_refuses_a_look_alike_local_part_and_sends_nothing(english, real_host):
    response = english.post("/my-offer/link/", {"email": "ann\u0131@gmail.example"})
    assert response.status_code == 400
    assert "The part before the @ may only contain" in response.content.decode()
    assert not OutboundEmail.objects.filter(subject="The link to your offer").exists()


@pytest.mark.parametrize(
    "spelling",
    [
        "ANNA@GMAIL.EXAMPLE",
        "ａｎｎａ@gmail.example",
        "anna@ＧＭＡＩＬ.example",
        " Anna@gmail.example ",
    ],
)
def test_every_spelling_of_an_address_gets_the_link_of_the_same_host(english, real_host, spelling):
    english.post("/my-offer/link/", {"email": spelling})
    sent = OutboundEmail.objects.filter(to=REAL).order_by("pk")
    assert list(sent.values_list("subject", flat=True)) == [
        "Om ditt rum",
        "The link to your offer",
    ]


def test_the_limit_of_links_cannot_be_spent_again_under_another_spelling(
    local_cache, english, real_host
):
    links_to_real = OutboundEmail.objects.filter(to=REAL, subject="The link to your offer")
    # django-ratelimit's windows end at a fixed second of the hour: hold the clock still.
    with (
        override_settings(RATELIMIT_LINK_PER_EMAIL="5/h", RATELIMIT_LINK_PER_IP="100/h"),
        mock.patch("django_ratelimit.core.time", SimpleNamespace(time=lambda: 1_800_000_000)),
    ):
        for _ in range(5):
            assert english.post("/my-offer/link/", {"email": REAL}).status_code == 200
        assert links_to_real.count() == 5
        assert english.post("/my-offer/link/", {"email": REAL}).status_code == 429

        # Other spellings of the same address count against the same limit.
        for spelling in ["ANNA@gmail.example", "ａｎｎａ@gmail.example", "anna@GMAIL.example"]:
            assert english.post("/my-offer/link/", {"email": spelling}).status_code == 429
        # A look-alike has a limit of its own, and it sends nothing to the real Anna.
        for _ in range(5):
            assert english.post("/my-offer/link/", {"email": LOOK_ALIKE}).status_code == 200
        assert english.post("/my-offer/link/", {"email": LOOK_ALIKE}).status_code == 429
        assert links_to_real.count() == 5
