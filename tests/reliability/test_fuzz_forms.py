"""Random and hostile data on every form of the portal, public and staff: the answer is always a
page (200), a redirect (302), a form with its errors (400), a refusal (403, 404, 429) or a
workflow step the portal refuses with its message (409), never a server error; and a post that
did not succeed leaves the tables as they were (nothing half-saved).

Hypothesis sends hostile values (huge strings, all of Unicode, NUL bytes and control characters,
injection strings, lists where one value is expected, missing fields, odd dates and numbers),
mostly into an otherwise valid form so that the deeper paths run too. Each example runs in a
transaction that is rolled back, so every example starts from the same data. The number of
examples per form comes from the Hypothesis profile in tests/conftest.py: a few in the suite
("suite", locally and in CI), as many as a time budget allows under ``make fuzz`` ("fuzz").
"""

import logging
import re
from datetime import timedelta
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.template.base import Template
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import event, example, given
from hypothesis import strategies as st

from accounts import roles
from hosts.actions import self_service_url
from hosts.models import Home, HomeTransition, Host
from housing.models import Vacancy
from matching.models import Match, MatchTransition, Place
from newcomers.models import CaseTransition, NewcomerCase
from notifications.models import OutboundEmail
from privacy.models import DataRequest
from reports.models import Partnership, ReportRun, Target
from stays.models import CheckIn, Concern, ConcernTransition, Mediation, MediationTransition
from tests.conftest import built_once_per_module
from tests.factories import (
    HomeFactory,
    NewcomerCaseFactory,
    open_home,
    portal_world,
    registration_post_data,
)
from volunteers.models import (
    CallAttempt,
    Campaign,
    HomeVisit,
    HostNote,
    VolunteerApplication,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("local_cache", "fast_password_hashing", "quick_pages"),
]

# 409: a workflow step the portal refuses, on a page that says why (see workflow.engine).
ALLOWED = {200, 302, 400, 403, 404, 409, 429}
PASSWORD = "correct horse battery staple"

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
    "%s%s%s%n",
    "../../../../etc/passwd",
    "javascript:alert(1)",
    "//evil.example",
    "https:///\\evil.example",
    "0",
    "-1",
    "1e400",
    "NaN",
    "-Infinity",
    "9" * 400,
    "3.5",
    "2024-02-30",
    "0000-00-00",
    "9999-12-31",
    "0001-01-01",
    "2026-13-01T25:61",
    "1970-01-01T00:00:00Z",
    "+46 70 123 45 67",
    "+999999999999999999999",
    "a@b",
    "x@" + "y" * 300 + ".se",
    "on",
    "true",
    "sv",
    "ar",
    "999999999999",
    "1",
    "2",
]

CHOICES = [
    *Home.Status.values,
    *CallAttempt.Outcome.values,
    "suitable",
    "not_suitable",
    "interim",
    "year_end",
    "find",
    "export",
    "erase",
    "approve",
    "reject",
    "cancel",
    "move_in",
    "end",
    "close",
    "withdraw",
    "refer",
    "referred",
    "closed",
    "waiting",
]

text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Zl", "Zp"]), max_size=12),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.dates().map(lambda day: day.isoformat()),
    st.datetimes().map(lambda moment: moment.isoformat()),
    st.sampled_from(CHOICES),
)
huge = st.sampled_from(["x" * 50_000, "å\x00" * 10_000, "<a>" * 15_000])
# Mostly one value; a list (a field sent several times) in one case of ten; a huge value (slow to
# echo back in the page) in one case of thirty.
value = st.integers(0, 29).flatmap(
    lambda n: huge if n == 0 else st.lists(text, max_size=3) if n < 4 else text
)
GENERIC_FIELDS = ["csrfmiddlewaretoken", "next", "_save", "action", "id", "pk", "post"]


@st.composite
def posts(draw, base):
    """``base`` (a valid submission) with a few fields changed or left out and perhaps a few
    strangers added; now and then nothing of ``base`` at all."""
    data = {} if draw(st.integers(0, 14)) == 0 else dict(base)
    names = sorted(set(base) | set(GENERIC_FIELDS))
    changes = draw(st.integers(0, 3))
    for name in draw(st.lists(st.sampled_from(names), min_size=changes, max_size=changes)):
        if draw(st.integers(0, 4)) == 0:
            data.pop(name, None)
        else:
            data[name] = draw(value)
    extra = draw(st.dictionaries(st.text(min_size=1, max_size=10), text, max_size=2))
    return {**extra, **data}


class Changed(SimpleNamespace):
    """An ``@example`` for a test that draws its post from a valid one only known when it runs
    (``data=st.data()``, see ``draw_post``): that post with these fields changed."""


def draw_post(data, base):
    """The post to send: drawn by ``posts(base)``, or ``base`` with an example's changes."""
    if isinstance(data, Changed):
        return {**base, **vars(data)}
    return data.draw(posts(base))


# Sending, and checking that a refused post saved nothing -------------------------------------


def counts(tables):
    return {
        name: (table.objects.count() if isinstance(table, type) else table())
        for name, table in tables.items()
    }


def send(client, method, path, data, urlencoded):
    if method == "get":
        return client.get(path, data)
    if urlencoded:
        body = urlencode(data, doseq=True)
        return client.post(path, body, content_type="application/x-www-form-urlencoded")
    return client.post(path, data)


def fuzz(
    client,
    path,
    data,
    *,
    tables,
    succeeded=lambda response: response.status_code == 302,
    method="post",
    urlencoded=False,
    before_request=None,
):
    """One example: the request's answer is allowed, and if it did not succeed the tables hold
    as many rows as before. Everything it wrote is rolled back afterwards; the browser keeps
    the session it had."""
    kept = client.cookies.get(settings.SESSION_COOKIE_NAME)
    cache.clear()
    with transaction.atomic():
        if before_request:
            before_request()
        before = counts(tables)
        response = send(client, method, path, data, urlencoded)
        after = counts(tables)
        transaction.set_rollback(True)
    client.cookies = SimpleCookie()
    if kept is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = kept.value
    event(f"{method.upper()} {path} -> {response.status_code}")
    assert response.status_code in ALLOWED, (path, response.status_code)
    if not succeeded(response):
        assert after == before, (path, response.status_code, before, after)
    return response


