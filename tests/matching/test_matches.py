"""Matches from proposal to the end of the stay, through the services and through the admin's step
pages: each step moves the home and the household with it, or nothing moves at all."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone, translation

from matching.actions import (
    approve_match,
    cancel_match,
    end_match,
    propose_match,
    reason_counts,
    record_move_in,
    reject_match,
)
from matching.models import Match, MatchTransition
from tests.factories import MatchReasonFactory, NewcomerCaseFactory, referred_home, said_yes
from workflow.engine import TransitionNotAllowed

pytestmark = pytest.mark.django_db

# Today: a move-in is recorded on its day (a later date is a planned move-in).
MOVE_IN = timezone.localdate()
ENDED = date(2027, 5, 31)
LIVE_MATCH_MESSAGE = (
    "Someone else has just matched this home or this household. Reload the page to see the match."
)


@pytest.fixture
def partner(organisations):
    return organisations["partner"]


@pytest.fixture
def proposed(partner, coordinator):
    return said_yes(
        propose_match(
            home=referred_home(partner), case=NewcomerCaseFactory(partner=partner), user=coordinator
        ),
        coordinator,
    )


def refreshed(match: Match) -> tuple[str, str, str]:
    """The match, its home and its household, as the coordinator sees them after a reload."""
    match.refresh_from_db()
    match.home.refresh_from_db()
    match.case.refresh_from_db()
    return match.status, match.home.status, match.case.status


def steps(obj) -> list[tuple[str, str]]:
    return list(obj.transitions.values_list("from_state", "to_state"))


def english(message) -> str:
    with translation.override("en"):
        return str(message)


# Through the services ---------------------------------------------------------------------------


def test_approving_matches_the_home_and_the_household(proposed, coordinator):
    assert refreshed(proposed) == ("proposed", "referred", "waiting")

    approve_match(match=said_yes(proposed, coordinator), user=coordinator)

    assert refreshed(proposed) == ("approved", "matched", "matched")
    assert steps(proposed) == [("", "proposed"), ("proposed", "approved")]
    assert steps(proposed.home)[-1] == ("referred", "matched")
    assert steps(proposed.case)[-1] == ("waiting", "matched")
    assert proposed.transitions.last().actor == coordinator
    assert proposed.home.transitions.last().actor_kind == "system"


def test_moving_in_records_the_date_and_houses_the_household(proposed, coordinator):
    approve_match(match=said_yes(proposed, coordinator), user=coordinator)

    record_move_in(match=proposed, user=coordinator, move_in_date=MOVE_IN)

    assert refreshed(proposed) == ("moved_in", "matched", "housed")
    assert proposed.move_in_date == MOVE_IN
    assert steps(proposed.case)[-1] == ("matched", "housed")


@pytest.mark.parametrize(
    ("home_next", "case_next", "home_history", "case_status"),
    [
        ("referred", "waiting", [("matched", "ended"), ("ended", "referred")], "waiting"),
        ("closed", "waiting", [("matched", "ended"), ("ended", "closed")], "waiting"),
        ("referred", "closed", [("matched", "ended"), ("ended", "referred")], "closed"),
        ("closed", "closed", [("matched", "ended"), ("ended", "closed")], "closed"),
    ],
)
def test_ending_a_stay_frees_the_home_and_the_household_as_the_coordinator_chooses(
    proposed, coordinator, partner, home_next, case_next, home_history, case_status
):
    approve_match(match=said_yes(proposed, coordinator), user=coordinator)
    record_move_in(match=proposed, user=coordinator, move_in_date=MOVE_IN)
    reason = MatchReasonFactory(partner=partner, label="Hushållet fick eget kontrakt")

    end_match(
        match=proposed,
        user=coordinator,
        reason_choice=reason,
        note="Förstahandskontrakt i Krokom.",
        home_next=home_next,
        case_next=case_next,
        ended_on=ENDED,
    )

    assert refreshed(proposed) == ("ended", home_history[-1][1], case_status)
    assert (proposed.ended_on, proposed.reason) == (ENDED, reason)
    assert steps(proposed.home)[-2:] == home_history
    assert steps(proposed.case)[-1] == ("housed", case_status)
    last = proposed.transitions.last()
    assert last.reason_choice == reason
    assert last.reason == "Hushållet fick eget kontrakt: Förstahandskontrakt i Krokom."
    if home_next == "referred":
        # The home can be offered to the next household at once.
        again = propose_match(
            home=proposed.home, case=NewcomerCaseFactory(partner=partner), user=coordinator
        )
        assert again.status == "proposed"


def test_rejecting_a_proposal_leaves_the_home_and_the_household_free(
    proposed, coordinator, partner
):
    reason = MatchReasonFactory(partner=partner, label="För långt från skolan")

    reject_match(match=proposed, user=coordinator, reason_choice=reason)

    assert refreshed(proposed) == ("rejected", "referred", "waiting")
    assert proposed.reason == reason
    # Both can take part in a new match.
    other = propose_match(
        home=proposed.home, case=NewcomerCaseFactory(partner=partner), user=coordinator
    )
    assert other.status == "proposed"


@pytest.mark.parametrize("approved_first", [False, True], ids=["proposed", "approved"])
def test_cancelling_a_match_before_move_in_frees_the_home_and_the_household(
    proposed, coordinator, approved_first
):
    if approved_first:
        approve_match(match=said_yes(proposed, coordinator), user=coordinator)

    cancel_match(match=proposed, user=coordinator, note="Värden blev sjuk.")

    assert refreshed(proposed) == ("cancelled", "referred", "waiting")
    assert proposed.reason_note == "Värden blev sjuk."
    if approved_first:
        assert steps(proposed.home)[-1] == ("matched", "referred")
        assert steps(proposed.case)[-1] == ("matched", "waiting")
        assert proposed.home.transitions.last().reason == "Värden blev sjuk."


@pytest.mark.parametrize("step", ["reject", "cancel", "end"])
def test_rejecting_cancelling_and_ending_need_a_reason(proposed, coordinator, step):
    if step == "end":
        approve_match(match=said_yes(proposed, coordinator), user=coordinator)
        record_move_in(match=proposed, user=coordinator, move_in_date=MOVE_IN)
    service = {"reject": reject_match, "cancel": cancel_match, "end": end_match}[step]
    before = refreshed(proposed), proposed.transitions.count()

    with pytest.raises(TransitionNotAllowed) as refused:
        service(match=proposed, user=coordinator, note="   ")

    assert english(refused.value.message) == "Please give a reason for this step."
    assert (refreshed(proposed), proposed.transitions.count()) == before


def test_the_reasons_are_counted_per_partner(partner, coordinator, organisations):
    far = MatchReasonFactory(partner=partner, label="För långt bort")
    pets = MatchReasonFactory(partner=partner, label="Allergi mot husdjur")
    unused = MatchReasonFactory(partner=partner, label="Annat")
    elsewhere = MatchReasonFactory(partner=organisations["other_partner"], label="För långt bort")

    def new_match():
        return propose_match(
            home=referred_home(partner), case=NewcomerCaseFactory(partner=partner), user=coordinator
        )

    reject_match(match=new_match(), user=coordinator, reason_choice=far)
    cancel_match(match=new_match(), user=coordinator, reason_choice=far, note="Pendling.")
    approved = new_match()
    approve_match(match=said_yes(approved, coordinator), user=coordinator)
    cancel_match(match=approved, user=coordinator, reason_choice=pets)
    ended = new_match()
    approve_match(match=said_yes(ended, coordinator), user=coordinator)
    record_move_in(match=ended, user=coordinator, move_in_date=MOVE_IN)
    end_match(match=ended, user=coordinator, reason_choice=far)
    reject_match(match=new_match(), user=coordinator, note="Only words, no reason from the list.")

    counts = [(r.label, r.times) for r in reason_counts(partner_id=partner.pk)]
    assert counts == [(far.label, 3), (pets.label, 1), (unused.label, 0)]
    everywhere = {(r.pk, r.times) for r in reason_counts()}
    assert (elsewhere.pk, 0) in everywhere


def test_a_coordinator_cannot_act_on_another_partners_match(proposed, other_coordinator):
    for service in (approve_match, reject_match, cancel_match):
        with pytest.raises(Http404):
            service(match=proposed, user=other_coordinator)
    assert refreshed(proposed) == ("proposed", "referred", "waiting")


# One live match per home and per household -------------------------------------------------------


def test_the_database_allows_one_live_match_per_home_and_per_household(proposed, partner):
    with pytest.raises(IntegrityError), transaction.atomic():
        Match.objects.create(home=proposed.home, case=NewcomerCaseFactory(partner=partner))
    with pytest.raises(IntegrityError), transaction.atomic():
        Match.objects.create(home=referred_home(partner), case=proposed.case)
    # Matches that are over do not count.
    Match.objects.create(home=proposed.home, case=proposed.case, status="rejected")
    assert Match.objects.live().count() == 1


@pytest.mark.parametrize("taken", ["home", "case"])
def test_proposing_a_home_or_household_that_is_taken_says_so(proposed, partner, coordinator, taken):
    home = proposed.home if taken == "home" else referred_home(partner)
    case = proposed.case if taken == "case" else NewcomerCaseFactory(partner=partner)

    with translation.override("en"), pytest.raises(TransitionNotAllowed) as refused:
        propose_match(home=home, case=case, user=coordinator)

    expected = {
        "home": "This home already has a live match.",
        "case": "This household already has a live match.",
    }[taken]
    assert english(refused.value.message) == expected
    assert Match.objects.count() == 1


def test_a_home_already_matched_cannot_be_proposed(proposed, partner, coordinator):
    approve_match(match=said_yes(proposed, coordinator), user=coordinator)
    with pytest.raises(TransitionNotAllowed) as refused:
        propose_match(
            home=proposed.home, case=NewcomerCaseFactory(partner=partner), user=coordinator
        )
    assert (
        english(refused.value.message) == "Only a home that is referred and free can be proposed."
    )


# Through the admin ------------------------------------------------------------------------------


def step_url(match: Match, step: str) -> str:
    return f"/admin/matching/match/{match.pk}/step/{step}/"


@pytest.fixture
def desk(english, coordinator):
    """The coordinator's browser on the admin, in English."""
    english.force_login(coordinator)
    return english


