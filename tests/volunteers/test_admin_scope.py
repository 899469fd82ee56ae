"""The volunteers' records in the admin are scoped by organisation, as their web pages are: a
volunteer coordinator sees their own organisation's calls, queue entries, visits, notes,
campaigns and volunteers, never another organisation's (404 on its page, absent from the list);
the data protection officer sees all (issue 13: deny by default)."""

import pytest

from accounts.models import Organisation
from tests.factories import (
    OrganisationFactory,
    UserFactory,
    local_group,
    municipality,
    staff_user,
    visit_booked_home,
)
from volunteers.models import (
    CallAttempt,
    Campaign,
    HomeVisit,
    HostNote,
    QueueEntry,
    VolunteerProfile,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


@pytest.fixture
def their_work(organisations):
    """A home only another volunteer organisation has worked on: its volunteer called the host,
    booked a visit and wrote a note; that organisation runs a campaign."""
    theirs = OrganisationFactory(
        name="Grannföreningen", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
    )
    # Their local group works in a municipality of its own (Kiruna): the home there is theirs.
    group = local_group(theirs, covers=["2584"])
    volunteer = UserFactory(roles=["volunteer"], organisation=theirs, local_group=group)
    visit = visit_booked_home([volunteer], municipality=municipality("2584"))
    assert visit.home.local_group == group
    home = visit.home
    return {
        "volunteers/callattempt": CallAttempt.objects.create(
            home=home, volunteer=volunteer, outcome=CallAttempt.Outcome.INTERESTED
        ),
        "volunteers/queueentry": QueueEntry.objects.get(home=home),
        "volunteers/homevisit": visit,
        "volunteers/hostnote": HostNote.objects.create(home=home, author=volunteer, text="Ring."),
        "volunteers/campaign": Campaign.objects.create(name="Deras kampanj", organisation=theirs),
        "volunteers/volunteerprofile": VolunteerProfile.objects.get_or_create(user=volunteer)[0],
    }


def test_a_coordinator_never_sees_another_organisations_records_in_the_admin(
    client, organisations, their_work
):
    coordinator = staff_user("volunteer_coordinator", organisations["volunteers"])
    client.force_login(coordinator)
    for model, obj in their_work.items():
        listing = client.get(f"/admin/{model}/")
        assert listing.status_code == 200, model
        assert obj.pk not in {row.pk for row in listing.context["cl"].result_list}, model
        assert client.get(f"/admin/{model}/{obj.pk}/change/").status_code == 404, model


def test_the_data_protection_officer_sees_every_organisations_records(
    client, organisations, their_work, data_protection_officer
):
    client.force_login(data_protection_officer)
    for model, obj in their_work.items():
        assert client.get(f"/admin/{model}/{obj.pk}/change/").status_code == 200, model


def test_a_coordinator_sees_their_own_organisations_records(client, organisations):
    ours = organisations["volunteers"]
    volunteer = UserFactory(roles=["volunteer"], organisation=ours)
    visit = visit_booked_home([volunteer])
    coordinator = staff_user("volunteer_coordinator", ours)
    client.force_login(coordinator)
    own = {
        "volunteers/callattempt": CallAttempt.objects.create(
            home=visit.home, volunteer=volunteer, outcome=CallAttempt.Outcome.INTERESTED
        ),
        "volunteers/homevisit": HomeVisit.objects.get(pk=visit.pk),
    }
    for model, obj in own.items():
        assert client.get(f"/admin/{model}/{obj.pk}/change/").status_code == 200, model


def test_a_visit_is_booked_only_with_the_organisations_own_volunteers(organisations):
    """Issue 13: the second volunteer of a visit (the volunteers' booking page and the admin's
    book step share ``volunteer_choices``) is one of the person's own organisation: another
    organisation's volunteers are neither offered nor accepted."""
    from volunteers.forms import BookVisitForm

    ours = organisations["volunteers"]
    me = UserFactory(roles=["volunteer"], organisation=ours)
    colleague = UserFactory(roles=["volunteer"], organisation=ours)
    stranger = UserFactory(  # another organisation's
        roles=["volunteer"],
        organisation=OrganisationFactory(
            name="Grannvolontärerna", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
        ),
    )
    form = BookVisitForm(user=me)
    offered = set(form.fields["second_volunteer"].queryset)
    assert colleague in offered and stranger not in offered and me not in offered

    data = {"day": "2099-01-01", "time": "17:00", "second_volunteer": stranger.pk}
    refused = BookVisitForm(data, user=me)
    assert not refused.is_valid() and "second_volunteer" in refused.errors
