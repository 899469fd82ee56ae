"""Security headers and personal data in transit: a Content Security Policy without inline code on
every page, no inline scripts, ``Cache-Control: no-store`` wherever personal data is shown, and no
personal data in addresses (only integer ids and signed tokens; personal fields are POSTed)."""

import json
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib import admin
from django.core import signing
from django.test import Client
from django.urls import reverse

from accounts import roles
from hosts.actions import make_link_token, self_service_url
from privacy.models import AccessLog, DataRequest
from tests.conftest import built_once_per_module
from tests.factories import portal_world, registration_post_data
from tests.security.test_permission_matrix import INLINE_HANDLER, INLINE_SCRIPT, url_patterns

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("local_cache", "fast_password_hashing"),
]


class Forms(HTMLParser):
    """The forms of a page: method and the names of their fields."""

    def __init__(self):
        super().__init__()
        self.forms, self._current = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = {"method": (attrs.get("method") or "get").lower(), "fields": set()}
            self.forms.append(self._current)
        elif tag in ("input", "select", "textarea") and self._current and attrs.get("name"):
            self._current["fields"].add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def forms_of(html: str):
    parser = Forms()
    parser.feed(html)
    return parser.forms


PERSONAL_FIELDS = {
    "name",
    "email",
    "phone",
    "street_address",
    "postcode",
    "username",
    "password",
    "token",
    "note",
    "report",
    "household_description",
    "motivation",
}


held_world = built_once_per_module(portal_world)


@pytest.fixture
def world(held_world, settings):
    return held_world.fresh(settings)


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def pages(world):
    """(who, path, response) of the pages people of every kind open, public and staff."""
    fetched = []

    def get(who, client, path, **kwargs):
        response = client.get(path, **kwargs)
        if response.streaming:  # a file: read it, as the client then closes it properly
            b"".join(response.streaming_content)
        fetched.append((who, path, response))

    public = Client()
    for path in [
        "/",
        "/privacy/",
        "/offer/",
        "/offer/sent/",
        "/my-offer/link/",
        "/volunteer/join/",
        "/accounts/login/",
        "/accounts/password_reset/",
        "/no-such-page/",
    ]:
        get("public", public, path)
    signing_up = Client()
    signing_up.post("/offer/", registration_post_data())
    get("signing up", signing_up, "/offer/")
    get("signing up", signing_up, "/offer/check/")

    host = Client()
    host.get(self_service_url(world.host_home.host).removeprefix(settings.SITE_URL))
    for path in [
        "/my-offer/",
        "/my-offer/change/",
        "/my-offer/pause/",
        "/my-offer/withdraw/",
        "/my-offer/erase/",
        "/my-offer/data/",
    ]:
        get("host", host, path)

    volunteer = logged_in(world.users[roles.VOLUNTEER])
    volunteer.post("/volunteer/queue/next/")
    for path in [
        "/volunteer/",
        "/volunteer/queue/",
        f"/volunteer/visits/{world.visit.pk}/",
        f"/volunteer/homes/{world.queued_home.pk}/visit/",
    ]:
        get("volunteer", volunteer, path)
    coordinator = logged_in(world.users[roles.VOLUNTEER_COORDINATOR])
    for path in [
        "/volunteer/applications/",
        "/volunteer/referrals/",
        "/volunteer/campaigns/",
        f"/volunteer/homes/{world.queued_home.pk}/duplicates/",
        "/admin/",
        f"/admin/hosts/host/{world.objects['hosts.host'].pk}/change/",
        f"/admin/hosts/home/{world.objects['hosts.home'].pk}/change/",
    ]:
        get("volunteer coordinator", coordinator, path)
    partner = logged_in(world.users[roles.PARTNER_COORDINATOR])
    for path in [
        f"/admin/newcomers/newcomercase/{world.objects['newcomers.newcomercase'].pk}/change/",
        "/admin/newcomers/newcomercase/add/",
        f"/admin/matching/match/{world.objects['matching.match'].pk}/change/",
        "/admin/matching/match/add/",
        "/admin/newcomers/newcomercase/plan/",
        f"/reports/{world.objects['reports.partnership'].pk}/",
    ]:
        get("partner coordinator", partner, path)
    manager = logged_in(world.users[roles.MANAGER])
    for path in [
        "/reports/",
        f"/reports/runs/{world.objects['reports.reportrun'].pk}/pdf/",
    ]:
        get("manager", manager, path)
    officer = logged_in(world.users[roles.DATA_PROTECTION_OFFICER])
    for path in [
        "/privacy-officer/record/",
        "/privacy-officer/requests/",
        "/admin/privacy/accesslog/",
        "/accounts/two-factor/",
    ]:
        get("data protection officer", officer, path)
    return fetched


def test_every_page_has_a_policy_without_inline_code(pages):
    for who, path, response in pages:
        policy = response["Content-Security-Policy"]
        for directive in ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"]:
            assert directive in policy, (who, path, policy)
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, (who, path)
        assert response["X-Content-Type-Options"] == "nosniff", (who, path)
        if response.get("Content-Type", "").startswith("text/html"):
            html = response.content.decode()
            assert not INLINE_SCRIPT.search(html), (who, path, INLINE_SCRIPT.search(html))
            assert not INLINE_HANDLER.search(html), (who, path, INLINE_HANDLER.search(html))