def test_a_coordinator_proposes_a_match_in_the_admin(desk, partner, coordinator):
    home = referred_home(partner)
    case = NewcomerCaseFactory(partner=partner)
    form = desk.get("/admin/matching/match/add/")
    assert list(form.context["form"].fields["home"].queryset) == [home]

    response = desk.post("/admin/matching/match/add/", {"home": home.pk, "case": case.pk})

    assert response.status_code == 302
    match = Match.objects.get()
    assert (match.home, match.case, match.status) == (home, case, "proposed")
    assert steps(match) == [("", "proposed")]


def test_a_coordinator_takes_a_match_from_approval_to_the_end_in_the_admin(desk, proposed, partner):
    change_page = f"/admin/matching/match/{proposed.pk}/change/"
    page = desk.get(change_page).content.decode()
    assert f'href="{step_url(proposed, "approve")}"' in page

    confirm = desk.get(step_url(proposed, "approve"))
    assert confirm.status_code == 200 and 'value="Approve"' in confirm.content.decode()
    response = desk.post(step_url(proposed, "approve"), follow=True)
    assert response.redirect_chain == [(change_page, 302)]
    assert "Done: Approve." in response.content.decode()
    assert refreshed(proposed) == ("approved", "matched", "matched")

    response = desk.post(step_url(proposed, "move_in"), {"move_in_date": MOVE_IN.isoformat()})
    assert response.status_code == 302
    assert refreshed(proposed) == ("moved_in", "matched", "housed")
    assert proposed.move_in_date == MOVE_IN

    reason = MatchReasonFactory(partner=partner, label="Hushållet flyttade vidare")
    response = desk.post(
        step_url(proposed, "end"),
        {
            "reason_choice": reason.pk,
            "note": "",
            "ended_on": "2027-05-31",
            "home_next": "closed",
            "case_next": "closed",
        },
    )
    assert response.status_code == 302
    assert refreshed(proposed) == ("ended", "closed", "closed")
    assert (proposed.ended_on, proposed.reason) == (ENDED, reason)
    assert [(r.label, r.times) for r in reason_counts(partner_id=partner.pk)] == [(reason.label, 1)]