# The pages' own forms, read as a browser would submit them ------------------------------------


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"method": (attrs.get("method") or "get").lower(), "data": []}
            self.forms.append(self._form)
        if self._form is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._form["data"].append((name, attrs.get("value") or "on"))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._form["data"].append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self._select = {"name": name, "first": None, "chosen": []}
        elif tag == "option" and self._select is not None:
            if self._select["first"] is None:
                self._select["first"] = attrs.get("value") or ""
            if "selected" in attrs:
                self._select["chosen"].append(attrs.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            chosen = self._select["chosen"] or [self._select["first"] or ""]
            self._form["data"] += [(self._select["name"], v) for v in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form["data"].append(tuple(self._textarea))
            self._textarea = None
        elif tag == "form":
            self._form = None


def page_form(client, path, **overrides):
    """What submitting the biggest POST form of ``path`` unchanged would send, with
    ``overrides``; a field given several times (checkboxes) becomes a list."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    reader = _FormReader()
    reader.feed(response.content.decode())
    form = max((f for f in reader.forms if f["method"] == "post"), key=lambda f: len(f["data"]))
    data = {}
    for name, field_value in form["data"]:
        if name == "csrfmiddlewaretoken":
            continue
        if name in data:
            data[name] = [
                *([data[name]] if isinstance(data[name], str) else data[name]),
                field_value,
            ]
        else:
            data[name] = field_value
    data.update(overrides)
    return {key: item for key, item in data.items() if item is not None}


# The data, the people, their browsers ----------------------------------------------------------


@pytest.fixture
def quick_pages(monkeypatch):
    """Thousands of requests: skip the test client's record of every template rendered, and the
    log line of every expected 4xx."""
    monkeypatch.setattr(Template, "_render", lambda self, context: self.nodelist.render(context))
    for name in ["django.request", "django.security", "axes", "hosts.actions"]:
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "disabled", True)


class World(SimpleNamespace):
    def __repr__(self):  # Hypothesis prints the arguments of a failing example
        return "<the portal world>"


held_world = built_once_per_module(lambda: World(**vars(portal_world())))


@pytest.fixture
def world(held_world, settings):
    return held_world.fresh(settings)


def browser(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def user_of(world, role):
    """A browser logged in as the world's person of ``role``: logged in once per test and used
    by all its examples (``fuzz`` puts the session back after each), not once per example."""
    browsers = world.__dict__.setdefault("browsers", {})
    if role not in browsers:
        browsers[role] = browser(world.users[role])
    return browsers[role]


def tomorrow():
    return (timezone.localdate() + timedelta(days=1)).isoformat()


# Public forms ------------------------------------------------------------------------------


HOST_TABLES = {"hosts": Host, "homes": Home, "history": HomeTransition, "outbox": OutboundEmail}


# Tagged links (issue 20): the sign-ups carry a link's code in a hidden field. The fuzzed posts
# start from a live one (``tagged``), and the hostile values replace it now and then.
HOST_CODE, VOLUNTEER_CODE = "fuzzhost", "fuzzvol"


@pytest.fixture
def tagged(world):
    """Live tagged links with the codes the posts below carry (made through the action, then
    given a known code)."""
    from outreach import actions as outreach
    from outreach.models import Source

    coordinator = world.users[roles.VOLUNTEER_COORDINATOR]
    for code, target in [(HOST_CODE, "host"), (VOLUNTEER_CODE, "volunteer")]:
        source = outreach.make_tagged_link(
            kind="poster",
            target=target,
            label=code,
            local_group=coordinator.local_group,
            user=coordinator,
        )
        Source.objects.filter(pk=source.pk).update(code=code)


@given(data=posts(registration_post_data(source=HOST_CODE)), urlencoded=st.booleans())
def test_sign_up(world, tagged, data, urlencoded):
    # Step 1 only keeps the answers in the session: it never saves a row.
    fuzz(
        Client(),
        "/offer/",
        data,
        tables=HOST_TABLES,
        succeeded=lambda r: False,
        urlencoded=urlencoded,
    )


@given(
    draft=st.sampled_from(["none", "valid", "fuzzed"]),
    offer=posts(registration_post_data(source=HOST_CODE)),
    data=posts({"consent": "on"}),
    urlencoded=st.booleans(),
)
def test_check_and_send(world, tagged, draft, offer, data, urlencoded):
    client = Client()
    if draft != "none":
        valid = registration_post_data(email="ny@example.org", source=HOST_CODE)
        sent = valid if draft == "valid" else offer
        response = client.post("/offer/", sent)
        assert response.status_code in ALLOWED
    fuzz(
        client,
        "/offer/check/",
        data,
        tables=HOST_TABLES,
        succeeded=lambda r: r.status_code == 302 and r.url == "/offer/sent/",
        urlencoded=urlencoded,
    )


@given(data=posts({"email": "known@example.org"}), urlencoded=st.booleans())
def test_link_request(world, data, urlencoded):
    Host.objects.filter(pk=world.host_home.host_id).update(email="known@example.org")
    fuzz(
        Client(),
        "/my-offer/link/",
        data,
        tables={"outbox": OutboundEmail},
        succeeded=lambda r: r.status_code == 200,  # "we have sent you a link"
        urlencoded=urlencoded,
    )


@pytest.fixture
def host_browser(world):
    client = Client()
    client.get(self_service_url(world.host_home.host).removeprefix(settings.SITE_URL))
    return client


@given(
    data=posts(
        {
            **{k: v for k, v in registration_post_data().items() if k != "email"},
        }
    ),
    urlencoded=st.booleans(),
)
def test_self_service_change(world, host_browser, data, urlencoded):
    fuzz(host_browser, "/my-offer/change/", data, tables=HOST_TABLES, urlencoded=urlencoded)


@given(
    step=st.sampled_from(["pause", "resume", "reopen", "withdraw", "erase"]),
    stage=st.sampled_from(Home.Status.values),
    data=posts({"reason": "Vi flyttar."}),
    method=st.sampled_from(["get", "post"]),
)
def test_self_service_steps(world, host_browser, step, stage, data, method):
    home = world.host_home
    fuzz(
        host_browser,
        f"/my-offer/{step}/",
        data,
        method=method,
        tables={
            **HOST_TABLES,
            "erased": lambda: Host.objects.filter(erased_at__isnull=False).count(),
        },
        # Erasing answers with the "erased" page (200) and needs no data.
        succeeded=lambda r: method == "post" and (r.status_code == 302 or step == "erase"),
        before_request=lambda: Home.objects.filter(pk=home.pk).update(status=stage),
    )


VOLUNTEER_APPLICATION = {
    "name": "Lisa Ek",
    "email": "lisa@example.org",
    "phone": "070-765 43 21",
    "languages": ["sv", "en"],
    "municipality": "Östersund",
    "area": "Frösön",
    "availability": "Kvällar",
    "motivation": "Jag vill hjälpa till.",
    "consent": "on",
    "website": "",
    "source": VOLUNTEER_CODE,
}


@given(data=posts(VOLUNTEER_APPLICATION), urlencoded=st.booleans())
def test_volunteer_join(world, tagged, data, urlencoded):
    fuzz(
        Client(),
        "/volunteer/join/",
        data,
        tables={"applications": VolunteerApplication},
        urlencoded=urlencoded,
    )


@pytest.fixture
def known_user(world):
    user = world.users[roles.VOLUNTEER]
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


@given(data=posts({"username": "w_volunteer", "password": PASSWORD}), urlencoded=st.booleans())
def test_log_in(world, known_user, data, urlencoded):
    from django.contrib.sessions.models import Session

    fuzz(
        Client(),
        "/accounts/login/",
        data,
        tables={"users": type(known_user), "sessions": Session},
        urlencoded=urlencoded,
    )


@given(data=posts({"email": "w_volunteer@example.org"}))
def test_password_reset(world, data):
    fuzz(
        Client(),
        "/accounts/password_reset/",
        data,
        tables={"users": type(world.users[roles.VOLUNTEER])},
    )


@pytest.fixture
def staff_without_code(world):
    user = world.users[roles.PARTNER_COORDINATOR]
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return browser(user)


@given(
    data=posts({"token": "123456"}),
    urlencoded=st.booleans(),
    setting_up=st.sampled_from([True, False, False, False]),
)
def test_two_factor(world, staff_without_code, data, urlencoded, setting_up):
    """Setting the app up (the page with the QR code, slow to draw) or confirming a code."""
    user = world.users[roles.PARTNER_COORDINATOR]
    fuzz(
        staff_without_code,
        "/accounts/two-factor/?next=/admin/",
        data,
        tables={
            "devices": TOTPDevice,
            "confirmed": lambda: TOTPDevice.objects.filter(confirmed=True).count(),
        },
        urlencoded=urlencoded,
        before_request=lambda: TOTPDevice.objects.filter(user=user).update(
            confirmed=not setting_up
        ),
    )


# The volunteers' web app -----------------------------------------------------------------------


@pytest.fixture
def calling(world):
    """A volunteer holding the queued host, on the call page."""
    client = user_of(world, roles.VOLUNTEER)
    assert client.post("/volunteer/queue/next/").status_code == 302
    return client


CALL_TABLES = {
    "calls": CallAttempt,
    "notes": HostNote,
    "history": HomeTransition,
    "visits": HomeVisit,
    "outbox": OutboundEmail,
}


@given(
    data=posts({"outcome": "no_answer", "note": "", "callback_at": ""}),
    urlencoded=st.booleans(),
)
def test_call_outcome(world, calling, data, urlencoded):
    entry = world.objects["volunteers.queueentry"]
    fuzz(
        calling,
        f"/volunteer/queue/{entry.pk}/outcome/",
        data,
        tables=CALL_TABLES,
        urlencoded=urlencoded,
    )


@given(data=posts({"text": "Ring efter fem.", "next": "/volunteer/queue/"}))
def test_note(world, calling, data):
    fuzz(calling, f"/volunteer/homes/{world.queued_home.pk}/note/", data, tables=CALL_TABLES)


@given(data=posts({"note": "Fel nummer?"}))
def test_hand_back(world, calling, data):
    entry = world.objects["volunteers.queueentry"]
    fuzz(calling, f"/volunteer/queue/{entry.pk}/hand-back/", data, tables=CALL_TABLES)


@given(
    stage=st.sampled_from(["registered", "contacted", "visit_booked", "withdrawn"]),
    data=posts({"day": tomorrow(), "time": "17:00", "second_volunteer": ""}),
    method=st.sampled_from(["get", "post", "post", "post"]),
)
def test_book_visit(world, calling, stage, data, method):
    # The volunteer holds the host (``calling``): the booking page is theirs to open.
    home = world.queued_home
    fuzz(
        calling,
        f"/volunteer/homes/{home.pk}/visit/",
        data,
        method=method,
        tables=CALL_TABLES,
        before_request=lambda: Home.objects.filter(pk=home.pk).update(status=stage),
    )


@given(
    data=posts(
        {
            "room_checked": "on",
            "privacy_and_lock": "on",
            "house_rules": "on",
            "expectations": "on",
            "rent_agreed": "on",
            "host_questions": "on",
            "report": "Ett ljust rum.",
            "verdict": "suitable",
            "reject_reason": "",
        }
    ),
    status=st.sampled_from(["booked", "booked", "reported", "cancelled"]),
)
def test_visit_report(world, data, status):
    visit = world.visit
    fuzz(
        user_of(world, roles.VOLUNTEER),
        f"/volunteer/visits/{visit.pk}/",
        data,
        tables={
            **CALL_TABLES,
            "reported": lambda: HomeVisit.objects.filter(status="reported").count(),
        },
        before_request=lambda: HomeVisit.objects.filter(pk=visit.pk).update(status=status),
    )


@given(data=posts({"outcome": "all_well", "note": "Det går bra."}))
@example(data={"outcome": "all_well", "note": "Det går\x00 bra."})  # a DataError (issue 12)
@example(data={"outcome": "urgent", "note": ""})  # a concern needs its words
def test_check_in_recorded(world, data):
    check_in = world.objects["stays.checkin"]
    fuzz(
        user_of(world, roles.VOLUNTEER),
        f"/volunteer/check-ins/{check_in.pk}/",
        data,
        tables={
            "done": lambda: CheckIn.objects.filter(status="done").count(),
            "history": lambda: check_in.transitions.count(),
            "concerns": Concern,
        },
    )


# The volunteer coordinators' pages --------------------------------------------------------------


@given(
    data=posts({"name": "Vårkampanjen", "registered_from": "", "registered_to": "", "stage": ""}),
    urlencoded=st.booleans(),
)
def test_campaign_form(world, data, urlencoded):
    fuzz(
        user_of(world, roles.VOLUNTEER_COORDINATOR),
        "/volunteer/campaigns/",
        data,
        tables={"campaigns": Campaign},
        urlencoded=urlencoded,
    )


@given(data=posts({"end": "1"}))
def test_campaign_end(world, data):
    campaign = world.objects["volunteers.campaign"]
    fuzz(
        user_of(world, roles.VOLUNTEER_COORDINATOR),
        f"/volunteer/campaigns/{campaign.pk}/",
        data,
        tables={
            "campaigns": Campaign,
            "ended": lambda: Campaign.objects.filter(ended_at__isnull=False).count(),
        },
    )


@given(
    data=posts({"kind": "poster", "target": "host", "label": "Affisch", "meeting": ""}),
    urlencoded=st.booleans(),
)
def test_tagged_link_form(world, data, urlencoded):
    from outreach.models import Source

    fuzz(
        user_of(world, roles.VOLUNTEER_COORDINATOR),
        "/volunteer/links/",
        data,
        tables={"links": Source},
        urlencoded=urlencoded,
    )


@given(
    data=posts(
        {"needs": ["calls", "languages"], "languages": ["ar"], "message": "", "shown_until": ""}
    ),
    urlencoded=st.booleans(),
)
def test_volunteers_wanted_form(world, data, urlencoded):
    from outreach.models import VolunteersWanted

    fuzz(
        user_of(world, roles.VOLUNTEER_COORDINATOR),
        "/volunteer/volunteers-wanted/",
        data,
        tables={
            "notices": VolunteersWanted,
            "shown": lambda: VolunteersWanted.objects.filter(shown_until__isnull=True).count(),
        },
        urlencoded=urlencoded,
    )


@given(code=text)
def test_a_tagged_link_of_any_text_opens_a_sign_up(world, tagged, code):
    """The short address: whatever follows /t/, the answer is a sign-up (or, for a text that
    is no path segment, no page), never an error; nothing is written."""
    from urllib.parse import quote

    path = f"/t/{quote(code, safe='')}/"
    response = fuzz(Client(), path, {}, tables=HOST_TABLES, method="get")
    assert response.status_code in (302, 400, 404), (path, response.status_code)
    if response.status_code == 302:
        assert response.url.split("?")[0] in ("/offer/", "/volunteer/join/")


@pytest.fixture
def visited_home(world):
    home = HomeFactory()
    Home.objects.filter(pk=home.pk).update(status=Home.Status.VISITED)
    return home


@given(data=st.data())
def test_referral(world, visited_home, data):
    base = {"home": str(visited_home.pk), "partner": str(world.orgs["partner"].pk)}
    fuzz(
        user_of(world, roles.VOLUNTEER_COORDINATOR),
        "/volunteer/referrals/",
        data.draw(posts(base)),
        tables={"history": HomeTransition},
    )


@given(
    decision=st.sampled_from(["approve", "decline"]),
    status=st.sampled_from(["pending", "pending", "approved", "declined"]),
    data=posts({"reason": "Vi har många volontärer i området."}),
)
def test_application_decision(world, decision, status, data):
    application = world.application
    fuzz(
        user_of(world, roles.VOLUNTEER_COORDINATOR),
        f"/volunteer/applications/{application.pk}/{decision}/",
        data,
        tables={
            "users": type(world.users[roles.VOLUNTEER]),
            "applications": VolunteerApplication,
            "outbox": OutboundEmail,
        },
        before_request=lambda: VolunteerApplication.objects.filter(pk=application.pk).update(
            status=status
        ),
    )


@pytest.fixture
def duplicate(world):
    first = world.queued_home
    return HomeFactory(host__email=first.host.email, host__phone=first.host.phone)


@given(data=st.data())
def test_merge_duplicates(world, duplicate, data):
    home = world.queued_home
    fuzz(
        user_of(world, roles.VOLUNTEER_COORDINATOR),
        f"/volunteer/homes/{home.pk}/duplicates/",
        data.draw(posts({"keep": str(home.pk)})),
        tables={"homes": Home, "history": HomeTransition},
    )


# Managers and the data protection officer --------------------------------------------------------


@given(data=posts({"kind": "interim", "language": "sv"}))
def test_report_request(world, data):
    partnership = world.objects["reports.partnership"]
    fuzz(
        user_of(world, roles.MANAGER),
        f"/reports/{partnership.pk}/request/",
        data,
        tables={"runs": ReportRun},
    )


@given(
    data=st.data(),
    action=st.sampled_from(["find", "export", "erase"]),
    by=st.sampled_from(["email", "phone"]),
)
def test_data_request(world, data, action, by):
    host = world.host_home.host
    base = {by: host.email if by == "email" else str(host.phone), "action": action, "note": "Brev"}
    fuzz(
        user_of(world, roles.DATA_PROTECTION_OFFICER),
        "/privacy-officer/requests/",
        data.draw(posts(base)),
        tables={
            "requests": DataRequest,
            "erased": lambda: Host.objects.filter(erased_at__isnull=False).count(),
        },
        succeeded=lambda r: (
            r.status_code == 302 or r.get("Content-Type", "").startswith("application/json")
        ),
    )


# The admin: add and change forms, and the workflow steps -------------------------------------


def admin_success(response):
    return response.status_code == 302


CASE_TABLES = {"cases": NewcomerCase, "history": CaseTransition, "matches": Match}


@pytest.fixture
def coordinator(world):
    return user_of(world, roles.PARTNER_COORDINATOR)


@pytest.fixture
def case_form(world, coordinator):
    return page_form(
        coordinator,
        "/admin/newcomers/newcomercase/add/",
        reference="BOS-77",
        adults="2",
        children_ages="4, 9",
        languages=["ar", "sv"],
        preferred_areas="",
        assigned_on=timezone.localdate().isoformat(),
        housing_needed_by=(timezone.localdate() + timedelta(days=60)).isoformat(),
        needs_months="12",
        rent_budget="5000",
        _save="Save",
    )


@given(data=st.data(), urlencoded=st.booleans())
def test_admin_case_add(world, coordinator, case_form, data, urlencoded):
    fuzz(
        coordinator,
        "/admin/newcomers/newcomercase/add/",
        data.draw(posts(case_form)),
        tables=CASE_TABLES,
        urlencoded=urlencoded,
    )


@pytest.fixture
def case_change_form(world, coordinator):
    case = world.objects["newcomers.newcomercase"]
    return case, page_form(
        coordinator, f"/admin/newcomers/newcomercase/{case.pk}/change/", _save="Save"
    )


@given(data=st.data())
def test_admin_case_change(world, coordinator, case_change_form, data):
    case, base = case_change_form
    fuzz(
        coordinator,
        f"/admin/newcomers/newcomercase/{case.pk}/change/",
        data.draw(posts(base)),
        tables=CASE_TABLES,
    )


@pytest.fixture
def free_pair(world):
    """A waiting case and a referred, free home of the partner: a match can be proposed."""
    partner = world.orgs["partner"]
    return NewcomerCaseFactory(partner=partner), open_home(partner)


@pytest.fixture
def match_form(coordinator, free_pair):
    case, home = free_pair
    return page_form(
        coordinator, "/admin/matching/match/add/", case=str(case.pk), home=str(home.pk)
    )


@given(data=st.data())
def test_admin_match_add(world, coordinator, match_form, data):
    fuzz(
        coordinator,
        "/admin/matching/match/add/",
        data.draw(posts({**match_form, "_save": "Save"})),
        tables={"matches": Match, "history": MatchTransition},
    )


@given(data=st.data())
def test_admin_vacancy_add(world, data):
    client = user_of(world, roles.HOUSING_COMPANY_STAFF)
    base = {
        "unit": str(world.objects["housing.unit"].pk),
        "notice_given_on": timezone.localdate().isoformat(),
        "available_from": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "_save": "Save",
    }
    fuzz(
        client,
        "/admin/housing/vacancy/add/",
        data.draw(posts(base)),
        tables={"vacancies": Vacancy, "homes": Home},
    )


@pytest.fixture
def partnership_form(world, coordinator):
    partnership = world.objects["reports.partnership"]
    path = f"/admin/reports/partnership/{partnership.pk}/change/"
    return path, page_form(
        coordinator, path, **{"targets-1-metric": "home_visits", "targets-1-goal": "12"}
    )


@given(data=st.data())
# The saved target sent again as a new row (the form says it holds none): an IntegrityError on
# ``target_unique_metric`` (issue 12). And two new rows for the same metric.
@example(data=Changed(**{"targets-INITIAL_FORMS": "0"}))
@example(data=Changed(**{"targets-1-metric": "new_registrations"}))
def test_admin_partnership_and_targets(world, coordinator, partnership_form, data):
    path, base = partnership_form
    fuzz(
        coordinator,
        path,
        draw_post(data, base),
        tables={"partnerships": Partnership, "targets": Target},
    )


@pytest.fixture
def partnership_add_form(world):
    orgs = world.orgs
    return page_form(
        user_of(world, roles.MANAGER),
        "/admin/reports/partnership/add/",
        name="Värdskap 2027",
        volunteer_organisation=str(orgs["volunteers"].pk),
        partner=str(orgs["partner"].pk),
        period_start="2027-01-01",
        period_end="2027-12-01",
        **{"targets-0-metric": "new_registrations", "targets-0-goal": "100"},
    )


@given(data=st.data())
def test_admin_partnership_add(world, partnership_add_form, data):
    fuzz(
        user_of(world, roles.MANAGER),
        "/admin/reports/partnership/add/",
        data.draw(posts(partnership_add_form)),
        tables={"partnerships": Partnership, "targets": Target},
    )


@given(data=st.data(), change=st.booleans())
@example(data=Changed(name="Å\x00s"), change=False)  # a DataError on PostgreSQL (issue 12)
@example(data=Changed(municipality="2309\x00"), change=True)
def test_admin_place(world, coordinator, data, change):
    place = world.objects["matching.place"]
    path = f"/admin/matching/place/{place.pk}/change/" if change else "/admin/matching/place/add/"
    base = {
        "name": "Ås",
        "partner": str(world.orgs["partner"].pk),
        "municipality": "2309",  # Krokom, by its code (the admin's autocomplete sends it)
        "latitude": "63.25",
        "longitude": "14.55",
        "_save": "Save",
    }
    fuzz(coordinator, path, draw_post(data, base), tables={"places": Place})


@given(
    step=st.sampled_from(
        ["contact", "withdraw", "pause", "refer", "mark_unreachable", "reject", "no-such-step"]
    ),
    data=st.data(),
)
def test_admin_home_steps(world, step, data):
    home = world.queued_home
    base = {"reason": "Värden har flyttat.", "partner": str(world.orgs["partner"].pk)}
    fuzz(
        user_of(world, roles.VOLUNTEER_COORDINATOR),
        f"/admin/hosts/home/{home.pk}/step/{step}/",
        data.draw(posts(base)),
        method=data.draw(st.sampled_from(["get", "post", "post"])),
        tables={"history": HomeTransition, "homes": Home, "outbox": OutboundEmail},
    )


@given(step=st.sampled_from(["close", "reopen", "unmatch", "rehouse"]), data=st.data())
def test_admin_case_steps(world, coordinator, step, data):
    case = world.objects["newcomers.newcomercase"]
    fuzz(
        coordinator,
        f"/admin/newcomers/newcomercase/{case.pk}/step/{step}/",
        data.draw(posts({"reason": "Familjen har egen bostad."})),
        tables=CASE_TABLES,
    )


@given(
    step=st.sampled_from(["approve", "reject", "cancel", "move_in", "end"]),
    stage=st.sampled_from(["proposed", "approved", "moved_in"]),
    data=st.data(),
)
def test_admin_match_steps(world, coordinator, step, stage, data):
    match = world.objects["matching.match"]
    reason = world.objects["matching.matchreason"]
    base = {
        "reason_choice": str(reason.pk),
        "note": "Hyran blev för hög.",
        "move_in_date": timezone.localdate().isoformat(),
        "ended_on": timezone.localdate().isoformat(),
        "home_next": "referred",
        "case_next": "waiting",
        "early_end_reason": "relationship",
    }
    fuzz(
        coordinator,
        f"/admin/matching/match/{match.pk}/step/{step}/",
        data.draw(posts(base)),
        tables={
            **CASE_TABLES,
            "match history": MatchTransition,
            "home history": HomeTransition,
            "check-ins cancelled": lambda: CheckIn.objects.filter(status="cancelled").count(),
        },
        before_request=lambda: Match.objects.filter(pk=match.pk).update(status=stage),
    )


@given(data=st.data(), page=st.sampled_from(["decline", "registered"]))
def test_admin_housing_steps(world, data, page):
    if page == "decline":
        client = user_of(world, roles.PARTNER_COORDINATOR)
        path = f"/admin/housing/vacancy/{world.objects['housing.vacancy'].pk}/decline/"
        base = {"reason": "Ingen hiss."}
    else:
        client = user_of(world, roles.HOUSING_COMPANY_STAFF)
        path = f"/admin/housing/contract/{world.objects['housing.contract'].pk}/registered/"
        base = {"registered_on": timezone.localdate().isoformat()}
    fuzz(
        client,
        path,
        data.draw(posts(base)),
        tables={
            "vacancies": Vacancy,
            "declined": lambda: Vacancy.objects.filter(status="declined").count(),
            "homes": Home,
            "history": HomeTransition,
        },
    )


# The road to work (issue 17): the offer, the check-in, the staff figures, the placement's steps


def work_tables():
    from work.models import Employer, Placement, PlacementCheckIn, PlacementTransition

    return {
        "employers": Employer,
        "placements": Placement,
        "placement history": PlacementTransition,
        "check-ins": PlacementCheckIn,
        "placement rows": lambda: sorted(Placement.objects.values_list("pk", "status", "title")),
    }


@given(
    data=st.data(),
    page=st.sampled_from(
        ["offer", "check_in", "figures", "employer", "propose", "start", "end_early"]
    ),
)
def test_admin_road_to_work(world, data, page):
    from tests.factories import NewcomerCaseFactory

    today = timezone.localdate().isoformat()
    staff = user_of(world, roles.HOUSING_COMPANY_STAFF)
    coordinator = user_of(world, roles.PARTNER_COORDINATOR)
    placement = world.objects["work.placement"]  # under way
    employer = world.objects["work.employer"]
    client, path, base, stage = {
        "offer": (
            staff,
            "/admin/work/placement/add/",
            {
                "employer": str(employer.pk),
                "integration_unit": str(world.orgs["partner"].pk),
                "kind": "internship",
                "title": "Kontorspraktik",
                "place": "Kontoret",
                "starts_on": today,
                "ends_on": today,
                "hours_per_week": "20",
                "languages": "sv, en",
            },
            None,
        ),
        "check_in": (
            staff,
            "/admin/work/placementcheckin/add/",
            {
                "placement": str(placement.pk),
                "on": today,
                "days_expected": "5",
                "days_present": "4",
                "language": "swedish",
                "going": "well",
                "note": "Bra.",
            },
            None,
        ),
        "figures": (
            staff,
            "/admin/work/stafffigures/add/",
            {
                "employer": str(employer.pk),
                "recorded_on": today,
                "employees": "38",
                "came_as_newcomers": "3",
            },
            None,
        ),
        "employer": (
            coordinator,
            "/admin/work/employer/add/",
            {"name": "Krokoms Bygg", "contact_email": "bygg@example.org"},
            None,
        ),
        "propose": (
            coordinator,
            f"/admin/work/placement/{placement.pk}/step/propose/",
            {
                "case": str(NewcomerCaseFactory(partner=world.orgs["partner"]).pk),
                "adult_number": "1",
                "employment_service_reference": "AF-1",
                "consent_given_on": today,
                "consent_given": "in_writing",
            },
            "offered",
        ),
        "start": (
            staff,
            f"/admin/work/placement/{placement.pk}/step/start/",
            {"started_on": today},
            "proposed",
        ),
        "end_early": (
            coordinator,
            f"/admin/work/placement/{placement.pk}/step/end_early/",
            {"ended_on": today, "end_reason": "studies", "reason": ""},
            None,
        ),
    }[page]

    def at_stage():
        if stage is not None:
            type(placement).objects.filter(pk=placement.pk).update(status=stage)

    fuzz(client, path, data.draw(posts(base)), tables=work_tables(), before_request=at_stage)


# The household's own pages and the coordinator's side of its link (issue 16) --------------------


@pytest.fixture
def household_link(world):
    from newcomers.actions import issue_household_link

    return issue_household_link(
        case=world.objects["newcomers.newcomercase"],
        user=world.users[roles.PARTNER_COORDINATOR],
        delivery="letter",
    )


@pytest.fixture
def household_browser(household_link):
    """A browser in which the world's household opened its own link."""
    from newcomers.actions import household_link_url

    client = Client()
    response = client.get(household_link_url(household_link).removeprefix(settings.SITE_URL))
    assert response.status_code == 302
    return client


def household_tables():
    from stays.models import Concern

    return {
        "answered": lambda: Match.objects.exclude(household_answer="").count(),
        "answers": lambda: sorted(Match.objects.values_list("household_answer", flat=True)),
        "concerns": Concern,
        "history": MatchTransition,
    }


@given(
    stage=st.sampled_from(["proposed", "approved", "moved_in", "rejected"]),
    data=posts({"answer": "yes"}),
    urlencoded=st.booleans(),
)
@example(stage="proposed", data={"answer": ["yes", "no"]}, urlencoded=False)
def test_household_answer(world, household_browser, stage, data, urlencoded):
    match = world.objects["matching.match"]
    fuzz(
        household_browser,
        "/household/proposal/",
        data,
        tables=household_tables(),
        urlencoded=urlencoded,
        before_request=lambda: Match.objects.filter(pk=match.pk).update(status=stage),
    )


@given(
    stage=st.sampled_from(["proposed", "approved", "moved_in", "ended"]),
    data=posts({"urgency": "urgent", "text": "Värmen fungerar inte."}),
    urlencoded=st.booleans(),
)
@example(stage="moved_in", data={"urgency": "normal", "text": "a\x00b"}, urlencoded=False)
def test_household_concern(world, household_browser, stage, data, urlencoded):
    match = world.objects["matching.match"]
    fuzz(
        household_browser,
        "/household/concern/",
        data,
        tables=household_tables(),
        urlencoded=urlencoded,
        before_request=lambda: Match.objects.filter(pk=match.pk).update(status=stage),
    )


@given(data=posts({}), token=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=60)))
def test_household_link_opened_with_any_token(world, household_link, data, token):
    from urllib.parse import quote

    from newcomers.models import HouseholdLink

    path = f"/household/open/{quote(token, safe='')}/" if token.strip("/") else "/household/"
    fuzz(
        Client(),
        path,
        data,
        method="get",
        tables={"links": HouseholdLink},
        succeeded=lambda r: False,
    )


