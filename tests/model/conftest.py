"""The model-based tests' world: the portal's clock, quick pages, and the starting world built
through the pages (see ``tests/model/portal.py``)."""

import logging
import random

import pytest
from django.template.base import Template

from hosts.models import Home
from matching.models import Match
from tests.conftest import built_once_per_module
from volunteers.models import Campaign

from .portal import MUNICIPALITIES, Clock, Portal, World, build_world


@pytest.fixture
def clock():
    """The portal's clock (``timezone.now``), which the machine moves forward."""
    portal_clock = Clock()
    with portal_clock.patch():
        yield portal_clock


@pytest.fixture
def quick_pages(monkeypatch):
    """Thousands of requests: skip the test client's record of every template rendered, and the
    log lines of expected 4xx answers."""
    monkeypatch.setattr(Template, "_render", _render_nodelist)
    for name in ["django.request", "django.security", "axes", "hosts.actions"]:
        monkeypatch.setattr(logging.getLogger(name), "disabled", True)


def make_world(clock, *, say=lambda text: None) -> World:
    """The organisations and people (factories), five waiting households, and the hosts of
    ``build_world`` (through the pages)."""
    from accounts import roles
    from accounts.models import Organisation
    from tests.factories import (
        MatchReasonFactory,
        NewcomerCaseFactory,
        OrganisationFactory,
        UserFactory,
        local_group,
        partnership_covering,
        staff_user,
    )

    orgs = {
        "volunteers": OrganisationFactory(
            name="Volontärbyrån", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
        ),
        "partner": OrganisationFactory(name="Mottagningen", kind=Organisation.Kind.PARTNER),
        "other_partner": OrganisationFactory(name="Grannkommunen", kind=Organisation.Kind.PARTNER),
    }
    # One local group covering both municipalities the hosts live in (the model's one queue).
    local_group(orgs["volunteers"], covers=MUNICIPALITIES)
    users = {
        "volunteer": UserFactory(
            roles=[roles.VOLUNTEER], organisation=orgs["volunteers"], username="m_volunteer"
        ),
        "volunteer2": UserFactory(
            roles=[roles.VOLUNTEER], organisation=orgs["volunteers"], username="m_volunteer2"
        ),
        "volcoord": staff_user(
            roles.VOLUNTEER_COORDINATOR, orgs["volunteers"], username="m_volcoord"
        ),
        "partcoord": staff_user(roles.PARTNER_COORDINATOR, orgs["partner"], username="m_partcoord"),
    }
    for adults in [1, 2, 1, 2, 1]:
        NewcomerCaseFactory(partner=orgs["partner"], adults=adults, children_ages=[])
    MatchReasonFactory(partner=orgs["partner"], label="Avstånd")
    MatchReasonFactory(partner=orgs["partner"], label="Hyran")
    # Both partners work where the hosts live: a visited home may go to either.
    for partner in (orgs["partner"], orgs["other_partner"]):
        partnership_covering(partner, *MUNICIPALITIES, volunteer_organisation=orgs["volunteers"])
    world = World(orgs=orgs, users=users)
    portal = Portal(world, clock, say=say)
    build_world(portal)
    world.hosts = [host.record for host in portal.hosts]
    world.clock_offset = clock.offset
    problems = portal.problems()
    assert not problems, problems
    stages = list(Home.objects.order_by("pk").values_list("status", flat=True))
    assert stages == STARTING_STAGES, (stages, "\n".join(portal.answers[-12:]))
    assert Campaign.objects.filter(ended_at__isnull=True).count() == 1, portal.answers[-3:]
    matches = list(Match.objects.order_by("pk").values_list("status", flat=True))
    assert matches == ["proposed", "approved", "moved_in"], (
        matches,
        "\n".join(portal.answers[-12:]),
    )
    return world


# The stages of the starting world's homes, host by host (see ``build_world``).
STARTING_STAGES = [
    "registered",  # host 0 never confirmed
    "registered",  # host 1 is in the call queue
    "contacted",
    "visit_booked",  # the visit has begun
    "visited",
    "referred",  # free
    "referred",  # proposed for a household
    "matched",  # approved
    "matched",  # moved in
    "visit_booked",  # the visit has not begun
    "unreachable",
]


def _build_world():
    """The starting world, built once per module (``built_once_per_module``) on a clock of its
    own, with the quick pages; each test's clock starts where it ended (``world.clock_offset``)."""
    from unittest import mock

    clock = Clock()
    with clock.patch(), mock.patch.object(Template, "_render", _render_nodelist):
        return make_world(clock, say=print)


def _render_nodelist(self, context):
    return self.nodelist.render(context)


held_world = built_once_per_module(_build_world)


@pytest.fixture
def world(held_world, clock, quick_pages, settings):
    world = held_world.fresh(settings)
    clock.offset = world.clock_offset
    return world


@pytest.fixture
def portal(world, clock):
    """A fresh set of browsers on the starting world, for a test that replays steps by hand."""
    return Portal(world, clock)


@pytest.fixture
def rng():
    return random.Random(0)
