"""Issue 18's volunteer defects: a new volunteer sees no host until a coordinator has met them
(the introduction meeting, recorded on the applications page); the coordinator's application card
shows the applicant's languages; the application's consent points to the volunteers' own privacy
notice; Swedish volunteer pages show Swedish month names; "How does it go?" is gone."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.http import Http404
from django.test import Client
from django.utils import timezone

from stays.models import CheckIn
from tests.factories import (
    NewcomerCaseFactory,
    OrganisationFactory,
    VolunteerApplicationFactory,
    match_with_history,
    queued_home,
    referred_home,
    staff_user,
    visit_booked_home,
)
from volunteers import actions, selectors
from volunteers.models import QueueEntry, VolunteerProfile
from volunteers.notice import NOTICE_VERSION
from workflow.errors import Conflict, Invalid, NotAllowed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_cache")]


def logged_in(user, language="en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client


@pytest.fixture
def newcomer(volunteer_coordinator):
    """A volunteer just approved through the public application, not yet met."""
    application = VolunteerApplicationFactory(
        status="approved", reviewed_by=volunteer_coordinator, name="Nora Ny"
    )
    return application


def test_a_volunteer_nobody_has_met_sees_no_host_until_a_coordinator_records_the_meeting(
    newcomer, volunteer_coordinator, organisations
):
    volunteer = newcomer.user
    assert selectors.awaiting_introduction(volunteer)
    # Work of the volunteer's own group that a met volunteer would reach: a host in the queue,
    # a visit they are on, a check-in due to the group's volunteers.
    home = queued_home()
    assert home.local_group_id == volunteer.local_group_id
    visit = visit_booked_home([volunteer])
    partner = organisations["partner"]
    match = match_with_history(referred_home(partner), NewcomerCaseFactory(partner=partner))
    check_in = CheckIn.objects.create(
        match=match,
        after_days=14,
        due_on=timezone.localdate(),
        responsible=CheckIn.Responsible.VOLUNTEERS,
    )
    client = logged_in(volunteer)

    start = client.get("/volunteer/")
    assert start.status_code == 200
    page = start.content.decode()
    assert "What happens next" in page and "Next host" not in page
    assert home.host.name not in page and visit.home.host.name not in page
    queue = client.get("/volunteer/queue/").content.decode()
    assert "The call queue opens once a coordinator" in queue
    assert home.host.name not in queue and match.home.host.name not in queue
    # "Next host" takes nobody, and every page of a host's data is not found.
    assert client.post("/volunteer/queue/next/").url == "/volunteer/"
    assert not QueueEntry.objects.filter(claimed_by=volunteer).exists()
    assert actions.claim_next_host(volunteer=volunteer) is None
    for url in (
        f"/volunteer/visits/{visit.pk}/",
        f"/volunteer/check-ins/{check_in.pk}/",
        f"/volunteer/homes/{visit.home_id}/visit/",
    ):
        assert client.get(url).status_code == 404, url
    assert not selectors.homes_for(volunteer).exists()
    assert not selectors.check_ins_for(volunteer).exists()
    with pytest.raises(Http404):
        selectors.visit_for(volunteer, visit.pk)

    # The coordinator sees them among those to meet, and records the meeting.
    coordinator = logged_in(volunteer_coordinator)
    applications = coordinator.get("/volunteer/applications/").content.decode()
    assert "Approved: meet them before they start" in applications and "Nora Ny" in applications
    response = coordinator.post(
        f"/volunteer/applications/{newcomer.pk}/met/",
        {"met_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    profile = VolunteerProfile.objects.get(user=volunteer)
    assert (profile.met_on, profile.met_by) == (timezone.localdate(), volunteer_coordinator)
    after = coordinator.get("/volunteer/applications/").content.decode()
    assert "Approved: meet them before they start" not in after

    # From now on the volunteer works like everyone else.
    volunteer = type(volunteer).objects.get(pk=volunteer.pk)  # a new request's user
    client = logged_in(volunteer)
    assert "Next host" in client.get("/volunteer/").content.decode()
    assert client.get(f"/volunteer/visits/{visit.pk}/").status_code == 200
    assert client.get(f"/volunteer/check-ins/{check_in.pk}/").status_code == 200
    client.post("/volunteer/queue/next/")
    assert QueueEntry.objects.filter(claimed_by=volunteer).exists()


def test_the_meeting_is_recorded_once_by_a_coordinator_who_reaches_the_volunteer(
    newcomer, volunteer_coordinator, volunteer
):
    today = timezone.localdate()
    coordinator = logged_in(volunteer_coordinator, language="sv")
    # A day in the future is refused with the reason, on the page, keeping what was typed.
    tomorrow = (today + timedelta(days=1)).isoformat()
    response = coordinator.post(f"/volunteer/applications/{newcomer.pk}/met/", {"met_on": tomorrow})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Träffen kan inte ligga i framtiden." in page and tomorrow in page
    assert 'id="error-summary"' in page
    assert coordinator.post(f"/volunteer/applications/{newcomer.pk}/met/", {}).status_code == 400
    with pytest.raises(Invalid):
        actions.record_introduction(
            volunteer=newcomer.user, user=volunteer_coordinator, met_on=today - timedelta(days=9)
        )
    # Nobody else records it: a volunteer, a coordinator of another organisation.
    with pytest.raises(NotAllowed):
        actions.record_introduction(volunteer=newcomer.user, user=volunteer)
    stranger = staff_user(
        "volunteer_coordinator",
        OrganisationFactory(name="Grannvolontärerna", kind="volunteer_organisation"),
    )
    with pytest.raises(NotAllowed):
        actions.record_introduction(volunteer=newcomer.user, user=stranger)
    assert (
        logged_in(volunteer).post(f"/volunteer/applications/{newcomer.pk}/met/").status_code == 403
    )
    actions.record_introduction(volunteer=newcomer.user, user=volunteer_coordinator)
    with pytest.raises(Conflict):
        actions.record_introduction(volunteer=newcomer.user, user=volunteer_coordinator)
    # A pending application has nobody to meet.
    pending = VolunteerApplicationFactory()
    assert coordinator.post(f"/volunteer/applications/{pending.pk}/met/").status_code == 404


def test_the_application_card_shows_the_applicants_languages(volunteer_coordinator):
    VolunteerApplicationFactory(name="Samira Ali", languages=["ar", "so", "sv"], language="en")
    page = logged_in(volunteer_coordinator, "sv").get("/volunteer/applications/").content.decode()
    assert "Arabiska, Somaliska, Svenska" in page
    assert "(på engelska)" in page  # the language they wrote their application in
    english = logged_in(volunteer_coordinator).get("/volunteer/applications/").content.decode()
    assert "Arabic, Somali, Swedish" in english
    assert "in English" in english  # the language they wrote their application in


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_application_consents_to_the_volunteers_own_privacy_notice(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    join = client.get("/volunteer/join/").content.decode()
    assert 'href="/volunteer/privacy/"' in join
    assert 'href="/privacy/"' not in join.split("<main", 1)[1].split("</main>")[0]
    notice = client.get("/volunteer/privacy/")
    assert notice.status_code == 200
    text = notice.content.decode()
    heading = {"sv": "Integritetsmeddelande för volontärer", "en": "Privacy notice for volunteers"}
    assert heading[language] in text and NOTICE_VERSION in text
    # What retention really does, with its periods.
    days = settings.RETENTION_DAYS
    assert f" {days['declined_volunteers']} " in text and f" {days['call_notes']} " in text
    assert "IMY" in text
    assert NOTICE_VERSION != settings.PRIVACY_NOTICE_VERSION


def test_swedish_volunteer_pages_show_swedish_month_names(volunteer_coordinator):
    application = VolunteerApplicationFactory(name="Kim Nov")
    november = timezone.make_aware(timezone.datetime(2026, 11, 25, 14, 30))
    type(application).objects.filter(pk=application.pk).update(created_at=november)
    page = logged_in(volunteer_coordinator, "sv").get("/volunteer/applications/").content.decode()
    assert "25\xa0nov. 2026" in page
    assert "Nov" not in page.replace("Kim Nov", "")


def test_the_check_in_asks_how_the_stay_is_going(volunteer, organisations):
    partner = organisations["partner"]
    match = match_with_history(referred_home(partner), NewcomerCaseFactory(partner=partner))
    check_in = CheckIn.objects.create(
        match=match,
        after_days=14,
        due_on=timezone.localdate(),
        responsible=CheckIn.Responsible.VOLUNTEERS,
    )
    for language, wanted in (("en", "How is the stay going?"), ("sv", "Hur går boendet?")):
        page = logged_in(volunteer, language).get(f"/volunteer/check-ins/{check_in.pk}/")
        text = page.content.decode()
        assert wanted in text
        assert "How does it go?" not in text and "Hur går det?" not in text
