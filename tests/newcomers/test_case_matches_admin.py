"""After "Propose" the message links to the match's page, and the case's page lists its matches
(status, home, dates, a link to each) in the page's language (issue 18)."""

import re

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from matching.actions import cancel_match, propose_match
from matching.models import Match
from tests.factories import NewcomerCaseFactory, referred_home
from tests.i18n_guard import swedish_misses

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, coordinator):
    client.cookies["django_language"] = "sv"
    client.force_login(coordinator)
    return client


def test_the_proposal_links_to_the_match_and_the_case_lists_it(desk, coordinator, organisations):
    case = NewcomerCaseFactory(partner=organisations["partner"])
    home = referred_home(organisations["partner"])
    response = desk.post(f"/admin/newcomers/newcomercase/{case.pk}/propose/{home.pk}/")
    match = Match.objects.get()
    told = [str(m) for m in get_messages(response.wsgi_request)]
    assert told == [
        f'Föreslagen: {match}. Godkänn den på <a href="/admin/matching/match/{match.pk}/change/">'
        "matchningens sida</a>."
    ]

    with swedish_misses() as missed:
        page = desk.get(response.url, follow=True).content.decode()
    assert not missed
    # The message is shown as a link, not as escaped text.
    assert f'<a href="/admin/matching/match/{match.pk}/change/">matchningens sida</a>' in page
    section = page.split('id="case-matches"')[1].split("</fieldset>")[0]
    assert "Matchningar" in section
    assert f'href="/admin/matching/match/{match.pk}/change/"' in section
    assert "Föreslagen" in section
    today = timezone.localdate()
    assert re.search(rf"{today.day}\xa0\w+\.? {today.year}", section), section


def test_the_case_lists_every_match_it_had(desk, coordinator, organisations):
    case = NewcomerCaseFactory(partner=organisations["partner"])
    first = propose_match(home=referred_home(organisations["partner"]), case=case, user=coordinator)
    cancel_match(match=first, user=coordinator, note="Värden ångrade sig.")
    second = propose_match(
        home=referred_home(organisations["partner"]), case=case, user=coordinator
    )
    page = desk.get(f"/admin/newcomers/newcomercase/{case.pk}/change/").content.decode()
    section = page.split('id="case-matches"')[1].split("</fieldset>")[0]
    rows = section.split("<tr>")[2:]
    assert len(rows) == 2
    assert f"/admin/matching/match/{second.pk}/change/" in rows[0] and "Föreslagen" in rows[0]
    assert f"/admin/matching/match/{first.pk}/change/" in rows[1] and "Avbruten" in rows[1]


def test_a_case_without_matches_says_so(desk, organisations):
    case = NewcomerCaseFactory(partner=organisations["partner"])
    page = desk.get(f"/admin/newcomers/newcomercase/{case.pk}/change/").content.decode()
    assert "Hushållet har inga matchningar än." in page


def test_the_case_list_shows_open_cases_before_closed_ones(desk, organisations):
    from datetime import date

    from newcomers.models import NewcomerCase

    closed = NewcomerCaseFactory(
        partner=organisations["partner"], reference="OLD-1", housing_needed_by=date(2022, 1, 1)
    )
    NewcomerCase.objects.filter(pk=closed.pk).update(status=NewcomerCase.Status.CLOSED)
    NewcomerCaseFactory(
        partner=organisations["partner"], reference="NEW-1", housing_needed_by=date(2027, 1, 1)
    )
    page = desk.get("/admin/newcomers/newcomercase/").content.decode()
    assert page.index("NEW-1") < page.index("OLD-1")
    header = page.split("<thead>")[1].split("</thead>")[0]
    assert header.index("column-status") < header.index("column-housing_needed_by")
