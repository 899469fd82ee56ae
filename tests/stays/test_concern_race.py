"""Two responders pressing at the same moment, on PostgreSQL: the clock to first response stops
once, at the first step that commits, and names whoever took it."""

import threading

import pytest
from django.db import connection
from django.utils import translation

from stays import actions
from stays.models import Concern
from tests.conftest import require
from workflow.errors import DomainError

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("role_groups")]

ROUNDS = 3


@pytest.fixture(autouse=True)
def _postgresql_only():
    require(connection.vendor == "postgresql", "the race needs PostgreSQL's row locks")


def at_once(*presses):
    start = threading.Barrier(len(presses))
    outcomes = [None] * len(presses)

    def press(index, action):
        try:
            with translation.override("en"):
                start.wait(timeout=30)
                outcomes[index] = ("done", action())
        except DomainError as exc:
            outcomes[index] = ("refused", str(exc.message))
        except Exception as exc:  # reported by the test
            outcomes[index] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(i, a)) for i, a in enumerate(presses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def fresh_concern(stay):
    return actions.raise_concern(
        match=stay, raised_by=Concern.RaisedBy.HOST, text="Något är fel.", language="sv"
    )


def test_two_acknowledgements_at_once_one_wins_and_the_clock_stops_once(stay, team):
    for _round in range(ROUNDS):
        concern = fresh_concern(stay)
        outcomes = at_once(
            lambda pk=concern.pk: actions.acknowledge_concern(
                concern=Concern.objects.get(pk=pk), user=team.partner
            ),
            lambda pk=concern.pk: actions.acknowledge_concern(
                concern=Concern.objects.get(pk=pk), user=team.volunteers
            ),
        )
        kinds = sorted(kind for kind, _value in outcomes)
        assert kinds == ["done", "refused"], outcomes
        winner = [team.partner, team.volunteers][[k for k, _v in outcomes].index("done")]
        concern.refresh_from_db()
        assert concern.first_response_by == winner
        assert concern.transitions.filter(to_state="acknowledged").count() == 1


def test_acknowledging_and_resolving_at_once_keep_the_first_response(stay, team):
    for _round in range(ROUNDS):
        concern = fresh_concern(stay)
        outcomes = at_once(
            lambda pk=concern.pk: actions.acknowledge_concern(
                concern=Concern.objects.get(pk=pk), user=team.volunteers
            ),
            lambda pk=concern.pk: actions.resolve_concern(
                concern=Concern.objects.get(pk=pk), user=team.partner, resolution="Klart."
            ),
        )
        assert all(kind in ("done", "refused") for kind, _value in outcomes), outcomes
        concern.refresh_from_db()
        assert concern.status == Concern.Status.RESOLVED
        first_step = concern.transitions.exclude(from_state="").order_by("created_at", "pk")[0]
        assert concern.first_response_by_id == first_step.actor_id
        assert abs(concern.first_response_at - first_step.created_at).total_seconds() < 1


def test_ending_the_stay_while_a_meeting_is_booked_leaves_no_meeting_booked(organisations, team):
    from datetime import timedelta

    from django.utils import timezone

    from matching.actions import end_match
    from matching.models import Match
    from stays.models import Mediation
    from tests.factories import moved_in_match, referred_home

    for _round in range(ROUNDS):
        home = referred_home(organisations["partner"], host__email="host@example.org")
        stay = moved_in_match(organisations["partner"], coordinator=team.partner, home=home)
        concern = fresh_concern(stay)
        outcomes = at_once(
            lambda pk=concern.pk: actions.book_mediation(
                concern=Concern.objects.get(pk=pk),
                user=team.partner,
                starts_at=timezone.now() + timedelta(days=2),
                place="Kommunhuset",
                mediator=team.partner,
            ),
            lambda pk=stay.pk: end_match(
                match=Match.objects.get(pk=pk),
                user=team.partner,
                note="Slut.",
                early_end_reason=Match.EarlyEnd.SAFETY,
            ),
        )
        assert all(kind in ("done", "refused") for kind, _value in outcomes), outcomes
        assert outcomes[1][0] == "done"
        concern.refresh_from_db()
        assert concern.status == Concern.Status.STAY_ENDED
        assert not Mediation.objects.filter(concern=concern, status="booked").exists()
