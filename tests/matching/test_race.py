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
from tests.factories import NewcomerCaseFactory, referred_home
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
            approve_match(match=match, user=user)
            return match.case_id

        return go

    return load


def approve(match_id: int, user):
    def load():
        match = Match.objects.select_related("home", "case").get(pk=match_id)
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
        assert [value for kind, value in outcomes if kind == "refused"] == [LIVE_MATCH_MESSAGE]
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
