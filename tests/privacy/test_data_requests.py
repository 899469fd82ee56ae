"""Requests for access and erasure: the data protection officer finds a person by e-mail address
or phone number, exports all their data in one file, or erases it; each request is recorded."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts import roles
from hosts.models import ErasureRecord, Host
from notifications.models import OutboundEmail
from privacy.models import AccessLog, DataRequest
from tests.factories import (
    HomeFactory,
    UserFactory,
    VolunteerApplicationFactory,
    staff_user,
)
from volunteers.models import VolunteerApplication, VolunteerProfile

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

URL = "/privacy-officer/requests/"
EMAIL = "karin.berg@example.org"
PHONE = "+46701112233"


@pytest.fixture
def officer(organisations):
    return staff_user(roles.DATA_PROTECTION_OFFICER, organisations["volunteers"], username="dpo")


@pytest.fixture
def officer_client(officer):
    client = Client()
    client.force_login(officer)
    return client


@pytest.fixture
def karin(organisations):
    """Karin offered a room, applied to volunteer, and has a volunteer's account: the same
    e-mail address everywhere (written differently), the same phone number."""
    home = HomeFactory(
        host__name="Karin Berg",
        host__email=EMAIL,
        host__phone=PHONE,
        street_address="Byvägen 3",
        household_description="Jag bor med min katt Sigge.",
    )
    application = VolunteerApplicationFactory(
        name="Karin Berg", email=EMAIL.upper(), phone=PHONE, motivation="Jag har tid på kvällarna."
    )
    account = UserFactory(
        roles=[roles.VOLUNTEER],
        organisation=organisations["volunteers"],
        username="karin.berg",
        first_name="Karin",
        last_name="Berg",
        email=EMAIL,
    )
    VolunteerProfile.objects.create(user=account, phone=PHONE, area="Frösön")
    OutboundEmail.objects.create(to=EMAIL, subject="Välkommen", body="Hej Karin!", language="sv")
    someone_else = HomeFactory(host__email="other@example.org", host__phone="+46709998877")
    return {
        "host": home.host,
        "home": home,
        "application": application,
        "account": account,
        "other": someone_else.host,
    }


@pytest.mark.parametrize(
    "search", [{"email": EMAIL}, {"email": "Karin.Berg@Example.org"}, {"phone": "070-111 22 33"}]
)
def test_the_officer_finds_a_person_by_address_or_number(officer_client, karin, search):
    response = officer_client.post(URL, {**search, "action": "find"})

    assert response.status_code == 200
    assert response.context["found"] == {
        "hosts": [karin["host"]],
        "applications": [karin["application"]],
        "users": [karin["account"]],
        "cases": [],
    }
    page = response.content.decode()
    assert f"Host #{karin['host'].pk} " in page or f"Värd #{karin['host'].pk} " in page
    assert not DataRequest.objects.exists()  # finding is not yet a request handled
    assert response["Cache-Control"] == "no-store"


def test_nothing_found_says_so(officer_client, karin):
    response = officer_client.post(URL, {"email": "nobody@example.org", "action": "find"})
    assert response.status_code == 200
    assert response.context["found"] == {"hosts": [], "applications": [], "users": [], "cases": []}


def test_a_search_needs_an_address_or_a_number(officer_client):
    response = officer_client.post(URL, {"email": "", "phone": "", "action": "find"})
    assert response.status_code == 400
    assert officer_client.post(URL, {"email": "not an address"}).status_code == 400


def test_the_export_is_one_file_with_all_their_data(officer_client, officer, karin):
    response = officer_client.post(URL, {"email": EMAIL, "action": "export", "note": "By e-mail"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == 'attachment; filename="data-request.json"'
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    (host,) = data["hosts"]
    assert host["host"]["name"] == "Karin Berg" and host["host"]["email"] == EMAIL
    assert host["host"]["phone"] == PHONE
    assert host["homes"][0]["street_address"] == "Byvägen 3"
    assert host["homes"][0]["history"]
    assert host["emails_sent_to_you"][0]["subject"] == "Välkommen"
    (application,) = data["volunteer_applications"]
    assert application["motivation"] == "Jag har tid på kvällarna."
    (account,) = data["accounts"]
    assert account["account"]["username"] == "karin.berg"
    assert account["account"]["name"] == "Karin Berg"
    assert account["volunteer_profile"]["phone"] == PHONE
    assert "other@example.org" not in response.content.decode()

    request = DataRequest.objects.get()
    assert request.kind == DataRequest.Kind.ACCESS
    assert request.handled_by == officer and request.note == "By e-mail"
    assert "Karin" not in request.subject and EMAIL not in request.subject
    assert request.subject == (
        f"host #{karin['host'].pk}, applicant #{karin['application'].pk}, "
        f"user #{karin['account'].pk}"
    )
    assert AccessLog.objects.filter(
        user=officer, action=AccessLog.Action.EXPORT, object_id=str(karin["host"].pk)
    ).exists()


def test_the_export_by_phone_finds_the_same(officer_client, karin):
    response = officer_client.post(URL, {"phone": "0701112233", "action": "export"})
    data = json.loads(response.content)
    assert len(data["hosts"]) == len(data["volunteer_applications"]) == 1
    assert len(data["accounts"]) == 1  # through the volunteer profile's number


def test_erasure_removes_the_person_everywhere(officer_client, officer, karin):
    response = officer_client.post(URL, {"email": EMAIL, "action": "erase", "note": "Letter"})

    assert response.status_code == 302 and response.url == URL
    host = Host.objects.get(pk=karin["host"].pk)
    assert host.erased_at and (host.name, host.email, str(host.phone)) == ("", "", "")
    karin["home"].refresh_from_db()
    assert karin["home"].street_address == "" and karin["home"].household_description == ""
    assert karin["home"].status == "withdrawn"
    assert ErasureRecord.objects.get().channel == ErasureRecord.Channel.STAFF

    application = VolunteerApplication.objects.get(pk=karin["application"].pk)
    assert (application.name, application.email, str(application.phone)) == ("", "", "")
    assert application.motivation == ""

    account = get_user_model().objects.get(pk=karin["account"].pk)
    assert not account.is_active and not account.has_usable_password()
    assert (account.first_name, account.last_name, account.email) == ("", "", "")
    assert "karin" not in account.username
    profile = VolunteerProfile.objects.get(user=account)
    assert (str(profile.phone), profile.area) == ("", "")
    assert not OutboundEmail.objects.filter(to__iexact=EMAIL).exists()

    request = DataRequest.objects.get()
    assert request.kind == DataRequest.Kind.ERASURE and request.handled_by == officer
    # Someone else is untouched, and searching again finds nothing to erase.
    karin["other"].refresh_from_db()
    assert karin["other"].email == "other@example.org"
    found = officer_client.post(URL, {"email": EMAIL, "action": "find"}).context["found"]
    assert found == {"hosts": [], "applications": [], "users": [], "cases": []}
    assert officer_client.post(URL, {"phone": PHONE, "action": "find"}).context["found"] == found


@pytest.mark.parametrize(
    "role",
    [
        roles.VOLUNTEER,
        roles.VOLUNTEER_COORDINATOR,
        roles.PARTNER_COORDINATOR,
        roles.MANAGER,
        roles.HOUSING_COMPANY_STAFF,
    ],
)
def test_other_roles_are_refused(client, organisations, karin, role):
    client.force_login(UserFactory(roles=[role], organisation=organisations["partner"]))

    assert client.get(URL).status_code == 403
    for action in ["find", "export", "erase"]:
        response = client.post(URL, {"email": EMAIL, "action": action})
        assert response.status_code == 403
        assert EMAIL not in response.content.decode()
    assert client.get("/privacy-officer/record/").status_code == 403
    assert not DataRequest.objects.exists()
    assert Host.objects.get(pk=karin["host"].pk).erased_at is None


def test_people_who_are_not_logged_in_are_sent_to_log_in(client, karin):
    response = client.post(URL, {"email": EMAIL, "action": "erase"})
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert Host.objects.get(pk=karin["host"].pk).erased_at is None


def test_the_record_of_processing_is_the_one_in_the_docs(officer_client):
    from privacy.processing import as_markdown, records

    page = officer_client.get("/privacy-officer/record/")
    assert page.status_code == 200
    html = page.content.decode()
    assert len(records()) >= 6
    for record in records():
        assert str(record["purpose"])[:40] in html.replace("&#x27;", "'")
    assert as_markdown().startswith("# Record of processing")
