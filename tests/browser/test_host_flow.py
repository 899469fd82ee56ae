"""The host's whole journey in a phone-sized Chromium, in Swedish and in English.

Sign up -> e-mail -> confirm -> change the offer -> withdraw -> erase, against pytest-django's live
server. Page texts are compared with the catalogue (``tr``), so the test follows the translations;
a few Swedish sentences are also written out, so that a Swedish page showing English fails.
Screenshots of the phone layout land in test-artifacts/ (git-ignored) for a person to look at.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from hosts.forms import ReasonForm, RegistrationForm
from hosts.models import ErasureRecord, Home, HomeTransition, Host
from matching_portal import formatting
from tests.conftest import require

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SWEDISH_CATALOGUE = Path(django_settings.BASE_DIR) / "locale/sv/LC_MESSAGES/django.mo"

CONFIRM_LINK = re.compile(r"https?://\S+/offer/confirm/\S+/")


def tr(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def label(language: str, name: str, form=RegistrationForm) -> str:
    """A form field's label as the page shows it in ``language``."""
    with translation.override(language):
        return str(form.base_fields[name].label)


def starts_with(text: str) -> re.Pattern:
    """A label's accessible name may end in crispy's required-field asterisk."""
    return re.compile(r"^\s*" + re.escape(text))


def offer_values(language: str) -> dict:
    available_from = timezone.localdate() + timedelta(days=14)
    if language == "sv":
        people = {
            "name": "Astrid Lindqvist",
            "email": "astrid.lindqvist@example.org",
            "household": "Jag, min man och vår katt.",
            "hopes": "Att någon känner sig hemma hos oss.",
        }
    else:
        people = {
            "name": "Alice Walker",
            "email": "alice.walker@example.org",
            "household": "Me, my partner and our cat.",
            "hopes": "That someone feels at home with us.",
        }
    return {
        **people,
        "phone": "070-123 45 67",
        "street_address": "Storgatan 12",
        "postcode": "831 30",
        "municipality": "Krokom",
        "kind": "room",
        "beds": "2",
        "accessibility_notes": "Ramp vid entrén",
        "available_from": available_from,
        "available_months": "6",
        "rent_per_month": "2500",
        "pets": "En katt",
        "smoking": "outdoors",
        "languages": ["sv", "ar"],
        "other_languages": "Finska",
        "heard_from": "friend",
    }


def fill_offer(page, language: str, values: dict) -> None:
    """Fill every field of the sign-up form, text fields by their labels."""

    def field(name):
        return page.get_by_label(starts_with(label(language, name)))

    field("name").fill(values["name"])
    field("email").fill(values["email"])
    field("phone").fill(values["phone"])
    field("street_address").fill(values["street_address"])
    field("postcode").fill(values["postcode"])
    field("municipality").fill(values["municipality"])
    page.locator(f'input[name="kind"][value="{values["kind"]}"]').check()
    field("beds").fill(values["beds"])
    field("step_free_access").check()
    field("accessibility_notes").fill(values["accessibility_notes"])
    field("available_from").fill(values["available_from"].isoformat())
    field("available_months").select_option(values["available_months"])
    field("rent_per_month").fill(values["rent_per_month"])
    field("household_description").fill(values["household"])
    field("has_pets").check()
    field("pets_description").fill(values["pets"])
    page.locator(f'input[name="smoking"][value="{values["smoking"]}"]').check()
    for code in values["languages"]:
        page.locator(f'input[name="languages"][value="{code}"]').check()
    field("other_languages").fill(values["other_languages"])
    field("hopes").fill(values["hopes"])
    field("heard_from").select_option(values["heard_from"])


def summary(page) -> dict[str, str]:
    """The "check your answers" list as {label: value}."""
    return page.eval_on_selector_all(
        ".summary-list dt",
        "dts => Object.fromEntries(dts.map(dt => "
        "[dt.textContent.trim(), dt.nextElementSibling.textContent.trim()]))",
    )


def assert_language(page, language: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language)


def assert_honeypot_hidden(page) -> None:
    box = page.locator('input[name="website"]').bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 0, f"the honeypot is on screen: {box}"


def shoot(page, artifacts: Path, name: str) -> None:
    """A full-page screenshot; and nothing may stick out sideways on a phone."""
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{name}: the page is wider than the phone: {widths}"


