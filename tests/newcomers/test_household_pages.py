"""The household's own pages through its link: the link's life (works, expires, stopped, replaced,
forged), the proposal showing only the listed facts of the home, yes or no (and approval waiting
for the yes), "something is wrong", and leaving."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation

from matching.actions import approve_match, propose_match
from matching.models import Match
from newcomers.actions import (
    household_link_url,
    issue_household_link,
    revoke_household_link,
)
from newcomers.household_views import proposal_facts
from newcomers.links import SESSION_KEY, make_token
from newcomers.models import HouseholdLink
from stays.models import Concern
from tests.factories import (
    NewcomerCaseFactory,
    approved_match,
    moved_in_match,
    referred_home,
    said_yes,
)
from workflow.errors import DomainError

pytestmark = pytest.mark.django_db


def path_of(link) -> str:
    return household_link_url(link).removeprefix(settings.SITE_URL)


@pytest.fixture
def case(organisations):
    return NewcomerCaseFactory(partner=organisations["partner"], language="en")


@pytest.fixture
def link(case, coordinator):
    return issue_household_link(case=case, user=coordinator, delivery="letter")


@pytest.fixture
def household(client, link):
    """A browser in which the household opened its link."""
    response = client.get(path_of(link))
    assert response.status_code == 302 and response["Location"] == "/household/"
    return client


@pytest.fixture
def proposed(case, coordinator, organisations):
    home = referred_home(
        organisations["partner"],
        host__name="Astrid Lindqvist",
        host__email="astrid@example.org",
        host__phone="+46701234567",
        street_address="Storgatan 12",
        postcode="83132",
        household_description="Two adults and a cat.",
        has_pets=True,
        pets_description="A friendly cat",
        hopes="A bright room with a view of the lake.",
        rent_per_month=3200,
        beds=3,
    )
    return propose_match(home=home, case=case, user=coordinator)


# The link --------------------------------------------------------------------------------------


def test_the_link_opens_the_household_page_and_leaves_the_address_bar(client, link):
    response = client.get(path_of(link))
    assert response.status_code == 302
    assert response["Location"] == "/household/"  # the token is gone from the address
    assert client.session[SESSION_KEY] == link.pk
    link.refresh_from_db()
    assert link.last_used_at is not None

    page = client.get("/household/")
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    assert "Welcome to your page" in page.content.decode()


def test_a_new_session_key_when_the_link_is_opened(client, link):
    session = client.session
    session["before"] = True
    session.save()
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.get(path_of(link))
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != before


def test_the_page_speaks_the_households_language(client, coordinator, organisations):
    case = NewcomerCaseFactory(partner=organisations["partner"], language="sv")
    link = issue_household_link(case=case, user=coordinator, delivery="letter")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the browser asks for English
    client.get(path_of(link))
    page = client.get("/household/").content.decode()
    assert "Välkommen till din sida" in page
    assert "Welcome to your page" not in page


def test_an_expired_link_says_so_in_the_households_language(client, case, coordinator):
    made = timezone.now() - timedelta(days=settings.HOUSEHOLD_LINK_DAYS + 1)
    old = issue_household_link(case=case, user=coordinator, delivery="letter", now=made)
    response = client.get(path_of(old))
    assert response.status_code == 410
    page = response.content.decode()
    assert "This link has expired" in page
    assert SESSION_KEY not in client.session


def test_a_link_expires_in_a_browser_where_it_was_opened(household, link):
    # The session outlives the link here (a session lasts less than a link in the settings).
    HouseholdLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = household.get("/household/proposal/")
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()


def test_a_stopped_link_stops_working_also_where_it_was_opened(household, link, coordinator):
    revoke_household_link(link=link, user=coordinator)
    response = household.get("/household/")
    assert response.status_code == 410
    assert "stopped or replaced" in response.content.decode()
    # ...and the link itself no longer opens the page.
    assert household.get(path_of(link)).status_code == 410


def test_a_stopped_link_says_so_in_swedish_for_a_swedish_household(
    client, organisations, coordinator
):
    case = NewcomerCaseFactory(partner=organisations["partner"], language="sv")
    link = issue_household_link(case=case, user=coordinator, delivery="letter")
    revoke_household_link(link=link, user=coordinator)
    response = client.get(path_of(link))
    assert response.status_code == 410
    page = response.content.decode()
    assert "Länken är stoppad eller ersatt." in page
    assert "This link does not work" not in page  # the household's language only


def test_a_new_link_replaces_the_old_one(client, case, link, coordinator):
    new = issue_household_link(case=case, user=coordinator, delivery="email")
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by == coordinator
    assert client.get(path_of(link)).status_code == 410
    assert client.get(path_of(new)).status_code == 302
    assert list(HouseholdLink.objects.usable().filter(case=case)) == [new]


def test_a_forged_or_altered_link_is_not_found_in_swedish_and_english(client, link):
    token = make_token(link)
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (altered, "nonsense", "eyJsIjo5OTk5OX0:1abc:xyz"):
        response = client.get(f"/household/open/{bad}/")
        assert response.status_code == 404
        page = response.content.decode()
        assert "Länken fungerar inte" in page and "This link does not work" in page
        assert SESSION_KEY not in client.session


def test_a_signed_link_to_a_row_that_is_gone_is_not_found(client, link):
    path = path_of(link)
    HouseholdLink.objects.filter(pk=link.pk).delete()
    assert client.get(path).status_code == 404


def test_without_an_opened_link_the_pages_do_not_exist(client, link, coordinator):
    from django.test import Client

    from hosts.actions import self_service_url
    from tests.factories import HomeFactory

    for path in ("/household/", "/household/proposal/", "/household/concern/"):
        assert client.get(path).status_code == 404
        assert client.post(path).status_code == 404
    # A coordinator's session, a host's self-service session: no household pages either.
    client.force_login(coordinator)
    assert client.get("/household/").status_code == 404
    host = Client()
    host.get(self_service_url(HomeFactory().host).removeprefix(settings.SITE_URL))
    assert host.get("/my-offer/").status_code == 200
    assert host.get("/household/proposal/").status_code == 404


def test_the_pages_take_no_ids(household, organisations, coordinator):
    """Another case's ids lead nowhere: the case is the link's, and no address names one."""
    other = NewcomerCaseFactory(partner=organisations["partner"])
    other_match = propose_match(
        home=referred_home(organisations["partner"]), case=other, user=coordinator
    )
    for path in (
        f"/household/proposal/{other_match.pk}/",
        f"/household/{other.pk}/",
        f"/household/concern/{other_match.pk}/",
    ):
        assert household.get(path).status_code == 404
    page = household.get(f"/household/proposal/?case={other.pk}&match={other_match.pk}")
    assert page.context["match"] is None  # the household's own case has no proposal
    household.post("/household/proposal/", {"answer": "yes", "match": other_match.pk})
    other_match.refresh_from_db()
    assert other_match.household_answer == ""


def test_leaving_ends_the_household_session(household):
    response = household.post("/household/leave/")
    assert response.status_code == 200
    assert "You have left your page" in response.content.decode()
    assert household.get("/household/").status_code == 404
    assert household.get("/household/leave/").status_code == 405


# The proposal ----------------------------------------------------------------------------------


def test_the_proposal_shows_only_the_listed_facts(household, proposed):
    response = household.get("/household/proposal/")
    assert response.status_code == 200
    with translation.override("en"):
        labels = [str(label) for label, _value in response.context["facts"]]
    assert labels == [
        "Kind of home",
        "Where",
        "Rent per month",
        "Beds",
        "Who lives in the home",
        "Pets",
        "Smoking",
        "The host wrote",
    ]
    page = response.content.decode()
    home = proposed.home
    for shown in (
        "A room in a shared home",
        home.municipality_label,
        "3,200 kronor",  # the figure in the page's language (English here)
        "Two adults and a cat.",
        "Yes: A friendly cat",
        "Nobody smokes",
        "A bright room with a view of the lake.",
    ):
        assert shown in page, shown
    for hidden in (
        "Astrid",
        "Lindqvist",
        "astrid@example.org",
        "+46701234567",
        "070-123",
        "Storgatan",
        "83132",
        proposed.case.reference,
    ):
        assert hidden not in page, hidden


def test_the_area_is_a_place_name_never_the_street(proposed):
    with translation.override("en"):
        facts = {str(label): str(value) for label, value in proposal_facts(proposed.home)}
    assert facts["Where"] == proposed.home.municipality_label
    assert "Storgatan" not in " ".join(str(v) for v in facts.values())


def test_without_a_proposal_the_page_says_so(household):
    response = household.get("/household/proposal/")
    assert response.status_code == 200
    assert "We have no home to offer you right now." in response.content.decode()
    assert household.post("/household/proposal/", {"answer": "yes"}).status_code == 409


def test_yes_is_recorded_and_the_coordinator_may_then_approve(household, proposed, coordinator):
    with pytest.raises(DomainError):
        approve_match(match=proposed, user=coordinator)
    response = household.post("/household/proposal/", {"answer": "yes"})
    assert response.status_code == 302 and response["Location"] == "/household/proposal/"
    proposed.refresh_from_db()
    assert proposed.household_answer == Match.HouseholdAnswer.YES
    assert proposed.household_answer_via == Match.AnswerGiven.OWN_PAGE
    assert proposed.household_answer_recorded_by is None
    assert (
        "You have said yes to this home." in household.get("/household/proposal/").content.decode()
    )
    approve_match(match=proposed, user=coordinator)
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.APPROVED
    page = household.get("/household/proposal/").content.decode()
    assert "Your coordinator has said yes too." in page
    assert "Storgatan" not in page and "Astrid" not in page  # the coordinator tells them


def test_no_is_recorded_and_approval_stays_blocked(household, proposed, coordinator):
    household.post("/household/proposal/", {"answer": "yes"})
    assert household.post("/household/proposal/", {"answer": "no"}).status_code == 302
    proposed.refresh_from_db()
    assert proposed.household_answer == Match.HouseholdAnswer.NO
    with pytest.raises(DomainError):
        approve_match(match=proposed, user=coordinator)
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.PROPOSED


@pytest.mark.parametrize("answer", ["", "maybe", "YES"])
def test_an_answer_that_is_not_yes_or_no_is_refused(household, proposed, answer):
    response = household.post("/household/proposal/", {"answer": answer})
    assert response.status_code == 400
    assert "Choose yes or no." in response.content.decode()
    proposed.refresh_from_db()
    assert proposed.household_answer == ""


def test_an_answer_after_the_decision_is_refused(household, proposed, coordinator):
    approve_match(match=said_yes(proposed, coordinator), user=coordinator)
    response = household.post("/household/proposal/", {"answer": "no"})
    assert response.status_code == 409
    proposed.refresh_from_db()
    assert proposed.household_answer == Match.HouseholdAnswer.YES


# Something is wrong ----------------------------------------------------------------------------


def test_the_household_raises_a_concern_about_its_stay(client, organisations, coordinator):
    match = moved_in_match(organisations["partner"], coordinator=coordinator)
    case = match.case
    case.language = "en"
    case.save(update_fields=["language"])
    link = issue_household_link(case=case, user=coordinator, delivery="letter")
    client.get(path_of(link))
    start = client.get("/household/").content.decode()
    assert "/household/concern/" in start

    response = client.post("/household/concern/", {"urgency": "urgent", "text": "Det är kallt."})
    assert response.status_code == 302 and response["Location"] == "/household/concern/sent/"
    concern = Concern.objects.get(match=match)
    assert concern.raised_by == Concern.RaisedBy.HOUSEHOLD
    assert concern.urgency == Concern.Urgency.URGENT
    assert concern.text == "Det är kallt."
    assert concern.language == "en"
    assert concern.raised_by_user is None
    assert client.get("/household/concern/sent/").status_code == 200


def test_a_concern_needs_the_households_own_words(client, organisations, coordinator):
    match = approved_match(organisations["partner"], coordinator=coordinator)
    link = issue_household_link(case=match.case, user=coordinator, delivery="letter")
    client.get(path_of(link))
    response = client.post("/household/concern/", {"urgency": "normal", "text": "  "})
    assert response.status_code == 400
    response = client.post("/household/concern/", {"urgency": "soon", "text": "Kallt"})
    assert response.status_code == 400
    assert response.context["form"]["text"].value() == "Kallt"  # kept as typed
    assert not Concern.objects.exists()


def test_no_concern_without_a_stay(household, proposed):
    response = household.get("/household/concern/")
    assert response.status_code == 200
    assert response.context["stay"] is None
    assert "/household/concern/" not in household.get("/household/").content.decode()
    response = household.post("/household/concern/", {"urgency": "normal", "text": "Hjälp"})
    assert response.status_code == 409
    assert not Concern.objects.exists()


def test_the_start_page_offers_evaluations_only_when_the_page_exists(household):
    from django.urls import NoReverseMatch, reverse

    page = household.get("/household/")
    try:
        url = reverse("stays:household_evaluation")
    except NoReverseMatch:
        assert page.context["evaluation_url"] is None
    else:
        assert page.context["evaluation_url"] == url


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "You have sent many messages in a short time."),
        ("ar", "لقد أرسلت رسائل كثيرة في وقت قصير."),
    ],
)
def test_too_many_concerns_in_an_hour_are_stopped_kindly(
    client, organisations, coordinator, settings, language, words
):
    settings.RATELIMIT_CONCERNS_PER_HOUR = 2
    match = moved_in_match(organisations["partner"], coordinator=coordinator)
    case = match.case
    case.language = language
    case.save(update_fields=["language"])
    link = issue_household_link(case=case, user=coordinator, delivery="letter")
    client.get(path_of(link))
    for n in range(2):
        response = client.post("/household/concern/", {"urgency": "normal", "text": f"Nr {n}"})
        assert response.status_code == 302
    # A form with errors does not count.
    assert client.post("/household/concern/", {"text": "Glömde hur brådskande"}).status_code == 400
    response = client.post(
        "/household/concern/", {"urgency": "urgent", "text": "Det är <i>kallt</i>."}
    )
    assert response.status_code == 429
    html = response.content.decode()
    assert words in html
    assert "Det är &lt;i&gt;kallt&lt;/i&gt;." in html  # what was typed stays
    assert "112" in html  # the emergency number is still on the page
    assert Concern.objects.filter(match=match).count() == 2
