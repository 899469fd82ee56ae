"""Chromium pages served from the test's own database connection and transaction.

The live-server tests (the other files here) need a transactional database, which is emptied after
every test, so walking every page type of the seeded demo that way would mean seeding it again for
each test. Here a small HTTP server runs in a thread of the test process and answers with the whole
Django stack (middleware, sessions, CSRF, static files) on the *test's* database connection, so
what it shows is what the test (or a module's seeded demo, ``demo`` in tests/conftest.py) wrote,
uncommitted, and rolled back afterwards. Redirects, cookies and forms behave as served.

    def test_it(browser, served, demo):
        with served.page(browser, user=demo_user("samordnare")) as page:
            page.goto(served.url + "/admin/")

One request is answered at a time. The test thread waits in Playwright while a page loads, and
waits for the request in hand before signing in or after closing a page, so the two threads take
turns on the connection; ``page.messages_missing`` collects the messages that a
Swedish page asked for and the Swedish catalogue lacks (tests/i18n_guard.py).
"""

import contextlib
import threading
import traceback
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections
from playwright.sync_api import Error as PlaywrightError

from tests.i18n_guard import swedish_misses

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class Served:
    """The portal served on 127.0.0.1 from this test's database connection."""

    def __init__(self):
        self.statuses: list[tuple[int, str, str]] = []  # (status, method, path)
        self.missed: set[str] = set()
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._connection = connections["default"]
        self._app = StaticFilesHandler(WSGIHandler())
        self._server = make_server("127.0.0.1", 0, self._wsgi, WSGIServer, _Quiet)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        # Pages not in use, by (width, height, language), and every context opened: a page is
        # used by one ``page()`` at a time and emptied before the next (see ``page``).
        self._idle: dict[tuple, list] = {}
        self._contexts: list = []

    def _serve(self):
        # This thread uses the test thread's connection, inside the test's transaction.
        connections["default"] = self._connection
        self._server.serve_forever(poll_interval=0.05)

    def _wsgi(self, environ, start_response):
        status_line = []

        def remember(status, headers, exc_info=None):
            status_line.append(int(status.split()[0]))
            return start_response(status, headers, exc_info)

        with self._lock, swedish_misses() as missed:
            try:
                body = list(self._app(environ, remember))
            except Exception:  # noqa: BLE001 - reported by server_errors
                self.errors.append(traceback.format_exc())
                start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
                body = [b"The test server failed."]
                status_line.append(500)
        self.missed |= missed
        path = environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        if not path.startswith("/" + settings.STATIC_URL.strip("/") + "/"):
            status = status_line[-1] if status_line else 0
            self.statuses.append((status, environ["REQUEST_METHOD"], path))
        return body

    def start(self):
        self._thread.start()

    def stop(self):
        for context in self._contexts:
            with contextlib.suppress(PlaywrightError):
                context.close()
        self._contexts.clear()
        self._idle.clear()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    @property
    def server_errors(self) -> list[str]:
        return [f"{s} {m} {p}" for s, m, p in self.statuses if s >= 500] + self.errors

    def forget(self):
        """Start a new page's record: statuses, errors and missing messages."""
        self.statuses.clear()
        self.errors.clear()
        self.missed.clear()

    @contextlib.contextmanager
    def page(self, browser, *, user=None, language="sv", viewport=PHONE):
        """A Chromium page with nothing of the portal's in it (no cookies, no stored data, on
        ``about:blank``), signed in as ``user`` (if given) with the portal's language cookie set
        to ``language``.

        The page and its context (the size, the browser's language) are kept for the next page
        of the same size and language in this test, one at a time: left for ``about:blank``,
        their cookies, local and session storage, IndexedDB and caches emptied, before that page
        opens. A new context and page cost about 0.35 s, and a page's first document needs
        axe-core's 500 KB again (tests/browser/axe.py)."""
        phone = viewport["width"] < 600
        key = (viewport["width"], viewport["height"], language, id(browser))
        idle = self._idle.setdefault(key, [])
        if idle:
            page = idle.pop()
        else:
            context = browser.new_context(
                viewport=viewport,
                device_scale_factor=2 if phone else 1,
                is_mobile=phone,
                has_touch=phone,
                locale="sv-SE" if language == "sv" else "en-GB",
                timezone_id="Europe/Stockholm",
            )
            context.set_default_timeout(10_000)
            self._contexts.append(context)
            page = context.new_page()
            page.served = self
        cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": self.url}]
        if user is not None:
            from django.test import Client

            client = Client()
            with self.turn():  # not while a request of an earlier page is still being answered
                client.force_login(user)
            cookies.append(
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": self.url,
                }
            )
        page.context.add_cookies(cookies)
        kept = False
        try:
            yield page
            kept = self._empty(page)
        finally:
            if not kept:
                page.context.close()
            self.wait_until_idle()
            if kept:
                idle.append(page)

    def _empty(self, page) -> bool:
        """Leave the page for ``about:blank`` and forget what the portal stored in it and its
        context: session and local storage, cookies, IndexedDB, cache storage, service workers.
        Whether that went well: a page not on the portal then (its session storage out of
        reach) or that fails is closed with its context, not kept."""
        try:
            if not page.url.startswith(self.url + "/"):
                return False
            page.evaluate("() => { sessionStorage.clear(); localStorage.clear(); }")
            page.mouse.move(0, 0)
            page.goto("about:blank")
            page.context.clear_cookies()
            session = page.context.new_cdp_session(page)
            try:
                session.send(
                    "Storage.clearDataForOrigin",
                    {"origin": self.url, "storageTypes": "indexeddb,cache_storage,service_workers"},
                )
            finally:
                session.detach()
        except PlaywrightError:
            return False
        return True

    @contextlib.contextmanager
    def turn(self):
        """The shared connection to the test thread alone while the block runs (the test
        client's requests, a sign-in): the request being answered finishes first, and no other
        is answered until the block ends."""
        with self._lock:
            try:
                yield
            finally:
                _keep_the_connection_open()

    def wait_until_idle(self):
        """Wait for the request being answered (a closed page's last poll, say) to finish, so
        the test's next query never runs beside it on the shared connection: the two threads
        would interleave their savepoints and break the transaction."""
        with self._lock:
            pass


def _keep_the_connection_open():
    """The test client's own trick: a request must not close the connection the test holds open
    (``close_old_connections`` would, inside the test's transaction). The test client undoes it
    after each of its own requests, connecting them again."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)


@pytest.fixture
def served(db):
    """The portal served from this test's transaction (see the module's docstring)."""
    _keep_the_connection_open()
    connection = connections["default"]
    connection.inc_thread_sharing()
    server = Served()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        connection.dec_thread_sharing()
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
