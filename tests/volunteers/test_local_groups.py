"""Local groups (issue 15): a host is routed to the group covering the home's municipality, told
honestly who will contact them and when; a home no group covers is on the national coordinators'
list; a group hands a host over to another group (one wins when two try at once), and the old
group no longer finds the host."""

import threading

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection, connections
from django.test import Client
from django.utils import translation

from accounts import roles
from accounts.models import GroupMunicipality, LocalGroup, Organisation, User
from hosts.models import Home
from tests.conftest import link_in, require
from tests.factories import (
    OrganisationFactory,
    UserFactory,
    load_municipalities,
    local_group,
    municipality,
    queued_home,
    staff_user,
)
from volunteers import actions, selectors
from volunteers.forms import volunteer_choices
from volunteers.models import Campaign, HandOver, QueueEntry
from workflow.errors import Conflict, Invalid, NotAllowed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_cache")]

MALMO, KROKOM, KIRUNA = "1280", "2309", "2584"


@pytest.fixture
def rws(db):
    """A national volunteer organisation with two local groups (Malmö, Krokom) and their people."""
    load_municipalities()
    org = OrganisationFactory(
        name="Refugees Welcome Sweden",
        kind=Organisation.Kind.VOLUNTEER_ORGANISATION,
        takes_uncovered_hosts=True,
        contact_within_days=10,
    )
    malmo = local_group(org, name="RWS Malmö", covers=[MALMO])
    krokom = local_group(org, name="RWS Krokom", covers=[KROKOM])
    LocalGroup.objects.filter(pk=malmo.pk).update(contact_within_days=5)
    malmo.refresh_from_db()

    def person(role, group, username, national=False):
        user = (
            staff_user(role, org, username=username, local_group=group)
            if role == roles.VOLUNTEER_COORDINATOR
            else UserFactory(roles=[role], organisation=org, username=username, local_group=group)
        )
        if national:
            user.groups.add(Group.objects.get(name=roles.NATIONAL_COORDINATOR))
        return user

    return {
        "org": org,
        "malmo": malmo,
        "krokom": krokom,
        "malmo_coordinator": person(roles.VOLUNTEER_COORDINATOR, malmo, "m_coord"),
        "krokom_coordinator": person(roles.VOLUNTEER_COORDINATOR, krokom, "k_coord"),
        "malmo_volunteer": person(roles.VOLUNTEER, malmo, "m_vol"),
        "krokom_volunteer": person(roles.VOLUNTEER, krokom, "k_vol"),
        "national": person(roles.VOLUNTEER_COORDINATOR, malmo, "national", national=True),
    }


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def home_in(code, **kwargs) -> Home:
    """A confirmed host's home in the call queue, routed as at sign-up."""
    home = queued_home(municipality=municipality(code), local_group=None, **kwargs)
    actions.route_home(home=home)
    home.refresh_from_db()
    return home


# Routing at sign-up, and what the host is told ---------------------------------------------------


def test_a_sign_up_in_a_covered_municipality_goes_to_its_group_and_the_host_is_told_who_calls(
    rws, english, sign_up
):
    sign_up(municipality=MALMO, email="malmo.host@example.org")

    home = Home.objects.get(host__email="malmo.host@example.org")
    assert home.local_group == rws["malmo"]
    routed = HandOver.objects.get(home=home)
    assert (routed.kind, routed.from_group, routed.to_group, routed.by) == (
        HandOver.Kind.ROUTED,
        None,
        rws["malmo"],
        None,
    )
    message = mail.outbox[-1]
    assert "RWS Malmö will phone you within 5 days" in " ".join(message.body.split())

    page = english.get(link_in(message, "/offer/confirm/"))
    text = " ".join(page.content.decode().split())
    assert page.status_code == 200
    assert "RWS Malmö will phone you within 5 days" in text
    # The group's people find the host; the other group's do not.
    assert selectors.organisation_homes(rws["malmo_coordinator"]).filter(pk=home.pk).exists()
    assert not selectors.organisation_homes(rws["krokom_coordinator"]).filter(pk=home.pk).exists()
    entry = QueueEntry.objects.get(home=home)
    assert entry.local_group == rws["malmo"]
    assert actions.claim_next_host(volunteer=rws["krokom_volunteer"]) is None
    assert actions.claim_next_host(volunteer=rws["malmo_volunteer"]) == entry


