"""A volunteer works the call queue with the keyboard only, on a phone-sized page in Swedish:
Tab and Shift+Tab to move, Enter to press, the arrow keys and Space in the outcome's radio group.

They take the next host, send "not now" without a time to call back (refused: the focus moves to
the error summary), record "no answer" instead, take the next host, record "interested" and book
the visit. After every key the focused element shows a visible focus indicator (an outline or a
box shadow, as computed by the browser) and the focus is never lost to <body>.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Organisation
from tests.browser.inprocess import PHONE
from tests.factories import (
    DEFAULT_MUNICIPALITY,
    OrganisationFactory,
    UserFactory,
    local_group,
    queued_home,
)
from volunteers.models import CallAttempt, HomeVisit

pytestmark = [pytest.mark.browser, pytest.mark.django_db, pytest.mark.usefixtures("role_groups")]

FOCUS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) {
        return {ok: false, what: 'the focus is on <body>'};
    }
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow && style.boxShadow !== 'none';
    const what = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (el.name ? '[name=' + el.name + ']' : '') + ' ' + (el.textContent || '').trim().slice(0, 30);
    return {ok: outline || shadow, what: what, outline: style.outline, shadow: style.boxShadow};
}"""


def assert_focus_visible(page, step: str) -> None:
    state = page.evaluate(FOCUS)
    assert state["ok"], f"{step}: no visible focus on {state}"


def press(page, key: str, step: str) -> None:
    page.keyboard.press(key)
    assert_focus_visible(page, f"{step} ({key})")


def tab_to(page, selector: str, step: str, *, shift: bool = False, limit: int = 60) -> None:
    """Tab (or Shift+Tab) until the element matching ``selector`` has the focus, checking the
    focus after every key."""
    for _ in range(limit):
        press(page, "Shift+Tab" if shift else "Tab", step)
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{step}: {selector} never got the focus")


def arrow_to(page, value: str, step: str) -> None:
    """In the outcome's radio group, the arrow keys until ``value`` is checked (and focused)."""
    for _ in range(8):
        if page.evaluate("() => document.activeElement.value") == value:
            break
        press(page, "ArrowDown", step)
    assert page.evaluate("() => document.activeElement.value") == value
    if not page.evaluate("() => document.activeElement.checked"):
        press(page, "Space", step)
    assert page.locator(f'input[name="outcome"][value="{value}"]').is_checked()


def enter_and_wait(page, step: str) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()


NEXT_HOST = 'form[action="/volunteer/queue/next/"] button[type=submit]'
SAVE_OUTCOME = 'form[action$="/outcome/"] button[type=submit]'


def test_a_volunteer_works_the_queue_with_the_keyboard_only(served, browser):
    volunteers = OrganisationFactory(
        name="Volontärföreningen", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
    )
    local_group(volunteers, covers=[DEFAULT_MUNICIPALITY])
    now = timezone.now()
    homes = [
        queued_home(registered_at=now - timedelta(days=30 - i), host__name=name)
        for i, name in enumerate(["Alva Alm", "Bror Berg", "Cilla Cederlund"])
    ]
    volunteer = UserFactory(roles=["volunteer"], first_name="Tova")
    with served.page(browser, user=volunteer, language="sv", viewport=PHONE) as page:
        page.goto(served.url + "/volunteer/")
        # The first key: the skip link, then on to "Next host".
        tab_to(page, NEXT_HOST, "start page")
        enter_and_wait(page, "next host")
        expect(page.locator("h1")).to_have_text("Alva Alm")

        # Not now, without a time to call back: refused, and the focus is on the summary.
        tab_to(page, 'input[name="outcome"]', "call page")
        arrow_to(page, "not_now", "not now")
        tab_to(page, SAVE_OUTCOME, "call page")
        enter_and_wait(page, "save without a time")
        summary = page.locator("#error-summary")
        expect(summary).to_be_visible()
        assert page.evaluate(
            "() => document.getElementById('error-summary').contains(document.activeElement)"
        ), "after a failed submit the focus is on the error summary"
        assert_focus_visible(page, "error summary")
        # The summary links to the field; from there on, "no answer" instead.
        tab_to(page, "#error-summary a", "error summary link")
        tab_to(page, 'input[name="outcome"]', "call page again")
        arrow_to(page, "no_answer", "no answer")
        tab_to(page, SAVE_OUTCOME, "call page again")
        enter_and_wait(page, "save no answer")
        expect(page).to_have_url(re.compile(r"/volunteer/queue/$"))
        assert CallAttempt.objects.get(home=homes[0]).outcome == CallAttempt.Outcome.NO_ANSWER

        # The next host is interested: the visit is booked for the time the form suggests.
        tab_to(page, NEXT_HOST, "queue page")
        enter_and_wait(page, "next host")
        expect(page.locator("h1")).to_have_text("Bror Berg")
        tab_to(page, 'input[name="outcome"]', "call page")
        arrow_to(page, "interested", "interested")
        tab_to(page, SAVE_OUTCOME, "call page")
        enter_and_wait(page, "save interested")
        expect(page).to_have_url(re.compile(rf"/volunteer/homes/{homes[1].pk}/visit/$"))
        book = "main form button[type=submit]"
        tab_to(page, book, "book visit")
        # One step back and forth again: Shift+Tab keeps a visible focus too.
        press(page, "Shift+Tab", "book visit")
        tab_to(page, book, "book visit")
        enter_and_wait(page, "book the visit")
        expect(page).to_have_url(re.compile(r"/volunteer/visits/\d+/$"))
        assert HomeVisit.objects.get(home=homes[1]).volunteers.get() == volunteer
        assert not served.server_errors
