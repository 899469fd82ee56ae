"""Every public and host page type, in Swedish and English, in Chromium (tests/browser/walk.py):
no axe-core WCAG 2.1 A/AA violation, no server error, no Swedish message the catalogue lacks.

The pages with forms are also sent empty or wrong, and the page with its errors is checked. The
host pages are those of demo hosts (``seed_demo``), opened through a signed link as a host would.
Screenshots of the start page, a sign-up step with errors and "My offer" at 390 × 844 and
1280 × 800 land in test-artifacts/public-<page>-<phone|desktop>-<sv|en>.png.

Axe checks a page in a given state once per language and size in this test process
(``_CHECKED_BY_AXE``): the screenshots' pages on the phone were checked by the walks before them,
and the host's "My offer" is opened again before logging out; those visits still check the
status, the server's errors and the Swedish catalogue.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from hosts.actions import make_link_token, self_service_url
from hosts.models import Home, Host
from tests.browser.conftest import ARTIFACTS
from tests.browser.inprocess import DESKTOP, PHONE
from tests.browser.walk import check, visit
from tests.conftest import demo_user

pytestmark = pytest.mark.django_db


def fill_registration(page, email: str) -> None:
    """A valid sign-up, field by field (the names of hosts.forms.RegistrationForm)."""
    for name, value in {
        "name": "Kim Berg",
        "email": email,
        "phone": "070-123 45 67",
        "street_address": "Storgatan 12",
        "postcode": "831 30",
        "municipality": "Krokom",
        "beds": "2",
        "available_from": (timezone.localdate() + timedelta(days=14)).isoformat(),
        "rent_per_month": "2500",
        "household_description": "Jag och min katt.",
        "hopes": "Att någon trivs.",
    }.items():
        page.locator(f'[name="{name}"]').fill(value)
    page.locator('input[name="kind"]').first.check()
    page.locator('input[name="smoking"]').first.check()
    page.locator('select[name="heard_from"]').select_option(index=1)


def send(page) -> None:
    """Press the form's own submit button (not the header's) and wait for the answer."""
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()


# What axe has checked in this test process: (the page in its state, language, size).
_CHECKED_BY_AXE: set[tuple[str, str, str]] = set()


def first_time(what: str, language: str, size: str = "phone") -> bool:
    """Whether axe is still to check ``what`` in ``language`` at ``size`` (then it will be)."""
    key = (what, language, size)
    if key in _CHECKED_BY_AXE:
        return False
    _CHECKED_BY_AXE.add(key)
    return True


def host_link(home: Home, language: str) -> str:
    """The host's signed link, the host having chosen ``language`` (their pages follow it)."""
    Host.objects.filter(pk=home.host_id).update(language=language)
    return self_service_url(Host.objects.get(pk=home.host_id)).removeprefix(settings.SITE_URL)


def demo_home(**filters) -> Home:
    return (
        Home.objects.filter(host__erased_at__isnull=True, host__email__gt="", **filters)
        .order_by("pk")
        .first()
    )


@pytest.mark.parametrize("language", ["sv", "en"])
def test_public_pages(browser, served, demo, language, settings):
    problems = []
    with served.page(browser, language=language, viewport=PHONE) as page:
        for path in ("/", "/privacy/", "/offer/", "/offer/sent/", "/my-offer/link/"):
            problems += visit(page, path, axe=first_time(path, language))
        problems += visit(page, "/no-such-page/", expect_status=404)
        problems += visit(page, "/my-offer/open/not-a-link/", expect_status=400)
        problems += visit(page, "/offer/confirm/not-a-link/", expect_status=400)
        problems += visit(page, "/?q=%01", expect_status=400)
        # Without a host session "My offer" leads to the link request, with a message.
        problems += visit(page, "/my-offer/")
        assert page.url.endswith("/my-offer/link/")

        # The sign-up: empty, then valid, then "check your answers" without and with consent.
        page.goto(served.url + "/offer/")
        send(page)
        problems += check(
            page, "/offer/ sent empty", axe=first_time("/offer/ sent empty", language)
        )
        assert page.locator("#error-summary").count() == 1
        email = f"kim.{language}@example.org"
        fill_registration(page, email)
        send(page)
        assert page.url.endswith("/offer/check/"), page.url
        problems += check(page, "/offer/check/")
        send(page)
        problems += check(page, "/offer/check/ sent without consent")
        assert page.locator("#error-summary a[href='#id_consent']").count() == 1
        page.locator("#id_consent").check()
        send(page)
        assert page.url.endswith("/offer/sent/"), page.url
        problems += check(page, "/offer/sent/ after sending")

        # The confirm link of the e-mail.
        host = Host.objects.get(email=email)
        problems += visit(page, f"/offer/confirm/{make_link_token(host, purpose='confirm')}/")

        # "Send me my link": empty, wrong, then an address.
        page.goto(served.url + "/my-offer/link/")
        send(page)
        problems += check(page, "/my-offer/link/ sent empty")
        page.locator('[name="email"]').fill("not an address")
        send(page)
        problems += check(page, "/my-offer/link/ sent wrong")
        page.locator('[name="email"]').fill(email)
        send(page)
        problems += check(page, "/my-offer/link/ sent")

        # A form sent after its CSRF token went stale.
        page.goto(served.url + "/my-offer/link/")
        page.locator('main input[name="csrfmiddlewaretoken"]').evaluate("e => e.value = 'x'")
        page.locator('[name="email"]').fill(email)
        send(page)
        problems += check(page, "403 (CSRF)")

        # Too many link requests: the 429 page.
        settings.RATELIMIT_LINK_PER_IP = "1/h"
        for _ in range(2):
            page.goto(served.url + "/my-offer/link/")
            page.locator('[name="email"]').fill(email)
            send(page)
        assert page.locator("h1").inner_text() in (
            "För många försök på kort tid",
            "Too many attempts in a short time",
        )
        problems += check(page, "429")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_host_pages(browser, served, demo, language):
    from stays.actions import STAY_STATUSES

    problems = []
    registered = demo_home(status=Home.Status.REGISTERED)
    staying = demo_home(matches__status__in=STAY_STATUSES)
    assert registered is not None and staying is not None
    # The browser's language is the other one: the pages follow the host's choice.
    other = "en" if language == "sv" else "sv"
    with served.page(browser, language=other, viewport=PHONE) as page:
        problems += visit(
            page, host_link(registered, language), axe=first_time("/my-offer/", language)
        )
        assert page.url.endswith("/my-offer/")
        assert page.evaluate("() => document.documentElement.lang") == language
        for path in ("/my-offer/change/", "/my-offer/pause/", "/my-offer/withdraw/"):
            problems += visit(page, path)
        page.goto(served.url + "/my-offer/change/")
        page.locator('[name="name"]').fill("")
        page.locator('[name="postcode"]').fill("12")
        send(page)
        problems += check(page, "/my-offer/change/ with errors")
        assert page.locator("#error-summary a").count() == 2
        problems += visit(page, "/my-offer/erase/")

        problems += visit(page, host_link(staying, language))
        problems += visit(page, "/my-offer/concern/")
        send(page)
        problems += check(page, "/my-offer/concern/ sent empty")
        # Erasing: the last page of the host's own.
        page.goto(served.url + "/my-offer/erase/")
        send(page)
        problems += check(page, "erased")
        # Leaving the link session: "Log out".
        problems += visit(
            page, host_link(registered, language), axe=first_time("/my-offer/", language)
        )
        with page.expect_navigation():
            page.locator("header form[action='/my-offer/leave/'] button").click()
        assert page.url == served.url + "/"
        problems += check(page, "/ after the host logged out")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_staff_error_pages_and_logged_out(browser, served, demo, language):
    problems = []
    with served.page(
        browser, user=demo_user("volontar"), language=language, viewport=PHONE
    ) as page:
        problems += visit(page, "/privacy-officer/record/", expect_status=403)
        page.goto(served.url + "/volunteer/")
        # The shared header with a volunteer's links wraps on a phone, nothing off screen.
        header = page.locator("header").bounding_box()
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1] and header["width"] <= PHONE["width"], widths
        page.screenshot(path=str(ARTIFACTS / f"public-staff-header-phone-{language}.png"))
        with page.expect_navigation():
            page.locator("header form[action='/accounts/logout/'] button").click()
        problems += check(page, "logged out")
    assert not problems, "\n".join(problems)


