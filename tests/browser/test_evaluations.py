"""The host and the household answer their surveys on a phone-sized Chromium: the host in Swedish
through self-service, the household in its own language through its link. A missing answer shows
the error and keeps what was chosen and typed; screenshots land in test-artifacts/."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings as django_settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from hosts.actions import self_service_url
from newcomers.links import SESSION_KEY
from newcomers.models import HouseholdLink
from stays.actions import open_evaluations
from stays.models import Evaluation
from stays.surveys import SCALE, SURVEYS, YES_NO
from tests.browser.test_host_flow import shoot
from tests.factories import moved_in_match

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tr(language, text):
    with translation.override(language):
        return gettext(str(text))


def answer_all(page, survey, language, *, skip=(), score="4", words="Det går bra."):
    for question in survey.questions:
        if question.key in skip:
            continue
        if question.kind == SCALE:
            group = page.get_by_role("group", name=tr(language, question.text))
            group.get_by_label(score, exact=False).first.check()
        elif question.kind == YES_NO:
            group = page.get_by_role("group", name=tr(language, question.text))
            group.get_by_label(tr(language, "Yes"), exact=True).check()
        else:
            page.get_by_label(tr(language, question.text)).fill(words)


@pytest.fixture
def stay(db):
    stay = moved_in_match()
    open_evaluations(today=stay.move_in_date + timedelta(days=30))
    return stay


def test_the_host_answers_on_a_phone(live_server, settings, page, console, artifacts, stay):
    settings.SITE_URL = live_server.url
    page.goto(self_service_url(stay.home.host))
    page.get_by_role(
        "link",
        name=tr("sv", "Answer the survey: %(when)s")
        % {"when": tr("sv", "After the first month").lower()},
    ).click()
    page.wait_for_url("**/my-offer/evaluation/month-1/")
    survey = SURVEYS["host_month_1"]
    expect(page.locator("h1")).to_have_text(tr("sv", survey.title))
    answer_all(page, survey, "sv", skip={"going"}, words="Vi trivs.")
    page.get_by_role("button", name=tr("sv", "Send my answers")).click()
    # The error, and what was chosen and typed is kept.
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.get_by_label(tr("sv", survey.question("anything_else").text))).to_have_value(
        "Vi trivs."
    )
    shoot(page, artifacts, "evaluation-host-error")
    page.get_by_role("group", name=tr("sv", survey.question("going").text)).get_by_label(
        "2"
    ).check()
    page.get_by_role("button", name=tr("sv", "Send my answers")).click()
    page.wait_for_url("**/my-offer/")
    expect(page.get_by_text(tr("sv", "Thank you for your answers!"))).to_be_visible()
    evaluation = Evaluation.objects.get(match=stay, respondent="host")
    assert evaluation.status == "answered"
    assert evaluation.answers.get(question="going").score == 2
    assert evaluation.answers.get(question="anything_else").text == "Vi trivs."
    assert evaluation.concern is not None  # 2 is below the default threshold of 3
    assert not console.server_errors and not console.csp_violations


def one_answer_per_line(page):
    """On a phone every answer of a scale or a yes/no question is a box of its own line, as wide
    as the question and at least 44 px high (a thumb's target), whatever the page's direction."""
    groups = page.locator(".evaluation-choices")
    assert groups.count() > 0
    for index in range(groups.count()):
        boxes = [option.bounding_box() for option in groups.nth(index).locator(".form-check").all()]
        assert len(boxes) >= 2
        for above, below in zip(boxes, boxes[1:], strict=False):
            assert below["y"] >= above["y"] + above["height"] - 1, (above, below)
            assert abs(below["x"] - above["x"]) < 1 and abs(below["width"] - above["width"]) < 1
        assert all(box["height"] >= 44 for box in boxes), boxes


@pytest.mark.parametrize("language", ["en", "sv", "ar"])
def test_the_household_answers_on_a_phone(
    language, live_server, page, phone, console, artifacts, stay
):
    stay.case.language = language
    stay.case.save(update_fields=["language"])
    link = HouseholdLink.objects.create(
        case=stay.case, expires_at=timezone.now() + timedelta(days=30)
    )
    store = import_module(django_settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = link.pk
    store.save()
    phone.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": store.session_key,
                "url": live_server.url,
            }
        ]
    )
    page.goto(live_server.url + "/household/evaluation/month-1/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    survey = SURVEYS["household_month_1"]
    expect(page.locator("h1")).to_have_text(tr(language, survey.title))
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
    # Like the household's other pages: the button that leaves them, the way back to the start.
    expect(page.get_by_role("button", name=tr(language, "Leave my page"))).to_be_visible()
    expect(page.get_by_role("link", name=tr(language, "Back to your page"))).to_have_attribute(
        "href", "/household/"
    )
    one_answer_per_line(page)
    answer_all(page, survey, language, words="Allt är bra.")
    shoot(page, artifacts, f"evaluation-household-{language}")
    page.get_by_role("button", name=tr(language, "Send my answers")).click()
    expect(
        page.get_by_text(tr(language, "You have answered this survey. Thank you!"))
    ).to_be_visible()
    evaluation = Evaluation.objects.get(match=stay, respondent="household")
    assert evaluation.status == "answered" and evaluation.language == language
    assert not console.server_errors and not console.csp_violations
