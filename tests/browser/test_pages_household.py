"""Every page the household sees, in each of its seven languages, and both evaluation pages (the
host's and the household's), walked on a phone and at a desktop over the seeded demo: no
WCAG 2.1 A/AA violation (axe-core), no server error, nothing missing from the Swedish catalogue
(tests/browser/walk.py). Forms are also sent empty, and the page with the errors is checked.
Screenshots at 390 × 844 land in test-artifacts/household-*.png for a person to look at."""

import pytest
from django.urls import reverse

from hosts.actions import self_service_url
from matching.models import Match
from newcomers.actions import household_link_url, issue_household_link
from newcomers.models import HOUSEHOLD_LANGUAGES, HouseholdLink, NewcomerCase
from stays.models import Evaluation
from tests.browser.inprocess import DESKTOP, PHONE
from tests.browser.walk import check, visit
from tests.conftest import demo_user

pytestmark = [pytest.mark.browser]

LANGUAGES = [code for code, _name in HOUSEHOLD_LANGUAGES]
SIZES = {"phone": PHONE, "desktop": DESKTOP}


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


def _open(page, served, case, language) -> list[str]:
    """Open the household's link in this browser, with the case in ``language``."""
    NewcomerCase.objects.filter(pk=case.pk).update(language=language)
    return visit(page, "/" + _link(case))


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
            with served.page(browser, language="sv", viewport=viewport) as page:
                # A link that does not work, and the pages before a link is opened.
                problems += visit(page, "/household/open/not-a-token/", expect_status=404)
                problems += visit(page, reverse("household:start"), expect_status=404)
                # The proposal.
                problems += _open(page, served, proposed, language)
                if size == "phone" and language in ("sv", "ar", "uk"):
                    _shoot(page, artifacts, f"start-{language}")
                problems += visit(page, reverse("household:proposal"))
                page.locator("main form button[type=submit]").first.click()
                page.wait_for_load_state()
                problems += check(page, f"proposal answered ({language}, {size})")
                # The stay: something is wrong, sent empty and then filled in.
                problems += _open(page, served, staying, language)
                problems += visit(page, reverse("household:concern"))
                page.locator("main form button[type=submit]").first.click()
                page.wait_for_load_state()
                problems += check(page, f"concern sent empty ({language}, {size})")
                problems += visit(page, reverse("household:concern_sent"))
                # The evaluation open now, sent empty.
                problems += visit(page, reverse("stays:household_evaluation"))
                if size == "phone" and language == "sv":
                    _shoot(page, artifacts, "evaluation-sv")
                if page.locator("main form button[type=submit]").count():
                    page.locator("main form button[type=submit]").first.click()
                    page.wait_for_load_state()
                    problems += check(page, f"evaluation sent empty ({language}, {size})")
                # Leaving the pages.
                page.locator('header form[action$="/leave/"] button').click()
                page.wait_for_load_state()
                problems += check(page, f"left ({language}, {size})")
            # The printed letter, as the coordinator sees it.
            NewcomerCase.objects.filter(pk=proposed.pk).update(language=language)
            with served.page(
                browser, user=demo_user("samordnare"), language="sv", viewport=viewport
            ) as page:
                problems += visit(
                    page,
                    reverse("admin:newcomers_newcomercase_household_letter", args=[proposed.pk]),
                )
    assert not problems, "\n".join(problems)


def test_the_evaluation_pages(browser, served, demo, artifacts):
    open_host = Evaluation.objects.open().filter(respondent=Evaluation.Respondent.HOST).first()
    assert open_host is not None
    host = open_host.match.home.host
    problems = []
    for language in ("sv", "en"):
        type(host).objects.filter(pk=host.pk).update(language=language)
        for size, viewport in SIZES.items():
            with served.page(browser, language=language, viewport=viewport) as page:
                problems += visit(
                    page, "/" + self_service_url(host).split("://", 1)[1].split("/", 1)[1]
                )
                path = reverse("stays:host_evaluation", kwargs={"point": open_host.point})
                problems += visit(page, path)
                if size == "phone" and language == "sv":
                    _shoot(page, artifacts, "evaluation-host-sv")
                page.locator("main form button[type=submit]").first.click()
                page.wait_for_load_state()
                problems += check(page, f"host evaluation sent empty ({language}, {size})")
    assert not problems, "\n".join(problems)
