"""The coordinators' admin as a workplace: lists that cost the same however long they are, change
pages with the history and the step buttons, and steps as changelist actions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from matching.actions import propose_match, reject_match
from matching.models import Match
from tests.factories import MatchReasonFactory, NewcomerCaseFactory, referred_home, said_yes

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "/admin/hosts/home/",
    "/admin/hosts/host/",
    "/admin/newcomers/newcomercase/",
    "/admin/matching/match/",
    "/admin/matching/matchreason/",
]


def add_rows(partner, coordinator, count: int) -> None:
    """``count`` homes referred to the partner, households, proposals, rejections and reasons."""
    for _ in range(count):
        home = referred_home(partner)
        case = NewcomerCaseFactory(partner=partner)
        reason = MatchReasonFactory(partner=partner)
        rejected = propose_match(home=home, case=case, user=coordinator)
        reject_match(match=rejected, user=coordinator, reason_choice=reason)
        propose_match(home=home, case=case, user=coordinator)


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_each_changelist_runs_the_same_queries_for_3_rows_and_for_25(
    client, coordinator, organisations
):
    partner = organisations["partner"]
    client.force_login(coordinator)
    add_rows(partner, coordinator, 3)
    few = {url: queries_of(client, url) for url in CHANGELISTS}
    assert client.get("/admin/matching/match/").context["cl"].result_count == 6

    add_rows(partner, coordinator, 22)
    many = {url: queries_of(client, url) for url in CHANGELISTS}

    assert client.get("/admin/matching/match/").context["cl"].result_count == 50
    assert many == few


def test_the_change_pages_show_the_history_and_the_steps_the_coordinator_may_take(
    english, coordinator, organisations
):
    partner = organisations["partner"]
    free_home = referred_home(partner)
    free_case = NewcomerCaseFactory(partner=partner)
    match = said_yes(
        propose_match(
            home=referred_home(partner), case=NewcomerCaseFactory(partner=partner), user=coordinator
        ),
        coordinator,
    )
    english.force_login(coordinator)

    pages = {
        "home": (
            f"/admin/hosts/home/{free_home.pk}/change/",
            ["withdraw"],
            ["Visited", "Referred to a partner"],
        ),
        "case": (
            f"/admin/newcomers/newcomercase/{free_case.pk}/change/",
            ["close"],
            ["Waiting for housing"],
        ),
        "match": (
            f"/admin/matching/match/{match.pk}/change/",
            ["approve", "reject", "cancel", "household_answer"],
            ["Proposed"],
        ),
    }
    for name, (url, buttons, stages) in pages.items():
        response = english.get(url)
        assert response.status_code == 200, name
        html = response.content.decode()
        assert 'id="transitions-group"' in html, f"{name}: no history"
        history = html.split('id="transitions-group"', 1)[1]
        for stage in stages:  # by their names, not their codes
            assert f"<p>{stage}</p>" in history, (name, stage)
        shown = [step["name"] for step in response.context["workflow_steps"]]
        assert shown == buttons, name
        for step in buttons:
            assert f'class="workflow-step" data-step="{step}"' in html, (name, step)


def test_steps_that_need_no_input_are_changelist_actions(english, coordinator, organisations):
    partner = organisations["partner"]
    matches = [
        said_yes(
            propose_match(
                home=referred_home(partner),
                case=NewcomerCaseFactory(partner=partner),
                user=coordinator,
            ),
            coordinator,
        )
        for _ in range(2)
    ]
    english.force_login(coordinator)
    changelist = english.get("/admin/matching/match/")
    actions = dict(changelist.context["action_form"].fields["action"].choices)
    assert "step_approve" in actions
    assert "step_reject" not in actions  # needs a reason: only on its own page

    response = english.post(
        "/admin/matching/match/",
        {"action": "step_approve", "_selected_action": [m.pk for m in matches]},
        follow=True,
    )
    assert "Approve: done for 2 objects." in response.content.decode()
    assert set(Match.objects.values_list("status", flat=True)) == {"approved"}

    response = english.post(
        "/admin/matching/match/",
        {"action": "step_approve", "_selected_action": [matches[0].pk]},
        follow=True,
    )
    assert "is not possible at the stage “Approved”" in response.content.decode()
    assert matches[0].transitions.filter(to_state="approved").count() == 1
