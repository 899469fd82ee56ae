"""Another local group's host, call or visit is a 404, as another partner's case is (issue 15):
the volunteers and coordinators of one group of an organisation do not find a second group's
work, on the volunteers' pages (``permission_matrix.OBJECT_REACH``, ``ANOTHER_GROUP``) nor in the
admin (below); the national coordinator of the organisation reaches both groups; a volunteer or
a coordinator without a group reaches nothing."""

import pytest
from django.test import Client

from accounts import roles
from tests.factories import UserFactory, staff_user
from volunteers import selectors

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_cache")]

# The admin's pages of a group's work (its host, home, call, queue entry, note, visit, check-in,
# campaign).
ADMIN_PAGES = {
    "hosts.host": "/admin/hosts/host/{pk}/change/",
    "hosts.home": "/admin/hosts/home/{pk}/change/",
    "volunteers.callattempt": "/admin/volunteers/callattempt/{pk}/change/",
    "volunteers.queueentry": "/admin/volunteers/queueentry/{pk}/change/",
    "volunteers.hostnote": "/admin/volunteers/hostnote/{pk}/change/",
    "volunteers.homevisit": "/admin/volunteers/homevisit/{pk}/change/",
    "stays.checkin": "/admin/stays/checkin/{pk}/change/",
    "volunteers.campaign": "/admin/volunteers/campaign/{pk}/change/",
}


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def admin_answers(user, objects) -> dict[str, int]:
    client = browser(user)
    return {
        label: client.get(url.format(pk=objects[label].pk)).status_code
        for label, url in ADMIN_PAGES.items()
    }


def listed(user, label, obj) -> bool:
    app, model = label.split(".")
    page = browser(user).get(f"/admin/{app}/{model}/")
    assert page.status_code == 200, label
    return obj.pk in {row.pk for row in page.context["cl"].result_list}


def group_a_work(world):
    """The first group's records of the same kinds (the world's own)."""
    objects = world.objects
    return {label: objects[label] for label in ADMIN_PAGES} | {
        "hosts.host": world.queued_home.host,
        "hosts.home": world.queued_home,
    }


def test_a_coordinator_of_one_group_does_not_find_the_other_groups_work_in_the_admin(world):
    b = world.group_b
    coordinator = world.users[roles.VOLUNTEER_COORDINATOR]
    assert set(admin_answers(coordinator, b).values()) == {404}
    for label in ADMIN_PAGES:
        assert not listed(coordinator, label, b[label]), label
    # ...and the other group's coordinator does not find the first group's.
    assert set(admin_answers(b["coordinator"], group_a_work(world)).values()) == {404}
    # Each finds their own.
    assert set(admin_answers(b["coordinator"], b).values()) == {200}
    assert set(admin_answers(coordinator, group_a_work(world)).values()) == {200}


def test_the_national_coordinator_reaches_both_groups_in_the_admin_and_on_the_pages(world):
    national = world.users[roles.NATIONAL_COORDINATOR]
    b = world.group_b
    assert set(admin_answers(national, b).values()) == {200}
    assert set(admin_answers(national, group_a_work(world)).values()) == {200}
    for label in ADMIN_PAGES:
        assert listed(national, label, b[label]), label
    client = browser(national)
    assert client.get(f"/volunteer/visits/{b['volunteers.homevisit'].pk}/").status_code == 200
    assert client.get(f"/volunteer/homes/{b['hosts.home'].pk}/duplicates/").status_code == 200
    assert client.get(f"/volunteer/homes/{b['hosts.home'].pk}/hand-over/").status_code == 200
    visit_a = world.objects["volunteers.homevisit"]
    assert client.get(f"/volunteer/visits/{visit_a.pk}/").status_code == 200


def test_the_volunteers_of_one_group_do_not_find_the_other_groups_host_call_or_visit(world):
    b = world.group_b
    volunteer = world.users[roles.VOLUNTEER]
    client = browser(volunteer)
    assert client.get(f"/volunteer/visits/{b['volunteers.homevisit'].pk}/").status_code == 404
    assert client.get(f"/volunteer/homes/{b['hosts.home'].pk}/visit/").status_code == 404
    assert (
        client.post(
            f"/volunteer/queue/{b['volunteers.queueentry'].pk}/outcome/",
            {"outcome": "no_answer"},
        ).status_code
        == 404
    )
    # Their own group's volunteer finds their own visit; the first group's volunteer's is not
    # theirs.
    other = browser(b["volunteer"])
    assert other.get(f"/volunteer/visits/{b['volunteers.homevisit'].pk}/").status_code == 200
    visit_a = world.objects["volunteers.homevisit"]
    assert other.get(f"/volunteer/visits/{visit_a.pk}/").status_code == 404
    # Volunteers do not work in the admin at all.
    assert browser(volunteer).get("/admin/hosts/home/").status_code == 302


def test_people_without_a_group_reach_nothing(world):
    organisation = world.orgs["volunteers"]
    volunteer = UserFactory(
        roles=[roles.VOLUNTEER], organisation=organisation, local_group=None, username="w_nogroup"
    )
    coordinator = staff_user(
        roles.VOLUNTEER_COORDINATOR, organisation, username="w_nogroupcoord", local_group=None
    )
    for person in (volunteer, coordinator):
        assert not selectors.organisation_homes(person).exists()
    for work in (group_a_work(world), world.group_b):
        assert set(admin_answers(coordinator, work).values()) == {404}
        client = browser(coordinator)
        assert (
            client.get(f"/volunteer/homes/{work['hosts.home'].pk}/duplicates/").status_code == 404
        )
        visit = work["volunteers.homevisit"]
        assert client.get(f"/volunteer/visits/{visit.pk}/").status_code == 404
        assert browser(volunteer).get(f"/volunteer/visits/{visit.pk}/").status_code == 404
    from volunteers.actions import claim_next_host

    assert claim_next_host(volunteer=volunteer) is None
