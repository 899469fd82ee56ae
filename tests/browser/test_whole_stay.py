"""The whole stay in Chromium, as its people live it.

A household on a phone in Arabic (right to left) opens its link, says yes to the proposed home and,
once it has moved in, tells the portal that something is wrong. The partner's coordinator, at a
desk, approves the match after the yes, acknowledges the concern, books a mediation meeting and
ends the stay early; the household then waits with priority and comes first in the case list and
in the plan. The host (in Swedish, through self-service) and the household (in Arabic, through its
link) answer their end-of-stay surveys, and neither reaches the other's. Last, the report's stay
figures equal both the count of what happened here and the independent recount.

Screenshots land in test-artifacts/stay-*.png for a person to look at.
"""

import re

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from bench.recount import differences, recount, reported
from hosts.actions import self_service_url
from matching.actions import propose_match, record_move_in
from matching.models import Match
from newcomers.actions import household_link_url, issue_household_link
from newcomers.models import NewcomerCase
from reports.metrics import compute_figures
from stays.models import Concern, Evaluation, Mediation
from stays.surveys import SURVEYS
from tests.browser.test_evaluations import answer_all
from tests.browser.test_host_flow import shoot
from tests.factories import (
    MatchReasonFactory,
    NewcomerCaseFactory,
    partnership_covering,
    referred_home,
    staff_user,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]

PASSWORD = "kaffe och kanelbullar 2026"
WORRY = "الغرفة باردة جدًا في الليل ولا توجد تدفئة."


def tr(language, text):
    with translation.override(language):
        return gettext(str(text))


@pytest.fixture
def phone_locale():
    return "ar"


def desk_page(browser, console):
    """The coordinator's laptop, in English."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Europe/Stockholm"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    console.attach(page)
    return context, page


def host_phone(browser, console):
    """The host's phone, in Swedish."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="sv-SE", timezone_id="Europe/Stockholm"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    console.attach(page)
    return context, page


def step(page, name: str, button: str) -> None:
    """Press a workflow step's button on an admin change page, then its form's button."""
    page.locator(f"#content a.workflow-step[data-step={name}]").click()
    page.get_by_role("button", name=button).click()


