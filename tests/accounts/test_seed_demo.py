"""``manage.py seed_demo``: the demo data a developer gets from ``make run``."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts import roles
from accounts.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS
from accounts.models import Organisation, User
from hosts.models import Home, HomeTransition, Host


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Organisation, User, Host, Home, HomeTransition)
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo, seeded once for this module's tests (a seed takes seconds); what a test writes is
    rolled back after it as usual, and the seed itself when the module is done. Returns what
    ``seed_demo`` printed."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed()
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_seed_twice_gives_the_same_data_and_every_role_can_log_in(seeded):
    output = seeded
    first = counts()
    output_again = seed()

    assert counts() == first
    assert first["Organisation"] == 4
    assert 35 <= first["Host"] <= 45
    for role in roles.ROLE_LABELS:
        people = User.objects.filter(groups__name=role)
        # Six volunteers phone the hosts; every other role has one demo person.
        assert people.count() == (6 if role == roles.VOLUNTEER else 1), role
        for user in people:
            assert user.check_password(DEMO_PASSWORD), role
            assert user.is_staff == (role != roles.VOLUNTEER)
            assert user.organisation is not None
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(DEMO_PASSWORD)
    for text in (output, output_again):
        assert DEMO_PASSWORD in text
        for demo in DEMO_USERS:
            assert demo.username in text


@pytest.mark.django_db
def test_seeded_hosts_registered_last_winter_with_their_history(seeded):
    today = timezone.localdate()
    hosts = Host.objects.all()
    registered = {timezone.localtime(h.created_at).date() for h in hosts}
    assert min(registered).year == today.year - 1 and min(registered).month == 12
    assert max(registered) < today.replace(month=2, day=1)
    assert hosts.filter(confirmed_at__isnull=True).exists()
    assert hosts.filter(confirmed_at__isnull=False).count() > hosts.count() // 2
    statuses = set(Home.objects.values_list("status", flat=True))
    assert {Home.Status.REGISTERED, Home.Status.PAUSED, Home.Status.WITHDRAWN} <= statuses
    # The housing company's offered flats have no host: they were never registered by a person.
    homes = Home.objects.filter(host__isnull=False)
    for home in homes.select_related("host").prefetch_related("transitions"):
        steps = list(home.transitions.all())
        assert steps[0].created_at == home.host.created_at == home.created_at
        assert steps[-1].to_state == home.status
        assert all(a.created_at <= b.created_at for a, b in zip(steps, steps[1:], strict=False))
        assert str(home.host.phone).startswith("+4670")
        assert home.host.email.endswith("@example.se")


@pytest.mark.django_db
def test_seed_has_the_work_of_every_issue(seeded):
    from matching.models import Match
    from newcomers.models import NewcomerCase
    from volunteers.models import CallAttempt, Campaign, HomeVisit, QueueEntry

    assert set(Match.objects.values_list("status", flat=True)) == set(Match.Status.values)
    assert NewcomerCase.objects.filter(status=NewcomerCase.Status.WAITING).exists()
    assert Campaign.objects.filter(ended_at__isnull=True).count() == 1
    assert CallAttempt.objects.filter(outcome=CallAttempt.Outcome.INTERESTED).exists()
    assert CallAttempt.objects.filter(outcome=CallAttempt.Outcome.NO_ANSWER).exists()
    assert HomeVisit.objects.filter(status=HomeVisit.Status.REPORTED).exists()
    assert HomeVisit.objects.filter(status=HomeVisit.Status.BOOKED).exists()
    assert QueueEntry.objects.filter(needs_call=True).exists()
    assert Home.objects.filter(status=Home.Status.REFERRED, host__isnull=False).exists()
