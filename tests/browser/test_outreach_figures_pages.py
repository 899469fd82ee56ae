"""Where registrations come from, on the dashboard and the national roll-up, in Chromium: the
hand-built history of tests/reports/test_outreach_figures.py (meetings, tagged links, hidden
small counts) in Swedish and English, on a phone and at a desktop. axe-core finds no WCAG 2.1
A/AA violation, no Swedish message is missing (tests/browser/walk.py), and on a 390 px phone
the section's tables scroll inside their own focusable frame, never the page."""

import pytest

from tests.browser.inprocess import DESKTOP, PHONE
from tests.browser.walk import visit
from tests.conftest import built_once_per_module
from tests.reports.test_outreach_figures import build

pytestmark = pytest.mark.django_db

held_world = built_once_per_module(build)

SECTION_TABLES = "#outreach-sources, #outreach-meetings, #outreach-rollup-table"


def test_the_section_passes_axe_and_fits_a_phone(browser, served, held_world, settings):
    world = held_world.fresh(settings)
    paths = [f"/reports/{world.main.pk}/", "/reports/national/?year=2026"]
    problems = []
    for viewport_name, viewport in {"phone": PHONE, "desktop": DESKTOP}.items():
        for language in ("sv", "en"):
            with served.page(
                browser, user=world.manager, language=language, viewport=viewport
            ) as page:
                for path in paths:
                    where = f"{viewport_name} {language} {path}"
                    problems += [f"{where}: {p}" for p in visit(page, path)]
                    assert page.locator(SECTION_TABLES).count() >= 1, where
                    # Each of the section's tables is in a focusable frame that scrolls, and
                    # the page itself never scrolls sideways.
                    loose = page.evaluate(
                        """(selector) => [...document.querySelectorAll(selector)]
                            .filter(t => !t.closest('.table-responsive[tabindex="0"]'))
                            .map(t => t.id)""",
                        SECTION_TABLES,
                    )
                    assert not loose, f"{where}: {loose}"
                    wider = page.evaluate(
                        "() => document.documentElement.scrollWidth"
                        " - document.documentElement.clientWidth"
                    )
                    assert wider <= 1, f"{where}: the page scrolls sideways by {wider} px"
    assert not problems, "\n".join(problems)