@pytest.mark.parametrize("language", ["sv", "en"])
def test_host_signs_up_changes_withdraws_and_erases(
    language, live_server, settings, page, console, artifacts
):
    settings.SITE_URL = live_server.url
    values = offer_values(language)

    # The landing page opens in Swedish; an English speaker switches.
    page.goto(live_server.url + "/")
    assert_language(page, "sv")
    if language == "en":
        page.get_by_role("button", name="English").click()
        assert_language(page, "en")
        expect(page.get_by_role("button", name="Svenska")).to_be_visible()

    page.get_by_role("link", name=tr(language, "Offer a room"), exact=True).click()
    page.wait_for_url("**/offer/")
    assert_language(page, language)
    expect(page.locator("h1")).to_have_text(tr(language, "Offer a room or a home"))
    assert_honeypot_hidden(page)
    shoot(page, artifacts, f"{language}-1-form-top")

    fill_offer(page, language, values)
    shoot(page, artifacts, f"{language}-2-form-filled")
    page.get_by_role("button", name=tr(language, "Continue")).click()

    # Check your answers: what was typed is shown back.
    page.wait_for_url("**/offer/check/")
    assert_language(page, language)
    expect(page).to_have_title(re.compile("^" + re.escape(tr(language, "Check your answers"))))
    expect(page.locator("h1")).to_have_text(tr(language, "Check your answers before you send"))
    shown = summary(page)
    with translation.override(language):
        expected = {
            "name": values["name"],
            "email": values["email"],
            "phone": None,  # formatted by phonenumbers; checked below
            "street_address": values["street_address"],
            "postcode": "831 30",
            "municipality": values["municipality"],
            "kind": gettext("A room in a shared home"),
            "beds": values["beds"],
            "step_free_access": gettext("Yes"),
            "accessibility_notes": values["accessibility_notes"],
            "available_from": formatting.day(values["available_from"]),
            "available_months": gettext("6 months"),
            "rent_per_month": formatting.money(2500),
            "household_description": values["household"],
            "has_pets": gettext("Yes"),
            "pets_description": values["pets"],
            "smoking": gettext("Smoking outdoors only"),
            "languages": ", ".join([gettext("Swedish"), gettext("Arabic")]),
            "other_languages": values["other_languages"],
            "hopes": values["hopes"],
            "heard_from": gettext("From a friend or family member"),
        }
    for name, value in expected.items():
        assert label(language, name) in shown, name
        if value is not None:
            assert shown[label(language, name)] == value, name
    assert re.sub(r"\D", "", shown[label(language, "phone")]).endswith("701234567")
    shoot(page, artifacts, f"{language}-3-check-answers")

    page.get_by_label(
        starts_with(
            tr(
                language,
                "I have read the privacy notice and agree that my answers are stored as it says.",
            )
        )
    ).check()
    page.get_by_role("button", name=tr(language, "Send my offer")).click()
    page.wait_for_url("**/offer/sent/")
    assert_language(page, language)

    # The confirmation e-mail, in the host's language.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [values["email"]]
    assert message.subject == tr(language, "Confirm your offer of a room")
    confirm_url = CONFIRM_LINK.search(message.body).group(0)
    assert confirm_url.startswith(live_server.url)

    page.goto(confirm_url)
    assert_language(page, language)
    expect(page.locator("h1")).to_have_text(tr(language, "Your e-mail address is confirmed"))
    page.get_by_role("link", name=tr(language, "See my offer")).click()

    # My offer: change the number of beds.
    page.wait_for_url("**/my-offer/")
    assert_language(page, language)
    expect(page.locator("h1")).to_contain_text(values["name"])
    expect(page.locator(".status-card")).to_contain_text(tr(language, "Registered"))
    shoot(page, artifacts, f"{language}-4-my-offer")

    page.get_by_role("link", name=tr(language, "Change my offer")).click()
    page.wait_for_url("**/my-offer/change/")
    beds = page.get_by_label(starts_with(label(language, "beds")))
    expect(beds).to_have_value("2")
    beds.fill("3")
    page.get_by_role("button", name=tr(language, "Save changes")).click()
    page.wait_for_url("**/my-offer/")
    expect(page.locator(".alert-success")).to_have_text(tr(language, "Your changes are saved."))
    assert summary(page)[label(language, "beds")] == "3"
    assert Home.objects.get().beds == 3

    # Withdraw, with a reason.
    page.get_by_role("link", name=tr(language, "Withdraw"), exact=True).click()
    page.wait_for_url("**/my-offer/withdraw/")
    expect(page.locator("h1")).to_have_text(tr(language, "Withdraw your offer"))
    page.get_by_label(starts_with(label(language, "reason", ReasonForm))).fill(
        "Vi har fått barnbarn på besök."
    )
    page.get_by_role("button", name=tr(language, "Withdraw my offer")).click()
    page.wait_for_url("**/my-offer/")
    expect(page.locator(".alert-success")).to_have_text(
        tr(language, "Your offer is withdrawn. Thank you for offering to help.")
    )
    expect(page.locator(".status-card")).to_contain_text(tr(language, "Withdrawn"))
    withdrawal = HomeTransition.objects.get(to_state=Home.Status.WITHDRAWN)
    assert withdrawal.reason == "Vi har fått barnbarn på besök."

    # Erase.
    page.get_by_role("link", name=tr(language, "Erase my data")).click()
    page.wait_for_url("**/my-offer/erase/")
    page.get_by_role("button", name=tr(language, "Erase my data now")).click()
    expect(page.locator("h1")).to_have_text(tr(language, "Your data is erased"))
    assert_language(page, language)

    host = Host.objects.get()
    assert host.erased_at is not None
    assert host.confirmed_at is not None
    assert (host.name, host.email, str(host.phone or "")) == ("", "", "")
    assert host.language == language
    home = host.homes.get()
    assert home.status == Home.Status.WITHDRAWN
    assert home.beds == 3
    assert (home.street_address, home.household_description, home.hopes) == ("", "", "")
    assert not HomeTransition.objects.exclude(reason="").exists()
    assert ErasureRecord.objects.count() == 1

    # The self-service pages are closed to this browser now.
    page.goto(live_server.url + "/my-offer/")
    page.wait_for_url("**/my-offer/link/")

    assert console.csp_violations == []
    assert console.page_errors == []
    assert console.server_errors == []