def test_an_uncovered_sign_up_keeps_no_group_and_reaches_the_national_coordinators_list(
    rws, english, sign_up
):
    sign_up(municipality=KIRUNA, email="kiruna.host@example.org")

    home = Home.objects.get(host__email="kiruna.host@example.org")
    assert home.local_group is None
    assert not HandOver.objects.filter(home=home).exists()
    body = " ".join(mail.outbox[-1].body.split())
    assert "No local group works in Kiruna yet." in body
    assert (
        "The national coordinators of Refugees Welcome Sweden will contact you within 10 days"
        in (body)
    )
    page = english.get(link_in(mail.outbox[-1], "/offer/confirm/"))
    assert "No local group works in Kiruna yet." in " ".join(page.content.decode().split())

    listing = browser(rws["national"]).get("/volunteer/uncovered/")
    assert listing.status_code == 200
    assert "Kiruna" in listing.content.decode()
    assert home.host.name in listing.content.decode()
    assert listing["Cache-Control"] == "no-store"
    # Nobody else has the list (a group's coordinator, a volunteer), nor the host.
    for name in ("malmo_coordinator", "malmo_volunteer"):
        assert browser(rws[name]).get("/volunteer/uncovered/").status_code == 404
        assert not selectors.organisation_homes(rws[name]).filter(pk=home.pk).exists()
    assert Client().get("/volunteer/uncovered/").status_code == 302


def test_the_uncovered_list_is_for_organisations_that_take_uncovered_hosts(rws):
    Organisation.objects.filter(pk=rws["org"].pk).update(takes_uncovered_hosts=False)
    national = User.objects.get(pk=rws["national"].pk)
    assert browser(national).get("/volunteer/uncovered/").status_code == 404


def test_several_organisations_taking_uncovered_hosts_are_named_with_the_longest_promise(rws):
    OrganisationFactory(
        name="Volontärbyrån",
        kind=Organisation.Kind.VOLUNTEER_ORGANISATION,
        takes_uncovered_hosts=True,
        contact_within_days=21,
    )
    contact = selectors.first_contact(home_in(KIRUNA))
    assert contact == {
        "kind": "national",
        "organisations": ["Refugees Welcome Sweden", "Volontärbyrån"],
        "days": 21,
        "municipality": "Kiruna",
    }


def test_when_nobody_takes_uncovered_hosts_the_host_is_told_so_in_both_languages(
    db, client, sign_up
):
    load_municipalities()
    sign_up(municipality=KIRUNA, email="ingen@example.org")  # the site's language: Swedish
    body = " ".join(mail.outbox[-1].body.split())
    assert "Ingen lokalgrupp arbetar i Kiruna än." in body
    assert "Ingen kan ringa dig om ditt erbjudande just nu." in body
    home = Home.objects.get(host__email="ingen@example.org")
    with translation.override("en"):
        from django.template.loader import render_to_string

        text = render_to_string(
            "hosts/_first_contact.html", {"contact": selectors.first_contact(home)}
        )
    assert "Nobody can call you about your offer for now." in text
    assert "withdraw it at any time" in text


def test_the_group_message_is_in_swedish_too(rws, sign_up):
    sign_up(municipality=MALMO, email="svensk@example.org")
    body = " ".join(mail.outbox[-1].body.split())
    assert "RWS Malmö ringer dig inom 5 dagar" in body


# Hand-over ---------------------------------------------------------------------------------------


def test_a_coordinator_hands_a_host_over_and_the_old_group_no_longer_finds_it(rws):
    home = home_in(MALMO)
    entry = actions.claim_next_host(volunteer=rws["malmo_volunteer"])
    assert entry.home == home
    malmo, krokom = browser(rws["malmo_coordinator"]), browser(rws["krokom_coordinator"])
    assert malmo.get(f"/volunteer/homes/{home.pk}/hand-over/").status_code == 200
    assert krokom.get(f"/volunteer/homes/{home.pk}/hand-over/").status_code == 404
    assert krokom.get(f"/volunteer/homes/{home.pk}/duplicates/").status_code == 404

    response = malmo.post(
        f"/volunteer/homes/{home.pk}/hand-over/",
        {"to_group": rws["krokom"].pk, "reason": "Flyttar till Krokom i vår."},
    )

    assert response.status_code == 302
    home.refresh_from_db()
    assert home.local_group == rws["krokom"]
    moved = HandOver.objects.get(home=home, kind=HandOver.Kind.HANDED_OVER)
    assert (moved.from_group, moved.to_group, moved.by, moved.reason) == (
        rws["malmo"],
        rws["krokom"],
        rws["malmo_coordinator"],
        "Flyttar till Krokom i vår.",
    )
    entry.refresh_from_db()
    assert (entry.local_group, entry.claimed_by, entry.lease_until) == (rws["krokom"], None, None)
    assert malmo.get(f"/volunteer/homes/{home.pk}/hand-over/").status_code == 404
    assert malmo.get(f"/volunteer/homes/{home.pk}/duplicates/").status_code == 404
    assert krokom.get(f"/volunteer/homes/{home.pk}/duplicates/").status_code == 200
    assert krokom.get(f"/volunteer/homes/{home.pk}/hand-over/").status_code == 200
    # The new group's volunteers call the host; the old group's no longer can.
    assert actions.claim_next_host(volunteer=rws["malmo_volunteer"]) is None
    assert actions.claim_next_host(volunteer=rws["krokom_volunteer"]) == entry
    # The national coordinator reaches the host in either group.
    assert selectors.organisation_homes(rws["national"]).filter(pk=home.pk).exists()


