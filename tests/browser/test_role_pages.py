"""Each role's main page, as its person first sees it, on a phone (390 × 844) and at a desk
(1280 × 800), in Swedish and English, on the seeded demo: no WCAG 2.1 A/AA violation (axe-core),
nothing wider than the screen (no sideways scrolling), every Swedish word from the catalogue.

A page is one template at either size (no part of it is shown or hidden by the width), so axe
checks each role's page once in each language: the Swedish one on the phone, the English one at
the desk (``AXE_AT``), each size thus checked in one language. At the other size the page must
still answer, fail on nothing, fit the screen and lack no Swedish.

The Swedish pages are saved to test-artifacts/role-<role>-<phone|desktop>.png for a person to
look at (the issue asks for them; the closing note says what was changed after looking).
"""

import pytest

from tests.browser.inprocess import DESKTOP, PHONE
from tests.browser.walk import check, visit
from tests.conftest import demo_links, demo_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

# role: (demo user or None, the page the role starts from)
ROLES = {
    "visitor": (None, "/"),
    "volunteer": ("volontar", "/volunteer/"),
    "volunteer-coordinator": ("volontarsamordnare", "/volunteer/applications/"),
    "partner-coordinator": ("samordnare", "/admin/"),
    "manager": ("chef", "/reports/"),
    "housing-company": ("bostadsbolag", "/admin/"),
    "placement-supervisor": ("handledare", "/admin/"),
    "data-protection-officer": ("dataskydd", "/privacy-officer/record/"),
}

SIZES = {"phone": PHONE, "desktop": DESKTOP}
# The size at which axe checks each page, by language (see the module's docstring).
AXE_AT = {"sv": "phone", "en": "desktop"}


def overflow(page) -> list[str]:
    """Elements that reach past the right edge of the screen (a page that scrolls sideways)."""
    return page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            if (document.documentElement.scrollWidth <= width + 1) return [];
            return [...document.querySelectorAll('body *')]
              .filter((e) => e.getBoundingClientRect().right > width + 1
                      && getComputedStyle(e).position !== 'fixed'
                      && !e.closest('.table-responsive, [data-scrolls]'))
              .slice(0, 5)
              .map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                          + (e.className && typeof e.className === 'string'
                             ? '.' + e.className.trim().split(/\\s+/).join('.') : ''));
        }"""
    )


def look(page, what: str, artifacts, language: str, size: str) -> list[str]:
    problems = [f"{what} ({size}): wider than the screen: {e}" for e in overflow(page)]
    if language == "sv":
        page.screenshot(path=str(artifacts / f"role-{what}-{size}.png"), full_page=False)
    return problems


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_role_s_main_page(browser, served, demo, artifacts, language):
    problems = []
    for role, (username, path) in ROLES.items():
        user = demo_user(username) if username else None
        for size, viewport in SIZES.items():
            with served.page(browser, user=user, language=language, viewport=viewport) as page:
                problems += visit(page, path, axe=size == AXE_AT[language])
                problems += look(page, role, artifacts, language, size)
    links = demo_links(demo)
    for role, path in (("household", links["household"][0]), ("host", links["host"][0])):
        for size, viewport in SIZES.items():
            with served.page(browser, language=language, viewport=viewport) as page:
                page.goto(served.url + path)
                problems += check(page, f"{role} {path}", axe=size == AXE_AT[language])
                problems += look(page, role, artifacts, language, size)
    assert not problems, "\n".join(problems)
