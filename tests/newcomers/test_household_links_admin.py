"""The coordinator's side of the household's link and answer, in the admin: giving a link (a
printed letter with a QR code in the household's language, or an e-mail), the case's links with
"Stop this link", recording the household's answer with how it was given; another partner's
case is a 404."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from matching.actions import approve_match, propose_match
from matching.models import Match
from matching_portal import formatting
from newcomers.actions import give_household_link, issue_household_link
from newcomers.models import HouseholdLink
from notifications.models import OutboundEmail
from tests.factories import NewcomerCaseFactory, referred_home
from workflow.errors import DomainError, NotAllowed

pytestmark = pytest.mark.django_db


def case_url(case, rest="change/") -> str:
    return f"/admin/newcomers/newcomercase/{case.pk}/{rest}"


@pytest.fixture
def desk(english, coordinator):
    english.force_login(coordinator)
    return english


@pytest.fixture
def case(organisations):
    return NewcomerCaseFactory(
        partner=organisations["partner"], language="ar", email="familj@example.org"
    )


@pytest.fixture
def proposed(case, coordinator, organisations):
    return propose_match(home=referred_home(organisations["partner"]), case=case, user=coordinator)


# Giving the link -------------------------------------------------------------------------------


def test_the_case_page_offers_the_link_and_shows_none_yet(desk, case):
    page = desk.get(case_url(case))
    assert page.status_code == 200
    html = page.content.decode()
    assert "The household has no link yet." in html
    assert case_url(case, "step/give_link/") in html
    # The step's button is in the household-link section, not among the case's stages.
    assert "give_link" not in [step["name"] for step in page.context["workflow_steps"]]
    assert page.context["gives_links"] is True


def test_a_printed_letter_in_the_households_language_with_a_qr_code(desk, case):
    response = desk.post(case_url(case, "step/give_link/"), {"delivery": "letter"})
    assert response.status_code == 302
    assert response["Location"] == case_url(case, "household-link/letter/")
    link = HouseholdLink.objects.get(case=case)
    assert link.delivery == HouseholdLink.Delivery.LETTER
    expected_days = (link.expires_at - link.created_at).days
    assert expected_days == settings.HOUSEHOLD_LINK_DAYS

    letter = desk.get(response["Location"])
    assert letter.status_code == 200
    html = letter.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "<svg" in html and "<path" in html  # the QR code, drawn inline
    url = re.search(re.escape(settings.SITE_URL) + r"/household/open/[^<\s]+/", html).group(0)
    # The address in the letter opens the household's page.
    household = desk.__class__()
    assert household.get(url.removeprefix(settings.SITE_URL)).status_code == 302
    assert household.get("/household/").status_code == 200
    # The coordinator's own words stay in the coordinator's language.
    assert "Back to the case" in html


def test_the_letter_of_a_swedish_household_is_swedish_and_left_to_right(
    desk, organisations, coordinator
):
    case = NewcomerCaseFactory(partner=organisations["partner"], language="sv")
    issue_household_link(case=case, user=coordinator, delivery="letter")
    html = desk.get(case_url(case, "household-link/letter/")).content.decode()
    assert '<html lang="sv" dir="ltr">' in html
    assert "Så öppnar du din sida" in html


@pytest.mark.parametrize(("language", "direction"), [("prs", "rtl"), ("ti", "ltr"), ("uk", "ltr")])
def test_the_letter_takes_its_direction_from_djangos_language_info(
    desk, organisations, coordinator, language, direction
):
    case = NewcomerCaseFactory(partner=organisations["partner"], language=language)
    issue_household_link(case=case, user=coordinator, delivery="letter")
    html = desk.get(case_url(case, "household-link/letter/")).content.decode()
    assert f'<html lang="{language}" dir="{direction}">' in html


def test_no_letter_without_a_working_link(desk, case):
    response = desk.get(case_url(case, "household-link/letter/"))
    assert response.status_code == 302 and response["Location"] == case_url(case)


def test_the_link_by_e_mail_in_the_households_language(
    desk, organisations, django_capture_on_commit_callbacks
):
    case = NewcomerCaseFactory(partner=organisations["partner"], language="sv", email="a@b.se")
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(case_url(case, "step/give_link/"), {"delivery": "email"})
    assert response.status_code == 302 and response["Location"] == case_url(case)
    link = HouseholdLink.objects.get(case=case)
    assert link.delivery == HouseholdLink.Delivery.EMAIL
    email = OutboundEmail.objects.get(to="a@b.se")
    assert email.language == "sv"
    assert email.subject == "Länken till din egen sida"
    assert "Här är länken till din egen sida." in email.body
    assert f"{settings.SITE_URL}/household/open/" in email.body
    assert [m.to for m in mail.outbox] == [["a@b.se"]]


def test_an_english_e_mail_for_an_english_speaking_household(organisations, coordinator):
    case = NewcomerCaseFactory(partner=organisations["partner"], language="en", email="x@y.se")
    give_household_link(case=case, user=coordinator, delivery="email")
    email = OutboundEmail.objects.get(to="x@y.se")
    assert email.subject == "The link to your own page"
    assert "The link works until" in email.body


def test_no_e_mail_without_an_address(desk, organisations):
    case = NewcomerCaseFactory(partner=organisations["partner"], email="")
    response = desk.post(case_url(case, "step/give_link/"), {"delivery": "email"})
    assert response.status_code == 400
    assert "The case has no e-mail address." in response.content.decode()
    assert not HouseholdLink.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_the_case_page_lists_the_links_and_stops_one(desk, case, coordinator):
    old = issue_household_link(case=case, user=coordinator, delivery="letter")
    new = issue_household_link(case=case, user=coordinator, delivery="email")
    page = desk.get(case_url(case))
    rows = page.context["household_links"]
    assert [(row["link"], row["works"]) for row in rows] == [(new, True), (old, False)]
    html = page.content.decode()
    assert html.count('name="link_id"') == 1  # only the working link has a button

    response = desk.post(case_url(case, "household-link/stop/"), {"link_id": new.pk})
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.revoked_at is not None and new.revoked_by == coordinator
    assert not HouseholdLink.objects.usable().filter(case=case).exists()
    # Stopping it again says so; a link of another case is not this case's to stop.
    desk.post(case_url(case, "household-link/stop/"), {"link_id": new.pk})
    other = issue_household_link(
        case=NewcomerCaseFactory(partner=case.partner), user=coordinator, delivery="letter"
    )
    desk.post(case_url(case, "household-link/stop/"), {"link_id": other.pk})
    other.refresh_from_db()
    assert other.revoked_at is None
    assert desk.get(case_url(case, "household-link/stop/")).status_code == 405


def test_another_partners_case_is_not_found(client, case, other_coordinator, coordinator):
    issue_household_link(case=case, user=coordinator, delivery="letter")
    client.force_login(other_coordinator)
    for path in (
        case_url(case, "household-link/letter/"),
        case_url(case, "step/give_link/"),
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(case_url(case, "household-link/stop/"), {"link_id": "1"}).status_code == 404
    assert client.post(case_url(case, "step/give_link/"), {"delivery": "letter"}).status_code == 404
    assert HouseholdLink.objects.filter(case=case).count() == 1
    with pytest.raises(Exception) as refused:
        issue_household_link(case=case, user=other_coordinator, delivery="letter")
    assert refused.type.__name__ == "Http404"


def test_only_the_partners_coordinators_give_links(client, case, data_protection_officer):
    client.force_login(data_protection_officer)
    assert client.get(case_url(case)).status_code == 200  # the officer reads the case
    assert client.get(case_url(case, "household-link/letter/")).status_code == 403
    assert client.post(case_url(case, "household-link/stop/")).status_code == 403
    assert client.get(case_url(case, "household-link/stop/")).status_code == 405
    response = client.post(case_url(case, "step/give_link/"), {"delivery": "letter"})
    assert response.status_code == 403
    with pytest.raises(NotAllowed):
        issue_household_link(case=case, user=data_protection_officer, delivery="letter")
    assert not HouseholdLink.objects.exists()


def test_a_link_is_given_for_a_set_time(case, coordinator):
    with pytest.raises(DomainError):
        issue_household_link(case=case, user=coordinator, delivery="letter", days=0)
    with pytest.raises(DomainError):
        issue_household_link(case=case, user=coordinator, delivery="carrier pigeon")
    link = issue_household_link(case=case, user=coordinator, delivery="letter", days=14)
    assert (link.expires_at - timezone.now()).days == 13


# Recording the answer on the household's behalf ---------------------------------------------------


def match_url(match, rest="change/") -> str:
    return f"/admin/matching/match/{match.pk}/{rest}"


def test_the_coordinator_records_the_answer_with_how_it_was_given(desk, proposed, coordinator):
    page = desk.get(match_url(proposed))
    assert "household_answer" in [step["name"] for step in page.context["workflow_steps"]]
    assert "approve" not in [step["name"] for step in page.context["workflow_steps"]]

    response = desk.post(
        match_url(proposed, "step/household_answer/"), {"answer": "yes", "via": "interpreter"}
    )
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.household_answer == Match.HouseholdAnswer.YES
    assert proposed.household_answer_via == Match.AnswerGiven.INTERPRETER
    assert proposed.household_answer_recorded_by == coordinator

    page = desk.get(match_url(proposed))
    html = page.content.decode()
    assert "Through an interpreter" in html
    assert "approve" in [step["name"] for step in page.context["workflow_steps"]]
    listing = desk.get("/admin/matching/match/").content.decode()
    today = formatting.day(timezone.localdate())
    assert f"Yes (Through an interpreter, {today})" in listing
    approve_match(match=proposed, user=coordinator)


@pytest.mark.parametrize(
    "data",
    [
        {"answer": "yes", "via": "own_page"},  # the household's own page is the household's
        {"answer": "yes"},
        {"answer": "maybe", "via": "phone"},
    ],
)
def test_the_answer_needs_yes_or_no_and_how(desk, proposed, data):
    response = desk.post(match_url(proposed, "step/household_answer/"), data)
    assert response.status_code == 400
    proposed.refresh_from_db()
    assert proposed.household_answer == ""


def test_a_no_recorded_by_the_coordinator_blocks_approval(desk, proposed, coordinator):
    desk.post(match_url(proposed, "step/household_answer/"), {"answer": "no", "via": "phone"})
    with pytest.raises(DomainError):
        approve_match(match=proposed, user=coordinator)
    listing = desk.get("/admin/matching/match/").content.decode()
    assert "No (By phone," in listing


def test_no_answer_once_the_match_is_decided(desk, proposed, coordinator):
    desk.post(match_url(proposed, "step/household_answer/"), {"answer": "yes", "via": "letter"})
    approve_match(match=proposed, user=coordinator)
    page = desk.get(match_url(proposed))
    assert "household_answer" not in [step["name"] for step in page.context["workflow_steps"]]
    response = desk.post(
        match_url(proposed, "step/household_answer/"), {"answer": "no", "via": "phone"}
    )
    assert response.status_code == 409
    proposed.refresh_from_db()
    assert proposed.household_answer == Match.HouseholdAnswer.YES


def test_another_partners_coordinator_records_nothing(client, proposed, other_coordinator):
    client.force_login(other_coordinator)
    response = client.post(
        match_url(proposed, "step/household_answer/"), {"answer": "yes", "via": "phone"}
    )
    assert response.status_code == 404
    proposed.refresh_from_db()
    assert proposed.household_answer == ""


def test_a_closed_case_gets_no_new_link(desk, case, coordinator):
    from newcomers.actions import close_case

    close_case(case=case, user=coordinator, reason="Egen bostad.")
    page = desk.get(case_url(case))
    assert page.context["may_give_link"] is False
    assert case_url(case, "step/give_link/") not in page.content.decode()
    response = desk.post(case_url(case, "step/give_link/"), {"delivery": "letter"})
    assert response.status_code == 409
    assert not HouseholdLink.objects.exists()