@given(data=st.data(), delivery=st.sampled_from(["letter", "email"]), email=st.booleans())
def test_admin_give_household_link(world, coordinator, data, delivery, email):
    from newcomers.models import HouseholdLink

    case = world.objects["newcomers.newcomercase"]
    fuzz(
        coordinator,
        f"/admin/newcomers/newcomercase/{case.pk}/step/give_link/",
        data.draw(posts({"delivery": delivery})),
        tables={
            "links": HouseholdLink,
            "working": lambda: HouseholdLink.objects.usable().count(),
            "outbox": OutboundEmail,
        },
        before_request=lambda: NewcomerCase.objects.filter(pk=case.pk).update(
            email="familj@example.org" if email else ""
        ),
    )


@given(data=st.data())
def test_admin_stop_household_link(world, coordinator, household_link, data):
    from newcomers.models import HouseholdLink

    case = world.objects["newcomers.newcomercase"]
    fuzz(
        coordinator,
        f"/admin/newcomers/newcomercase/{case.pk}/household-link/stop/",
        data.draw(posts({"link_id": str(household_link.pk)})),
        tables={"links": HouseholdLink},
    )


@given(
    stage=st.sampled_from(["proposed", "approved", "rejected"]),
    data=posts({"answer": "no", "via": "interpreter"}),
)
def test_admin_record_household_answer(world, coordinator, stage, data):
    match = world.objects["matching.match"]
    fuzz(
        coordinator,
        f"/admin/matching/match/{match.pk}/step/household_answer/",
        data,
        tables=household_tables(),
        before_request=lambda: Match.objects.filter(pk=match.pk).update(status=stage),
    )


