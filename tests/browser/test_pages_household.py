"""Every page the household sees, in each of its seven languages, and both evaluation pages (the
host's and the household's), walked on a phone and at a desktop over the seeded demo: no
WCAG 2.1 A/AA violation (axe-core), no server error, nothing missing from the Swedish catalogue
(tests/browser/walk.py). Forms are also sent empty, and the page with the errors is checked.
Screenshots at 390 × 844 land in test-artifacts/household-*.png for a person to look at.

Axe checks every page in every language on the phone, the household's own screen, and at the
desk in Swedish and in Arabic (right to left, with its own stylesheet): the pages are the same
templates at either size. The pages before a link is opened are in the browser's Swedish
whatever the case's language, so axe checks them in the first round only. Every page is still
opened at both sizes in every language, and must answer, fail on nothing and lack no Swedish."""

import pytest
from django.urls import reverse

from hosts.actions import self_service_url
from matching.models import Match
from newcomers.actions import household_link_url, issue_household_link
from newcomers.models import HOUSEHOLD_LANGUAGES, HouseholdLink, NewcomerCase
from stays.models import Evaluation
from tests.browser.inprocess import DESKTOP, PHONE
from tests.browser.walk import Walker, check, visit
from tests.conftest import demo_user

pytestmark = [pytest.mark.browser]

LANGUAGES = [code for code, _name in HOUSEHOLD_LANGUAGES]
SIZES = {"phone": PHONE, "desktop": DESKTOP}
# The languages whose pages axe also checks at the desk (see the module's docstring).
AT_THE_DESK_TOO = ("sv", "ar")


def _axe_for(language: str, size: str) -> bool:
    return size == "phone" or language in AT_THE_DESK_TOO


def _case_with(status):
    return (
        NewcomerCase.objects.filter(
            matches__status__in=status, partner_id=demo_user("samordnare").organisation_id
        )
        .exclude(status=NewcomerCase.Status.CLOSED)
        .distinct()
        .order_by("pk")
        .first()
    )


def _link(case) -> str:
    link = issue_household_link(
        case=case, user=demo_user("samordnare"), delivery=HouseholdLink.Delivery.LETTER
    )
    return household_link_url(link).split("://", 1)[1].split("/", 1)[1]


def _open(page, served, case, language, *, axe: bool = True) -> list[str]:
    """Open the household's link in this browser, with the case in ``language``."""
    NewcomerCase.objects.filter(pk=case.pk).update(language=language)
    return visit(page, "/" + _link(case), axe=axe)


def _shoot(page, artifacts, name):
    page.screenshot(path=str(artifacts / f"household-{name}.png"), full_page=True)


def test_the_household_pages_in_every_language(browser, served, demo, artifacts):
    proposed = _case_with([Match.Status.PROPOSED])
    survey = (
        Evaluation.objects.open()
        .filter(
            respondent=Evaluation.Respondent.HOUSEHOLD,
            match__status=Match.Status.MOVED_IN,
            match__case__partner_id=demo_user("samordnare").organisation_id,
        )
        .first()
    )
    assert proposed is not None and survey is not None
    staying = survey.match.case
    problems = []
    for language in LANGUAGES:
        for size, viewport in SIZES.items():
            axe = _axe_for(language, size)
            first_round = language == LANGUAGES[0]
            with served.page(browser, language="sv", viewport=viewport) as page:
                # A link that does not work, and the pages before a link is opened (after the
                # first round, with the test client: tests/browser/walk.py's Walker).
                before = Walker(served, browser, language="sv", viewport=viewport, page=page)
                for path in ("/household/open/not-a-token/", reverse("household:start")):
                    problems += before.open(path, axe=first_round, expect_status=404)[0]
                # The proposal.
                problems += _open(page, served, proposed, language, axe=axe)
                if size == "phone" and language in ("sv", "ar", "uk"):
                    _shoot(page, artifacts, f"start-{language}")
                problems += visit(page, reverse("household:proposal"), axe=axe)
                page.locator("main form button[type=submit]").first.click()
                page.wait_for_load_state()
                problems += check(page, f"proposal answered ({language}, {size})", axe=axe)
                # The stay: something is wrong, sent empty and then filled in.
                problems += _open(page, served, staying, language, axe=axe)
                problems += visit(page, reverse("household:concern"), axe=axe)
                page.locator("main form button[type=submit]").first.click()
                page.wait_for_load_state()
                problems += check(page, f"concern sent empty ({language}, {size})", axe=axe)
                problems += visit(page, reverse("household:concern_sent"), axe=axe)
                # The evaluation open now, sent empty.
                problems += visit(page, reverse("stays:household_evaluation"), axe=axe)
                if size == "phone" and language == "sv":
                    _shoot(page, artifacts, "evaluation-sv")
                if page.locator("main form button[type=submit]").count():
                    page.locator("main form button[type=submit]").first.click()
                    page.wait_for_load_state()
                    problems += check(page, f"evaluation sent empty ({language}, {size})", axe=axe)
                # Leaving the pages.
                page.locator('header form[action$="/leave/"] button').click()
                page.wait_for_load_state()
                problems += check(page, f"left ({language}, {size})", axe=axe)
            # The printed letter, as the coordinator sees it.
            NewcomerCase.objects.filter(pk=proposed.pk).update(language=language)
            with Walker(
                served, browser, user=demo_user("samordnare"), language="sv", viewport=viewport
            ) as walker:
                letter = reverse(
                    "admin:newcomers_newcomercase_household_letter", args=[proposed.pk]
                )
                problems += walker.open(letter, axe=axe)[0]
    assert not problems, "\n".join(problems)


def test_the_evaluation_pages(browser, served, demo, artifacts):
    open_host = Evaluation.objects.open().filter(respondent=Evaluation.Respondent.HOST).first()
    assert open_host is not None
    host = open_host.match.home.host
    problems = []
    for language in ("sv", "en"):
        type(host).objects.filter(pk=host.pk).update(language=language)
        for size, viewport in SIZES.items():
            axe = _axe_for(language, size)
            with served.page(browser, language=language, viewport=viewport) as page:
                problems += visit(
                    page, "/" + self_service_url(host).split("://", 1)[1].split("/", 1)[1], axe=axe
                )
                path = reverse("stays:host_evaluation", kwargs={"point": open_host.point})
                problems += visit(page, path, axe=axe)
                if size == "phone" and language == "sv":
                    _shoot(page, artifacts, "evaluation-host-sv")
                page.locator("main form button[type=submit]").first.click()
                page.wait_for_load_state()
                problems += check(page, f"host evaluation sent empty ({language}, {size})", axe=axe)
    assert not problems, "\n".join(problems)
