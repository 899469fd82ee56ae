"""Every page type of the volunteers' web app, as its people use it on a phone and at a desk, in
Swedish and English, checked by axe-core for WCAG 2.1 A and AA, for server errors and for
Swedish messages the catalogue lacks (tests/browser/walk.py): the volunteer's day, the queue, a
call (and its forms sent empty), booking a visit, the visit with its move and cancel forms, a
reported visit, a check-in; the coordinator's applications, campaigns, a campaign, referrals,
duplicates and hand-over; the national coordinator's uncovered hosts; the public application
and the volunteers' privacy notice. The screenshots of the volunteer's main pages in Swedish go
to test-artifacts/volunteer-*.png for a person to look at.

A page is one template at either size (no part of it is shown or hidden by the width), so axe
checks each page once in each language: in Swedish on the phone, in English at the desk
(``AXE_AT``), each size thus checked in one language. At the other size every page is still
opened and every form sent, and must answer, fail on nothing and lack no Swedish.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stays.models import CheckIn
from tests.browser.conftest import ARTIFACTS
from tests.browser.inprocess import DESKTOP, PHONE
from tests.browser.walk import check, visit
from tests.conftest import demo_user
from volunteers import selectors
from volunteers.models import Campaign, HomeVisit

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
# The size at which axe checks the pages, by language (see the module's docstring).
AXE_AT = {"sv": "phone", "en": "desktop"}


def submit(page, form_selector: str, what: str, problems: list[str], axe: bool = True) -> None:
    """Send the form as it is (empty) and check the page that comes back."""
    with page.expect_navigation():
        page.locator(f"{form_selector} [type=submit]").first.click()
    problems += check(page, what, axe=axe)


def volunteer_walk(served, browser, language, viewport, problems, shots=None, *, axe=True):
    volunteer = demo_user("volontar")
    with served.page(browser, user=volunteer, language=language, viewport=viewport) as page:
        problems += visit(page, "/volunteer/", axe=axe)
        if shots:
            shots(page, "start")
        problems += visit(page, "/volunteer/queue/", axe=axe)
        if shots:
            shots(page, "queue")
        # Take the next host: the call page, and its forms sent empty.
        with page.expect_navigation():
            page.locator('form[action="/volunteer/queue/next/"] [type=submit]').first.click()
        expect(page.locator('a[href^="tel:"]').first).to_be_visible()
        problems += check(page, "call page", axe=axe)
        if shots:
            shots(page, "call")
        submit(page, 'form[action$="/outcome/"]', "call page, no outcome", problems, axe)
        page.locator('input[name="outcome"][value="not_now"]').check()
        submit(page, 'form[action$="/outcome/"]', "call page, no callback time", problems, axe)
        submit(page, 'form[action*="/note/"]', "call page, empty note", problems, axe)
        # Interested: book the visit, first empty, then for real (a host called in a campaign
        # at a later stage keeps it: the volunteer goes on with the next host).
        for _attempt in range(6):
            page.locator('input[name="outcome"][value="interested"]').check()
            with page.expect_navigation():
                page.locator('form[action$="/outcome/"] [type=submit]').click()
            if "/visit/" in page.url:
                break
            with page.expect_navigation():
                page.locator('form[action="/volunteer/queue/next/"] [type=submit]').first.click()
        expect(page).to_have_url(re.compile(r"/volunteer/homes/\d+/visit/$"))
        problems += check(page, "book visit", axe=axe)
        page.locator('input[name="day"]').fill("")
        page.locator('input[name="time"]').fill("")
        submit(page, "main form", "book visit, empty", problems, axe)
        page.locator('input[name="day"]').fill(
            (timezone.localdate() + timedelta(days=3)).isoformat()
        )
        page.locator('input[name="time"]').fill("18:30")
        with page.expect_navigation():
            page.locator("main form [type=submit]").click()
        expect(page).to_have_url(re.compile(r"/volunteer/visits/\d+/$"))
        problems += check(page, "visit (booked)", axe=axe)
        page.locator('input[name="move-day"]').fill("")
        submit(page, 'form[action$="/move/"]', "move visit, empty", problems, axe)
        submit(page, 'form[action$="/cancel/"]', "cancel visit, empty", problems, axe)
        # A visit that has taken place and is reported; one to report, if the demo has one.
        visits = selectors.visits_for(volunteer)
        reported = visits.filter(status=HomeVisit.Status.REPORTED).first()
        if reported is not None:
            problems += visit(page, f"/volunteer/visits/{reported.pk}/", axe=axe)
        to_report = visits.filter(
            status=HomeVisit.Status.BOOKED, starts_at__lte=timezone.now()
        ).first()
        if to_report is not None:
            problems += visit(page, f"/volunteer/visits/{to_report.pk}/", axe=axe)
            submit(
                page, f'form[action$="/visits/{to_report.pk}/"]', "visit report, empty", problems
            )
        check_in = selectors.check_ins_for(volunteer).filter(status=CheckIn.Status.PLANNED).first()
        assert check_in is not None, "the demo has a check-in due to the volunteers"
        problems += visit(page, f"/volunteer/check-ins/{check_in.pk}/", axe=axe)
        submit(page, "main form[action*='/check-ins/']", "check-in, empty", problems, axe)


def applications_to_decide(coordinator):
    """Two applications in Krokom: one waiting for a decision, one approved and not yet met."""
    from volunteers import actions

    def apply(name, email):
        return actions.apply_to_volunteer(
            name=name,
            email=email,
            phone="+46701234567",
            languages=["sv", "ar", "en"],
            area="Ås",
            municipality="2309",
            availability="Vardagskvällar",
            motivation="Jag vill hjälpa nya grannar att komma till rätta.",
            language="sv",
        )

    apply("Samira Ali", "samira.ali@example.se")
    approved = apply("Nils Ny", "nils.ny@example.se")
    actions.approve_application(application=approved, user=coordinator)


def coordinator_walk(served, browser, language, viewport, problems, shots=None, *, axe=True):
    coordinator = demo_user("volontarsamordnare")
    if not selectors.applications_page(user=coordinator)["pending"]:
        applications_to_decide(coordinator)
    with served.page(browser, user=coordinator, language=language, viewport=viewport) as page:
        problems += visit(page, "/volunteer/", axe=axe)
        problems += visit(page, "/volunteer/applications/", axe=axe)
        if shots:
            shots(page, "applications")
        # The introduction meeting sent without a day, and a decline with too long a reason.
        page.locator('form[action$="/met/"] input[name="met_on"]').first.fill("")
        submit(page, 'form[action$="/met/"]', "introduction meeting, no day", problems, axe)
        page.evaluate(
            "() => document.querySelectorAll('input[name=reason]').forEach("
            "(i) => i.removeAttribute('maxlength'))"
        )
        page.locator('form[action$="/decline/"] input[name="reason"]').first.fill("x" * 301)
        submit(page, 'form[action$="/decline/"]', "decline, reason too long", problems, axe)
        problems += visit(page, "/volunteer/campaigns/", axe=axe)
        submit(page, "main form.form-narrow", "campaigns, empty", problems, axe)
        campaign = selectors.campaigns_for(coordinator).first()
        assert isinstance(campaign, Campaign)
        problems += visit(page, f"/volunteer/campaigns/{campaign.pk}/", axe=axe)
        problems += visit(page, "/volunteer/referrals/", axe=axe)
        home = selectors.organisation_homes(coordinator).filter(status="registered").first()
        problems += visit(page, f"/volunteer/homes/{home.pk}/duplicates/", axe=axe)
        problems += visit(page, f"/volunteer/homes/{home.pk}/hand-over/", axe=axe)
        submit(page, "main form.card", "hand over, empty", problems, axe)
    national = demo_user("riks-samordnare")
    with served.page(browser, user=national, language=language, viewport=viewport) as page:
        problems += visit(page, "/volunteer/uncovered/", axe=axe)
        problems += visit(page, "/volunteer/queue/", axe=axe)


def public_walk(served, browser, language, viewport, problems, *, axe=True):
    with served.page(browser, language=language, viewport=viewport) as page:
        problems += visit(page, "/volunteer/join/", axe=axe)
        submit(page, "main form", "join, empty", problems, axe)
        problems += visit(page, "/volunteer/join/thanks/", axe=axe)
        problems += visit(page, "/volunteer/privacy/", axe=axe)


def screenshots(size: str):
    """In Swedish, the main pages are saved for a person to look at: the page must also fit the
    phone's width (no sideways scrolling)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def shoot(page, name):
        page.screenshot(path=str(ARTIFACTS / f"volunteer-{name}-{size}.png"), full_page=True)
        scroll, width = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll <= width, f"volunteer-{name}-{size}: wider than the screen"

    return shoot


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_volunteer_page_passes_axe_in_both_sizes(served, browser, language):
    problems: list[str] = []
    for size, viewport in VIEWPORTS.items():
        found: list[str] = []
        shots = screenshots(size) if language == "sv" else None
        axe = size == AXE_AT[language]
        volunteer_walk(served, browser, language, viewport, found, shots, axe=axe)
        coordinator_walk(served, browser, language, viewport, found, shots, axe=axe)
        public_walk(served, browser, language, viewport, found, axe=axe)
        problems += [f"{language} {size}: {line}" for line in found]
    assert not problems, "\n".join(problems)
