"""Walking pages in Chromium as a person would, on the portal served from the test's transaction
(tests/browser/inprocess.py): each page is checked by axe-core for WCAG 2.1 A and AA
(tests/browser/axe.py), for server errors and, on a Swedish page, for messages the Swedish
catalogue lacks (tests/i18n_guard.py).

    problems = visit(page, "/volunteer/queue/")      # [] when all is well
    assert not problems, "\\n".join(problems)

A page that axe is not to check (its kind was checked already) need not be drawn: ``Walker``
opens it with Django's test client instead, in this process, on the same transaction, signed in
and in the language a served page of the walk would be, and makes the checks a Chromium visit
without axe makes (its status, server errors, the Swedish catalogue), the documents it loads
beside it (the admin's /admin/jsi18n/) included. A Chromium page costs 0.3 s to load and draw;
the test client needs the server's own time only.

    with Walker(served, browser, user=user, language="sv", viewport=DESKTOP) as walker:
        problems, document = walker.open("/admin/", axe=True)      # in Chromium, with axe
        problems, document = walker.open("/admin/auth/", axe=False)  # with the test client
        document.attributes("#content-main a.addlink", "href")
"""

import contextlib
import traceback
from functools import cached_property
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import cssselect2
import tinyhtml5
from django.conf import settings
from django.test import Client

from tests.browser.axe import violations
from tests.browser.inprocess import PHONE
from tests.i18n_guard import swedish_misses


def visit(page, path: str, *, expect_status: int = 200, axe: bool = True) -> list[str]:
    """Open ``path`` and return what is wrong with the page: its status, axe's violations (unless
    ``axe`` is false: the same page was checked already), the Swedish page's untranslated
    messages."""
    page.served.forget()
    response = page.goto(page.served.url + path)
    return check(
        page, path, status=response.status if response else None, expect=expect_status, axe=axe
    )


def check(page, what: str, *, status=None, expect: int = 200, axe: bool = True) -> list[str]:
    """What is wrong with the page as it is now (after a visit, a click or a submit)."""
    served = page.served
    problems = _answered(what, status, expect, served.server_errors)
    if axe:
        problems += [f"{what}: {line}" for line in violations(page)]
    language = page.evaluate("() => document.documentElement.lang")
    problems += _swedish(what, language, served.missed)
    served.forget()
    return problems


def _answered(what: str, status, expect: int, server_errors: list[str]) -> list[str]:
    problems = []
    if status is not None and status != expect:
        problems.append(f"{what}: answered {status}, not {expect}")
    return problems + [f"{what}: server error {error}" for error in server_errors]


def _swedish(what: str, language: str, missed: set[str]) -> list[str]:
    if language != "sv":
        return []
    return [f"{what}: not in the Swedish catalogue: {m!r}" for m in sorted(missed)]


class Document:
    """A page's HTML as a browser reads it (tinyhtml5 parses HTML5 as browsers do), queried with
    the CSS selectors a test would give ``querySelectorAll`` (cssselect2), in document order.

    The text is parsed only when the page is queried, which most pages of a walk never are (a
    parse costs 0.03–0.1 s)."""

    def __init__(self, html: str):
        self._html = html

    @cached_property
    def _root(self):
        return cssselect2.ElementWrapper.from_html_root(tinyhtml5.parse(self._html))

    def attributes(self, selector: str, name: str) -> list[str]:
        """The ``name`` attribute of each element ``selector`` finds (None where it has none)."""
        return [element.etree_element.get(name) for element in self._root.query_all(selector)]

    def first(self, selector: str, name: str) -> str | None:
        """The ``name`` attribute of the first element ``selector`` finds, if any."""
        element = self._root.query(selector)
        return None if element is None else element.etree_element.get(name)


class _LoadedWith(HTMLParser):
    """What a document has the browser load beside it (a script, a stylesheet, an icon, an
    image, a frame) and its language (``<html lang>``): read with the standard library's fast
    parser, as every page the test client fetches needs it."""

    _SOURCES = {"script", "img", "iframe", "source", "video", "audio", "embed"}
    _LINKS = {"stylesheet", "icon", "manifest", "preload", "modulepreload"}

    _INERT = {"template", "noscript"}  # what a browser running scripts does not load

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.addresses: list[str] = []
        self.language = ""
        self._inert = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        rel = set((attrs.get("rel") or "").lower().split())
        if tag in self._INERT:
            self._inert += 1
        elif tag == "html" and not self.language:
            self.language = attrs.get("lang") or ""
        elif self._inert:
            return
        elif tag in self._SOURCES and attrs.get("src"):
            self.addresses.append(attrs["src"])
        elif tag == "link" and attrs.get("href") and self._LINKS & rel:
            self.addresses.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag in self._INERT and self._inert:
            self._inert -= 1