# The stay: "something is wrong" and mediation meetings -----------------------------------------

CONCERN_TABLES = {
    "concerns": Concern,
    "history": ConcernTransition,
    "meetings": Mediation,
    "meeting history": MediationTransition,
    "outbox": OutboundEmail,
}


@pytest.fixture
def host_with_a_stay(world, host_browser):
    """The self-service host's home with a household moved in (test set-up: rows)."""
    from tests.factories import match_with_history

    match_with_history(
        world.host_home,
        NewcomerCaseFactory(partner=world.orgs["partner"]),
        [("approved", timezone.now()), ("moved_in", timezone.now())],
    )
    return host_browser


@given(
    data=posts({"urgency": "normal", "text": "Det har blivit bråk om köket."}),
    method=st.sampled_from(["get", "post", "post"]),
    urlencoded=st.booleans(),
)
def test_host_concern(world, host_with_a_stay, data, method, urlencoded):
    fuzz(
        host_with_a_stay,
        "/my-offer/concern/",
        data,
        method=method,
        urlencoded=urlencoded,
        tables=CONCERN_TABLES,
        succeeded=lambda r: method == "post" and r.status_code == 302,
    )


@given(
    step=st.sampled_from(["acknowledge", "mediate", "mediate_again", "resolve", "no-such-step"]),
    stage=st.sampled_from(Concern.Status.values),
    role=st.sampled_from([roles.PARTNER_COORDINATOR, roles.VOLUNTEER_COORDINATOR]),
    data=st.data(),
)
def test_admin_concern_steps(world, step, stage, role, data):
    concern = world.objects["stays.concern"]
    base = {
        "note": "Jag ringer värden i dag.",
        "resolution": "Vi pratade ihop oss.",
        "day": tomorrow(),
        "time": "10:00",
        "duration_minutes": "60",
        "place": "Kommunhuset",
        "mediator": str(world.users[roles.PARTNER_COORDINATOR].pk),
    }
    fuzz(
        user_of(world, role),
        f"/admin/stays/concern/{concern.pk}/step/{step}/",
        data.draw(posts(base)),
        method=data.draw(st.sampled_from(["get", "post", "post"])),
        tables=CONCERN_TABLES,
        before_request=lambda: Concern.objects.filter(pk=concern.pk).update(status=stage),
    )


