"""The household's base page on a phone in Arabic (right to left) and after switching to
Ukrainian (left to right). A screenshot of each lands in test-artifacts/ for a person to look at."""

import pytest

from tests.conftest import require

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEST_URLS = "tests.newcomers.household_language_urls"


@pytest.fixture
def phone_locale():
    return "ar"


def test_an_arabic_phone_gets_a_right_to_left_page_and_can_switch_language(
    live_server, settings, page, console, artifacts
):
    settings.ROOT_URLCONF = TEST_URLS
    page.goto(f"{live_server.url}/household-test-page/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ar"
    # Right to left: the site's name starts at the right edge, the language switch at the left.
    brand = page.locator(".household-brand").bounding_box()
    switch = page.locator(".household-languages summary").bounding_box()
    assert brand["x"] > switch["x"]
    # One column that fits the phone: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "household-ar.png"), full_page=True)

    page.locator(".household-languages summary").click()
    page.screenshot(path=str(artifacts / "household-ar-languages.png"))
    page.get_by_role("button", name="Українська").click()
    page.wait_for_url("**/household-test-page/")
    assert page.evaluate("document.documentElement.dir") == "ltr"
    assert page.evaluate("document.documentElement.lang") == "uk"
    page.screenshot(path=str(artifacts / "household-uk.png"), full_page=True)
    require(not console.csp_violations, f"CSP violations: {console.csp_violations}")
    assert not console.errors and not console.server_errors