class Walker:
    """Pages of one person in one language and size, opened in Chromium when axe is to check
    them and with Django's test client when not (see the module's docstring).

    The test client is signed in as ``user`` (``force_login``, as ``served.page`` does) and sends
    the portal's language cookie and the ``Accept-Language`` of the browser's locale; Chromium's
    page is opened on first need only, and kept for the walk's next page axe checks."""

    def __init__(self, served, browser, *, user=None, language="sv", viewport=PHONE, page=None):
        """``page``: a page of ``served.page`` for the same person, language and size, already
        open, for the pages axe checks (instead of one the walk opens itself)."""
        self.served = served
        self._browser = browser
        self._user = user
        self._language = language
        self._viewport = viewport
        self._client = None
        self._page = page
        self._open_pages = contextlib.ExitStack()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return self._open_pages.__exit__(*exc_info)

    @property
    def page(self):
        """The walk's Chromium page (``served.page``), opened the first time it is asked for."""
        if self._page is None:
            self._page = self._open_pages.enter_context(
                self.served.page(
                    self._browser,
                    user=self._user,
                    language=self._language,
                    viewport=self._viewport,
                )
            )
        return self._page

    @property
    def client(self) -> Client:
        if self._client is None:
            locale = "sv-SE,sv;q=0.9" if self._language == "sv" else "en-GB,en;q=0.9"
            client = Client(raise_request_exception=False, headers={"Accept-Language": locale})
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = self._language
            if self._user is not None:
                with self.served.turn():
                    client.force_login(self._user)
            self._client = client
        return self._client

    def open(self, path: str, *, axe: bool, expect_status: int = 200) -> tuple[list, Document]:
        """What is wrong with the page at ``path`` (as ``visit`` finds it, with axe's
        violations if ``axe``) and the page as it came (its links, say)."""
        if axe:
            problems = visit(self.page, path, expect_status=expect_status)
            return problems, Document(self.page.content())
        return self.fetch(path, expect_status=expect_status)

    def fetch(self, path: str, *, expect_status: int = 200) -> tuple[list, Document]:
        """``visit(page, path, axe=False)`` with the test client: the page's status (after its
        redirects), a server error (a status of 500 or more, or an exception) of the page or of
        a document loaded with it, and, when the page is Swedish (``<html lang="sv">``), every
        message looked up in Swedish while it and those documents were answered that the
        catalogue lacks."""
        client = self.client
        errors: list[str] = []
        with self.served.turn(), swedish_misses() as missed:
            response = self._get(client, path, errors)
            html = response.content.decode(response.charset or "utf-8", "replace")
            loaded = _LoadedWith()
            if response.get("Content-Type", "").startswith("text/html"):
                loaded.feed(html)
                loaded.close()
            for address in loaded.addresses:
                path_loaded = self._served_by_django(response.request["PATH_INFO"], address)
                if path_loaded:
                    self._get(client, path_loaded, errors)
        problems = _answered(path, response.status_code, expect_status, errors)
        return problems + _swedish(path, loaded.language, missed), Document(html)

    @staticmethod
    def _get(client, path, errors):
        """GET ``path`` as the browser would (following redirects); a status of 500 or more or
        an exception is added to ``errors`` as ``Served.server_errors`` has it."""
        response = client.get(path, follow=True)
        if response.status_code >= 500:
            query = response.request.get("QUERY_STRING")
            address = response.request["PATH_INFO"] + (f"?{query}" if query else "")
            errors.append(f"{response.status_code} GET {address}")
        if getattr(response, "exc_info", None):
            errors.append("".join(traceback.format_exception(*response.exc_info)))
        return response

    @staticmethod
    def _served_by_django(page: str, address: str | None) -> str | None:
        """The path the browser would ask the portal for to load ``address`` on ``page``,
        unless it is one of the static files (which ``Served`` does not record either) or
        elsewhere."""
        if not address:
            return None
        parts = urlsplit(urljoin("http://testserver" + page, address))
        if parts.scheme != "http" or parts.netloc != "testserver":
            return None
        if parts.path.startswith("/" + settings.STATIC_URL.strip("/") + "/"):
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")
