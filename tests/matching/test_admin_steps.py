"""A match's steps in the admin go through the match's actions: the home and the case move with
the match, the host is told, a future move-in is planned, a date out of range is refused on the
form with what was typed; proposing on the add page is the same action."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from matching.actions import MOVE_IN_PAST_LIMIT_DAYS, approve_match, propose_match
from matching.models import Match
from notifications.models import OutboundEmail
from tests.factories import NewcomerCaseFactory, UserFactory, referred_home, said_yes

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def step_url(match, step: str) -> str:
    return f"/admin/matching/match/{match.pk}/step/{step}/"


def refreshed(match) -> tuple[str, str, str]:
    match.refresh_from_db()
    match.home.refresh_from_db()
    match.case.refresh_from_db()
    return match.status, match.home.status, match.case.status


def refusals_on(response) -> list[str]:
    assert [str(m) for m in get_messages(response.wsgi_request)] == []
    return [str(e) for e in response.context["form"].non_field_errors()]


@pytest.fixture
def partner(organisations):
    return organisations["partner"]


@pytest.fixture
def desk(english, coordinator):
    english.force_login(coordinator)
    return english


def proposed(partner, coordinator) -> Match:
    return said_yes(
        propose_match(
            home=referred_home(partner), case=NewcomerCaseFactory(partner=partner), user=coordinator
        ),
        coordinator,
    )


def test_bulk_approval_moves_the_home_and_the_case_and_tells_the_host(desk, partner, coordinator):
    matches = [proposed(partner, coordinator) for _ in range(2)]
    changelist = desk.get("/admin/matching/match/")
    offered = {
        name
        for name in dict(changelist.context["action_form"].fields["action"].choices)
        if name.startswith("step_")
    }
    assert offered == {"step_approve"}  # the others need a reason or a date

    response = desk.post(
        "/admin/matching/match/",
        {"action": "step_approve", "_selected_action": [m.pk for m in matches]},
    )
    assert response.status_code == 302
    for match in matches:
        assert refreshed(match) == ("approved", "matched", "matched")
        assert OutboundEmail.objects.filter(to=match.home.host.email).count() == 1


def test_a_move_in_next_week_is_planned(desk, partner, coordinator):
    match = proposed(partner, coordinator)
    approve_match(match=said_yes(match, coordinator), user=coordinator)
    next_week = TODAY + timedelta(days=7)

    response = desk.post(step_url(match, "move_in"), {"move_in_date": next_week.isoformat()})

    assert response.status_code == 302
    assert refreshed(match) == ("approved", "matched", "matched")
    assert match.move_in_date == next_week
    assert OutboundEmail.objects.filter(to=match.home.host.email).count() == 2  # matched, date


def test_a_move_in_too_long_ago_is_refused_with_the_date_kept(desk, partner, coordinator):
    match = proposed(partner, coordinator)
    approve_match(match=said_yes(match, coordinator), user=coordinator)
    long_ago = (TODAY - timedelta(days=MOVE_IN_PAST_LIMIT_DAYS + 10)).isoformat()

    response = desk.post(step_url(match, "move_in"), {"move_in_date": long_ago})

    assert response.status_code == 400
    assert refusals_on(response) == [
        f"A move-in can be dated at most {MOVE_IN_PAST_LIMIT_DAYS} days back. Check the date."
    ]
    assert f'value="{long_ago}"' in response.content.decode()
    assert refreshed(match) == ("approved", "matched", "matched")


def test_a_step_the_match_is_past_is_refused_once(desk, partner, coordinator):
    match = proposed(partner, coordinator)
    approve_match(match=said_yes(match, coordinator), user=coordinator)
    page = desk.get(f"/admin/matching/match/{match.pk}/change/")
    assert [s["name"] for s in page.context["workflow_steps"]] == ["cancel", "move_in"]

    response = desk.post(step_url(match, "reject"), {"note": "För litet."})

    assert response.status_code == 409
    assert refusals_on(response) == ["“Reject” is not possible at the stage “Approved”."]
    assert "För litet." in response.content.decode()
    assert refreshed(match) == ("approved", "matched", "matched")


def test_the_add_page_proposes_through_the_action(desk, english, partner, organisations):
    home, case = referred_home(partner), NewcomerCaseFactory(partner=partner)
    assert desk.post("/admin/matching/match/add/", {"home": home.pk}).status_code == 400
    response = desk.post("/admin/matching/match/add/", {"home": home.pk, "case": case.pk})
    match = Match.objects.get()
    assert response.status_code == 302
    assert response.url == f"/admin/matching/match/{match.pk}/change/"
    assert match.transitions.get().to_state == "proposed"
    said = [str(m) for m in desk.get(response.url).context["messages"]]
    assert said == [f"Added: {match}."]

    # Someone who sees every partner's homes and cases: the action refuses the pair, on the form.
    admin = UserFactory(is_staff=True, is_superuser=True, password=None)
    english.force_login(admin)
    theirs = NewcomerCaseFactory(partner=organisations["other_partner"])
    response = english.post(
        "/admin/matching/match/add/", {"home": referred_home(partner).pk, "case": theirs.pk}
    )
    assert response.status_code == 409
    assert refusals_on(response) == ["The home is not referred to this case's partner."]
    assert Match.objects.count() == 1


def test_another_partners_coordinator_finds_no_step_of_ours(
    client, partner, coordinator, other_coordinator
):
    match = proposed(partner, coordinator)
    client.force_login(other_coordinator)
    for step in ["approve", "reject", "cancel", "move_in", "end"]:
        assert client.get(step_url(match, step)).status_code == 404
        assert client.post(step_url(match, step), {"note": "x"}).status_code == 404
    client.post(
        "/admin/matching/match/", {"action": "step_approve", "_selected_action": [match.pk]}
    )
    assert refreshed(match) == ("proposed", "referred", "waiting")
