"""Hostile input on every public form: the answer is a page or a redirect, never a server error.

Hypothesis sends random and nasty values (huge strings, all of Unicode, NUL bytes and other
control characters, injection strings, lists where one value is expected, missing fields, odd
dates and numbers), sometimes into an otherwise valid form so that the deeper paths run too.
The number of examples comes from the Hypothesis profile in tests/conftest.py.
"""

import logging
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.cache import cache
from django.template.base import Template
from django.test import Client
from hypothesis import event, given
from hypothesis import strategies as st

from hosts.actions import self_service_url
from hosts.models import Home
from tests.factories import HomeFactory, registration_post_data

# A cache of the test's own: the examples clear it, and must not clear other workers' counters.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_cache")]

# 409: a step the stage does not allow, answered on the step page with the reason why.
ALLOWED = {200, 302, 400, 409, 429}

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n\r\n",
    "\u202eevil",
    "\ufeff",
    "𝕬𝖓𝖓𝖆",
    "ﷺ" * 40,
    "' OR 1=1 --",
    "'; DROP TABLE hosts_host; --",
    '"><script>alert(1)</script>',
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "${7*7}",
    "%s%s%s%n",
    "../../../../etc/passwd",
    "javascript:alert(1)",
    "//evil.example",
    "http://evil.example/",
    "https:///\\evil.example",
    "0",
    "-1",
    "1e400",
    "NaN",
    "-Infinity",
    "0x1F",
    "9" * 400,
    "3.5",
    "0000-00-00",
    "2024-02-30",
    "9999-12-31",
    "0001-01-01",
    "1970-01-01T00:00:00Z",
    "+46 70 123 45 67",
    "+999999999999999999999",
    "a@b",
    "x@" + "y" * 300 + ".se",
    "ANNA@EXAMPLE.ORG",
    "on",
    "sv",
    "en",
    "room",
    "whole_home",
    "paused",
]

FIELD_NAMES = sorted(set(registration_post_data()) | {"consent", "reason", "language", "next"})
CHOICE_VALUES = [
    *Home.Kind.values,
    *Home.Smoking.values,
    *Home.HeardFrom.values,
    *Home.Status.values,
    "1",
    "3",
    "6",
    "12",
    "24",
    "sv",
    "en",
    "ar",
    "xx",
]

text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=60),
    st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Zl", "Zp"]), max_size=20),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.dates().map(lambda day: day.isoformat()),
    st.sampled_from(CHOICE_VALUES),
)
huge = st.sampled_from(["x" * 100_000, "å\x00" * 20_000, "<a>" * 30_000])
# Mostly one value; a list in one case of ten (a field sent several times), and in one case of ten
# a huge value (slow to send back in the page, so not more often).
value = st.integers(0, 9).flatmap(
    lambda n: huge if n == 0 else st.lists(text, max_size=4) if n == 1 else text
)


@st.composite
def posts(draw, base):
    """A form submission: ``base`` (a valid one) with a few fields changed or left out, and
    perhaps a few strangers; now and then nothing of ``base`` at all."""
    data = {} if draw(st.integers(0, 9)) == 0 else dict(base)
    changes = draw(st.integers(0, 4))
    for name in draw(
        st.lists(st.sampled_from(FIELD_NAMES), min_size=changes, max_size=changes, unique=True)
    ):
        if draw(st.integers(0, 4)) == 0:
            data.pop(name, None)
        else:
            data[name] = draw(value)
    extra = draw(st.dictionaries(st.text(min_size=1, max_size=12), text, max_size=2))
    return {**extra, **data}


def post(client, path, data, urlencoded):
    """Send as a browser would: urlencoded or multipart."""
    if urlencoded:
        body = urlencode(data, doseq=True)
        return client.post(path, body, content_type="application/x-www-form-urlencoded")
    return client.post(path, data)


def assert_handled(response, path):
    # `pytest --hypothesis-show-statistics` shows how often each answer came.
    event(f"{path} -> {response.status_code} {response.get('Location', '')}".rstrip())
    assert response.status_code in ALLOWED, (path, response.status_code)


@pytest.fixture
def browser():
    """One test client for all examples (loading the middleware once); see ``new_visitor``."""
    return Client()


def new_visitor(client):
    """Each example comes from a new visitor: no cookies, so no session, and no counts yet."""
    client.cookies.clear()
    cache.clear()
    return client


@pytest.fixture(autouse=True)
def _fast_pages(monkeypatch):
    """Thousands of requests: skip the test client's record of every template and context it
    rendered (half the time of a form page), and the log line of every expected 400."""
    monkeypatch.setattr(Template, "_render", lambda self, context: self.nodelist.render(context))
    for name in ["django.request", "django.security"]:
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "level", logging.ERROR)


@pytest.fixture
def known_address(db):
    """The link form's valid base value belongs to a host, so the e-mail path runs too."""
    return HomeFactory(host__email="someone@example.org").host.email


@pytest.fixture
def host_client(db):
    """A browser holding a host's self-service session, and that host's home."""
    home = HomeFactory(host__language="en")
    client = Client()
    link = self_service_url(home.host).removeprefix(settings.SITE_URL)
    assert client.get(link).status_code == 302
    return client, home


@given(data=posts(registration_post_data()), urlencoded=st.booleans())
def test_fuzz_sign_up_form(browser, data, urlencoded):
    client = new_visitor(browser)
    assert_handled(post(client, "/offer/", data, urlencoded), "/offer/")


@given(
    draft=st.sampled_from(["none", "valid", "fuzzed"]),
    offer=posts(registration_post_data()),
    data=posts({"consent": "on"}),
    urlencoded=st.booleans(),
)
def test_fuzz_check_page(browser, draft, offer, data, urlencoded):
    client = new_visitor(browser)
    if draft != "none":
        sent = registration_post_data() if draft == "valid" else offer
        assert_handled(client.post("/offer/", sent), "/offer/")
    assert_handled(post(client, "/offer/check/", data, urlencoded), "/offer/check/")
    assert_handled(client.get("/offer/check/"), "/offer/check/ (GET)")


@given(data=posts({"email": "someone@example.org"}), urlencoded=st.booleans())
def test_fuzz_link_request(browser, known_address, data, urlencoded):
    client = new_visitor(browser)
    assert_handled(post(client, "/my-offer/link/", data, urlencoded), "/my-offer/link/")


@given(data=posts({k: v for k, v in registration_post_data().items() if k != "email"}))
def test_fuzz_change_offer(host_client, data):
    client, _home = host_client
    assert_handled(client.post("/my-offer/change/", data), "/my-offer/change/")


@given(
    step=st.sampled_from(["pause", "resume", "reopen", "withdraw"]),
    stage=st.sampled_from(Home.Status.values),
    data=posts({"reason": "Vi flyttar."}),
    method=st.sampled_from(["get", "post"]),
)
def test_fuzz_host_steps(host_client, step, stage, data, method):
    client, home = host_client
    Home.objects.filter(pk=home.pk).update(status=stage)
    path = f"/my-offer/{step}/"
    response = client.post(path, data) if method == "post" else client.get(path, data)
    assert_handled(response, path)


@given(data=posts({"language": "en", "next": "/offer/"}), method=st.sampled_from(["get", "post"]))
def test_fuzz_language_switch(browser, data, method):
    client = new_visitor(browser)
    response = (client.post if method == "post" else client.get)("/i18n/setlang/", data)
    assert_handled(response, "/i18n/setlang/")
    if response.status_code == 302:
        assert_handled(client.get("/"), "/ after switching")
