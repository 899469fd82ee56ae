"""The people and objects the security tests walk every page with."""

import logging

import pytest
from django.contrib.auth.models import Group
from django.template.base import Template

from accounts import roles
from accounts.models import Organisation
from hosts.actions import make_link_token
from tests.conftest import built_once_per_module
from tests.factories import (
    NewcomerCaseFactory,
    UserFactory,
    load_municipalities,
    local_group,
    match_with_history,
    municipality,
    portal_world,
    queued_home,
    referred_home,
    staff_user,
    visit_booked_home,
)
from volunteers.actions import claim_next_host

# The second local group of the world's volunteer organisation covers Krokom (the first one
# covers Östersund, the factories' default); another volunteer organisation's group covers Kiruna.
GROUP_B_MUNICIPALITY = "2309"
OTHER_ORGANISATION_MUNICIPALITY = "2584"


@pytest.fixture
def quick_pages(monkeypatch):
    """Thousands of requests: skip the test client's record of every template rendered, and the
    log line of every expected 403/404."""
    monkeypatch.setattr(Template, "_render", lambda self, context: self.nodelist.render(context))
    for name in ["django.request", "django.security", "axes"]:
        monkeypatch.setattr(logging.getLogger(name), "level", logging.CRITICAL)


def second_group(world):
    """A second local group of the world's volunteer organisation, with its volunteer and
    coordinator, and its work: a host in the call queue that its volunteer holds (a call and a
    note on it), a booked visit, a matched home with the volunteers' check-in due, a campaign."""
    from django.utils import timezone

    from stays.models import CheckIn
    from volunteers.models import CallAttempt, Campaign, HostNote

    orgs = world.orgs
    group = local_group(
        orgs["volunteers"], name="Volontärbyrån Krokom", covers=[GROUP_B_MUNICIPALITY]
    )
    where = municipality(GROUP_B_MUNICIPALITY)
    volunteer = UserFactory(
        roles=[roles.VOLUNTEER],
        organisation=orgs["volunteers"],
        local_group=group,
        username="w_b_volunteer",
    )
    coordinator = staff_user(
        roles.VOLUNTEER_COORDINATOR, orgs["volunteers"], username="w_b_coord", local_group=group
    )
    queued = queued_home(municipality=where)
    entry = claim_next_host(volunteer=volunteer)
    assert entry is not None and entry.home == queued
    call = CallAttempt.objects.create(
        home=queued, volunteer=volunteer, outcome="no_answer", note="Inget svar."
    )
    note = HostNote.objects.create(home=queued, author=volunteer, text="Ring efter sex.")
    visit = visit_booked_home([volunteer], municipality=where)
    matched = referred_home(orgs["partner"], municipality=where)
    check_in = CheckIn.objects.create(
        match=match_with_history(matched, NewcomerCaseFactory(partner=orgs["partner"])),
        after_days=7,
        due_on=timezone.localdate(),
        responsible=CheckIn.Responsible.VOLUNTEERS,
    )
    assert {queued.local_group, visit.home.local_group, matched.local_group} == {group}
    campaign = Campaign.objects.create(
        name="Krokomskampanjen", organisation=orgs["volunteers"], local_group=group
    )
    return {
        "group": group,
        "volunteer": volunteer,
        "coordinator": coordinator,
        "hosts.host": queued.host,
        "hosts.home": queued,
        "volunteers.queueentry": entry,
        "volunteers.callattempt": call,
        "volunteers.hostnote": note,
        "volunteers.homevisit": visit,
        "stays.checkin": check_in,
        "volunteers.campaign": campaign,
        "matched_home": matched,
    }


def _build_world():
    load_municipalities()
    world = portal_world()
    orgs = world.orgs
    # The organisation takes the hosts no group covers; its national coordinator (who holds the
    # volunteer coordinator's role too) reaches every group.
    Organisation.objects.filter(pk=orgs["volunteers"].pk).update(takes_uncovered_hosts=True)
    orgs["volunteers"].refresh_from_db()
    national = staff_user(roles.VOLUNTEER_COORDINATOR, orgs["volunteers"], username="w_national")
    national.groups.add(Group.objects.get(name=roles.NATIONAL_COORDINATOR))
    world.users[roles.NATIONAL_COORDINATOR] = national
    group_a = world.users[roles.VOLUNTEER].local_group
    assert group_a is not None and world.objects["hosts.home"].local_group == group_a
    world.objects["accounts.localgroup"] = group_a
    world.objects["municipalities.municipality"] = municipality("2380")
    world.objects["municipalities.county"] = municipality("2380").county
    # Another volunteer organisation works in a municipality of its own.
    world.foreign["accounts.localgroup"] = local_group(
        orgs["other_volunteers"], covers=[OTHER_ORGANISATION_MUNICIPALITY]
    )
    # The volunteer holds the host of the world's queue entry: the call page's buttons are theirs.
    held = claim_next_host(volunteer=world.users[roles.VOLUNTEER])
    assert held == world.objects["volunteers.queueentry"]
    world.group_b = second_group(world)
    confirm_token = make_link_token(world.host_home.host, purpose="confirm")
    open_token = make_link_token(world.host_home.host, purpose="self_service")
    # The household of the world's case holds a working link of its own (a letter).
    from newcomers.actions import issue_household_link
    from newcomers.links import make_token

    household_link = issue_household_link(
        case=world.objects["newcomers.newcomercase"],
        user=world.users[roles.PARTNER_COORDINATOR],
        delivery="letter",
    )
    from outreach.actions.meetings import make_signup_token

    signup = world.objects["outreach.meetingsignup"]
    world.tokens = {
        "meetings/confirm/<str:token>/": make_signup_token(signup, purpose="confirm"),
        "meetings/my-place/<str:token>/": make_signup_token(signup, purpose="manage"),
        "meetings/my-place/<str:token>/calendar.ics": make_signup_token(signup, purpose="manage"),
        "offer/confirm/<str:token>/": confirm_token,
        "my-offer/open/<str:token>/": open_token,
        "household/open/<str:token>/": make_token(household_link),
        "accounts/reset/<uidb64>/<token>/": "set-password",
    }
    return world


held_world = built_once_per_module(_build_world)


@pytest.fixture
def world(held_world, settings):
    """The world of the security tests, built once per module (see ``built_once_per_module``);
    the volunteer's hold on the queued host is renewed, as a module can outlast a lease."""
    from django.utils import timezone

    from volunteers.actions.queue import lease_length
    from volunteers.models import QueueEntry

    world = held_world.fresh(settings)
    entry = world.objects["volunteers.queueentry"]
    entry.lease_until = timezone.now() + lease_length()
    QueueEntry.objects.filter(pk=entry.pk).update(lease_until=entry.lease_until)
    return world
