"""Two people taking the last place of a meeting at the same moment, on PostgreSQL: only one
gets it, the other is told the meeting is full and their sign-up stays pending.

Each thread is one person following the link in their e-mail, with its own database connection
(Django keeps one per thread) and its own transactions, as two web requests would have. A barrier
releases them together; the race is run a few rounds, each with a fresh meeting.
"""

import threading

import pytest
from django.db import connection
from django.utils import translation

from outreach import actions
from outreach.models import MeetingSignup, SignupTransition
from tests.conftest import require
from tests.outreach.meetings import organiser, planned_meeting
from workflow.errors import DomainError

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("role_groups")]

ROUNDS = 4
PEOPLE = 3


@pytest.fixture(autouse=True)
def _postgresql_only():
    require(
        connection.vendor == "postgresql",
        "the race needs PostgreSQL's row locks and concurrent transactions: "
        "set DATABASE_URL=postgres://…",
    )


def at_once(signup_ids: list[int]) -> list[tuple[str, object]]:
    """Each person confirms their sign-up in their own thread, all released together; returns
    ("done", True), ("refused", message in English) or ("error", repr) for each."""
    start = threading.Barrier(len(signup_ids))
    outcomes: list = [None] * len(signup_ids)

    def press(index, signup_id):
        try:
            with translation.override("en"):
                signup = MeetingSignup.objects.get(pk=signup_id)  # the link, opened
                start.wait(timeout=30)
                outcomes[index] = ("done", actions.confirm_signup(signup=signup))
        except DomainError as exc:
            with translation.override("en"):
                outcomes[index] = ("refused", str(exc.message))
        except Exception as exc:  # reported by the test
            outcomes[index] = ("error", repr(exc))
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=press, args=(i, s)) for i, s in enumerate(signup_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "someone is still waiting"
    return outcomes


def test_people_confirming_the_last_place_at_once_only_one_gets_it(organisations):
    coordinator = organiser(organisations)
    for round_ in range(ROUNDS):
        meeting = planned_meeting(coordinator, capacity=1, title=f"Möte {round_}")
        ids = [
            actions.sign_up_for_meeting(
                meeting=meeting,
                name=f"Person {n}",
                email=f"p{round_}-{n}@example.org",
                language="en",
            ).pk
            for n in range(PEOPLE)
        ]
        outcomes = at_once(ids)
        assert not [o for o in outcomes if o[0] == "error"], outcomes
        assert [o for o in outcomes if o[0] == "done"] == [("done", True)], outcomes
        refused = [o for o in outcomes if o[0] == "refused"]
        assert len(refused) == PEOPLE - 1
        assert all("the meeting is full" in message for _kind, message in refused)
        signups = MeetingSignup.objects.filter(meeting=meeting)
        assert signups.filter(status="confirmed").count() == 1
        assert signups.filter(status="pending").count() == PEOPLE - 1
        assert (
            SignupTransition.objects.filter(signup__meeting=meeting, to_state="confirmed").count()
            == 1
        )
