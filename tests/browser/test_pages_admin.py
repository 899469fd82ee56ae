"""The Django admin as its people use it, walked in Chromium: every role's admin index, the lists
it offers, a change page and an add page of each, and the portal's own admin templates, in
Swedish and English, at a desk and on a phone; axe-core finds no WCAG 2.1 A/AA violation, no
Swedish message is missing and nothing fails (tests/browser/walk.py)."""

import os

import pytest

from tests.browser.inprocess import DESKTOP, PHONE
from tests.browser.walk import visit
from tests.conftest import demo_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

ROLES = ["samordnare", "bostadsbolag", "handledare", "volontarsamordnare", "chef", "dataskydd"]


def _admin_pages(page, served):
    """The lists the admin's index offers the person, and for each its first object's page and
    its add page when it has them."""
    page.goto(served.url + "/admin/")
    lists = page.eval_on_selector_all(
        "#content-main .module th[scope=row] a", "els => els.map(e => e.getAttribute('href'))"
    )
    adds = set(
        page.eval_on_selector_all(
            "#content-main .module a.addlink", "els => els.map(e => e.getAttribute('href'))"
        )
    )
    pages = []
    for url in lists:
        pages.append(url)
        page.goto(served.url + url)
        first = page.query_selector("#result_list tbody tr th a, #result_list tbody tr td a")
        if first:
            pages.append(first.get_attribute("href"))
    return pages + sorted(adds)


@pytest.mark.parametrize("username", ROLES)
def test_every_admin_page_of_a_role(browser, served, username):
    problems = []
    user = demo_user(username)
    with served.page(browser, user=user, language="sv", viewport=DESKTOP) as page:
        pages = ["/admin/", *_admin_pages(page, served)]
    for language, viewport in (("sv", DESKTOP), ("en", PHONE))[: int(os.environ.get("WALK_N", 2))]:
        with served.page(browser, user=user, language=language, viewport=viewport) as page:
            for path in pages:
                problems += visit(page, path)
    assert not problems, "\n".join(problems)
