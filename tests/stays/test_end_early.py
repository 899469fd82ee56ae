"""Ending a stay early: the reason is kept, the household waits again with priority, the home is
referred again, paused or closed, the stay's open concerns close and their meetings are cancelled
(everyone invited is told); through the action and through the admin's end-of-stay form."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from hosts.models import Home
from matching.actions import HomeNext, end_match
from matching.models import Match
from newcomers.models import NewcomerCase
from stays import actions
from stays.models import Concern, Mediation
from workflow.errors import Invalid

pytestmark = pytest.mark.django_db


def concern_in_mediation(stay, team):
    concern = actions.raise_concern(
        match=stay, raised_by=Concern.RaisedBy.HOST, text="Det fungerar inte.", language="sv"
    )
    mediation = actions.book_mediation(
        concern=concern,
        user=team.partner,
        starts_at=timezone.now() + timedelta(days=2),
        place="Kommunhuset",
        mediator=team.partner,
    )
    return concern, mediation


def test_ending_early_gives_priority_and_closes_concerns_and_meetings(
    stay, team, django_capture_on_commit_callbacks
):
    concern, mediation = concern_in_mediation(stay, team)
    acknowledged = actions.raise_concern(
        match=stay, raised_by=Concern.RaisedBy.HOST, text="En sak till.", language="sv"
    )
    actions.acknowledge_concern(concern=acknowledged, user=team.partner)
    resolved = actions.raise_concern(
        match=stay, raised_by=Concern.RaisedBy.HOST, text="Löst.", language="sv"
    )
    actions.resolve_concern(concern=resolved, user=team.partner, resolution="Ordnat.")
    mail.outbox.clear()
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        end_match(
            match=stay,
            user=team.partner,
            note="De kom inte överens.",
            early_end_reason=Match.EarlyEnd.RELATIONSHIP,
        )

    stay.refresh_from_db()
    case = NewcomerCase.objects.get(pk=stay.case_id)
    assert stay.status == Match.Status.ENDED
    assert stay.early_end_reason == Match.EarlyEnd.RELATIONSHIP
    assert case.status == NewcomerCase.Status.WAITING
    assert case.priority_since is not None and case.priority_since >= before
    for open_one in (concern, acknowledged):
        open_one.refresh_from_db()
        assert open_one.status == Concern.Status.STAY_ENDED
        assert open_one.transitions.last().actor_kind == "system"
    resolved.refresh_from_db()
    assert resolved.status == Concern.Status.RESOLVED
    mediation.refresh_from_db()
    assert mediation.status == Mediation.Status.CANCELLED
    assert mediation.transitions.last().actor_kind == "system"
    cancelled = [m for m in mail.outbox if m.to == [team.volunteers.email]]
    assert cancelled and "STATUS:CANCELLED" in cancelled[0].attachments[0][1]


def test_ending_as_planned_gives_no_priority(stay, team):
    end_match(match=stay, user=team.partner, note="Klart.")
    case = NewcomerCase.objects.get(pk=stay.case_id)
    assert case.status == NewcomerCase.Status.WAITING and case.priority_since is None
    stay.refresh_from_db()
    assert stay.early_end_reason == ""


def test_ending_early_with_the_case_closed_gives_no_priority(stay, team):
    end_match(
        match=stay,
        user=team.partner,
        note="Fick egen bostad.",
        case_next="closed",
        early_end_reason=Match.EarlyEnd.OTHER_HOUSING,
    )
    case = NewcomerCase.objects.get(pk=stay.case_id)
    assert case.status == NewcomerCase.Status.CLOSED and case.priority_since is None


def test_the_home_can_be_paused_and_resumed_as_referred(stay, team):
    from hosts.actions import resume_home

    end_match(
        match=stay,
        user=team.partner,
        note="Värden behöver en paus.",
        home_next=HomeNext.PAUSED,
        early_end_reason=Match.EarlyEnd.HOST_CIRCUMSTANCES,
    )
    home = Home.objects.get(pk=stay.home_id)
    assert home.status == Home.Status.PAUSED
    assert home.transitions.last().actor_kind == "system"
    resume_home(home=home, by_host=True)
    home.refresh_from_db()
    assert home.status == Home.Status.REFERRED


def test_a_bad_reason_or_next_step_is_refused_and_nothing_changes(stay, team):
    with pytest.raises(Invalid):
        end_match(match=stay, user=team.partner, note="x", early_end_reason="bored")
    with pytest.raises(Invalid):
        end_match(match=stay, user=team.partner, note="x", home_next="sold")
    stay.refresh_from_db()
    assert stay.status == Match.Status.MOVED_IN


def test_the_admins_end_form_asks_for_the_reason_and_the_homes_next_step(
    english, stay, team, django_capture_on_commit_callbacks
):
    concern = actions.raise_concern(
        match=stay, raised_by=Concern.RaisedBy.HOST, text="Bråk.", language="sv"
    )
    english.force_login(team.partner)
    url = f"/admin/matching/match/{stay.pk}/step/end/"
    page = english.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="early_end_reason"' in html and 'value="paused"' in html

    refused = english.post(
        url,
        {
            "note": "Bråk.",
            "ended_on": timezone.localdate().isoformat(),
            "early_end_reason": "<script>alert(1)</script>",
            "home_next": "paused",
            "case_next": "waiting",
        },
    )
    assert refused.status_code == 400
    assert "<script>alert(1)</script>" not in refused.content.decode()

    response = english.post(
        url,
        {
            "note": "Bråk.",
            "ended_on": timezone.localdate().isoformat(),
            "early_end_reason": "safety",
            "home_next": "paused",
            "case_next": "waiting",
        },
    )
    assert response.status_code == 302
    stay.refresh_from_db()
    concern.refresh_from_db()
    assert stay.early_end_reason == "safety"
    assert Home.objects.get(pk=stay.home_id).status == Home.Status.PAUSED
    assert NewcomerCase.objects.get(pk=stay.case_id).priority_since is not None
    assert concern.status == Concern.Status.STAY_ENDED


def test_cancelling_an_approved_match_closes_its_concerns_and_meetings(
    organisations, team, django_capture_on_commit_callbacks
):
    """A concern may be raised once the match is approved; cancelled before the move-in, the
    stay never begins: its open concerns close as "the stay ended", its meetings are cancelled.
    (Found by the model-based test, tests/model/test_regressions.py.)"""
    from matching.actions import cancel_match
    from tests.factories import approved_match

    match = approved_match(organisations["partner"], coordinator=team.partner)
    concern, mediation = concern_in_mediation(match, team)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_match(match=match, user=team.partner, note="Hushållet fick en annan bostad.")
    match.refresh_from_db()
    concern.refresh_from_db()
    mediation.refresh_from_db()
    assert match.status == Match.Status.CANCELLED
    assert concern.status == Concern.Status.STAY_ENDED
    assert concern.transitions.last().actor_kind == "system"
    assert mediation.status == Mediation.Status.CANCELLED


def test_cancelling_a_proposal_touches_no_concern_of_another_stay(stay, team, organisations):
    from matching.actions import cancel_match, propose_match
    from tests.factories import NewcomerCaseFactory, referred_home

    concern = actions.raise_concern(
        match=stay, raised_by=Concern.RaisedBy.HOST, text="Det fungerar inte.", language="sv"
    )
    proposal = propose_match(
        home=referred_home(organisations["partner"]),
        case=NewcomerCaseFactory(partner=organisations["partner"]),
        user=team.partner,
    )
    cancel_match(match=proposal, user=team.partner, note="Fel hem.")
    concern.refresh_from_db()
    assert concern.status == Concern.Status.OPENED
