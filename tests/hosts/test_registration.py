"""The public sign-up (intresseanmälan): form, "check your answers", consent, e-mail, confirmation."""

import random
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django import forms
from django.conf import settings
from django.core import mail, signing
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from hosts.actions import make_link_token
from hosts.forms import ConsentForm, LinkRequestForm, OfferChangeForm, ReasonForm, RegistrationForm
from hosts.models import Home, HomeTransition, Host
from notifications.models import OutboundEmail
from tests.conftest import link_in
from tests.factories import HostFactory, registration_post_data
from workflow import form_input

pytestmark = pytest.mark.django_db

DRAFT_KEY = "host_registration_draft"


def test_sign_up_in_english_from_form_to_confirmed_address(
    client, django_capture_on_commit_callbacks
):
    # The visitor switches the site to English with the button every page has.
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/offer/"})
    assert response.status_code == 302 and response.url == "/offer/"

    response = client.get("/offer/")
    assert response.status_code == 200
    assert "Offer a room or a home" in response.content.decode()

    response = client.post("/offer/", registration_post_data(email="Anna@Example.org"))
    assert response.status_code == 302 and response.url == "/offer/check/"

    page = client.get("/offer/check/").content.decode()
    # The address as the portal will write to it: in its canonical form (``accounts.emails``).
    for answer in ["Anna Svensson", "anna@example.org", "Storgatan 1", "831 30", "SEK\xa03,500"]:
        assert answer in page
    assert "6 months" in page and "Swedish, English" in page

    # Sending without ticking the consent box: the reason is shown, nothing is saved.
    response = client.post("/offer/check/", {})
    assert response.status_code == 400
    assert "You need to agree to the privacy notice to send." in response.content.decode()
    assert not Host.objects.exists() and not OutboundEmail.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/offer/check/", {"consent": "on"})
    assert response.status_code == 302 and response.url == "/offer/sent/"
    assert client.get(response.url).status_code == 200

    host = Host.objects.get()
    home = Home.objects.get()
    assert home.host == host
    assert host.name == "Anna Svensson"
    assert host.confirmed_at is None
    assert str(host.phone) == "+46701234567"
    assert host.language == "en"
    assert host.consent_notice_version == settings.PRIVACY_NOTICE_VERSION
    assert host.consent_language == "en"
    assert timezone.now() - host.consent_given_at < timedelta(minutes=1)
    assert (home.status, home.postcode, home.beds, home.rent_per_month) == (
        "registered",
        "83130",
        2,
        3500,
    )
    assert home.languages == ["sv", "en"] and home.step_free_access and not home.has_pets
    transition = HomeTransition.objects.get()
    assert (transition.home, transition.from_state, transition.to_state) == (home, "", "registered")
    assert transition.actor_kind == "host" and transition.actor is None
    assert list(Host.objects.confirmed()) == []

    # One e-mail, in the language the host used.
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["anna@example.org"]
    assert email.subject == "Confirm your offer of a room"
    assert "Please confirm your e-mail address" in email.body
    assert OutboundEmail.objects.get().sent_at is not None

    response = client.get(link_in(email, "/offer/confirm/"))
    assert response.status_code == 200
    assert "Your e-mail address is confirmed" in response.content.decode()
    host.refresh_from_db()
    assert host.confirmed_at is not None
    assert list(Host.objects.confirmed()) == [host]
    # The link also opened the host's own page in this browser.
    response = client.get("/my-offer/")
    assert response.status_code == 200
    assert "Hello Anna Svensson" in response.content.decode()

    # Opening the link again is harmless.
    assert client.get(link_in(email, "/offer/confirm/")).status_code == 200
    assert Host.objects.confirmed().count() == 1


def test_going_back_from_the_check_page_shows_the_answers(english):
    english.post("/offer/", registration_post_data(has_pets="on", pets_description="En katt"))
    page = english.get("/offer/").content.decode()
    for typed in ["Anna Svensson", "anna@example.org", "070-123 45 67", "Storgatan 1", "En katt"]:
        assert f'value="{typed}"' in page
    assert "Jag och min sambo." in page
    assert english.get("/offer/check/").status_code == 200