def test_the_pages_were_the_real_ones(pages):
    """The header checks above ran on the pages themselves, not on refusals."""
    for who, path, response in pages:
        expected = 404 if path == "/no-such-page/" else 200
        assert response.status_code == expected, (who, path, response.status_code)


NO_PERSONAL_DATA = {"/", "/privacy/", "/offer/sent/", "/no-such-page/", "/volunteer/join/"}


def test_pages_with_personal_data_are_not_stored_by_browsers_or_proxies(pages):
    for who, path, response in pages:
        if who == "public" and path in NO_PERSONAL_DATA | {
            "/offer/",
            "/my-offer/link/",
            "/accounts/login/",
            "/accounts/password_reset/",
        }:
            continue
        directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
        assert "no-store" in directives, (who, path, response.get("Cache-Control"))


def test_the_sign_up_answers_are_not_cached_either(client):
    """The form filled in again from the session, and the "check your answers" page."""
    client.post("/offer/", registration_post_data(email="cache@example.org"))
    for path in ["/offer/", "/offer/check/"]:
        response = client.get(path)
        assert "cache@example.org" in response.content.decode()
        assert "no-store" in response["Cache-Control"], path


def test_addresses_hold_only_integer_ids_and_signed_tokens():
    """No e-mail address, phone number or name can end up in a path: every parameter of every
    URL pattern is an integer id, a signed token, or (in the admin) a model's integer key, or
    the official code of public reference data (``REFERENCE_DATA_KEYED_BY_CODE``), or a tagged
    link's short code."""
    # "code": a tagged link's short code (outreach.models.new_code), drawn at random by the
    # portal from 31 letters and digits and printed on posters: it names no person.
    allowed_strings = {"token", "uidb64", "code"}
    admin_keys = {"object_id", "content_type_id"}
    for name, route, _pattern in url_patterns():
        for converter, parameter in re.findall(r"<(?:(\w+):)?(\w+)>", route):
            if converter == "int":
                continue
            if route.startswith("admin/") and parameter in admin_keys:
                continue
            if route.startswith("admin/") and parameter in {"app_label", "url", "id", "step"}:
                continue
            assert converter in ("", "str") and parameter in allowed_strings, (name, route)
    for model in admin.site._registry:
        if model._meta.label_lower in REFERENCE_DATA_KEYED_BY_CODE:
            # A short official code: it cannot hold an address, a number or a name.
            pk = model._meta.pk
            assert pk.get_internal_type() == "CharField" and pk.max_length <= 4, model
            continue
        assert model._meta.pk.get_internal_type() in {"AutoField", "BigAutoField"}, model


# Public reference data keyed by its official code, the same in every copy of the data set
# (docs/decisions.md, issue 15): nobody's data, and its codes are no one's ids to enumerate.
REFERENCE_DATA_KEYED_BY_CODE = {
    "municipalities.county": "the county code (länskod), e.g. 12 Skåne län",
    "municipalities.municipality": "the municipality code (kommunkod), e.g. 1280 Malmö",
}


def test_the_hosts_links_carry_no_personal_data(world):
    host = world.host_home.host
    for purpose in ["confirm", "self_service"]:
        token = make_link_token(host, purpose=purpose)
        payload = json.loads(signing.b64_decode(token.split(":")[0].encode()))
        assert set(payload) == {"h", "a", "v"}
        for value in (host.email, host.name, str(host.phone), host.email.split("@")[0]):
            assert value not in token and value not in json.dumps(payload)


def test_public_forms_send_personal_data_by_post(pages):
    for who, path, response in pages:
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        for form in forms_of(response.content.decode()):
            if form["method"] == "get":
                assert not form["fields"] & PERSONAL_FIELDS, (who, path, form)
                assert who != "public", (who, path, form)


def test_the_data_request_page_searches_only_by_post(world):
    officer = logged_in(world.users[roles.DATA_PROTECTION_OFFICER])
    email = world.host_home.host.email
    page = officer.get(reverse("privacy:data_request")).content.decode()
    assert [form["method"] for form in forms_of(page) if "email" in form["fields"]] == ["post"]

    for action in ["find", "export", "erase"]:
        response = officer.get(reverse("privacy:data_request"), {"email": email, "action": action})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert email not in response.content.decode()
    assert not DataRequest.objects.exclude(pk=world.objects["privacy.datarequest"].pk).exists()
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()
    world.host_home.host.refresh_from_db()
    assert world.host_home.host.erased_at is None


def test_sign_up_and_link_requests_never_put_the_address_in_a_redirect(client):
    response = client.post("/offer/", registration_post_data(email="where@example.org"))
    assert response.status_code == 302 and "@" not in response["Location"]
    response = client.post("/offer/check/", {"consent": "on"})
    assert response.status_code == 302 and "@" not in response["Location"]
    response = client.post("/my-offer/link/", {"email": "where@example.org"})
    assert response.status_code == 200
    response = client.post("/volunteer/join/", {"email": "where@example.org"})
    assert "@" not in response.get("Location", "")