@given(
    step=st.sampled_from(["move", "hold", "cancel"]),
    stage=st.sampled_from(Mediation.Status.values),
    data=st.data(),
)
def test_admin_mediation_steps(world, coordinator, step, stage, data):
    mediation = world.objects["stays.mediation"]
    base = {
        "day": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "time": "14:30",
        "place": "Biblioteket",
        "reason": "Värden är sjuk.",
        "outcome": "Vi kom överens om tider för köket.",
    }
    fuzz(
        coordinator,
        f"/admin/stays/mediation/{mediation.pk}/step/{step}/",
        data.draw(posts(base)),
        method=data.draw(st.sampled_from(["get", "post", "post"])),
        tables=CONCERN_TABLES,
        before_request=lambda: Mediation.objects.filter(pk=mediation.pk).update(status=stage),
    )


# --- issue 16, helper "evaluations": each side's survey (stays/views.py) ---------------------


def _survey_post(key):
    """A valid answer to the survey ``key``: 4 on each scale, yes, a few words."""
    from stays.surveys import SCALE, SURVEYS, YES_NO

    kinds = {SCALE: "4", YES_NO: "yes"}
    return {q.key: kinds.get(q.kind, "Det går bra.") for q in SURVEYS[key].questions}


@pytest.fixture
def open_surveys(world):
    """A stay a month after its move-in with both sides' surveys open; the host's browser (their
    self-service link opened) and the household's (its own link opened)."""
    from newcomers.links import SESSION_KEY
    from newcomers.models import HouseholdLink
    from stays.actions import open_evaluations
    from tests.factories import moved_in_match

    coordinator = world.users[roles.PARTNER_COORDINATOR]
    stay = moved_in_match(coordinator.organisation, coordinator=coordinator)
    open_evaluations(today=stay.move_in_date + timedelta(days=30))
    host = Client()
    host.get(self_service_url(stay.home.host).removeprefix(settings.SITE_URL))
    household = Client()
    link = HouseholdLink.objects.create(
        case=stay.case, expires_at=timezone.now() + timedelta(days=30)
    )
    session = household.session
    session[SESSION_KEY] = link.pk
    session.save()
    return SimpleNamespace(stay=stay, host=host, household=household)


