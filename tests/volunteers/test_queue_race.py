"""Many volunteers pressing "Next host" at the same moment, on PostgreSQL: nobody gets a host
that another volunteer holds, and every host is called exactly once.

Each thread is one volunteer with its own database connection (Django keeps connections per
thread), claiming and recording a call until the queue is empty.
"""

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from accounts.models import Organisation
from tests.conftest import require
from tests.factories import (
    OrganisationFactory,
    UserFactory,
    local_group,
    municipality,
    queued_home,
)
from volunteers import actions
from volunteers.models import CallAttempt, QueueEntry

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups", "fast_password_hashing"),
]

VOLUNTEERS = 20
HOSTS = 60


def work_the_queue(volunteer, start: threading.Barrier, claims: list, errors: list) -> None:
    try:
        start.wait(timeout=30)
        while True:
            entry = actions.claim_next_host(volunteer=volunteer)
            if entry is None:
                return
            claims.append(entry.home_id)
            actions.record_call(entry=entry, volunteer=volunteer, outcome="interested")
    except Exception as exc:  # reported by the test, with the thread's volunteer
        errors.append(f"{volunteer.username}: {type(exc).__name__}: {exc}")
    finally:
        connections.close_all()


def test_volunteers_claiming_at_once_never_share_a_host():
    require(
        connection.vendor == "postgresql",
        "the race needs PostgreSQL's row locks: set DATABASE_URL=postgres://…",
    )
    # The volunteers first: their organisation's local group covers the homes made next.
    volunteers = [UserFactory(roles=["volunteer"]) for _ in range(VOLUNTEERS)]
    homes = [queued_home() for _ in range(HOSTS)]
    start = threading.Barrier(VOLUNTEERS)
    claims = {volunteer.pk: [] for volunteer in volunteers}
    errors: list[str] = []
    threads = [
        threading.Thread(
            target=work_the_queue, args=(volunteer, start, claims[volunteer.pk], errors)
        )
        for volunteer in volunteers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a volunteer is still claiming"
    assert errors == []

    claimed = [home_id for got in claims.values() for home_id in got]
    twice = [home_id for home_id, n in Counter(claimed).items() if n > 1]
    assert twice == [], f"claimed by two volunteers: {twice}"
    assert sorted(claimed) == sorted(home.pk for home in homes)
    # The work was shared: more than one volunteer got hosts.
    assert sum(1 for got in claims.values() if got) > 1
    # What the database recorded agrees: one call per host, by the volunteer who claimed it.
    recorded = dict(CallAttempt.objects.values_list("home_id", "volunteer_id"))
    assert CallAttempt.objects.count() == HOSTS
    for volunteer_id, got in claims.items():
        assert all(recorded[home_id] == volunteer_id for home_id in got)
    assert not QueueEntry.objects.filter(needs_call=True).exists()
    assert not QueueEntry.objects.filter(claimed_by__isnull=False).exists()


def test_volunteers_holding_hosts_at_once_each_hold_a_different_one():
    """Nobody records anything: 20 volunteers each hold a host, and the 21st finds none."""
    require(
        connection.vendor == "postgresql",
        "the race needs PostgreSQL's row locks: set DATABASE_URL=postgres://…",
    )
    volunteers = [UserFactory(roles=["volunteer"]) for _ in range(VOLUNTEERS + 1)]
    for _ in range(VOLUNTEERS):
        queued_home()
    start = threading.Barrier(len(volunteers))
    got: dict[int, int | None] = {}
    errors: list[str] = []

    def claim_once(volunteer):
        try:
            start.wait(timeout=30)
            entry = actions.claim_next_host(volunteer=volunteer)
            got[volunteer.pk] = entry.home_id if entry else None
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim_once, args=(v,)) for v in volunteers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    held = [home_id for home_id in got.values() if home_id is not None]
    assert len(held) == VOLUNTEERS and len(set(held)) == VOLUNTEERS
    assert list(got.values()).count(None) == 1
    assert QueueEntry.objects.filter(claimed_by__isnull=False).count() == VOLUNTEERS


def test_two_groups_claiming_at_once_each_get_only_their_own_groups_hosts():
    """Malmö's and Östersund's volunteers press "Next host" at the same moment: each gets a host
    of their own group only, every host is called once, and nobody waits for the other group's
    (a group's claims lock only its own entries)."""
    require(
        connection.vendor == "postgresql",
        "the race needs PostgreSQL's row locks: set DATABASE_URL=postgres://…",
    )
    organisation = OrganisationFactory(
        name="Refugees Welcome Sweden", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
    )
    groups = {
        "2380": local_group(organisation, name="RWS – Östersund", covers=["2380"]),
        "1280": local_group(organisation, name="RWS – Malmö", covers=["1280"]),
    }
    volunteers = {
        code: [
            UserFactory(roles=["volunteer"], organisation=organisation, local_group=group)
            for _ in range(VOLUNTEERS // 2)
        ]
        for code, group in groups.items()
    }
    homes = {
        code: {queued_home(municipality=municipality(code)).pk for _ in range(HOSTS // 2)}
        for code in groups
    }
    assert {
        code: set(QueueEntry.objects.filter(local_group=group).values_list("home_id", flat=True))
        for code, group in groups.items()
    } == homes
    everyone = [volunteer for people in volunteers.values() for volunteer in people]
    start = threading.Barrier(len(everyone))
    claims = {volunteer.pk: [] for volunteer in everyone}
    errors: list[str] = []
    threads = [
        threading.Thread(
            target=work_the_queue, args=(volunteer, start, claims[volunteer.pk], errors)
        )
        for volunteer in everyone
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a volunteer is still claiming"
    assert errors == []
    for code, people in volunteers.items():
        claimed = [home_id for volunteer in people for home_id in claims[volunteer.pk]]
        assert len(claimed) == len(set(claimed)), "a host claimed twice"
        assert set(claimed) == homes[code], code
    assert CallAttempt.objects.count() == HOSTS
