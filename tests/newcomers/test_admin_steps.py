"""A newcomer case's steps in the admin, and proposing a home from the case's suggestions and
from the plan: each calls its action, a refusal is shown once with its status, and another
partner's cases are not there."""

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from hosts.actions import withdraw_home
from matching.actions import approve_match, end_match, propose_match, record_move_in
from matching.models import Match
from newcomers.models import NewcomerCase
from tests.factories import NewcomerCaseFactory, referred_home, said_yes

pytestmark = pytest.mark.django_db


def step_url(case, step: str) -> str:
    return f"/admin/newcomers/newcomercase/{case.pk}/step/{step}/"


def refreshed(case) -> str:
    case.refresh_from_db()
    return case.status


@pytest.fixture
def desk(english, coordinator):
    english.force_login(coordinator)
    return english


@pytest.fixture
def case(organisations):
    return NewcomerCaseFactory(partner=organisations["partner"], reference="KRK-2026-031")


def test_closing_asks_for_a_reason_and_keeps_what_was_typed(desk, case):
    response = desk.post(step_url(case, "close"), {"reason": "   "})
    assert response.status_code == 400
    assert refreshed(case) == NewcomerCase.Status.WAITING

    response = desk.post(step_url(case, "close"), {"reason": "Familjen har egen bostad."})
    assert response.status_code == 302
    assert refreshed(case) == NewcomerCase.Status.CLOSED
    assert case.transitions.last().reason == "Familjen har egen bostad."


def test_a_case_with_a_live_match_is_not_closed(desk, case, coordinator, organisations):
    propose_match(home=referred_home(organisations["partner"]), case=case, user=coordinator)
    page = desk.get(f"/admin/newcomers/newcomercase/{case.pk}/change/")
    assert [step["name"] for step in page.context["workflow_steps"]] == []

    response = desk.post(step_url(case, "close"), {"reason": "Egen bostad."})
    assert response.status_code == 409
    errors = [str(e) for e in response.context["form"].non_field_errors()]
    assert errors == ["The case has a live match: end or cancel the match first."]
    assert [str(m) for m in get_messages(response.wsgi_request)] == []  # once, on the form
    assert refreshed(case) == NewcomerCase.Status.WAITING


def test_reopening_is_a_bulk_step_and_closing_is_not(desk, case, organisations):
    other = NewcomerCaseFactory(partner=organisations["partner"])
    for each in (case, other):
        desk.post(step_url(each, "close"), {"reason": "Flyttat."})
    changelist = desk.get("/admin/newcomers/newcomercase/")
    offered = set(dict(changelist.context["action_form"].fields["action"].choices))
    assert "step_reopen" in offered
    assert "step_close" not in offered

    response = desk.post(
        "/admin/newcomers/newcomercase/",
        {"action": "step_reopen", "_selected_action": [case.pk, other.pk]},
        follow=True,
    )
    assert "Re-open the case: done for 2 objects." in response.content.decode()
    assert (refreshed(case), refreshed(other)) == ("waiting", "waiting")


def test_a_stay_ends_on_the_matchs_page_not_on_the_cases(desk, case, coordinator, organisations):
    """A housed household lives in a home through a match: "needs housing again" is the end of
    that stay (the match's step), so the case's page offers no step that would leave the match
    behind."""
    match = propose_match(home=referred_home(organisations["partner"]), case=case, user=coordinator)
    approve_match(match=said_yes(match, coordinator), user=coordinator)
    record_move_in(match=match, user=coordinator, move_in_date=timezone.localdate())
    assert refreshed(case) == NewcomerCase.Status.HOUSED
    page = desk.get(f"/admin/newcomers/newcomercase/{case.pk}/change/")
    assert page.context["workflow_steps"] == []
    assert desk.post(step_url(case, "rehouse"), {"reason": "Värden flyttar."}).status_code == 404

    end_match(match=match, user=coordinator, note="Flyttade.", case_next="closed")
    assert refreshed(case) == NewcomerCase.Status.CLOSED
    page = desk.get(f"/admin/newcomers/newcomercase/{case.pk}/change/")
    assert [step["name"] for step in page.context["workflow_steps"]] == ["reopen"]
    assert desk.post(step_url(case, "reopen")).status_code == 302
    assert refreshed(case) == NewcomerCase.Status.WAITING


def test_proposing_from_the_suggestions_calls_the_action(desk, case, organisations):
    home = referred_home(organisations["partner"])
    response = desk.post(f"/admin/newcomers/newcomercase/{case.pk}/propose/{home.pk}/")
    assert response.status_code == 302
    match = Match.objects.get()
    assert (match.home, match.case, match.status) == (home, case, "proposed")
    assert match.transitions.get().to_state == "proposed"


def test_a_refused_proposal_answers_with_its_status_and_says_why_once(desk, case, organisations):
    """The host withdrew while the coordinator looked at the suggestions (or the plan)."""
    home = referred_home(organisations["partner"])
    withdraw_home(home=home, by_host=True)
    plan = "/admin/newcomers/newcomercase/plan/"

    response = desk.post(
        f"/admin/newcomers/newcomercase/{case.pk}/propose/{home.pk}/", {"next": plan}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert html.count("Only a home that is referred and free can be proposed.") == 1
    assert f'href="{plan}"' in html
    assert [str(m) for m in get_messages(response.wsgi_request)] == []
    assert not Match.objects.exists()


def test_another_partners_coordinator_finds_no_step_of_ours(client, case, other_coordinator):
    client.force_login(other_coordinator)
    for step in ["close", "reopen"]:
        assert client.post(step_url(case, step), {"reason": "x"}).status_code == 404
    response = client.post(
        "/admin/newcomers/newcomercase/", {"action": "step_close", "_selected_action": [case.pk]}
    )
    assert response.status_code in (200, 302)
    assert refreshed(case) == NewcomerCase.Status.WAITING
