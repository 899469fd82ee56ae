"""Each local group's own work: the call queue, campaigns, volunteer applications and
referrals of one group are that group's. Refugees Welcome Sweden has a group in Östersund and
one in Malmö; Krokom is covered by no group (its hosts and applicants go to the national
coordinators, as the organisation takes what no group covers)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts import roles
from accounts.models import Organisation
from hosts.actions import host_step, refer_home
from hosts.models import Home
from reports.partners import referral_partners
from tests.factories import (
    DEFAULT_MUNICIPALITY,
    HomeFactory,
    OrganisationFactory,
    UserFactory,
    VolunteerApplicationFactory,
    local_group,
    municipality,
    partnership_covering,
    queued_home,
    started_visit,
)
from volunteers import actions, selectors
from volunteers.models import QueueEntry, VolunteerApplication
from workflow.errors import Invalid, NotAllowed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

OSTERSUND, MALMO, KROKOM = DEFAULT_MUNICIPALITY, "1280", "2309"
VC = roles.VOLUNTEER_COORDINATOR


@pytest.fixture
def rws(db):
    organisation = OrganisationFactory(
        name="Refugees Welcome Sweden",
        kind=Organisation.Kind.VOLUNTEER_ORGANISATION,
        takes_uncovered_hosts=True,
    )
    return SimpleNamespace(
        org=organisation,
        ostersund=local_group(organisation, name="RWS – Östersund", covers=[OSTERSUND]),
        malmo=local_group(organisation, name="RWS – Malmö", covers=[MALMO]),
    )


def person(rws, group, *held, **kwargs):
    return UserFactory(roles=list(held), organisation=rws.org, local_group=group, **kwargs)


def national_coordinator(organisation, username="riks"):
    Group.objects.get_or_create(name=roles.NATIONAL_COORDINATOR)
    return UserFactory(
        roles=[VC, roles.NATIONAL_COORDINATOR],
        organisation=organisation,
        local_group=None,
        username=username,
    )


def browser(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def days_ago(n):
    return timezone.now() - timedelta(days=n)


def claimed(volunteer):
    entry = actions.claim_next_host(volunteer=volunteer)
    return entry.home if entry else None


# The call queue ------------------------------------------------------------------------------


def test_a_volunteer_claims_only_their_own_groups_hosts(rws):
    malmo_home = queued_home(municipality=municipality(MALMO), registered_at=days_ago(9))
    ostersund_home = queued_home(registered_at=days_ago(1))
    assert QueueEntry.objects.get(home=malmo_home).local_group == rws.malmo
    assert QueueEntry.objects.get(home=ostersund_home).local_group == rws.ostersund
    anna = person(rws, rws.ostersund, roles.VOLUNTEER, username="anna")
    sara = person(rws, rws.malmo, roles.VOLUNTEER, username="sara")

    # The page counts the group's waiting hosts, not the portal's.
    page = browser(anna).get("/volunteer/queue/").content.decode()
    assert "RWS – Östersund" in page and "1 host of your local group waits" in page

    # Malmö's host is older, but not Anna's group's.
    assert claimed(anna) == ostersund_home
    assert claimed(person(rws, rws.ostersund, roles.VOLUNTEER)) is None
    assert claimed(sara) == malmo_home


def test_a_volunteer_in_no_group_is_told_so_rather_than_shown_an_empty_queue(rws):
    queued_home()
    loose = person(rws, None, roles.VOLUNTEER)
    client = browser(loose)

    page = client.get("/volunteer/queue/").content.decode()
    assert "You are not in a local group yet" in page and "Ask your coordinator" in page
    assert "Next host" not in page
    response = client.post("/volunteer/queue/next/", follow=True)
    assert "Nobody needs a call right now" not in response.content.decode()
    assert QueueEntry.objects.filter(claimed_by=loose).count() == 0


def test_a_national_coordinator_without_a_group_claims_from_none(rws):
    queued_home()
    queued_home(municipality=municipality(KROKOM))  # no group's: the national coordinators'
    national = national_coordinator(rws.org)

    assert claimed(national) is None
    page = browser(national).get("/volunteer/queue/").content.decode()
    assert "As a national coordinator you are not in a local group" in page
    try:
        uncovered = reverse("volunteers:uncovered")
    except NoReverseMatch:  # the list of hosts no group covers is another page's
        uncovered = None
    if uncovered:
        assert uncovered in page


def test_the_queue_entry_follows_the_homes_group(rws):
    home = queued_home()
    anna = person(rws, rws.ostersund, roles.VOLUNTEER)
    assert claimed(anna) == home

    # Handed over to Malmö (the hand-over writes the home's group; the queue follows at the
    # next step of the home): Anna no longer holds it, and Malmö's volunteers get it.
    Home.objects.filter(pk=home.pk).update(local_group=rws.malmo)
    actions.sync_queue_entry(home=home)
    entry = QueueEntry.objects.get(home=home)
    assert entry.local_group == rws.malmo and entry.claimed_by is None

    # Paused, handed back to Östersund, resumed: in Östersund's queue again.
    host_step(home=home, name="pause")
    Home.objects.filter(pk=home.pk).update(local_group=rws.ostersund)
    host_step(home=Home.objects.get(pk=home.pk), name="resume")
    entry.refresh_from_db()
    assert entry.needs_call and entry.local_group == rws.ostersund
    assert claimed(person(rws, rws.malmo, roles.VOLUNTEER)) is None
    assert claimed(anna) == home


# Campaigns -----------------------------------------------------------------------------------


def test_a_campaign_calls_only_its_groups_homes(rws):
    ours = queued_home(registered_at=days_ago(5))
    theirs = queued_home(municipality=municipality(MALMO), registered_at=days_ago(5))
    uncovered = queued_home(municipality=municipality(KROKOM), registered_at=days_ago(5))
    # Past the first call, out of the queue: the campaign brings it back, in Malmö's queue.
    contacted = HomeFactory(status=Home.Status.CONTACTED, municipality=municipality(MALMO))
    coordinator = person(rws, rws.ostersund, VC)
    malmo_coordinator = person(rws, rws.malmo, VC)

    campaign = actions.start_campaign(name="Vinterns värdar", user=coordinator)
    assert campaign.local_group == rws.ostersund and campaign.organisation == rws.org
    assert set(campaign.homes.all()) == {ours}
    assert QueueEntry.objects.get(home=theirs).rank == QueueEntry.Rank.NEW
    assert QueueEntry.objects.get(home=uncovered).campaign is None

    with pytest.raises(NotAllowed):
        actions.start_campaign(name="Grannens", user=coordinator, local_group=rws.malmo)
    malmo_campaign = actions.start_campaign(name="Malmö", user=malmo_coordinator)
    assert set(malmo_campaign.homes.all()) == {theirs, contacted}
    assert QueueEntry.objects.get(home=contacted).local_group == rws.malmo

    # Each coordinator sees their own group's campaigns; another group's is not found.
    assert list(selectors.campaigns_for(coordinator)) == [campaign]
    assert browser(coordinator).get(f"/volunteer/campaigns/{malmo_campaign.pk}/").status_code == 404
    overview = browser(malmo_coordinator).get("/volunteer/campaigns/").content.decode()
    assert "Malmö" in overview and "Vinterns värdar" not in overview


def test_a_national_coordinator_chooses_the_group_of_a_campaign(rws):
    malmo_home = queued_home(municipality=municipality(MALMO))
    queued_home()
    national = national_coordinator(rws.org)
    other = OrganisationFactory(
        name="Grannvolontärerna", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
    )
    other_group = local_group(other, covers=[KROKOM])
    client = browser(national)

    page = client.get("/volunteer/campaigns/").content.decode()
    assert "RWS – Malmö" in page and "RWS – Östersund" in page and other_group.name not in page
    # No group chosen: refused, what was typed kept.
    response = client.post("/volunteer/campaigns/", {"name": "December och januari"})
    assert response.status_code == 400 and "December och januari" in response.content.decode()
    # Another organisation's group is not a choice.
    response = client.post(
        "/volunteer/campaigns/", {"name": "December", "local_group": other_group.pk}
    )
    assert response.status_code == 400
    response = client.post(
        "/volunteer/campaigns/", {"name": "December", "local_group": rws.malmo.pk}
    )
    assert response.status_code == 302
    campaign = selectors.campaigns_for(national).get()
    assert campaign.local_group == rws.malmo and list(campaign.homes.all()) == [malmo_home]


# Volunteer applications ----------------------------------------------------------------------


def test_an_application_goes_to_the_group_covering_the_applicants_municipality(rws):
    application = VolunteerApplicationFactory(municipality=municipality(MALMO), name="Mira Malm")
    assert application.local_group == rws.malmo
    ostersund_coordinator = person(rws, rws.ostersund, VC)
    malmo_coordinator = person(rws, rws.malmo, VC)

    assert not selectors.applications_for(ostersund_coordinator).filter(pk=application.pk)
    assert (
        "Mira Malm"
        not in browser(ostersund_coordinator).get("/volunteer/applications/").content.decode()
    )
    url = f"/volunteer/applications/{application.pk}/approve/"
    assert browser(ostersund_coordinator).post(url).status_code == 404
    with pytest.raises(NotAllowed):
        actions.approve_application(application=application, user=ostersund_coordinator)

    assert browser(malmo_coordinator).post(url).status_code == 302
    application.refresh_from_db()
    account = application.user
    assert application.status == VolunteerApplication.Status.APPROVED
    assert account.local_group == rws.malmo and account.organisation == rws.org


def test_an_application_no_group_covers_goes_to_the_national_coordinators(rws):
    application = VolunteerApplicationFactory(municipality=municipality(KROKOM), name="Kim Krok")
    assert application.local_group is None
    national = national_coordinator(rws.org)
    ostersund_coordinator = person(rws, rws.ostersund, VC)
    # Another organisation that does not take what no group covers does not see it.
    other = OrganisationFactory(
        name="Grannvolontärerna", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
    )
    other_national = national_coordinator(other, username="grannriks")

    assert not selectors.applications_for(ostersund_coordinator).filter(pk=application.pk)
    assert not selectors.applications_for(other_national).filter(pk=application.pk)
    client = browser(national)
    page = client.get("/volunteer/applications/").content.decode()
    assert "Kim Krok" in page and "No local group covers the applicant" in page
    assert f'<option value="{rws.malmo.pk}">RWS – Malmö</option>' in page

    url = f"/volunteer/applications/{application.pk}/approve/"
    client.post(url)  # no group chosen: refused with a message
    application.refresh_from_db()
    assert application.status == VolunteerApplication.Status.PENDING
    client.post(url, {"local_group": rws.ostersund.pk})
    application.refresh_from_db()
    assert application.status == VolunteerApplication.Status.APPROVED
    assert application.local_group == rws.ostersund
    assert application.user.local_group == rws.ostersund
    # Now Östersund's: its coordinator sees it among the decided ones.
    assert selectors.applications_for(ostersund_coordinator).filter(pk=application.pk).exists()


def test_apply_without_a_municipality_waits_for_the_national_coordinators(rws):
    application = VolunteerApplicationFactory(municipality=None)
    assert application.municipality is None and application.local_group is None
    with pytest.raises(Invalid):
        actions.approve_application(application=application, user=national_coordinator(rws.org))


# Referrals -----------------------------------------------------------------------------------


def visited(volunteer, **kwargs) -> Home:
    visit = started_visit([volunteer], **kwargs)
    actions.report_visit(
        visit=visit, user=volunteer, verdict="suitable", checklist={}, report="Fint rum."
    )
    visit.home.refresh_from_db()
    return visit.home


def test_the_partners_offered_are_those_of_the_partnerships_covering_the_home(rws):
    volunteer = person(rws, rws.ostersund, roles.VOLUNTEER)
    coordinator = person(rws, rws.ostersund, VC)
    home = visited(volunteer)
    today = timezone.localdate()

    def partner(name, *codes, **kwargs):
        organisation = OrganisationFactory(name=name, kind=Organisation.Kind.PARTNER)
        partnership_covering(organisation, *codes, volunteer_organisation=rws.org, **kwargs)
        return organisation

    municipality_unit = partner("Östersunds kommun", OSTERSUND)
    groups_own = partner("Region Jämtland", OSTERSUND, KROKOM, local_group=rws.ostersund)
    not_yet_begun = partner(
        "Nästa års enhet",
        OSTERSUND,
        period_start=today + timedelta(days=30),
        period_end=today + timedelta(days=400),
    )
    ended = partner(
        "Förra årets enhet",
        OSTERSUND,
        period_start=today - timedelta(days=400),
        period_end=today - timedelta(days=1),
    )
    elsewhere = partner("Malmö stad", MALMO)
    another_groups = partner("Malmös samarbete i Östersund", OSTERSUND, local_group=rws.malmo)
    another_organisation = OrganisationFactory(name="Andras enhet", kind=Organisation.Kind.PARTNER)
    partnership_covering(
        another_organisation,
        OSTERSUND,
        volunteer_organisation=OrganisationFactory(
            name="Grannvolontärerna", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
        ),
    )

    offered = [municipality_unit, not_yet_begun, groups_own]
    assert set(referral_partners(home)) == set(offered)
    page = browser(coordinator).get("/volunteer/referrals/").content.decode()
    for organisation in offered:
        assert f'<option value="{organisation.pk}">{organisation.name}</option>' in page
    for organisation in (ended, elsewhere, another_groups, another_organisation):
        assert organisation.name not in page

    # A partner outside the set is refused, by the page and by the action, with the reason.
    client = browser(coordinator)
    response = client.post("/volunteer/referrals/", {"home": home.pk, "partner": ended.pk})
    assert response.status_code == 302
    with pytest.raises(Invalid) as refused:
        refer_home(home=home, partner=elsewhere, user=coordinator)
    assert "Malmö stad has no partnership covering Östersund" in str(refused.value.message)
    home.refresh_from_db()
    assert home.status == Home.Status.VISITED and home.partner is None

    client.post("/volunteer/referrals/", {"home": home.pk, "partner": groups_own.pk})
    home.refresh_from_db()
    assert home.status == Home.Status.REFERRED and home.partner == groups_own


def test_a_home_no_partnership_covers_is_said_so_and_offers_no_partner(rws):
    volunteer = person(rws, rws.malmo, roles.VOLUNTEER)
    coordinator = person(rws, rws.malmo, VC)
    home = visited(volunteer, municipality=municipality(MALMO))
    # A partnership elsewhere does not count.
    partnership_covering(
        OrganisationFactory(name="Östersunds kommun", kind=Organisation.Kind.PARTNER),
        OSTERSUND,
        volunteer_organisation=rws.org,
    )

    assert referral_partners(home) == []
    page = browser(coordinator).get("/volunteer/referrals/").content.decode()
    assert home.host.name in page
    assert "No partnership covers Malmö yet" in page
    assert 'name="partner"' not in page