def test_a_hand_over_lets_go_of_the_old_groups_campaign(rws):
    home = home_in(MALMO)
    campaign = actions.start_campaign(
        name="Alla från december", organisation=rws["org"], user=rws["malmo_coordinator"]
    )
    Campaign.objects.filter(pk=campaign.pk).update(local_group=rws["malmo"])
    assert QueueEntry.objects.get(home=home).campaign_id == campaign.pk

    actions.hand_over_home(
        home=home, to_group=rws["krokom"], user=rws["malmo_coordinator"], reason="Flyttar."
    )

    entry = QueueEntry.objects.get(home=home)
    assert entry.campaign is None
    assert entry.rank == QueueEntry.Rank.NEW
    assert entry.needs_call  # still registered: the new group calls the host
    assert not campaign.homes.filter(pk=home.pk).exists()


def test_a_hand_over_needs_a_reason_another_group_and_a_coordinator_of_the_host(rws):
    home = home_in(MALMO)
    coordinator = rws["malmo_coordinator"]
    with pytest.raises(Invalid):
        actions.hand_over_home(home=home, to_group=rws["krokom"], user=coordinator, reason=" ")
    with pytest.raises(Invalid):
        actions.hand_over_home(home=home, to_group=rws["malmo"], user=coordinator, reason="x")
    for name in ("krokom_coordinator", "malmo_volunteer"):
        with pytest.raises(NotAllowed):
            actions.hand_over_home(home=home, to_group=rws["krokom"], user=rws[name], reason="x")
    assert not HandOver.objects.filter(home=home, kind=HandOver.Kind.HANDED_OVER).exists()

    # On the page: the reason is asked for again, the choice kept; the volunteer is refused.
    page = browser(coordinator).post(
        f"/volunteer/homes/{home.pk}/hand-over/", {"to_group": rws["krokom"].pk, "reason": ""}
    )
    assert page.status_code == 400
    assert f'<option value="{rws["krokom"].pk}" selected>' in page.content.decode()
    assert browser(rws["malmo_volunteer"]).get(
        f"/volunteer/homes/{home.pk}/hand-over/"
    ).status_code in (403, 404)
    home.refresh_from_db()
    assert home.local_group == rws["malmo"]


def test_a_national_coordinator_gives_an_uncovered_host_to_a_group_from_the_list(rws):
    home = home_in(KIRUNA)
    national = browser(rws["national"])
    assert home.host.name in national.get("/volunteer/uncovered/").content.decode()

    response = national.post(
        f"/volunteer/homes/{home.pk}/hand-over/",
        {
            "to_group": rws["krokom"].pk,
            "reason": "Närmast Kiruna av våra grupper.",
            "next": "/volunteer/uncovered/",
        },
    )

    assert response.status_code == 302
    assert response.url == "/volunteer/uncovered/"
    home.refresh_from_db()
    assert home.local_group == rws["krokom"]
    given = HandOver.objects.get(home=home)
    assert (given.from_group, given.to_group, given.by) == (None, rws["krokom"], rws["national"])
    assert home.host.name not in national.get("/volunteer/uncovered/").content.decode()
    assert selectors.organisation_homes(rws["krokom_coordinator"]).filter(pk=home.pk).exists()
    # A group's coordinator cannot take an uncovered host themselves.
    other = home_in(KIRUNA)
    with pytest.raises(NotAllowed):
        actions.hand_over_home(
            home=other, to_group=rws["malmo"], user=rws["malmo_coordinator"], reason="x"
        )