IN_A_WEEK = (timezone.localdate() + timedelta(days=7)).isoformat()


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("name", " \u200b ", "Please write your name."),
        ("name", "Anna\x07", "This field contains an invisible control character (U+0007)"),
        ("email", "anna.example.org", "Enter a valid email address."),
        ("phone", "070-12", "Enter a valid phone number, e.g. 070-123 45 67."),
        ("postcode", "8313", "Write the postcode as five digits, e.g. 831 30."),
        ("beds", "0", "There must be at least one bed."),
        ("beds", "21", "Please give at most 20 beds."),
        ("available_from", "2001-01-01", "The date cannot be in the past."),
        ("available_from", "2101-01-01", "Please give a date within the next two years."),
        ("available_from", "31/12", "Enter a valid date."),
        ("rent_per_month", "100001", "Please give a rent of at most 100,000 kr."),
        ("has_pets", "on", "Please tell us which pets live in the home."),
        ("kind", "castle", "Select a valid choice. castle is not one of the available choices."),
        ("municipality", None, "Please write the municipality the home is in."),
        ("municipality", "Atlantis", "We cannot find “Atlantis” among Sweden's municipalities."),
    ],
)
def test_a_wrong_answer_is_explained_and_nothing_typed_is_lost(english, field, typed, message):
    data = registration_post_data(**{field: typed}, street_address="Storgatan 1 <b>")
    response = english.post("/offer/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert escape(message) in page
    assert "Please check the answers marked below." in page
    # What the person typed is still there, escaped, for them to correct.
    assert 'value="Storgatan 1 &lt;b&gt;"' in page
    assert 'value="Anna Svensson"' in page or field == "name"
    if typed and field not in ("has_pets", "kind", "name"):
        assert f'value="{escape(typed)}"' in page
    assert DRAFT_KEY not in english.session
    assert not Host.objects.exists()


def test_messages_are_in_swedish_by_default(client):
    response = client.post("/offer/", registration_post_data(phone="12"))
    assert response.status_code == 400
    english_text = "Enter a valid phone number, e.g. 070-123 45 67."
    with translation.override("sv"):
        swedish_text = gettext(english_text)
    assert swedish_text != english_text, "the Swedish catalogue lacks this message"
    assert escape(swedish_text) in response.content.decode()
    assert '<html lang="sv">' in response.content.decode()


def test_honeypot_filled_in_looks_sent_but_saves_nothing(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/offer/", registration_post_data(website="http://spam.example"))
    assert response.status_code == 302 and response.url == "/offer/sent/"
    assert DRAFT_KEY not in client.session
    assert client.get("/offer/check/").url == "/offer/"
    assert not Host.objects.exists() and not OutboundEmail.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("setting", "emails", "unaffected"),
    [
        # The same address from one browser: the fourth try is another address, so it passes.
        ("RATELIMIT_SIGNUP_PER_EMAIL", ["a@example.org"] * 3, {"email": "b@example.org"}),
        # Different addresses from one IP address: another IP address still gets through.
        (
            "RATELIMIT_SIGNUP_PER_IP",
            ["a@example.org", "b@example.org", "c@example.org"],
            {"REMOTE_ADDR": "127.0.0.2"},
        ),
    ],
)
def test_rate_limit_answers_429_and_keeps_the_draft(
    local_cache, english, sign_up, setting, emails, unaffected
):
    # django-ratelimit's windows end at a fixed second of the hour per key: hold the clock still
    # so that a run at that second does not start a new window half-way through the test.
    with (
        override_settings(**{setting: "2/h"}),
        mock.patch("django_ratelimit.core.time", SimpleNamespace(time=lambda: 1_800_000_000)),
    ):
        for email in emails[:2]:
            assert sign_up(email=email).url == "/offer/sent/"
        english.post("/offer/", registration_post_data(email=emails[2]))
        response = english.post("/offer/check/", {"consent": "on"})
        assert response.status_code == 429
        assert "Too many attempts in a short time" in response.content.decode()
        assert Host.objects.count() == 2
        # Nothing typed is lost: the answers are still there to send later.
        assert english.session[DRAFT_KEY]["email"] == [emails[2]]
        check = english.get("/offer/check/")
        assert check.status_code == 200 and emails[2] in check.content.decode()

        if "email" in unaffected:
            english.post("/offer/", registration_post_data(email=unaffected["email"]))
            response = english.post("/offer/check/", {"consent": "on"})
        else:
            response = english.post("/offer/check/", {"consent": "on"}, **unaffected)
        assert response.status_code == 302 and response.url == "/offer/sent/"
        assert Host.objects.count() == 3


def test_sign_up_works_when_the_cache_is_down(sign_up):
    down = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    # Django's setting_changed handler rebuilds `caches`, so django-ratelimit (which looks up
    # caches[RATELIMIT_USE_CACHE or "default"] per request) really meets the unreachable Redis.
    with override_settings(CACHES=down):
        assert isinstance(caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")], RedisCache)
        response = sign_up()
    assert response.status_code == 302 and response.url == "/offer/sent/"
    assert Host.objects.count() == 1 and len(mail.outbox) == 1


# The confirmation link -----------------------------------------------------------------------


def test_tampered_confirmation_link_is_refused(english):
    host = HostFactory(confirmed_at=None)
    token = make_link_token(host, purpose="confirm")
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    for bad in [tampered, "nonsense", make_link_token(host, purpose="self_service")]:
        response = english.get(f"/offer/confirm/{bad}/")
        assert response.status_code == 400
        assert "This link is not valid. Ask for a new one below." in response.content.decode()
    host.refresh_from_db()
    assert host.confirmed_at is None
    assert english.get("/my-offer/").status_code == 302


def test_expired_confirmation_link_says_so(english):
    host = HostFactory(confirmed_at=None)
    token = make_link_token(host, purpose="confirm")
    eight_days_later = signing.time.time() + settings.HOST_CONFIRM_LINK_MAX_AGE + 86400
    with mock.patch.object(signing, "time", SimpleNamespace(time=lambda: eight_days_later)):
        response = english.get(f"/offer/confirm/{token}/")
    assert response.status_code == 400
    assert "This link has expired. Ask for a new one below." in response.content.decode()
    host.refresh_from_db()
    assert host.confirmed_at is None
    assert not Host.objects.confirmed().exists()
    # The page offers a new link straight away.
    assert 'action="/my-offer/link/"' in response.content.decode()


# What the sign-up keeps in the session ----------------------------------------------------------


def session_bytes(client) -> int:
    """The size of the client's session as the session store holds it."""
    session = client.session
    return len(session.encode(dict(session.items())))


def test_only_the_forms_own_fields_are_kept_in_the_session(english):
    # 1.8 MB of fields the form does not have, sent with a valid form.
    strangers = {f"field{n}": "x" * 2000 for n in range(900)}
    response = english.post("/offer/", {**registration_post_data(), **strangers})

    assert response.status_code == 302 and response.url == "/offer/check/"
    assert set(english.session[DRAFT_KEY]) == set(registration_post_data()) - {"website"}
    assert session_bytes(english) < 2000
    assert english.get("/offer/check/").status_code == 200


def test_an_answer_longer_than_its_field_is_refused_and_kept_on_the_form(english):
    too_long = "Vi är en familj på fem." * 100  # 2,300 characters; the field takes 2,000
    response = english.post("/offer/", registration_post_data(household_description=too_long))

    assert response.status_code == 400
    page = response.content.decode()
    assert "Ensure this value has at most 2000 characters (it has 2300)." in page
    assert too_long in page and 'value="Anna Svensson"' in page
    assert DRAFT_KEY not in english.session


@pytest.mark.parametrize(
    "form_class", [RegistrationForm, ConsentForm, LinkRequestForm, ReasonForm, OfferChangeForm]
)
def test_every_text_field_of_the_hosts_forms_has_a_length_limit(form_class):
    for name, field in form_class().fields.items():
        if isinstance(field, forms.CharField):
            assert field.max_length, name
            assert field.widget.attrs.get("maxlength") == str(field.max_length), name


def test_a_sign_up_filled_to_every_limit_fits_in_the_session(english, capsys):
    """Every text field at its max_length, in Persian letters (JSON writes each as a six-byte
    escape) in an order that does not compress."""
    rng = random.Random(13)
    letters = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"
    form = RegistrationForm()
    typed = {
        name: "".join(rng.choice(letters) for _ in range(field.max_length))
        for name, field in form.fields.items()
        if type(field) is forms.CharField and name not in ("website", "postcode")
    }
    assert {"name", "household_description", "hopes", "pets_description"} <= set(typed)
    email = f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 50}.se"
    data = registration_post_data(**typed, email=email, has_pets="on")
    response = english.post("/offer/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    size = session_bytes(english)
    with capsys.disabled():
        print(f"\nsign-up filled to every limit: {size:,} bytes in the session")
    assert size < form_input.SESSION_MAX_BYTES


def test_a_session_over_its_cap_keeps_nothing_and_says_so(english, monkeypatch):
    monkeypatch.setattr(form_input, "SESSION_MAX_BYTES", 300)
    response = english.post("/offer/", registration_post_data())

    assert response.status_code == 400
    page = response.content.decode()
    assert "Your answers are too long to keep for the next step." in page
    assert 'value="Anna Svensson"' in page and "Jag och min sambo." in page
    assert DRAFT_KEY not in english.session


def test_every_post_of_the_form_step_counts_against_the_address(local_cache, english):
    with (
        override_settings(RATELIMIT_SIGNUP_PER_IP="1/h"),  # three tries of the form per hour
        mock.patch("django_ratelimit.core.time", SimpleNamespace(time=lambda: 1_800_000_000)),
    ):
        for mistake in [{"phone": "12"}, {"postcode": "1"}]:
            assert english.post("/offer/", registration_post_data(**mistake)).status_code == 400
        assert english.post("/offer/", registration_post_data()).status_code == 302
        session = english.session
        del session[DRAFT_KEY]
        session.save()

        response = english.post("/offer/", registration_post_data())
        assert response.status_code == 429
        assert "Too many attempts in a short time" in response.content.decode()
        assert DRAFT_KEY not in english.session
        # Another address is counted on its own.
        other = english.post("/offer/", registration_post_data(), REMOTE_ADDR="127.0.0.2")
        assert other.status_code == 302
