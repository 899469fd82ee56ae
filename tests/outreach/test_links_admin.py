"""A partner's coordinators make and retire their partner's tagged links in the admin, through
the actions; another partner's links and meetings do not exist for them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from outreach import actions
from outreach.models import InformationMeeting, Source
from tests.factories import municipality

pytestmark = pytest.mark.django_db

ADD = "/admin/outreach/source/add/"


@pytest.fixture
def partner_client(client, coordinator):
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"
    return client


def meeting_of(partner):
    starts = timezone.now() + timedelta(days=5)
    return InformationMeeting.objects.create(
        partner=partner,
        municipality=municipality("2380"),
        title="Möte",
        topic="hosting",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        place="Stadshuset",
        capacity=20,
    )


def test_a_partner_makes_a_link_for_its_own_meeting_only(
    partner_client, coordinator, organisations
):
    own, other = meeting_of(organisations["partner"]), meeting_of(organisations["other_partner"])
    page = partner_client.get(ADD).content.decode()
    assert f'value="{own.pk}"' in page and f'value="{other.pk}"' not in page
    response = partner_client.post(
        ADD, {"kind": "meeting", "target": "host", "label": "Mötet", "meeting": other.pk}
    )
    assert response.status_code == 200 and not Source.objects.exists()
    response = partner_client.post(ADD, {"kind": "meeting", "target": "host", "label": "Mötet"})
    assert "Choose the meeting the link is shown at." in response.content.decode()
    response = partner_client.post(
        ADD, {"kind": "meeting", "target": "host", "label": "Mötet", "meeting": own.pk}
    )
    assert response.status_code == 302
    source = Source.objects.get()
    assert (source.partner, source.meeting, source.created_by) == (
        organisations["partner"],
        own,
        coordinator,
    )
    page = partner_client.get(f"/admin/outreach/source/{source.pk}/change/").content.decode()
    assert f"/volunteer/links/{source.pk}/" in page  # its print page
    assert partner_client.get(f"/volunteer/links/{source.pk}/").status_code == 200


def test_a_partner_retires_its_links_and_does_not_find_anothers(
    partner_client, coordinator, other_coordinator, organisations
):
    own = actions.make_tagged_link(
        kind="poster",
        target="host",
        label="Vår",
        partner=organisations["partner"],
        user=coordinator,
    )
    theirs = actions.make_tagged_link(
        kind="poster",
        target="host",
        label="Deras",
        partner=organisations["other_partner"],
        user=other_coordinator,
    )
    listing = partner_client.get("/admin/outreach/source/").content.decode()
    assert "Vår" in listing and "Deras" not in listing
    assert partner_client.get(f"/admin/outreach/source/{theirs.pk}/change/").status_code == 404
    assert partner_client.get(f"/volunteer/links/{theirs.pk}/").status_code == 404
    response = partner_client.post(
        "/admin/outreach/source/",
        {"action": "retire_links", "_selected_action": [own.pk, theirs.pk]},
    )
    assert response.status_code == 302
    own.refresh_from_db()
    theirs.refresh_from_db()
    assert own.retired_at is not None and theirs.retired_at is None


def test_the_admins_home_and_application_pages_show_where_they_came_from(
    admin_client, coordinator, organisations
):
    from tests.factories import HomeFactory, VolunteerApplicationFactory

    for_hosts = actions.make_tagged_link(
        kind="newspaper",
        target="host",
        label="Annons i ÖP",
        partner=organisations["partner"],
        user=coordinator,
    )
    for_volunteers = actions.make_tagged_link(
        kind="social_media",
        target="volunteer",
        label="Inlägg i gruppen",
        partner=organisations["partner"],
        user=coordinator,
    )
    home = HomeFactory(source=for_hosts)
    application = VolunteerApplicationFactory(source=for_volunteers)
    page = admin_client.get(f"/admin/hosts/home/{home.pk}/change/").content.decode()
    assert "Annons i ÖP" in page
    path = f"/admin/volunteers/volunteerapplication/{application.pk}/change/"
    assert "Inlägg i gruppen" in admin_client.get(path).content.decode()
