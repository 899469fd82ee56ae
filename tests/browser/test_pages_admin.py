"""The Django admin as its people use it, walked in Chromium: every role's admin index, the lists
it offers, a change page and an add page of each, and the portal's own admin templates, in
Swedish and English, at a desk and on a phone; axe-core finds no WCAG 2.1 A/AA violation, no
Swedish message is missing and nothing fails (tests/browser/walk.py)."""

import re

import pytest

from tests.browser.inprocess import DESKTOP, PHONE
from tests.browser.walk import Walker, check, visit
from tests.conftest import demo_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

ROLES = ["samordnare", "bostadsbolag", "handledare", "volontarsamordnare", "chef", "dataskydd"]


def _kind_of_page(path: str) -> str:
    """ "/admin/hosts/home/17/change/" -> "/admin/hosts/home/N/change/"."""
    return re.sub(r"/\d+/", "/N/", path.split("?")[0])


@pytest.mark.parametrize("username", ROLES)
def test_every_admin_page_of_a_role(browser, served, username, checked_once):
    """Every page of the role: the admin's index, the lists it offers, each list's first object
    and the add pages. In Swedish at a desk, every one of them is opened (its status, server
    errors and the Swedish catalogue), the walk finding the next pages on the one it is on. Axe
    checks each kind of page once in each language in this run (``checked_once``, shared by the
    xdist workers), in its editable and its read-only form (the data protection officer's): an
    admin page is one template whoever opens it. In English on a phone, the kinds axe has not
    yet checked in English: what else an English page could show is the permission matrix's
    (every page of every role, through the test client) and tests/test_swedish_pages.py's.

    Only the pages axe checks are opened in Chromium; the others with the test client, which
    makes the same checks of them without drawing them (``Walker`` in tests/browser/walk.py)."""
    axe = checked_once("admin")
    problems = []
    user = demo_user(username)
    read_only = username == "dataskydd"

    def first_check(path, language):
        return axe.first_time(_kind_of_page(path), language, read_only)

    with Walker(served, browser, user=user, language="sv", viewport=DESKTOP) as walker:

        def open_(path):
            found, document = walker.open(path, axe=first_check(path, "sv"))
            problems.extend(found)
            pages.append(path)
            return document

        pages = []
        index = open_("/admin/")
        lists = index.attributes("#content-main .module th[scope=row] a", "href")
        adds = sorted(set(index.attributes("#content-main .module a.addlink", "href")))
        for url in lists:
            change = open_(url).first(
                "#result_list tbody tr th a, #result_list tbody tr td a", "href"
            )
            if change:
                open_(change)
        for url in adds:
            open_(url)
    with Walker(served, browser, user=user, language="en", viewport=PHONE) as walker:
        for path in pages:
            if first_check(path, "en"):
                problems += walker.open(path, axe=True)[0]
    assert not problems, "\n".join(problems)


def _first_case(page, served):
    page.goto(served.url + "/admin/newcomers/newcomercase/")
    return page.locator("#result_list tbody tr th a").first.get_attribute("href")


def test_the_key_columns_show_at_a_desk_without_scrolling_sideways(browser, served):
    wanted = {
        "samordnare": (
            "/admin/newcomers/newcomercase/",
            ["reference", "status", "priority_display"],
        ),
        "bostadsbolag": ("/admin/housing/vacancy/", ["sequence", "status", "offered"]),
    }
    hidden = []
    for username, (path, columns) in wanted.items():
        with served.page(
            browser, user=demo_user(username), language="sv", viewport=DESKTOP
        ) as page:
            page.goto(served.url + path)
            for column in columns:
                box = page.locator(f"#result_list thead th.column-{column}").bounding_box()
                if box is None or box["x"] < 0 or box["x"] + box["width"] > DESKTOP["width"]:
                    hidden.append(f"{username} {path} {column}: {box}")
    assert not hidden, "\n".join(hidden)


def test_a_refused_form_opens_with_a_summary_that_links_to_each_field(browser, served):
    problems = []
    with served.page(browser, user=demo_user("samordnare"), language="sv", viewport=PHONE) as page:
        # The portal's own step form: closing a case needs a reason.
        case = _first_case(page, served)
        page.goto(served.url + case.replace("/change/", "/step/close/"))
        page.locator("input[name=_confirm]").click()
        page.wait_for_load_state()
        focused = page.evaluate("() => document.activeElement.id")
        assert focused == "error-summary"
        assert page.locator("#error-summary a[href='#id_reason']").count() == 1
        page.locator("#error-summary a[href='#id_reason']").click()
        assert page.evaluate("() => document.activeElement.id") == "id_reason"
        problems += check(page, "close step, refused")

        # Django's own change form: a new case sent empty.
        page.goto(served.url + "/admin/newcomers/newcomercase/add/")
        page.locator("input[name=_save]").click()
        page.wait_for_load_state()
        page.wait_for_function("() => document.activeElement.classList.contains('errornote')")
        links = page.locator(".errornote ul.error-summary a")
        assert links.count() >= 1
        target = links.first.get_attribute("href")
        links.first.click()
        assert page.evaluate("() => '#' + document.activeElement.id") == target
        problems += check(page, "new case, refused")
    assert not problems, "\n".join(problems)


def test_screenshots_of_the_admin(browser, served, artifacts):
    shots = {
        "samordnare": ["/admin/", "/admin/newcomers/newcomercase/", "case"],
        "bostadsbolag": ["/admin/", "/admin/housing/vacancy/"],
    }
    for username, paths in shots.items():
        for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            with served.page(
                browser, user=demo_user(username), language="sv", viewport=viewport
            ) as page:
                for path in paths:
                    name = path.strip("/").replace("/", "-") or "index"
                    if path == "case":
                        path = _first_case(page, served)
                    page.goto(served.url + path)
                    page.screenshot(
                        path=str(artifacts / f"admin-{username}-{name}-{size}.png"), full_page=True
                    )


def test_the_portals_own_admin_pages(browser, served):
    """The pages the portal adds to the admin: the plan, a step's page and its refusal, the
    case's road and matches."""
    problems = []
    for language, viewport in (("sv", DESKTOP), ("en", PHONE)):
        with served.page(
            browser, user=demo_user("samordnare"), language=language, viewport=viewport
        ) as page:
            case = _first_case(page, served)
            step = case.replace("/change/", "/step/close/")
            for path in ("/admin/newcomers/newcomercase/plan/", case, step):
                problems += visit(page, path)
            page.locator("input[name=_confirm]").click()
            problems += check(page, f"{step} sent empty")
    assert not problems, "\n".join(problems)


def test_the_sign_in_pages(browser, served):
    problems = []
    for language, viewport in (("sv", DESKTOP), ("en", PHONE)):
        with served.page(browser, language=language, viewport=viewport) as page:
            for path in ("/accounts/login/", "/accounts/password_reset/"):
                problems += visit(page, path)
            page.goto(served.url + "/accounts/login/")
            page.locator("main form button.btn-primary").click()
            problems += check(page, "log-in sent empty")
    assert not problems, "\n".join(problems)


@pytest.mark.two_factor
def test_the_two_factor_page(browser, served):
    problems = []
    for language, viewport in (("sv", DESKTOP), ("en", PHONE)):
        with served.page(
            browser, user=demo_user("samordnare"), language=language, viewport=viewport
        ) as page:
            problems += visit(page, "/accounts/two-factor/")
            page.locator("main form button.btn-primary").click()
            problems += check(page, "two-factor sent empty")
            header = page.locator("header").inner_text()
            assert "Admin" not in header and "Administration" not in header, header
    assert not problems, "\n".join(problems)
