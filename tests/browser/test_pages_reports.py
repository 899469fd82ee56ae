"""The managers' follow-up (/reports/…) and the data protection officer's pages
(/privacy-officer/…) walked in Chromium, in Swedish and English, on a phone and at a desktop:
axe-core finds no WCAG 2.1 A/AA violation, no page fails, no Swedish message is missing
(tests/browser/walk.py). The dashboard's targets stay within a phone's width, and the Swedish
pages show Swedish month names and digit grouping. Screenshots land in test-artifacts/."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.browser.conftest import ARTIFACTS
from tests.browser.inprocess import DESKTOP, PHONE
from tests.browser.walk import check, visit
from tests.conftest import demo_user

LANGUAGES = ("sv", "en")
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


def _runs(partnership, organisation, manager, *, running=True):
    """A finished, a running (unless not ``running``: the page would poll) and a failed run of
    the partnership, and a finished roll-up."""
    from reports.models import ReportRun

    as_of = timezone.localdate() - timedelta(days=1)
    common = {"as_of": as_of, "requested_by": manager, "language": "sv"}
    ReportRun.objects.create(
        partnership=partnership, status=ReportRun.Status.DONE, progress=100, **common
    )
    if running:
        ReportRun.objects.create(
            partnership=partnership, status=ReportRun.Status.RUNNING, progress=40, **common
        )
    ReportRun.objects.create(
        partnership=partnership,
        status=ReportRun.Status.FAILED,
        error="The figures could not be computed.",
        **common,
    )
    ReportRun.objects.create(
        organisation=organisation,
        kind=ReportRun.Kind.NATIONAL,
        year=as_of.year,
        status=ReportRun.Status.DONE,
        progress=100,
        **common,
    )


def _stop_polling(page):
    """The runs list polls while a report is on its way: stop it (the served portal answers on
    the test's own connection, which the next sign-in uses) and let the last answer arrive. A
    page without a polling list has nothing on its way (no half-second wait for the network to
    be idle)."""
    polled = page.evaluate(
        """() => {
            const runs = document.getElementById('report-runs');
            const polling = Boolean(runs && runs.hasAttribute('hx-trigger'));
            runs?.remove();
            return polling;
        }"""
    )
    if polled:
        page.wait_for_load_state("networkidle")


def _partnership_of(username):
    from reports.selectors import partnerships_for

    return partnerships_for(demo_user(username)).order_by("pk").first()


def test_every_report_and_privacy_page_passes_axe_in_both_languages(browser, served, demo):
    krokom = _partnership_of("chef")
    malmo = _partnership_of("malmo-chef")
    national = demo_user("riks-chef")
    _runs(krokom, national.organisation, demo_user("chef"))
    walks = {
        "chef": ["/reports/", f"/reports/{krokom.pk}/"],
        "samordnare": ["/reports/", f"/reports/{krokom.pk}/"],
        "malmo-chef": [f"/reports/{malmo.pk}/"],
        "riks-chef": ["/reports/", "/reports/national/", "/reports/national/?year=nineteen"],
        "dataskydd": [
            "/reports/",
            f"/reports/{krokom.pk}/",
            "/privacy-officer/record/",
            "/privacy-officer/requests/",
        ],
    }
    problems = []
    for viewport_name, viewport in VIEWPORTS.items():
        for language in LANGUAGES:
            for username, paths in walks.items():
                with served.page(
                    browser, user=demo_user(username), language=language, viewport=viewport
                ) as page:
                    for path in paths:
                        where = f"{viewport_name} {language} {username} {path}"
                        problems += [f"{where}: {p}" for p in visit(page, path)]
                        _stop_polling(page)
                    if username != "dataskydd":
                        continue
                    # The data request: sent empty (an error), then a search that finds someone.
                    page.goto(served.url + "/privacy-officer/requests/")
                    page.click("button[value=find]")
                    page.wait_for_load_state()
                    problems += check(page, f"{viewport_name} {language} data request sent empty")
                    page.fill("input[name=email]", demo_user("volontar").email)
                    page.click("button[value=find]")
                    page.wait_for_load_state()
                    problems += check(page, f"{viewport_name} {language} data request found")
    assert not problems, "\n".join(problems)


def test_the_targets_fit_a_phone_and_swedish_shows_swedish_dates(browser, served, demo):
    """The dashboard's targets table on a 390 px phone: the target, the figure and the progress
    in view without sideways scrolling; Swedish month names and digit grouping on the page."""
    krokom = _partnership_of("chef")
    _runs(krokom, demo_user("riks-chef").organisation, demo_user("chef"), running=False)
    with served.page(browser, user=demo_user("chef"), language="sv", viewport=PHONE) as page:
        page.goto(served.url + f"/reports/{krokom.pk}/")
        table = page.locator("table.targets")
        assert table.count() == 1
        overflowing = page.evaluate(
            """() => {
                const width = document.documentElement.clientWidth;
                const out = [];
                for (const el of document.querySelectorAll('table.targets, table.targets *')) {
                    const box = el.getBoundingClientRect();
                    if (box.width && (box.right > width + 0.5 || box.left < -0.5)) {
                        out.push(el.tagName + ' ' + el.className + ' ' + Math.round(box.right));
                    }
                }
                const scroller = document.querySelector('table.targets').parentElement;
                if (scroller.scrollWidth > scroller.clientWidth + 1) out.push('scrolls sideways');
                return out;
            }"""
        )
        assert not overflowing, overflowing
        # Nor is any other table wider than the screen outside its own scrolling frame.
        wide = page.evaluate(
            """() => [...document.querySelectorAll('main table')]
                .filter(t => !t.closest('.table-responsive, details:not([open])'))
                .filter(t => t.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
                .map(t => t.className + ' ' + (t.id || ''))"""
        )
        assert not wide, wide
        assert page.evaluate(
            "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
        first = table.locator("tbody tr").first
        for cell in ("target", "so-far", "progress-cell"):
            assert first.locator(f".{cell}").is_visible()
        # The progress bar has a name a screen reader reads, and its share is printed.
        assert first.locator("progress").get_attribute("aria-label")
        text = page.inner_text("main")
        assert re.search(r"\d[\xa0 ](jan|nov|dec)\. 20\d\d", text), text[:400]
        assert not re.search(r"\d[\xa0 ](Jan|Nov|Dec)\b", text), text[:400]


@pytest.mark.parametrize(
    ("name", "viewport"), [("390", PHONE), ("1280", DESKTOP)], ids=["phone", "desktop"]
)
def test_screenshots_of_the_dashboard_and_the_roll_up(browser, served, demo, name, viewport):
    ARTIFACTS.mkdir(exist_ok=True)
    krokom = _partnership_of("chef")
    _runs(krokom, demo_user("riks-chef").organisation, demo_user("chef"), running=False)
    with served.page(browser, user=demo_user("chef"), language="sv", viewport=viewport) as page:
        page.goto(served.url + f"/reports/{krokom.pk}/")
        page.screenshot(path=str(ARTIFACTS / f"reports-dashboard-sv-{name}.png"), full_page=True)
    with served.page(
        browser, user=demo_user("riks-chef"), language="sv", viewport=viewport
    ) as page:
        page.goto(served.url + f"/reports/national/?year={date.today().year}")
        page.screenshot(path=str(ARTIFACTS / f"reports-national-sv-{name}.png"), full_page=True)
