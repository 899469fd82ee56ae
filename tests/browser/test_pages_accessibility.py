"""The accessibility statement, the form to report a problem (empty, with errors, sent) and its
receipt, in Swedish and English, on a phone and at a desktop: axe-core finds nothing of WCAG 2.1
A/AA, no server error, no Swedish message missing. Screenshots: test-artifacts/accessibility-*.png.

The pages are the same templates at either size (nothing is shown or hidden by the width), so
axe checks each once in each language: in Swedish on the phone, in English at the desk
(``AXE_AT``), each size thus checked in one language. At the other size every page is still
walked, and must answer, fail on nothing and lack no Swedish."""

import pytest

from accessibility.actions import report_accessibility_problem
from accessibility.models import AccessibilityReport
from tests.browser.inprocess import DESKTOP, PHONE
from tests.browser.walk import check, visit
from tests.factories import municipality

# The size at which axe checks the pages, by language (see the module's docstring).
AXE_AT = {"sv": PHONE, "en": DESKTOP}


@pytest.mark.parametrize("language", ["sv", "en"])
def test_statement_and_report_form(browser, served, organisations, artifacts, language):
    problems = []
    for viewport in (PHONE, DESKTOP):
        size = viewport["width"]
        axe = viewport == AXE_AT[language]
        with served.page(browser, language=language, viewport=viewport) as page:
            problems += visit(page, "/accessibility/", axe=axe)
            page.screenshot(
                path=str(artifacts / f"accessibility-statement-{language}-{size}.png"),
                full_page=True,
            )
            # From the statement to the form, as a person goes.
            page.locator("main a.btn-primary").click()
            page.wait_for_load_state()
            problems += check(page, "/accessibility/report/", axe=axe)
            # Sent empty: the form comes back with its error summary.
            page.locator("main button[type=submit]").click()
            page.wait_for_load_state()
            problems += check(page, "report sent empty", axe=axe)
            focused = page.evaluate("() => document.activeElement && document.activeElement.id")
            if focused != "error-summary":
                problems.append(f"report sent empty: the focus is on {focused!r}, not the summary")
            page.screenshot(
                path=str(artifacts / f"accessibility-report-errors-{language}-{size}.png"),
                full_page=True,
            )
            page.fill("#id_text", "Jag kan inte se var fokus är på knapparna.")
            page.fill("#id_page", "/volunteer/queue/")
            page.select_option("#id_municipality", "2309")
            page.fill("#id_email", "sam@example.org")
            page.locator("main button[type=submit]").click()
            page.wait_for_load_state()
            problems += check(page, "report receipt", axe=axe)
            if "/accessibility/report/sent/" not in page.url:
                problems.append(f"report: not sent, still at {page.url}")
            page.screenshot(
                path=str(artifacts / f"accessibility-receipt-{language}-{size}.png"),
                full_page=True,
            )
    assert not problems, "\n".join(problems)
    assert AccessibilityReport.objects.filter(municipality_id="2309").count() == 2


def test_the_reports_in_the_admin(browser, served, organisations, coordinator, artifacts):
    """The partner coordinator the report went to reads it in the admin, in both languages."""
    partner = organisations["partner"]
    partner.municipality = municipality("2309")
    partner.save()
    report = report_accessibility_problem(
        text="Rubrikerna på sidan för samtalskön läses inte upp.",
        page="/volunteer/queue/",
        email="sam@example.org",
        municipality=partner.municipality,
        language="sv",
    )
    problems = []
    for language, viewport in [("sv", PHONE), ("sv", DESKTOP), ("en", DESKTOP)]:
        size = viewport["width"]
        axe = viewport == AXE_AT[language]
        with served.page(browser, user=coordinator, language=language, viewport=viewport) as page:
            problems += visit(page, "/admin/accessibility/accessibilityreport/", axe=axe)
            problems += visit(
                page, f"/admin/accessibility/accessibilityreport/{report.pk}/change/", axe=axe
            )
            page.screenshot(
                path=str(artifacts / f"accessibility-admin-report-{language}-{size}.png"),
                full_page=True,
            )
    assert not problems, "\n".join(problems)