SCREENS = {
    "landing": "/",
    "register-errors": None,  # /offer/ sent empty
    "my-offer": "host",
}


@pytest.mark.parametrize("language", ["sv", "en"])
def test_screenshots(browser, served, demo, language, artifacts):
    """The three main public pages at phone and desktop size, checked at both sizes."""
    problems = []
    registered = demo_home(status=Home.Status.REGISTERED)
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        with served.page(browser, language=language, viewport=viewport) as page:
            problems += visit(page, "/", axe=first_time("/", language, size))
            page.screenshot(
                path=str(artifacts / f"public-landing-{size}-{language}.png"), full_page=True
            )
            page.goto(served.url + "/offer/")
            send(page)
            problems += check(
                page,
                f"/offer/ with errors ({size})",
                axe=first_time("/offer/ sent empty", language, size),
            )
            page.screenshot(
                path=str(artifacts / f"public-register-errors-{size}-{language}.png"),
                full_page=True,
            )
            problems += visit(
                page, host_link(registered, language), axe=first_time("/my-offer/", language, size)
            )
            page.screenshot(
                path=str(artifacts / f"public-my-offer-{size}-{language}.png"), full_page=True
            )
            widths = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert widths[0] <= widths[1], f"wider than the {size}: {widths}"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_error_pages_a_walk_cannot_reach(browser, served, demo, language):
    """The pages shown after repeated failed log-ins, after a refused step that no view handled,
    and after a server error: rendered as their handlers render them, then checked in the page.
    On the seeded demo, with the other walks: a browser test on a database of its own, before the
    demo's, can leave the next test of the process a closed connection (see ``_demo_order`` in
    tests/conftest.py; tests/browser/test_admin_refusals.py)."""
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from django.utils import translation

    from tests.i18n_guard import swedish_misses

    problems = []
    pages = [
        ("lockout.html", {}),
        ("500.html", {}),
        ("domain_error.html", {"status": 403, "message": "Nej."}),
        ("domain_error.html", {"status": 400, "message": "Nej."}),
        ("domain_error.html", {"status": 409, "message": "Nej."}),
    ]
    with served.page(browser, language=language, viewport=PHONE) as page:
        page.goto(served.url + "/privacy/")  # the same address, so /static/ resolves
        for template, context in pages:
            request = RequestFactory().get("/")
            request.user = AnonymousUser()
            request.session = {}
            with translation.override(language), swedish_misses() as missed:
                html = render_to_string(template, context, request=request)
            page.set_content(html)
            page.wait_for_load_state("load")
            # The portal's styles are there, so that axe judges the colours people see.
            assert (
                page.evaluate(
                    "() => getComputedStyle(document.querySelector('header')).backgroundColor"
                )
                == "rgb(244, 248, 247)"
            )
            what = f"{template} {context.get('status', '')}"
            problems += check(page, what)
            if language == "sv":
                problems += [f"{what}: not in the Swedish catalogue: {m!r}" for m in missed]
    assert not problems, "\n".join(problems)
