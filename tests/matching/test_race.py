"""Two coordinators pressing at the same moment, on PostgreSQL: a home is never matched twice.

Each thread is one coordinator with its own database connection (Django keeps one per thread) and
its own transactions, as two web requests would have. A barrier starts them together; each race
is run a few rounds, each with fresh objects.
"""

import threading

import pytest
from django.db import connection
from django.utils import translation

from hosts.models import Home, HomeTransition
from matching.actions import approve_match, propose_match
from matching.models import Match, MatchTransition
from newcomers.models import NewcomerCase
from tests.conftest import require
from tests.factories import NewcomerCaseFactory, referred_home, said_yes
from workflow.engine import TransitionNotAllowed

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("role_groups")]

ROUNDS = 5
LIVE_MATCH_MESSAGE = (
    "Someone else has just matched this home or this household. Reload the page to see the match."
)


@pytest.fixture(autouse=True)
def _postgresql_only():
    require(
        connection.vendor == "postgresql",
        "the race needs PostgreSQL's row locks and concurrent transactions: "
        "set DATABASE_URL=postgres://…",
    )


def at_once(*presses) -> list[tuple[str, object]]:
    """Run each press in its own thread, all released together; returns what each one got:
    ("done", value), ("refused", message in English) or ("error", repr)."""
    start = threading.Barrier(len(presses))
    outcomes: list = [None] * len(presses)

    def press(index, action):
        try:
            with translation.override("en"):
                prepare = action()  # load what the page showed, before the press
                start.wait(timeout=30)
                outcomes[index] = ("done", prepare())
        except TransitionNotAllowed as exc:
            with translation.override("en"):
                outcomes[index] = ("refused", str(exc.message))
        except Exception as exc:  # reported by the test
            outcomes[index] = ("error", repr(exc))
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=press, args=(i, a)) for i, a in enumerate(presses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a coordinator is still waiting"
    return outcomes


def propose_and_approve(home_id: int, case_id: int, user):
    def load():
        home, case = Home.objects.get(pk=home_id), NewcomerCase.objects.get(pk=case_id)

        def go():
            match = propose_match(home=home, case=case, user=user)
            approve_match(match=said_yes(match, user), user=user)
            return match.case_id

        return go

    return load


def approve(match_id: int, user):
    def load():
        match = Match.objects.select_related("home", "case").get(pk=match_id)
        if match.status == Match.Status.PROPOSED and not match.household_answer:
            said_yes(match, user)
        return lambda: approve_match(match=match, user=user).pk

    return load


def test_two_coordinators_matching_one_home_with_different_households(coordinator, partner_pair):
    for _ in range(ROUNDS):
        home = referred_home(coordinator.organisation)
        cases = [NewcomerCaseFactory(partner=coordinator.organisation) for _ in range(2)]

        outcomes = at_once(
            propose_and_approve(home.pk, cases[0].pk, coordinator),
            propose_and_approve(home.pk, cases[1].pk, partner_pair),
        )

        assert sorted(kind for kind, _ in outcomes) == ["done", "refused"], outcomes
        winner = next(value for kind, value in outcomes if kind == "done")
        # The second waits for the first one's lock on the home, then sees its match.
        assert [value for kind, value in outcomes if kind == "refused"] in (
            [LIVE_MATCH_MESSAGE],
            ["This home already has a live match."],
            ["Only a home that is referred and free can be proposed."],
        )
        home.refresh_from_db()
        assert home.status == Home.Status.MATCHED
        live = list(Match.objects.filter(home=home).live())
        assert [(m.case_id, m.status) for m in live] == [(winner, Match.Status.APPROVED)]
        assert Match.objects.filter(home=home).count() == 1
        matched = HomeTransition.objects.filter(
            home=home, from_state="referred", to_state="matched"
        )
        assert matched.count() == 1
        statuses = dict(
            NewcomerCase.objects.filter(pk__in=[c.pk for c in cases]).values_list("pk", "status")
        )
        loser = next(c.pk for c in cases if c.pk != winner)
        assert (statuses[winner], statuses[loser]) == ("matched", "waiting")


def test_two_coordinators_approving_the_same_proposal(coordinator, partner_pair):
    for _ in range(ROUNDS):
        home = referred_home(coordinator.organisation)
        case = NewcomerCaseFactory(partner=coordinator.organisation)
        match = propose_match(home=home, case=case, user=coordinator)

        outcomes = at_once(approve(match.pk, coordinator), approve(match.pk, partner_pair))

        assert sorted(kind for kind, _ in outcomes) == ["done", "refused"], outcomes
        assert [value for kind, value in outcomes if kind == "refused"] == [
            "“Approve” is not possible at the stage “Approved”."
        ]
        match.refresh_from_db()
        home.refresh_from_db()
        case.refresh_from_db()
        assert (match.status, home.status, case.status) == ("approved", "matched", "matched")
        assert MatchTransition.objects.filter(match=match, to_state="approved").count() == 1
        assert HomeTransition.objects.filter(home=home, to_state="matched").count() == 1
        assert case.transitions.filter(to_state="matched").count() == 1


@pytest.fixture
def partner_pair(coordinator):
    """A second coordinator of the same partner, at the next desk."""
    from tests.factories import staff_user

    return staff_user("partner_coordinator", coordinator.organisation, username="samordnare2")


# A host acting through self-service while a coordinator acts on the same home -----------------

WITHDRAW_ROUNDS = 20


def host_withdraws(home_id: int):
    from hosts.actions import host_step

    def load():
        home = Home.objects.select_related("host").get(pk=home_id)
        return lambda: host_step(home=home, name="withdraw", reason="Vi har ångrat oss").to_state

    return load


def host_erases(host_id: int):
    from hosts.actions import erase_host
    from hosts.models import Host

    def load():
        host = Host.objects.get(pk=host_id)
        return lambda: erase_host(host=host)

    return load


def propose(home_id: int, case_id: int, user):
    def load():
        home, case = Home.objects.get(pk=home_id), NewcomerCase.objects.get(pk=case_id)
        return lambda: propose_match(home=home, case=case, user=user).pk

    return load


def pause(home_id: int):
    from hosts.actions import host_step

    def load():
        home = Home.objects.select_related("host").get(pk=home_id)
        return lambda: host_step(home=home, name="pause").to_state

    return load


def _no_live_match_on_a_withdrawn_home(home):
    home.refresh_from_db()
    live = Match.objects.filter(home=home).live()
    if home.status == Home.Status.WITHDRAWN:
        assert not live.exists(), "a withdrawn home kept a live match"
    return home


def test_a_host_withdrawing_while_a_coordinator_proposes_never_leaves_a_live_match(coordinator):
    """Whoever comes first, the home never ends withdrawn with a live proposal: the proposal
    waits for the withdrawal (and is refused), or the withdrawal cancels the proposal."""
    for _ in range(WITHDRAW_ROUNDS):
        home = referred_home(coordinator.organisation)
        case = NewcomerCaseFactory(partner=coordinator.organisation)

        outcomes = at_once(host_withdraws(home.pk), propose(home.pk, case.pk, coordinator))

        assert not [o for o in outcomes if o[0] == "error"], outcomes
        assert outcomes[0] == ("done", Home.Status.WITHDRAWN), outcomes
        home = _no_live_match_on_a_withdrawn_home(home)
        assert home.status == Home.Status.WITHDRAWN
        case.refresh_from_db()
        assert case.status == NewcomerCase.Status.WAITING
        if outcomes[1][0] == "done":  # proposed first, then cancelled by the withdrawal
            match = Match.objects.get(pk=outcomes[1][1])
            assert match.status == Match.Status.CANCELLED
            assert match.transitions.last().reason == "The host withdrew the offer."


def test_a_host_erasing_their_data_while_a_coordinator_proposes(coordinator):
    for _ in range(ROUNDS):
        home = referred_home(coordinator.organisation)
        case = NewcomerCaseFactory(partner=coordinator.organisation)

        outcomes = at_once(host_erases(home.host_id), propose(home.pk, case.pk, coordinator))

        assert not [o for o in outcomes if o[0] == "error"], outcomes
        assert outcomes[0][0] == "done", outcomes
        home = _no_live_match_on_a_withdrawn_home(home)
        assert home.status == Home.Status.WITHDRAWN
        home.host.refresh_from_db()
        assert home.host.erased_at is not None


def test_approving_while_the_host_pauses_or_withdraws_never_deadlocks(coordinator):
    """Approve locks the home before the match, as withdraw does: one waits for the other."""
    for index in range(ROUNDS * 2):
        home = referred_home(coordinator.organisation)
        case = NewcomerCaseFactory(partner=coordinator.organisation)
        match = propose_match(home=home, case=case, user=coordinator)
        host_side = host_withdraws(home.pk) if index % 2 else pause(home.pk)

        outcomes = at_once(approve(match.pk, coordinator), host_side)

        assert not [o for o in outcomes if o[0] == "error"], outcomes
        match.refresh_from_db()
        home = _no_live_match_on_a_withdrawn_home(home)
        if outcomes[0][0] == "done":
            assert (match.status, home.status) == (Match.Status.APPROVED, Home.Status.MATCHED)
        else:
            assert match.status in (Match.Status.CANCELLED, Match.Status.PROPOSED)
            assert home.status in (Home.Status.WITHDRAWN, Home.Status.REFERRED)
