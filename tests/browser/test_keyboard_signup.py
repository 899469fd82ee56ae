"""The sign-up with the keyboard only, and the error summary on a phone (issue 18).

Only keys a keyboard user presses (Tab, Shift+Tab, Space, Enter, arrow keys, typing) take a new
host from the start page through every step of the sign-up to "sent"; after every key that moves
the focus, the focused element must show it (an outline or a box shadow computed on it) and the
focus must never fall back to <body>. A failed submit puts the focus on the error summary, in
view at 390 × 844, and its links move the focus to their fields.
"""

import contextlib
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.inprocess import PHONE
from tests.browser.test_pages_public import fill_registration, send

pytestmark = pytest.mark.django_db

FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(), type: el.type || "", name: el.name || "", id: el.id,
    href: el.getAttribute("href") || "", value: el.value || "", checked: !!el.checked,
    text: (el.innerText || "").trim().slice(0, 60),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== "none",
    inView: box.bottom > 0 && box.top < window.innerHeight && box.width > 0 && box.height > 0,
  };
}"""


IN_VIEW = """() => {
  const box = document.activeElement.getBoundingClientRect();
  return box.bottom > 0 && box.top < window.innerHeight;
}"""


def focused(page) -> dict:
    # Bootstrap scrolls smoothly: give the scroll to the focused element its moment.
    with contextlib.suppress(PlaywrightTimeout):  # reported below, with what has the focus
        page.wait_for_function(IN_VIEW, timeout=2000)
    focus = page.evaluate(FOCUS)
    assert focus is not None, f"the focus fell back to <body> on {page.url}"
    assert focus["outline"] or focus["shadow"], f"the focus is not visible on {page.url}: {focus}"
    assert focus["inView"], f"the focused element is out of view on {page.url}: {focus}"
    return focus


def press(page, key: str) -> dict:
    page.keyboard.press(key)
    return focused(page)


def tab_until(page, wanted, *, limit: int = 60) -> dict:
    for _ in range(limit):
        focus = press(page, "Tab")
        if wanted(focus):
            return focus
    raise AssertionError(f"Tab never reached what was wanted on {page.url}")


def type_date(page, day) -> None:
    """Type a day into the focused date field, part by part as digits. The order of the parts
    is the browser's (Debian's headless Chromium: month, day, year, whatever the page's
    language): each order is tried, going back with the arrow keys and Backspace."""
    parts = {"y": f"{day.year:04}", "m": f"{day.month:02}", "d": f"{day.day:02}"}
    for order in ("mdy", "ymd", "dmy"):
        for _ in range(3):
            page.keyboard.press("ArrowLeft")
        page.keyboard.type("".join(parts[part] for part in order))
        if page.evaluate("() => document.activeElement.value") == day.isoformat():
            return
        for _ in range(3):
            page.keyboard.press("ArrowLeft")
        for _ in range(3):
            page.keyboard.press("Backspace")
            page.keyboard.press("ArrowRight")
    raise AssertionError("the date field took no order of day, month and year")


def is_submit(focus) -> bool:
    return focus["tag"] == "button" and focus["type"] == "submit" and focus["name"] != "language"


def test_the_sign_up_with_the_keyboard_only(browser, served):
    soon = timezone.localdate() + timedelta(days=14)
    typed = {
        "name": "Kim Berg",
        "email": "kim.berg@example.org",
        "phone": "070-123 45 67",
        "street_address": "Storgatan 12",
        "postcode": "831 30",
        "municipality": "Krokom",
        "beds": "2",
        "rent_per_month": "2500",
        "household_description": "Jag och min katt.",
        "hopes": "Att någon trivs.",
    }
    with served.page(browser, language="sv", viewport=PHONE) as page:
        page.goto(served.url + "/")
        skip = press(page, "Tab")
        assert skip["href"] == "#main", skip  # the skip link comes first, and shows
        tab_until(page, lambda f: f["href"] == "/offer/")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith("/offer/")

        done = set()
        while True:
            focus = press(page, "Tab")
            name = focus["name"]
            if is_submit(focus) and focus["text"] in ("Fortsätt", "Continue"):
                break
            if name in done:
                continue  # another part of the same field (the date's day and month)
            if name == "email" and "name" in done and "shift-tab" not in done:
                # Back with Shift+Tab to the name, and on again.
                assert press(page, "Shift+Tab")["name"] == "name"
                assert press(page, "Tab")["name"] == "email"
                done.add("shift-tab")
            if name == "available_from":
                type_date(page, soon)
            elif name in typed:
                page.keyboard.type(typed[name])
                if name == "municipality":
                    page.keyboard.press("Escape")  # close the list of suggestions
            elif name in ("kind", "smoking"):
                # A radio group: the arrows move and choose; back up to the first choice.
                press(page, "ArrowDown")
                press(page, "ArrowUp")
                assert page.evaluate("() => document.activeElement.checked")
            elif name in ("step_free_access", "languages"):
                press(page, "Space")
            elif name == "heard_from":
                press(page, "ArrowDown")
                assert page.evaluate("() => document.activeElement.value") != ""
            if name:
                done.add(name)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        errors = page.locator("#error-summary")
        assert page.url.endswith("/offer/check/"), errors.all_inner_texts()

        # "Check your answers": send without the consent first.
        tab_until(page, is_submit)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        summary = focused(page)
        assert summary["id"] == "error-summary", summary
        link = press(page, "Tab")
        assert link["href"] == "#id_consent", link
        page.keyboard.press("Enter")
        box = focused(page)
        assert box["id"] == "id_consent" and not box["checked"], box
        assert press(page, "Space")["checked"]
        assert is_submit(press(page, "Tab"))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith("/offer/sent/")
        press(page, "Tab")  # and the focus shows on the last page too

    from hosts.models import Home, Host

    host = Host.objects.get(email="kim.berg@example.org")
    home = host.homes.get()
    first_smoking = next(value for value, _label in Home.Smoking.choices if value)
    assert (home.kind, home.smoking, home.step_free_access, home.languages) == (
        Home.Kind.ROOM,
        first_smoking,
        True,
        ["sv"],
    )
    assert home.available_from == soon and host.language == "sv"


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_error_summary_takes_the_focus_on_a_phone(browser, served, language):
    with served.page(browser, language=language, viewport=PHONE) as page:
        # The first step, sent empty: the summary has the focus, in view.
        page.goto(served.url + "/offer/")
        page.mouse.wheel(0, 3000)  # a phone user scrolled down to the button
        send(page)
        summary = focused(page)
        assert summary["id"] == "error-summary"
        # Its link to a radio group moves the focus to the group's first choice.
        page.locator("#error-summary a[href='#id_kind_0']").click()
        assert focused(page)["id"] == "id_kind_0"
        # What was typed is kept: type one answer, send again.
        page.locator('[name="street_address"]').fill("Storgatan 12")
        send(page)
        assert page.locator('[name="street_address"]').input_value() == "Storgatan 12"

        fill_registration(page, f"sam.{language}@example.org")
        send(page)
        assert page.url.endswith("/offer/check/")
        # The defect: sending without the consent left the error far below, out of sight.
        page.mouse.wheel(0, 5000)
        send(page)
        summary = focused(page)
        assert summary["id"] == "error-summary"
        page.locator("#error-summary a[href='#id_consent']").click()
        consent = focused(page)
        assert consent["id"] == "id_consent"
