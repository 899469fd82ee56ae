"""The road to work in Chromium, in Swedish, on a phone: the housing company's supervisor offers
a placement, the integration unit's coordinator proposes an adult of a case (with consent; a
personal identity number as the reference is refused, and what was typed is kept), the supervisor
starts it and records a "difficult" check-in, the coordinator reads it on the placement's page,
the supervisor completes it and records employment, and the case's page shows the road with the
placement, a link to its page.

Both log in with a password and a code from their authenticator app. Each main page is saved to
test-artifacts/walk-*.png at 390×844 and at 1280×800 for a person to look at.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from matching_portal import formatting
from newcomers.models import NewcomerCase
from tests.browser.test_host_flow import shoot
from tests.factories import moved_in_match, referred_home, staff_user
from tests.security.test_two_factor import code_of
from work.actions import register_employer
from work.models import Placement, PlacementCheckIn

pytestmark = [
    pytest.mark.browser,
    pytest.mark.two_factor,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups"),
]

PASSWORD = "kaffe och kanelbullar 2026"
PERSONAL_NUMBER = "19900101-1234"
DESK = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def sv(text) -> str:
    with translation.override("sv"):
        return gettext(str(text))


def shoot_both(page, artifacts, name: str) -> None:
    """The page on a desk and on the phone (where nothing may stick out sideways)."""
    page.set_viewport_size(DESK)
    page.screenshot(path=str(artifacts / f"walk-{name}-desk.png"), full_page=True)
    page.set_viewport_size(PHONE)
    shoot(page, artifacts, f"walk-{name}-phone")


def phone_of(browser, console):
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="sv-SE",
        timezone_id="Europe/Stockholm",
    )
    context.set_default_timeout(10_000)
    return context, console.attach(context.new_page())


def log_in(page, url: str, user) -> None:
    """Password, then the code the person's authenticator app shows."""
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    page.goto(url)
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form [type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/two-factor/"))
    page.get_by_label(sv("Code from your authenticator app")).fill(code_of(device))
    page.get_by_role("button", name=sv("Confirm")).click()
    page.wait_for_url(re.compile(re.escape(url) + "$"))


def step(page, name: str) -> None:
    page.locator(f"#content a.workflow-step[data-step={name}]").click()
    page.wait_for_url(re.compile(rf"/step/{name}/$"))


def confirm(page) -> None:
    page.locator("input[name=_confirm]").click()


def test_a_placement_from_offer_to_employment(
    live_server, browser, page, console, artifacts, organisations
):
    partner, housing = organisations["partner"], organisations["housing"]
    employer = register_employer(organisation=housing, integration_units=[partner])
    supervisor = staff_user(
        "housing_company_staff",
        housing,
        username="lena",
        password=PASSWORD,
        first_name="Lena",
        last_name="Berg",
    )
    coordinator = staff_user(
        "partner_coordinator",
        partner,
        username="maria",
        password=PASSWORD,
        first_name="Maria",
        last_name="Ek",
    )
    today = timezone.localdate()
    case = moved_in_match(partner, coordinator=coordinator, home=referred_home(partner)).case
    NewcomerCase.objects.filter(pk=case.pk).update(
        reference="KRK-2026-017", registered_with_employment_service_on=today - timedelta(days=5)
    )

    # The supervisor offers a placement, on her phone.
    log_in(page, f"{live_server.url}/admin/work/placement/add/", supervisor)
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    page.get_by_label(sv("Kind")).select_option("work_training")
    page.get_by_label(sv("What the work is")).fill("Fastighetsskötarens medhjälpare")
    page.get_by_label(sv("Place of work")).fill("Storgatan 1, Krokom")
    page.get_by_label(sv("From")).fill(today.isoformat())
    page.get_by_label(sv("Until")).fill((today + timedelta(days=90)).isoformat())
    page.get_by_label(sv("Hours per week")).fill("20")
    page.get_by_label(sv("Languages used at work")).fill("sv, en")
    shoot_both(page, artifacts, "offer-form")
    page.locator("input[name=_save]").click()
    page.wait_for_url(re.compile(r"/admin/work/placement/\d+/change/$"))
    placement = Placement.objects.get()
    assert (placement.employer, placement.integration_unit) == (employer, partner)
    assert (placement.supervisor, placement.languages) == (supervisor, ["sv", "en"])
    shoot_both(page, artifacts, "offered")
    placement_url = page.url

    # The coordinator proposes the case's first adult, at first with a personal identity number
    # as the reference and no date of consent: refused, and what was typed is kept.
    coordinator_phone, coordinator_page = phone_of(browser, console)
    try:
        log_in(coordinator_page, placement_url, coordinator)
        step(coordinator_page, "propose")
        form = coordinator_page
        form.get_by_label(sv("Consent given on")).fill("")
        form.get_by_label(sv("In writing")).check()
        shoot_both(form, artifacts, "propose-form")
        form.locator(".field-case .select2-selection").click()
        form.locator(".select2-search__field").fill("KRK-2026")
        form.locator(".select2-results__option", has_text="KRK-2026-017").click()
        form.get_by_label(sv("Which adult of the household")).fill("1")
        form.get_by_label(sv("Public Employment Service reference")).fill(PERSONAL_NUMBER)
        confirm(form)
        expect(form.locator(".field-consent_given_on .errorlist")).to_be_visible()
        expect(form.locator(".field-employment_service_reference .errorlist")).to_be_visible()
        expect(form.get_by_label(sv("Public Employment Service reference"))).to_have_value(
            PERSONAL_NUMBER
        )
        expect(form.get_by_label(sv("In writing"))).to_be_checked()
        expect(form.locator(".field-case .select2-selection")).to_contain_text("KRK-2026-017")
        shoot_both(form, artifacts, "propose-refused")
        placement.refresh_from_db()
        assert placement.status == Placement.Status.OFFERED and placement.case is None

        form.get_by_label(sv("Consent given on")).fill(today.isoformat())
        form.get_by_label(sv("Public Employment Service reference")).fill("AF-4711-PLAN")
        confirm(form)
        form.wait_for_url(placement_url)
        placement.refresh_from_db()
        assert placement.status == Placement.Status.PROPOSED
        assert (placement.case_id, placement.adult_number) == (case.pk, 1)

        # The supervisor starts it and, a week on, notes that it is difficult.
        page.goto(placement_url)
        expect(page.locator("#content a.workflow-step[data-step=start]")).to_have_text(
            sv("Start the placement")
        )
        step(page, "start")
        shoot_both(page, artifacts, "start")
        confirm(page)
        page.wait_for_url(placement_url)
        page.locator("#content a.check-in-link").click()
        page.wait_for_url(re.compile(r"/admin/work/placementcheckin/add/\?placement=\d+$"))
        expect(page.get_by_label(sv("Placement"))).to_have_value(str(placement.pk))
        page.get_by_label(sv("Days expected since the last check-in")).fill("5")
        page.get_by_label(sv("Days present")).fill("3")
        page.get_by_label(sv("Swedish with support")).check()
        page.get_by_label(sv(PlacementCheckIn.Going.DIFFICULT.label)).check()
        page.get_by_label(sv("Note")).fill("Svårt att komma i tid på morgonen.")
        shoot_both(page, artifacts, "check-in-form")
        page.locator("input[name=_save]").click()
        page.wait_for_url(re.compile(r"/admin/work/placementcheckin/\d+/change/$"))
        expect(page.locator(".messagelist")).to_contain_text(
            sv("The integration unit has been told.")
        )
        with translation.override("sv"):
            named = gettext("Check-in on %(day)s") % {"day": formatting.day(today)}
        expect(page.locator("#content h2")).to_have_text(named)  # not an id and an ISO date
        shoot_both(page, artifacts, "check-in")

        # The coordinator reads it on the placement's page.
        coordinator_page.goto(placement_url)
        check_ins = coordinator_page.locator("#check_ins-group")
        expect(check_ins).to_contain_text("Svårt att komma i tid på morgonen.")
        going = check_ins.locator("td.field-going").first
        expect(going).to_have_text(sv(PlacementCheckIn.Going.DIFFICULT.label))
        box = going.bounding_box()  # not off to the right, behind a sideways scroll
        assert box is not None and box["x"] + box["width"] <= PHONE["width"]
        shoot_both(coordinator_page, artifacts, "placement-coordinator")

        # The supervisor completes it and records the employment that came of it.
        page.goto(placement_url)
        step(page, "complete")
        confirm(page)
        page.wait_for_url(placement_url)
        step(page, "employ")
        confirm(page)
        page.wait_for_url(placement_url)
        expect(page.locator(".field-status .readonly")).to_have_text(
            sv(Placement.Status.EMPLOYED.label)
        )
        with translation.override("sv"):
            period = f"{date_format(today)} – {date_format(today + timedelta(days=90))}"
        expect(page.locator(".field-period .readonly")).to_have_text(period)
        shoot_both(page, artifacts, "employed")
        placement.refresh_from_db()
        assert placement.status == Placement.Status.EMPLOYED
        assert placement.employed_on == today

        # The lists: the supervisor's placements and check-ins.
        page.goto(f"{live_server.url}/admin/work/placement/")
        # What the work is and where it stands, in the first columns: seen without scrolling.
        first = page.locator("#result_list tbody tr").first
        expect(first.locator("th a")).to_have_text("Fastighetsskötarens medhjälpare")
        expect(first.locator("td.field-status")).to_be_in_viewport()
        shoot_both(page, artifacts, "placements")
        page.goto(f"{live_server.url}/admin/work/placementcheckin/")
        row = page.locator("#result_list tbody tr").first
        expect(row.locator("td.field-going")).to_have_text(
            sv(PlacementCheckIn.Going.DIFFICULT.label)
        )
        expect(row.locator("td.field-going")).to_be_in_viewport()
        shoot_both(page, artifacts, "check-ins")

        # The case's page: the road, with the placement and a link to its page.
        coordinator_page.goto(f"{live_server.url}/admin/newcomers/newcomercase/{case.pk}/change/")
        road = coordinator_page.locator("#road")
        expect(road).to_contain_text(sv("Placement started"))
        expect(road).to_contain_text(sv("Employed"))
        expect(road).to_contain_text("Fastighetsskötarens medhjälpare")
        placements = road.locator("table.road-placements")
        expect(placements).to_contain_text(housing.name)
        expect(placements).to_contain_text(sv(Placement.Status.EMPLOYED.label))
        shoot_both(coordinator_page, artifacts, "case-road")
        road.get_by_role("link", name=re.compile("Fastighetsskötarens medhjälpare")).click()
        coordinator_page.wait_for_url(placement_url)
    finally:
        coordinator_phone.close()
    assert not console.server_errors and not console.csp_violations and not console.page_errors
