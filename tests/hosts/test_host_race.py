"""A host and a volunteer acting on the same offer at the same moment, on PostgreSQL: the host's
row is taken before the home's everywhere (erasure, withdrawal, a change of the offer), so
they wait for each other instead of deadlocking, and the withdrawal is never undone."""

import pytest
from django.db import connection

from hosts.actions import change_offer, erase_host, withdraw_home
from hosts.models import Home, Host
from tests.conftest import require
from tests.factories import HomeFactory
from tests.matching.test_race import at_once
from workflow.errors import DomainError

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("role_groups")]

ROUNDS = 6


@pytest.fixture(autouse=True)
def _postgresql_only():
    require(
        connection.vendor == "postgresql",
        "the race needs PostgreSQL's row locks and concurrent transactions: "
        "set DATABASE_URL=postgres://…",
    )


def refused_or(action):
    try:
        return action()
    except DomainError as exc:
        return f"refused: {exc.message}"


def host_changes_beds(home_id: int):
    def load():
        home = Home.objects.select_related("host").get(pk=home_id)
        return lambda: refused_or(lambda: change_offer(home=home, offer={"beds": 5}).beds)

    return load


def volunteer_withdraws(home_id: int, user):
    def load():
        home = Home.objects.get(pk=home_id)
        return lambda: withdraw_home(home=home, user=user, reason="The host called.").to_state

    return load


def host_erases(host_id: int):
    def load():
        host = Host.objects.get(pk=host_id)
        return lambda: erase_host(host=host)

    return load


def test_changing_the_offer_while_a_volunteer_withdraws_it(volunteer_coordinator):
    for index in range(ROUNDS):
        home = HomeFactory(beds=2)
        presses = [host_changes_beds(home.pk), volunteer_withdraws(home.pk, volunteer_coordinator)]
        outcomes = at_once(*(presses if index % 2 else reversed(presses)))

        assert not [o for o in outcomes if o[0] == "error"], outcomes
        home.refresh_from_db()
        assert home.status == Home.Status.WITHDRAWN  # never undone by the change
        assert home.beds in (2, 5)


def test_erasing_while_a_volunteer_withdraws(volunteer_coordinator):
    for index in range(ROUNDS):
        home = HomeFactory()
        presses = [host_erases(home.host_id), volunteer_withdraws(home.pk, volunteer_coordinator)]
        outcomes = at_once(*(presses if index % 2 else reversed(presses)))

        errors = [o for o in outcomes if o[0] == "error"]
        # The one that comes second may find the home withdrawn already: a refusal, not an error.
        assert all("TransitionNotAllowed" in repr(o) for o in errors), outcomes
        home.refresh_from_db()
        assert home.status == Home.Status.WITHDRAWN and home.host.erased_at is not None