def _evaluation_tables():
    from stays.models import Concern, Evaluation, EvaluationAnswer, EvaluationTransition

    return {
        "answered": lambda: Evaluation.objects.filter(status="answered").count(),
        "answers": EvaluationAnswer,
        "history": EvaluationTransition,
        "concerns": Concern,
    }


@given(data=posts(_survey_post("host_month_1")), urlencoded=st.booleans())
@example(data={**_survey_post("host_month_1"), "anything_else": "Bra\x00"}, urlencoded=False)
def test_host_evaluation(world, open_surveys, data, urlencoded):
    fuzz(
        open_surveys.host,
        "/my-offer/evaluation/month-1/",
        data,
        tables=_evaluation_tables(),
        urlencoded=urlencoded,
    )


@given(data=posts(_survey_post("household_month_1")), urlencoded=st.booleans())
@example(data={**_survey_post("household_month_1"), "settled": "1"}, urlencoded=True)
def test_household_evaluation(world, open_surveys, data, urlencoded):
    fuzz(
        open_surveys.household,
        "/household/evaluation/month-1/",
        data,
        tables=_evaluation_tables(),
        urlencoded=urlencoded,
    )


# --- end of helper "evaluations"'s block ---


# Where the depth is ---------------------------------------------------------------------------


def test_make_fuzz_runs_every_hypothesis_test_of_the_suite():
    """The suite runs a few examples of each property; ``make fuzz`` gives them a long budget.
    That only holds if every module with a Hypothesis test (a ``@given`` or a state machine) is
    in the Makefile's FUZZ_TESTS: a new fuzzer left out of it would never be fuzzed deeply."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    makefile = (root / "Makefile").read_text()
    block = re.search(r"^FUZZ_TESTS \?= ((?:.*\\\n)*.*)$", makefile, re.MULTILINE)
    assert block, "no FUZZ_TESTS in the Makefile"
    listed = set(block.group(1).replace("\\\n", " ").split())
    with_hypothesis = {
        str(path.relative_to(root))
        for path in (root / "tests").rglob("test_*.py")
        if re.search(r"^\s*@given\(|RuleBasedStateMachine", path.read_text(), re.MULTILINE)
    }
    assert with_hypothesis, "no Hypothesis test found: the search is wrong"
    assert sorted(with_hypothesis - listed) == []


# --- issue 20, helper "meet": information meetings (public sign-up, picker, organisers' forms)


def meeting_tables():
    from outreach.models import (
        InformationMeeting,
        MeetingSignup,
        MeetingTransition,
        SignupTransition,
    )

    return {
        "meetings": InformationMeeting,
        "meeting_history": MeetingTransition,
        "signups": MeetingSignup,
        "signup_history": SignupTransition,
        "confirmed": lambda: MeetingSignup.objects.filter(status="confirmed").count(),
        "outbox": OutboundEmail,
    }


MEETING_SIGN_UP = {"name": "Rut Ek", "email": "rut@example.org", "consent": "on", "website": ""}


@given(data=posts(MEETING_SIGN_UP), urlencoded=st.booleans())
def test_meeting_sign_up(world, data, urlencoded):
    meeting = world.objects["outreach.informationmeeting"]
    fuzz(
        Client(),
        f"/meetings/{meeting.pk}/",
        data,
        tables=meeting_tables(),
        urlencoded=urlencoded,
    )


@given(data=posts({"kommun": "Malmö"}))
def test_municipality_picker(world, data):
    fuzz(Client(), "/kommun/", data, tables=meeting_tables())


def meeting_plan(**overrides):
    day = (timezone.localdate() + timedelta(days=7)).isoformat()
    return {
        "title": "Bli värd",
        "topic": "hosting",
        "municipality": "2380",
        "day": day,
        "starts": "18:00",
        "ends": "19:00",
        "place": "Biblioteket",
        "online_url": "",
        "language": "sv",
        "capacity": "20",
        "description": "",
        **overrides,
    }


@given(
    page=st.sampled_from(["new/", "{id}/change/"]),
    data=posts(meeting_plan()),
    urlencoded=st.booleans(),
)
def test_plan_and_change_a_meeting(world, page, data, urlencoded):
    meeting = world.objects["outreach.informationmeeting"]
    fuzz(
        user_of(world, roles.VOLUNTEER_COORDINATOR),
        "/volunteer/meetings/" + page.format(id=meeting.pk),
        data,
        tables=meeting_tables(),
        urlencoded=urlencoded,
    )


@given(
    step=st.sampled_from(["cancel/", "attendance/"]),
    started=st.booleans(),
    data=st.data(),
)
def test_meeting_steps(world, step, started, data):
    """Cancelling (a reason) and recording who came (ticks and walk-ins), on a meeting to come
    (who came is refused) and on one that began an hour ago."""
    from outreach.models import InformationMeeting

    meeting = world.objects["outreach.informationmeeting"]
    signup = world.objects["outreach.meetingsignup"]
    base = (
        {"reason": "Lokalen är stängd."}
        if step == "cancel/"
        else {
            "came": [str(signup.pk)],
            "walk_ins": "3",
        }
    )
    starts_at = timezone.now() + (timedelta(hours=-1) if started else timedelta(days=7))
    fuzz(
        user_of(world, roles.VOLUNTEER_COORDINATOR),
        f"/volunteer/meetings/{meeting.pk}/{step}",
        draw_post(data, base),
        tables={
            **meeting_tables(),
            "held": lambda: InformationMeeting.objects.filter(status="held").count(),
            "cancelled": lambda: InformationMeeting.objects.filter(status="cancelled").count(),
        },
        before_request=lambda: InformationMeeting.objects.filter(pk=meeting.pk).update(
            starts_at=starts_at, ends_at=starts_at + timedelta(hours=1)
        ),
    )