@pytest.mark.parametrize("step", ["reject", "cancel"])
def test_a_coordinator_rejects_or_cancels_with_a_reason_in_the_admin(desk, proposed, partner, step):
    reason = MatchReasonFactory(partner=partner, label="Passar inte barnen")
    MatchReasonFactory(partner=partner, label="Inte längre i bruk", active=False)
    form = desk.get(step_url(proposed, step)).context["form"]
    assert list(form.fields["reason_choice"].queryset) == [reason]

    response = desk.post(step_url(proposed, step), {"reason_choice": "", "note": ""})
    assert response.status_code == 400
    assert "Choose a reason or write one." in response.content.decode()
    assert refreshed(proposed) == ("proposed", "referred", "waiting")

    response = desk.post(step_url(proposed, step), {"reason_choice": reason.pk, "note": "Trappor."})
    assert response.status_code == 302
    expected = {"reject": "rejected", "cancel": "cancelled"}[step]
    assert refreshed(proposed) == (expected, "referred", "waiting")
    assert proposed.transitions.last().reason == "Passar inte barnen: Trappor."
    assert [(r.label, r.times) for r in reason_counts(partner_id=partner.pk)][0] == (
        reason.label,
        1,
    )


def test_a_step_that_is_no_longer_possible_says_why_and_changes_nothing(desk, proposed):
    assert desk.post(step_url(proposed, "approve")).status_code == 302
    before = (
        refreshed(proposed),
        MatchTransition.objects.count(),
        proposed.home.transitions.count(),
        proposed.case.transitions.count(),
    )

    # The second press, e.g. from a page opened before the first one.
    response = desk.post(step_url(proposed, "approve"))

    assert response.status_code == 409
    assert "“Approve” is not possible at the stage “Approved”." in response.content.decode()
    assert (
        refreshed(proposed),
        MatchTransition.objects.count(),
        proposed.home.transitions.count(),
        proposed.case.transitions.count(),
    ) == before

    response = desk.post(
        step_url(proposed, "end"),
        {
            "note": "Fel knapp.",
            "ended_on": "2027-01-01",
            "home_next": "referred",
            "case_next": "waiting",
        },
    )
    assert response.status_code == 409
    assert "“End the stay” is not possible at the stage “Approved”." in response.content.decode()
    assert refreshed(proposed) == before[0]


def test_an_unknown_step_is_not_found(desk, proposed):
    assert desk.get(step_url(proposed, "teleport")).status_code == 404
