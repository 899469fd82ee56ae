"""The tagged links' and "volunteers wanted" pages on a phone and at a desk, in Swedish and
English, checked by axe-core for WCAG 2.1 A and AA, for server errors and for Swedish messages
the catalogue lacks (tests/browser/walk.py): the coordinator's list of links (and its form sent
empty), a link's print page with its QR code, the notice page (its form sent empty); a tagged
link followed to the sign-up, whose form carries the source; and the print page fitting the
phone's width."""

import pytest

from outreach import selectors
from tests.browser.inprocess import DESKTOP, PHONE
from tests.browser.walk import check, visit
from tests.conftest import demo_user

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
AXE_AT = {"sv": "phone", "en": "desktop"}


def submit(page, form_selector: str, what: str, problems: list[str], axe: bool) -> None:
    with page.expect_navigation():
        page.locator(f"{form_selector} [type=submit]").last.click()
    problems += check(page, what, axe=axe)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_link_pages_pass_axe_in_both_sizes(served, browser, language):
    coordinator = demo_user("volontarsamordnare")
    source = selectors.links_for(coordinator).filter(target="host").first()
    assert source is not None, "the demo has a tagged link of the group"
    problems: list[str] = []
    for size, viewport in VIEWPORTS.items():
        axe = size == AXE_AT[language]
        found: list[str] = []
        with served.page(browser, user=coordinator, language=language, viewport=viewport) as page:
            found += visit(page, "/volunteer/links/", axe=axe)
            submit(page, "main form[novalidate]", "links, empty form", found, axe)
            found += visit(page, f"/volunteer/links/{source.pk}/", axe=axe)
            assert page.locator("svg.qr-code").is_visible()
            scroll, width = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert scroll <= width, f"the print page is wider than the {size} screen"
            found += visit(page, "/volunteer/volunteers-wanted/", axe=axe)
            submit(page, "main form[novalidate]", "volunteers wanted, empty form", found, axe)
        with served.page(browser, language=language, viewport=viewport) as page:
            found += visit(page, f"/t/{source.code}/", axe=axe)
            assert page.url.endswith(f"/offer/?source={source.code}")
            assert page.locator('input[name="source"]').get_attribute("value") == source.code
        problems += [f"{language} {size}: {line}" for line in found]
    assert not problems, "\n".join(problems)