def test_invalid_answers_show_the_error_and_keep_what_was_typed(
    live_server, page, console, artifacts
):
    values = {**offer_values("sv"), "postcode": "abc", "municipality": "Krokomm"}

    page.goto(live_server.url + "/offer/")
    fill_offer(page, "sv", values)
    page.get_by_role("button", name=tr("sv", "Continue")).click()

    assert_language(page, "sv")
    error = tr("sv", "Write the postcode as five digits, e.g. 831 30.")
    expect(page.locator("#error-summary")).to_contain_text(error)
    postcode = page.get_by_label(starts_with(label("sv", "postcode")))
    expect(postcode).to_have_value("abc")
    expect(postcode).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#error_1_id_postcode, .invalid-feedback").first).to_contain_text(error)
    # A municipality that is not one of Sweden's: explained, linked to its field, kept as typed.
    with translation.override("sv"):
        unknown = gettext(
            "We cannot find “%(value)s” among Sweden's municipalities. Start typing the name of "
            "your municipality and choose it from the list, e.g. Malmö or Krokom."
        ) % {"value": "Krokomm"}
    municipality = page.get_by_label(starts_with(label("sv", "municipality")))
    expect(municipality).to_have_value("Krokomm")
    expect(municipality).to_have_attribute("aria-invalid", "true")
    expect(municipality).to_have_accessible_description(re.compile(re.escape(unknown)))
    expect(page.locator("#error-summary")).to_contain_text(unknown)
    expect(page.get_by_label(starts_with(label("sv", "name")))).to_have_value(values["name"])
    expect(page.get_by_label(starts_with(label("sv", "household_description")))).to_have_value(
        values["household"]
    )
    expect(page.locator('input[name="kind"][value="room"]')).to_be_checked()
    expect(page.locator('input[name="languages"][value="ar"]')).to_be_checked()
    expect(page.get_by_label(starts_with(label("sv", "available_from")))).to_have_value(
        values["available_from"].isoformat()
    )
    expect(page.locator('input[name="website"]')).to_have_value("")
    assert_honeypot_hidden(page)
    shoot(page, artifacts, "sv-5-form-error")

    assert not Host.objects.exists()
    assert mail.outbox == []
    assert console.csp_violations == []
    assert console.page_errors == []
    assert console.server_errors == []


def test_swedish_visitors_read_swedish(live_server, page, console):
    """The words themselves, not "whatever the catalogue says": English text on a Swedish page fails."""
    require(
        SWEDISH_CATALOGUE.is_file(),
        "the Swedish catalogue is not compiled: run manage.py compilemessages",
    )
    page.goto(live_server.url + "/")
    assert_language(page, "sv")
    expect(page.locator("footer")).to_contain_text("Mitt erbjudande")
    page.get_by_role("link", name="Erbjud ett rum", exact=True).click()
    expect(page.locator("h1")).to_have_text("Erbjud ett rum eller ett hem")

    fill_offer(page, "sv", {**offer_values("sv"), "postcode": "abc"})
    page.get_by_role("button", name="Fortsätt").click()
    expect(page.locator("#error-summary")).to_contain_text(
        "Skriv postnumret med fem siffror, till exempel 831 30."
    )
    page.get_by_label(starts_with(label("sv", "postcode"))).fill("831 30")
    page.get_by_role("button", name="Fortsätt").click()

    page.wait_for_url("**/offer/check/")
    expect(page).to_have_title(re.compile(r"^Kontrollera dina svar"))
    expect(page.locator("h1")).to_have_text("Kontrollera dina svar innan du skickar")
    expect(page.get_by_role("button", name="Skicka mitt erbjudande")).to_be_visible()
    assert console.csp_violations == []
    assert console.page_errors == []
    assert console.server_errors == []
