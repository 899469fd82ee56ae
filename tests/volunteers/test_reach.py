"""Whose home, whose visit: the volunteers' pages open an object only for the people whose work it
is (``volunteers/selectors.py``), and an id outside that reach is a 404 that writes nothing.

The regressions of issue 13, point 1: a volunteer read any home's host by changing the id on the
booking page (and wrote no access-log row), and read and rejected another volunteer's visit.
"""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.http import Http404
from django.test import Client
from django.utils import timezone

from accounts import roles
from accounts.models import Organisation
from hosts.models import Home, HomeTransition
from privacy.models import AccessLog
from stays.actions import record_check_in
from stays.models import CheckIn
from tests.factories import (
    NewcomerCaseFactory,
    OrganisationFactory,
    UserFactory,
    local_group,
    match_with_history,
    municipality,
    partnership_covering,
    queued_home,
    referred_home,
    staff_user,
    started_visit,
    visit_booked_home,
)
from volunteers import actions, selectors
from volunteers.models import CallAttempt, HomeVisit, HomeVisitTransition
from workflow.errors import NotAllowed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_cache")]

THEIR_MUNICIPALITY = "2584"


def theirs_where() -> dict:
    """Where the other organisation's group works: a home there is theirs (``local_group``)."""
    return {"municipality": municipality(THEIR_MUNICIPALITY)}


@pytest.fixture
def people(organisations):
    volunteers = organisations["volunteers"]
    other_org = OrganisationFactory(
        name="Grannvolontärerna", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
    )
    # The other organisation's local group works in a municipality of its own (Kiruna).
    local_group(other_org, covers=[THEIR_MUNICIPALITY])
    return {
        "anna": UserFactory(roles=[roles.VOLUNTEER], organisation=volunteers, username="anna"),
        "bo": UserFactory(roles=[roles.VOLUNTEER], organisation=volunteers, username="bo"),
        "coordinator": staff_user(roles.VOLUNTEER_COORDINATOR, volunteers, username="samo"),
        "stranger": UserFactory(roles=[roles.VOLUNTEER], organisation=other_org, username="sten"),
        "stranger_coordinator": staff_user(
            roles.VOLUNTEER_COORDINATOR, other_org, username="stina"
        ),
    }


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def shows_host(response, home) -> bool:
    page = response.content.decode()
    return home.host.name in page or home.street_address in page


# The findings of point 1 ------------------------------------------------------------------------


def test_the_booking_page_of_a_home_matched_with_another_partner_is_not_found(
    people, organisations
):
    home = referred_home(organisations["other_partner"])
    match_with_history(home, NewcomerCaseFactory(partner=organisations["other_partner"]))

    response = browser(people["anna"]).get(f"/volunteer/homes/{home.pk}/visit/")

    assert response.status_code == 404
    assert not shows_host(response, home)
    assert not AccessLog.objects.exists()


def test_the_booking_page_of_a_home_another_volunteer_holds_is_not_found(people):
    home = queued_home()
    assert actions.claim_next_host(volunteer=people["bo"]).home == home

    response = browser(people["anna"]).get(f"/volunteer/homes/{home.pk}/visit/")

    assert response.status_code == 404
    assert not shows_host(response, home)
    assert not AccessLog.objects.exists()


def test_counting_the_ids_lists_only_the_volunteers_own_hosts(people, organisations):
    mine = queued_home()
    actions.claim_next_host(volunteer=people["anna"])
    others = [
        queued_home(),
        visit_booked_home([people["bo"]]).home,
        referred_home(organisations["partner"]),
        referred_home(organisations["other_partner"]),
    ]
    client = browser(people["anna"])

    opened = {
        home.pk
        for home in Home.objects.all()
        if client.get(f"/volunteer/homes/{home.pk}/visit/").status_code == 200
    }

    assert opened == {mine.pk}
    assert not set(opened) & {home.pk for home in others}
    # One row, for the one host the volunteer did see.
    assert list(AccessLog.objects.values_list("object_id", flat=True)) == [str(mine.host_id)]


def test_another_volunteers_visit_is_not_found(people):
    visit = visit_booked_home([people["bo"]])

    response = browser(people["anna"]).get(f"/volunteer/visits/{visit.pk}/")

    assert response.status_code == 404
    page = response.content.decode()
    assert visit.home.host.name not in page
    assert visit.home.host.phone.as_national not in page
    assert visit.home.street_address not in page
    assert not AccessLog.objects.exists()


