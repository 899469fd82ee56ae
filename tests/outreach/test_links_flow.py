"""A sign-up through a tagged link keeps its source: through the sign-up's steps, confirmation,
the host's own changes and erasure (after which only the anonymous count remains), for the host
sign-up and the volunteer application alike. No cookie of its own; forged or retired codes are
dropped without a word, and the sign-up goes through."""

import json

import pytest
from django.core import mail

from accounts import roles
from hosts.models import Home, Host
from outreach import actions, selectors
from outreach.models import Source
from privacy.actions import erase_person, export_person
from tests.conftest import link_in
from tests.factories import local_group, registration_post_data, staff_user
from volunteers.actions import approve_application
from volunteers.models import VolunteerApplication

pytestmark = pytest.mark.django_db


@pytest.fixture
def group_coordinator(organisations):
    group = local_group(organisations["volunteers"], covers=["2380"])
    return staff_user(roles.VOLUNTEER_COORDINATOR, organisations["volunteers"], local_group=group)


def tagged(coordinator, target, label="Affisch på biblioteket") -> Source:
    return actions.make_tagged_link(
        kind="poster",
        target=target,
        label=label,
        local_group=coordinator.local_group,
        user=coordinator,
    )


def follow(client, source_or_code) -> str:
    code = getattr(source_or_code, "code", source_or_code)
    response = client.get(f"/t/{code}/")
    assert response.status_code == 302
    assert not response.cookies, "the tagged link sets no cookie"
    return response.url


def source_count(source) -> tuple[int, int]:
    found = selectors.links_for(source.created_by).get(pk=source.pk)
    return found.host_count, found.volunteer_count


def test_a_host_keeps_the_source_from_sign_up_to_erasure(
    english, group_coordinator, django_capture_on_commit_callbacks, data_protection_officer
):
    source = tagged(group_coordinator, "host")
    where = follow(english, source)
    assert where == f"/offer/?source={source.code}"
    page = english.get(where).content.decode()
    assert f'<input type="hidden" name="source" value="{source.code}"' in page

    data = registration_post_data(source=source.code, heard_from=Home.HeardFrom.FRIEND)
    assert english.post("/offer/", data).url == "/offer/check/"
    # "Change your answers" and back: the form still carries the code.
    page = english.get("/offer/").content.decode()
    assert f'name="source" value="{source.code}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        assert english.post("/offer/check/", {"consent": "on"}).url == "/offer/sent/"
    home = Home.objects.get()
    assert home.source == source
    assert home.heard_from == Home.HeardFrom.FRIEND  # as the person chose it
    assert source_count(source) == (1, 0)

    # Confirmation, then a change through self-service: the source stays.
    response = english.get(link_in(mail.outbox[-1], "/offer/confirm/"))
    assert response.status_code == 200
    changed = registration_post_data(beds="3", heard_from=Home.HeardFrom.NEWS)
    del changed["email"], changed["website"]
    assert english.post("/my-offer/change/", changed).url == "/my-offer/"
    home.refresh_from_db()
    assert (home.beds, home.heard_from, home.source) == (3, Home.HeardFrom.NEWS, source)

    # The host's own download says where they came from.
    exported = json.loads(english.get("/my-offer/data/").content)
    text = json.dumps(exported, ensure_ascii=False)
    assert '"came_through": {"kind": "poster", "name": "Affisch på biblioteket"' in text

    # Retiring the link later does not take it from the registration.
    actions.retire_tagged_link(source=source, user=group_coordinator)
    # Erasure: the anonymous home keeps the source, nothing personal remains.
    assert english.post("/my-offer/erase/").status_code == 200
    home.refresh_from_db()
    host = Host.objects.get()
    assert home.source == source and host.erased_at is not None
    assert (host.name, host.email, str(host.phone), home.street_address, home.hopes) == (
        "",
        "",
        "",
        "",
        "",
    )
    assert source_count(source) == (1, 0)


def test_a_volunteer_keeps_the_source_from_application_to_erasure(
    english, group_coordinator, data_protection_officer, django_capture_on_commit_callbacks
):
    source = tagged(group_coordinator, "volunteer", label="Inlägg i Facebookgruppen")
    where = follow(english, source)
    assert where == f"/volunteer/join/?source={source.code}"
    page = english.get(where).content.decode()
    assert f'<input type="hidden" name="source" value="{source.code}"' in page
    response = english.post(
        "/volunteer/join/",
        {
            "name": "Sara Lind",
            "email": "sara@example.org",
            "phone": "070-111 22 33",
            "municipality": "2380",
            "area": "Centrum",
            "availability": "Kvällar",
            "consent": "on",
            "source": source.code,
        },
    )
    assert response.url == "/volunteer/join/thanks/"
    application = VolunteerApplication.objects.get()
    assert application.source == source
    assert source_count(source) == (0, 1)

    # Approved (the account made), exported, then erased on request.
    with django_capture_on_commit_callbacks(execute=True):
        approve_application(application=application, user=group_coordinator)
    exported = export_person(email="sara@example.org", handled_by=data_protection_officer)
    text = json.dumps(exported, ensure_ascii=False)
    assert '"came_through": {"kind": "poster", "name": "Inlägg i Facebookgruppen"' in text
    erase_person(email="sara@example.org", handled_by=data_protection_officer)
    application.refresh_from_db()
    assert application.source == source
    assert (application.name, application.email, str(application.phone), application.area) == (
        "",
        "",
        "",
        "",
    )
    assert source_count(source) == (0, 1)


@pytest.mark.parametrize("code", ["nosuchx", "x" * 40, "ÅÄÖ", "a.b"])
def test_an_unknown_code_opens_the_host_sign_up_without_a_source(client, code):
    assert follow(client, code) == "/offer/"


def test_a_retired_code_opens_its_sign_up_without_a_source(client, group_coordinator):
    source = tagged(group_coordinator, "volunteer")
    actions.retire_tagged_link(source=source, user=group_coordinator)
    assert follow(client, source) == "/volunteer/join/"
    page = client.get(f"/volunteer/join/?source={source.code}").content.decode()
    assert 'name="source"' in page and f'name="source" value="{source.code}"' not in page


@pytest.mark.parametrize("forged", ["retired", "other target", "nosuchx", "\x00\u202e", "y" * 500])
def test_a_forged_or_retired_code_in_the_form_is_dropped_and_the_sign_up_goes_through(
    client, group_coordinator, django_capture_on_commit_callbacks, forged
):
    retired = tagged(group_coordinator, "host")
    actions.retire_tagged_link(source=retired, user=group_coordinator)
    for_volunteers = tagged(group_coordinator, "volunteer")
    code = {"retired": retired.code, "other target": for_volunteers.code}.get(forged, forged)
    response = client.post("/offer/", registration_post_data(source=code))
    assert response.status_code == 302 and response.url == "/offer/check/"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/offer/check/", {"consent": "on"}).url == "/offer/sent/"
    assert Home.objects.get().source is None


def test_the_join_form_starts_with_the_municipality_a_notice_links_with(client):
    page = client.get("/volunteer/join/?municipality=2309").content.decode()
    assert 'value="Krokom"' in page
    page = client.get("/volunteer/join/?municipality=9999").content.decode()
    assert 'value="9999"' not in page