def test_a_second_hand_over_from_a_stale_page_is_a_conflict_that_says_so(rws):
    home = home_in(MALMO)
    seen_first = Home.objects.get(pk=home.pk)
    seen_second = Home.objects.get(pk=home.pk)
    other_group = local_group(rws["org"], name="RWS Östersund", covers=["2380"])
    actions.hand_over_home(
        home=seen_first, to_group=rws["krokom"], user=rws["national"], reason="Flyttar."
    )
    with pytest.raises(Conflict) as refused, translation.override("en"):
        actions.hand_over_home(
            home=seen_second, to_group=other_group, user=rws["national"], reason="Flyttar."
        )
    assert "Someone else has just handed this host over (now with RWS Krokom)" in str(
        refused.value.message
    )
    assert HandOver.objects.filter(home=home, kind=HandOver.Kind.HANDED_OVER).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("role_groups")
def test_two_coordinators_handing_over_at_once_one_wins_the_other_is_told(rws):
    require(
        connection.vendor == "postgresql",
        "the race needs PostgreSQL's row locks: set DATABASE_URL=postgres://…",
    )
    home = home_in(MALMO)
    second_coordinator = staff_user(
        roles.VOLUNTEER_COORDINATOR, rws["org"], username="m_coord2", local_group=rws["malmo"]
    )
    other_group = local_group(rws["org"], name="RWS Östersund", covers=["2380"])
    tries = [
        (rws["malmo_coordinator"], rws["krokom"]),
        (second_coordinator, other_group),
    ]
    start = threading.Barrier(len(tries))
    results: list[str] = []

    def hand_over(user, group):
        try:
            seen = Home.objects.get(pk=home.pk)
            start.wait(timeout=30)
            actions.hand_over_home(home=seen, to_group=group, user=user, reason="Samtidigt.")
            results.append("handed over")
        except Conflict:
            results.append("conflict")
        except Exception as exc:
            results.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hand_over, args=pair) for pair in tries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results) == ["conflict", "handed over"]
    moves = list(HandOver.objects.filter(home=home, kind=HandOver.Kind.HANDED_OVER))
    assert len(moves) == 1
    home.refresh_from_db()
    assert home.local_group == moves[0].to_group
    assert QueueEntry.objects.get(home=home).local_group == moves[0].to_group


def test_the_home_admin_hands_over_with_the_same_action(rws, settings):
    home = home_in(MALMO)
    admin = browser(rws["malmo_coordinator"])
    page = admin.get(f"/admin/hosts/home/{home.pk}/change/")
    assert page.status_code == 200
    assert f"/admin/hosts/home/{home.pk}/step/hand_over/" in page.content.decode()

    refused = admin.post(
        f"/admin/hosts/home/{home.pk}/step/hand_over/", {"to_group": rws["krokom"].pk}
    )
    assert refused.status_code == 400
    done = admin.post(
        f"/admin/hosts/home/{home.pk}/step/hand_over/",
        {"to_group": rws["krokom"].pk, "reason": "Bor i Krokom nu."},
    )
    assert done.status_code == 302
    home.refresh_from_db()
    assert home.local_group == rws["krokom"]
    assert HandOver.objects.filter(home=home, by=rws["malmo_coordinator"]).exists()
    assert admin.get(f"/admin/hosts/home/{home.pk}/change/").status_code == 404
    # The group is not typed into the form: only hand-overs move it.
    krokom = browser(rws["krokom_coordinator"]).get(f"/admin/hosts/home/{home.pk}/change/")
    assert krokom.status_code == 200
    assert 'name="local_group"' not in krokom.content.decode()


# Booking with the home's group, the colleagues, the groups' admin -----------------------------


def test_a_visit_is_booked_only_with_volunteers_of_the_homes_group(rws):
    home = home_in(MALMO)
    offered = set(volunteer_choices(rws["national"], home=home))
    assert rws["malmo_volunteer"] in offered
    assert rws["krokom_volunteer"] not in offered
    assert rws["krokom_coordinator"] not in offered
    page = browser(rws["malmo_coordinator"]).get(f"/volunteer/homes/{home.pk}/visit/")
    assert page.status_code == 200
    assert rws["malmo_volunteer"].get_full_name() in page.content.decode()
    assert rws["krokom_volunteer"].get_full_name() not in page.content.decode()


