"""A stay under way with its team: the partner's coordinator (Swedish) and the volunteer
coordinator of the home's local group (English), each with an e-mail address."""

from types import SimpleNamespace

import pytest

from tests.factories import moved_in_match, referred_home, staff_user


@pytest.fixture
def team(organisations, coordinator, volunteer_coordinator):
    coordinator.email, coordinator.language = "samordnare@example.org", "sv"
    coordinator.save()
    volunteer_coordinator.email, volunteer_coordinator.language = "volsam@example.org", "en"
    volunteer_coordinator.save()
    return SimpleNamespace(partner=coordinator, volunteers=volunteer_coordinator)


@pytest.fixture
def stay(organisations, team):
    """A private home (the volunteer coordinator's group's) with a household moved in."""
    home = referred_home(
        organisations["partner"], host__language="en", host__email="host@example.org"
    )
    assert home.local_group_id == team.volunteers.local_group_id
    return moved_in_match(organisations["partner"], coordinator=team.partner, home=home)


@pytest.fixture
def other_group_coordinator(organisations):
    """A volunteer coordinator of another local group of the same organisation."""
    from tests.factories import local_group

    group = local_group(organisations["volunteers"], name="En annan grupp", covers=["2309"])
    return staff_user(
        "volunteer_coordinator", organisations["volunteers"], username="annan", local_group=group
    )
