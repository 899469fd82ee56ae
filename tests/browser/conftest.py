"""Browser fixtures: Debian's Chromium driven by Playwright's sync API, one browser per session.

pytest-playwright is not used. Every pytest-xdist worker is its own session, so each worker starts
its own browser and pytest-django gives it its own live server on a free port and its own test
database. Tests get a fresh context (cookies, storage) from the ``phone`` fixture.
"""

import contextlib
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import require

# Playwright's sync API runs an event loop in this thread; Django's ORM would refuse to run in it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HERE = Path(__file__).resolve().parent


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives Debian's Chromium through Playwright")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item, so that fixtures can tell whether the test failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    require(
        CHROMIUM.is_file(),
        "Debian's Chromium (/usr/bin/chromium) is not installed: apt-get install -y chromium",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def phone_locale():
    """The browser's language; Swedish like most of the portal's visitors."""
    return "sv-SE"


@pytest.fixture
def phone(browser, phone_locale):
    """A fresh browser context the size of a phone."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale=phone_locale,
        timezone_id="Europe/Stockholm",
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


class ConsoleWatch:
    """Collects what went wrong: console errors (CSP violations among them), JS errors, 5xx."""

    def __init__(self):
        self.errors: list[str] = []
        self.page_errors: list[str] = []
        self.server_errors: list[str] = []

    def attach(self, page):
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("response", self._response)
        return page

    def _response(self, response):
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    def _console(self, message):
        if message.type == "error":
            self.errors.append(message.text)

    @property
    def csp_violations(self) -> list[str]:
        return [
            text
            for text in self.errors
            if "Content Security Policy" in text or "Refused to" in text
        ]


@pytest.fixture
def console():
    """What the ``page`` fixture's page wrote to its console."""
    return ConsoleWatch()


@pytest.fixture
def page(request, phone, console):
    """A page in the phone context whose errors land in ``console``.

    When the test fails, the page as it was is saved to test-artifacts/failed-<test>.png and
    what ``console`` collected is printed (a server error otherwise shows only as a timeout).
    """
    page = console.attach(phone.new_page())
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "-", request.node.name)
        with contextlib.suppress(PlaywrightError):
            page.screenshot(path=str(ARTIFACTS / f"failed-{name}.png"), full_page=True)
        print(f"Page at failure: {page.url}")
        print(f"Server errors: {console.server_errors}")
        print(f"Console errors: {console.errors}")
        print(f"Page errors: {console.page_errors}")
    page.close()


@pytest.fixture(scope="session")
def checked_once(tmp_path_factory):
    """``checked_once("admin").first_time(kind, language)``: whether this run has yet to check
    that (tests/browser/once.py); shared by the xdist workers."""
    from tests.browser.once import Once, run_folder

    folder = run_folder(tmp_path_factory)
    return lambda name: Once(folder / f"checked-once-{name}.jsonl")


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# The portal served from the test's own transaction (tests/browser/inprocess.py).
from tests.browser.inprocess import served  # noqa: E402, F401