def test_colleagues_in_the_user_admin_are_the_groups_and_the_national_coordinators_the_orgs(rws):
    def listed(user):
        page = browser(user).get("/admin/accounts/user/")
        assert page.status_code == 200
        return {u.username for u in page.context["cl"].result_list}

    malmo_people = listed(rws["malmo_coordinator"])
    assert {"m_coord", "m_vol", "national"} <= malmo_people
    assert not {"k_coord", "k_vol"} & malmo_people
    assert {"m_coord", "m_vol", "k_coord", "k_vol", "national"} <= listed(rws["national"])
    krokom_id = User.objects.get(username="k_vol").pk
    assert browser(rws["malmo_coordinator"]).get(
        f"/admin/accounts/user/{krokom_id}/change/"
    ).status_code in (302, 404)


def test_the_local_groups_admin_superusers_set_up_national_coordinators_read_others_not_found(
    rws,
):
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True, organisation=None)
    admin = browser(superuser)
    krokom = rws["krokom"]
    # Covering a municipality another group covers: a clear message, not an error page.
    data = {
        "organisation": rws["org"].pk,
        "name": krokom.name,
        "contact_email": "",
        "contact_within_days": "7",
        "coverage-TOTAL_FORMS": "2",
        "coverage-INITIAL_FORMS": "1",
        "coverage-MIN_NUM_FORMS": "0",
        "coverage-MAX_NUM_FORMS": "1000",
        "coverage-0-id": GroupMunicipality.objects.get(municipality_id=KROKOM).pk,
        "coverage-0-group": krokom.pk,
        "coverage-0-municipality": KROKOM,
        "coverage-1-group": krokom.pk,
        "coverage-1-municipality": MALMO,
    }
    refused = admin.post(f"/admin/accounts/localgroup/{krokom.pk}/change/", data)
    assert refused.status_code == 200
    assert "Malmö is already covered by RWS Malmö" in refused.content.decode()
    assert GroupMunicipality.objects.get(municipality_id=MALMO).group == rws["malmo"]
    data["coverage-1-municipality"] = "2380"
    assert admin.post(f"/admin/accounts/localgroup/{krokom.pk}/change/", data).status_code == 302
    assert GroupMunicipality.objects.get(municipality_id="2380").group == krokom

    national = browser(rws["national"])
    assert national.get("/admin/accounts/localgroup/").status_code == 200
    page = national.get(f"/admin/accounts/localgroup/{krokom.pk}/change/")
    assert page.status_code == 200
    assert 'name="name"' not in page.content.decode()  # read-only
    stranger_org = OrganisationFactory(
        name="Grannvolontärerna", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
    )
    stranger_group = local_group(stranger_org, name="Grannarna", covers=[KIRUNA])
    assert (
        national.get(f"/admin/accounts/localgroup/{stranger_group.pk}/change/").status_code == 404
    )
    coordinator = browser(rws["malmo_coordinator"])
    assert coordinator.get(f"/admin/accounts/localgroup/{krokom.pk}/change/").status_code == 404


def test_a_users_group_must_be_of_their_organisation(rws):
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True, organisation=None)
    stranger_org = OrganisationFactory(
        name="Grannvolontärerna", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
    )
    stranger_group = local_group(stranger_org, name="Grannarna", covers=[KIRUNA])
    volunteer = rws["malmo_volunteer"]
    page = browser(superuser).get(f"/admin/accounts/user/{volunteer.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("groups", "user_permissions", "password")
    }
    data.update(
        {
            "organisation": rws["org"].pk,
            "local_group": stranger_group.pk,
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00",
            "language": "sv",
        }
    )
    data.pop("date_joined", None)
    data.pop("last_login", None)
    refused = browser(superuser).post(f"/admin/accounts/user/{volunteer.pk}/change/", data)
    assert refused.status_code == 200
    assert "Choose a local group of the person&#x27;s own organisation" in refused.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.local_group == rws["malmo"]


# The national coordinator's role -----------------------------------------------------------------


def test_the_national_coordinators_role_group_exists_and_lands_on_the_volunteers_start(rws):
    group = Group.objects.get(name=roles.NATIONAL_COORDINATOR)
    assert group.permissions.filter(codename="view_localgroup").exists()
    national = browser(rws["national"])
    assert national.get("/home/").url == "/volunteer/"
    start = national.get("/volunteer/")
    assert start.status_code == 200
    assert "/volunteer/uncovered/" in start.content.decode()
    coordinator_start = browser(rws["malmo_coordinator"]).get("/volunteer/")
    assert "/volunteer/uncovered/" not in coordinator_start.content.decode()