def test_another_volunteers_visit_cannot_be_rejected_in_their_name(people):
    visit = started_visit([people["bo"]])
    mail.outbox.clear()
    home_history = HomeTransition.objects.filter(home=visit.home).count()

    response = browser(people["anna"]).post(
        f"/volunteer/visits/{visit.pk}/",
        {"verdict": "not_suitable", "reject_reason": "Fukt", "report": "Inte bra."},
    )

    assert response.status_code == 404
    visit.refresh_from_db()
    visit.home.refresh_from_db()
    assert visit.status == HomeVisit.Status.BOOKED and visit.verdict == ""
    assert visit.home.status == Home.Status.VISIT_BOOKED
    assert HomeTransition.objects.filter(home=visit.home).count() == home_history
    assert not HomeVisitTransition.objects.filter(visit=visit, to_state="reported").exists()
    assert mail.outbox == []
    # The volunteer on the visit still files it.
    response = browser(people["bo"]).post(
        f"/volunteer/visits/{visit.pk}/",
        {"verdict": "not_suitable", "reject_reason": "Fukt", "report": "Inte bra."},
    )
    assert response.status_code == 302
    visit.home.refresh_from_db()
    assert visit.home.status == Home.Status.REJECTED


def test_another_volunteers_call_cannot_be_recorded_or_handed_back(people):
    home = queued_home()
    entry = actions.claim_next_host(volunteer=people["bo"])
    client = browser(people["anna"])

    assert (
        client.post(f"/volunteer/queue/{entry.pk}/outcome/", {"outcome": "withdraws"}).status_code
        == 404
    )
    assert client.post(f"/volunteer/queue/{entry.pk}/hand-back/", {"note": "x"}).status_code == 404

    entry.refresh_from_db()
    home.refresh_from_db()
    assert entry.claimed_by == people["bo"] and home.status == Home.Status.REGISTERED
    assert not CallAttempt.objects.exists()


# The rule of reach ------------------------------------------------------------------------------


def test_a_volunteer_books_the_visit_they_agreed_for_a_week_while_the_home_is_contacted(people):
    home = queued_home()
    entry = actions.claim_next_host(volunteer=people["anna"])
    actions.record_call(entry=entry, volunteer=people["anna"], outcome="interested")
    anna = people["anna"]

    assert selectors.home_for(anna, home.pk) == home
    assert not selectors.homes_for(people["bo"]).filter(pk=home.pk).exists()
    later = timezone.now() + selectors.BOOKING_AFTER_CALL + timedelta(minutes=1)
    assert not selectors.homes_for(anna, now=later).filter(pk=home.pk).exists()
    # Booked, then the home moves on: the booking page is no longer the way to the host.
    visit = actions.book_visit(
        home=home,
        starts_at=timezone.now() + timedelta(days=2),
        volunteers=[people["bo"]],
        user=anna,
    )
    assert selectors.homes_for(people["bo"]).filter(pk=home.pk).exists()  # on the visit
    assert selectors.visits_for(anna).filter(pk=visit.pk).exists()  # booked it


def test_a_visit_leaves_its_volunteers_reach_a_month_after_it(people):
    visit = started_visit([people["anna"]])
    actions.report_visit(
        visit=visit, user=people["anna"], verdict="suitable", checklist={}, report="Fint."
    )
    anna = people["anna"]
    assert selectors.visits_for(anna).filter(pk=visit.pk).exists()
    later = visit.starts_at + selectors.VISIT_REACH_AFTER + timedelta(minutes=1)
    assert not selectors.visits_for(anna, now=later).filter(pk=visit.pk).exists()
    # Referred to a partner, the home is no longer the volunteer's (the visit page still is).
    from hosts.actions import refer_home

    partner = OrganisationFactory(kind="partner")
    partnership_covering(partner)
    refer_home(home=visit.home, partner=partner, user=people["coordinator"])
    assert not selectors.homes_for(anna).filter(pk=visit.home_id).exists()
    assert selectors.visit_for(anna, visit.pk) == visit


def test_a_volunteer_reaches_a_matched_home_only_while_its_check_in_is_due(people, organisations):
    home = referred_home(organisations["partner"])
    match = match_with_history(home, NewcomerCaseFactory(partner=organisations["partner"]))
    today = timezone.localdate()
    check_in = CheckIn.objects.create(
        match=match,
        after_days=14,
        due_on=today + timedelta(days=10),
        responsible=CheckIn.Responsible.VOLUNTEERS,
    )
    anna = people["anna"]
    assert not selectors.homes_for(anna).filter(pk=home.pk).exists()  # not due yet
    CheckIn.objects.filter(pk=check_in.pk).update(due_on=today)
    assert selectors.home_for(anna, home.pk) == home
    record_check_in(check_in=check_in, user=people["bo"], outcome="all_well", note="Bra.")
    assert not selectors.homes_for(anna).filter(pk=home.pk).exists()
    # The one who did it finds it again (and is told it is done); the others do not.
    assert selectors.check_in_for(people["bo"], check_in.pk) == check_in
    with pytest.raises(Http404):
        selectors.check_in_for(anna, check_in.pk)