def test_the_whole_stay(live_server, settings, browser, page, console, artifacts, organisations):
    settings.SITE_URL = live_server.url
    partner = organisations["partner"]
    partnership = partnership_covering(partner)
    coordinator = staff_user("partner_coordinator", partner, username="maria", password=PASSWORD)
    reason = MatchReasonFactory(partner=partner, label="Värden och hushållet kom inte överens")
    home = referred_home(partner, beds=4, rent_per_month=3500)
    today = timezone.localdate()
    # Another household that needs housing sooner: without priority it would come first.
    other = NewcomerCaseFactory(partner=partner, reference="MLM-2026-100", housing_needed_by=today)
    case = NewcomerCaseFactory(partner=partner, reference="MLM-2026-101", language="ar")
    match = propose_match(home=home, case=case, user=coordinator)
    link = issue_household_link(case=case, user=coordinator, delivery="letter")

    # The household opens its link on a phone, in Arabic, right to left, and says yes.
    page.goto(household_link_url(link))
    page.wait_for_url(re.compile(r"/household/$"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator('link[href*="bootstrap.rtl"]')).to_have_count(1)
    shoot(page, artifacts, "stay-household-start-ar")
    page.goto(f"{live_server.url}/household/proposal/")
    expect(page.get_by_text(home.host.name)).to_have_count(0)  # never the host's name
    shoot(page, artifacts, "stay-household-proposal-ar")
    page.locator("button[name=answer][value=yes]").click()
    page.wait_for_load_state()
    match.refresh_from_db()
    assert (match.household_answer, match.household_answer_via) == ("yes", "own_page")
    assert match.household_answer_recorded_by is None

    # The coordinator approves after the yes; the household moves in.
    desk, admin = desk_page(browser, console)
    try:
        admin.goto(f"{live_server.url}/admin/matching/match/{match.pk}/change/")
        admin.get_by_label("Username").fill("maria")
        admin.get_by_label("Password").fill(PASSWORD)
        admin.get_by_role("button", name="Log in").click()
        step(admin, "approve", "Approve")
        expect(admin.locator(".field-status .readonly")).to_have_text("Approved")
        match.refresh_from_db()
        record_move_in(match=match, user=coordinator, move_in_date=today)

        # Something is wrong: the household says so, urgently, in its own words.
        page.goto(f"{live_server.url}/household/concern/")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        page.locator("input[name=urgency][value=urgent]").check()
        page.locator("textarea[name=text]").fill(WORRY)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/household/concern/sent/$"))
        shoot(page, artifacts, "stay-household-concern-sent-ar")
        concern = Concern.objects.get(match=match)
        assert (concern.raised_by, concern.urgency, concern.language) == (
            "household",
            "urgent",
            "ar",
        )
        assert concern.text == WORRY

        # The coordinator acknowledges it and books a mediation meeting.
        admin.goto(f"{live_server.url}/admin/stays/concern/")
        admin.get_by_role("link", name=re.compile(f"Concern #{concern.pk}")).click()
        expect(admin.locator(".field-text .readonly")).to_have_text(WORRY)
        step(admin, "acknowledge", "Acknowledge")
        expect(admin.locator(".field-status .readonly")).to_have_text("Acknowledged")
        admin.locator("#content a.workflow-step[data-step=mediate]").click()
        admin.get_by_label("Where").fill("Stadshuset, rum 4")
        admin.get_by_role("button", name="Book a mediation meeting").click()
        expect(admin.locator(".messagelist")).to_contain_text("The invitations have been sent")
        mediation = Mediation.objects.get(concern=concern)
        concern.refresh_from_db()
        assert concern.first_response_by == coordinator and concern.status == "in_mediation"

        # The meeting does not help: the stay ends early, the household waits again.
        admin.goto(f"{live_server.url}/admin/matching/match/{match.pk}/change/")
        admin.locator("#content a.workflow-step[data-step=end]").click()
        admin.get_by_label("Reason").select_option(str(reason.pk))
        admin.get_by_label("Did the stay end early?").select_option("relationship")
        admin.get_by_role("button", name="End the stay").click()
        expect(admin.locator(".field-status .readonly")).to_have_text("Ended")
        shoot(admin, artifacts, "stay-admin-ended-early")
        match.refresh_from_db()
        case.refresh_from_db()
        concern.refresh_from_db()
        mediation.refresh_from_db()
        assert (match.status, match.early_end_reason) == ("ended", "relationship")
        assert case.status == NewcomerCase.Status.WAITING and case.priority_since is not None
        assert concern.status == "stay_ended" and mediation.status == "cancelled"

        # The rematch: the household comes first in the case list and in the plan.
        admin.goto(f"{live_server.url}/admin/newcomers/newcomercase/")
        rows = admin.locator("#result_list tbody tr")
        expect(rows.nth(0)).to_contain_text("MLM-2026-101")
        expect(rows.nth(0)).to_contain_text("Priority")
        expect(rows.nth(1)).to_contain_text(other.reference)
        admin.goto(f"{live_server.url}/admin/newcomers/newcomercase/plan/")
        plan = admin.locator("#plan tbody tr")
        expect(plan.nth(0)).to_contain_text("MLM-2026-101")
        shoot(admin, artifacts, "stay-admin-plan-priority")
    finally:
        desk.close()

    # Both sides answer their end-of-stay surveys, each in their own language.
    host_context, host = host_phone(browser, console)
    try:
        host.goto(self_service_url(home.host))
        host.goto(f"{live_server.url}/my-offer/evaluation/end/")
        host_survey = SURVEYS["host_end"]
        answer_all(host, host_survey, "sv", score="4", words="Det var lärorikt.")
        host.get_by_role("button", name=tr("sv", "Send my answers")).click()
        host.wait_for_url(re.compile(r"/my-offer/$"))
        # The host never reaches the household's survey.
        assert host.goto(f"{live_server.url}/household/evaluation/end/").status == 404
    finally:
        host_context.close()

    page.goto(f"{live_server.url}/household/evaluation/end/")
    household_survey = SURVEYS["household_end"]
    expect(page.locator("h1")).to_have_text(tr("ar", household_survey.title))
    answer_all(page, household_survey, "ar", score="3", words="شكرًا على كل شيء.")
    shoot(page, artifacts, "stay-household-survey-ar")
    page.get_by_role("button", name=tr("ar", "Send my answers")).click()
    expect(page.get_by_text(tr("ar", "You have answered this survey. Thank you!"))).to_be_visible()
    # The household never reaches the host's survey: its browser has no host session.
    page.goto(f"{live_server.url}/my-offer/evaluation/end/")
    expect(page).not_to_have_url(re.compile(r"/my-offer/evaluation/end/$"))

    answered = Evaluation.objects.filter(match=match, status="answered")
    assert sorted(answered.values_list("respondent", flat=True)) == ["host", "household"]
    assert not console.server_errors and not console.csp_violations

    # The report's stay figures: what happened here, counted by hand and recounted.
    stay = compute_figures(partnership)["stay"]
    assert stay["concerns_raised"] == 1 and stay["concerns_urgent"] == 1
    assert stay["by_raiser"]["household"] == 1
    assert stay["mediations_held"] == 0  # booked, then cancelled when the stay ended
    assert stay["stays_ended_early"] == 1 and stay["by_reason"]["relationship"] == 1
    assert stay["rematches"] == 0  # not approved for a new home yet
    assert stay["evaluations_answered"] == 2
    assert stay["evaluations"] == {
        "host__month_1": 0,
        "host__end": 1,
        "household__month_1": 0,
        "household__end": 1,
    }
    assert match.case.matches.filter(status=Match.Status.ENDED).count() == 1
    assert (
        differences(
            reported(compute_figures(partnership, as_of=today)),
            recount(partnership=partnership, as_of=today),
        )
        == []
    )