def test_a_coordinator_reaches_their_own_organisations_work_only(people):
    ours = visit_booked_home([people["anna"]])
    theirs = visit_booked_home([people["stranger"]], **theirs_where())
    # A new registration nobody has worked on is the group's that covers its municipality
    # (issue 15), not every organisation's.
    new = queued_home()
    coordinator, stranger_coordinator = people["coordinator"], people["stranger_coordinator"]

    assert set(selectors.homes_for(coordinator).values_list("pk", flat=True)) == {
        ours.home_id,
        new.pk,
    }
    assert set(selectors.homes_for(stranger_coordinator).values_list("pk", flat=True)) == {
        theirs.home_id,
    }
    assert list(selectors.visits_for(coordinator)) == [ours]
    # The admin scopes the homes by the same rule.
    assert set(Home.objects.visible_to(coordinator).values_list("pk", flat=True)) == {
        ours.home_id,
        new.pk,
    }
    client = browser(coordinator)
    assert client.get(f"/volunteer/homes/{theirs.home_id}/duplicates/").status_code == 404
    assert client.get(f"/volunteer/visits/{theirs.pk}/").status_code == 404
    assert client.get(f"/volunteer/visits/{ours.pk}/").status_code == 200


def test_a_coordinator_refers_only_their_own_organisations_homes(people, organisations):
    theirs = started_visit([people["stranger"]], **theirs_where())
    actions.report_visit(
        visit=theirs, user=people["stranger"], verdict="suitable", checklist={}, report="Fint."
    )
    client = browser(people["coordinator"])
    page = client.get("/volunteer/referrals/")
    assert theirs.home.host.name not in page.content.decode()

    response = client.post(
        "/volunteer/referrals/",
        {"home": theirs.home_id, "partner": organisations["partner"].pk},
    )

    assert response.status_code == 404
    theirs.home.refresh_from_db()
    assert theirs.home.status == Home.Status.VISITED and theirs.home.partner is None


def test_a_coordinator_does_not_decide_an_application_another_organisation_decided(people):
    """An application from the municipality the other organisation's group covers is that
    group's: its coordinator decides it; another organisation's coordinator does not find it on
    the page (404) and the action refuses them, decided or not."""
    from tests.factories import VolunteerApplicationFactory

    declined = VolunteerApplicationFactory(
        status="declined",
        reviewed_by=people["stranger_coordinator"],
        decline_reason="Inte nu",
        **theirs_where(),
    )
    assert declined.local_group == people["stranger_coordinator"].local_group
    theirs_waiting = VolunteerApplicationFactory(**theirs_where())
    pending = VolunteerApplicationFactory()  # from Östersund: the coordinator's group's
    coordinator = people["coordinator"]
    client = browser(coordinator)

    for application in (declined, theirs_waiting):
        for step in ("approve", "decline"):
            url = f"/volunteer/applications/{application.pk}/{step}/"
            assert client.post(url, {"reason": "Nej"}).status_code == 404
        with pytest.raises(NotAllowed):
            actions.approve_application(application=application, user=coordinator)
        with pytest.raises(NotAllowed):
            actions.decline_application(application=application, user=coordinator, reason="")
    page = client.get("/volunteer/applications/").content.decode()
    assert pending.name in page
    assert declined.name not in page and theirs_waiting.name not in page
    declined.refresh_from_db()
    theirs_waiting.refresh_from_db()
    assert declined.status == "declined" and declined.user is None
    assert theirs_waiting.status == "pending" and theirs_waiting.reviewed_by is None


def test_nothing_is_reached_by_a_coordinator_outside_a_volunteer_organisation(organisations):
    queued_home()
    lost = staff_user(roles.VOLUNTEER_COORDINATOR, organisations["partner"], username="vilse")
    assert not selectors.homes_for(lost).exists()
    assert not selectors.campaigns_for(lost).exists()


def test_a_lease_taken_over_is_still_explained_to_the_volunteer_who_had_it(people):
    queued_home()
    client = browser(people["anna"])
    client.post("/volunteer/queue/next/")
    entry = selectors.held_entry(volunteer=people["anna"])
    with mock.patch(
        "django.utils.timezone.now", return_value=entry.lease_until + timedelta(seconds=1)
    ):
        actions.claim_next_host(volunteer=people["bo"])

    response = client.post(f"/volunteer/queue/{entry.pk}/outcome/", {"outcome": "no_answer"})
    assert response.status_code == 302  # the message, not a 404: it was hers
    # A volunteer who never held it does not find it.
    assert (
        browser(people["stranger"])
        .post(f"/volunteer/queue/{entry.pk}/outcome/", {"outcome": "no_answer"})
        .status_code
        == 404
    )
