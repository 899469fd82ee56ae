"""The data protection officer's export and erasure by e-mail address find a person by the
canonical form of the address, exactly: a look-alike address (``gmaıl`` with a dotless ı) is
someone else, whose request never reaches the real person's rows (issue 13, finding 2)."""

import json

import pytest
from django.test import Client

from accounts import roles
from hosts.models import Host
from notifications.models import OutboundEmail
from privacy.actions import find_people
from tests.factories import HomeFactory, UserFactory, VolunteerApplicationFactory, staff_user
from volunteers.models import VolunteerApplication

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

URL = "/privacy-officer/requests/"
REAL = "anna@gmail.example"
LOOK_ALIKE = "anna@gma\u0131l.example"


@pytest.fixture
def officer_client(organisations):
    client = Client()
    client.force_login(
        staff_user(roles.DATA_PROTECTION_OFFICER, organisations["volunteers"], username="dpo")
    )
    return client


@pytest.fixture
def people(organisations):
    """The real Anna everywhere (host, applicant, volunteer), and a look-alike host."""
    real_host = HomeFactory(host__email=REAL, host__name="Anna Riktig").host
    application = VolunteerApplicationFactory(name="Anna Riktig", email=REAL)
    account = UserFactory(
        roles=[roles.VOLUNTEER], organisation=organisations["volunteers"], email=REAL
    )
    OutboundEmail.objects.create(to=REAL, subject="Till Anna", body="Hej!", language="sv")
    look_alike = HomeFactory(host__email=LOOK_ALIKE, host__name="Anna Falsk").host
    OutboundEmail.objects.create(
        to=look_alike.email, subject="Till den andra", body="Hej!", language="sv"
    )
    return {"host": real_host, "application": application, "account": account, "other": look_alike}


def test_the_look_alikes_export_holds_nothing_of_the_real_person(officer_client, people):
    response = officer_client.post(URL, {"email": LOOK_ALIKE, "action": "export"})
    assert response.status_code == 200
    data = json.loads(response.content)
    (host,) = data["hosts"]
    assert host["host"]["name"] == "Anna Falsk"
    assert [email["subject"] for email in host["emails_sent_to_you"]] == ["Till den andra"]
    assert data["volunteer_applications"] == data["accounts"] == data["emails_sent"] == []
    assert "Anna Riktig" not in response.content.decode() and REAL not in response.content.decode()


def test_the_look_alikes_erasure_leaves_the_real_person_alone(officer_client, people):
    response = officer_client.post(URL, {"email": LOOK_ALIKE, "action": "erase"})
    assert response.status_code == 302
    assert Host.objects.get(pk=people["other"].pk).erased_at is not None

    real = Host.objects.get(pk=people["host"].pk)
    assert (real.erased_at, real.email, real.name) == (None, REAL, "Anna Riktig")
    assert VolunteerApplication.objects.get(pk=people["application"].pk).email == REAL
    people["account"].refresh_from_db()
    assert people["account"].is_active and people["account"].email == REAL
    assert list(OutboundEmail.objects.values_list("subject", flat=True)) == ["Till Anna"]


@pytest.mark.parametrize(
    "spelling", ["ANNA@GMAIL.EXAMPLE", "ａｎｎａ@gmail.example", " Anna@Gmail.Example "]
)
def test_any_spelling_of_the_real_address_finds_the_real_person_only(people, spelling):
    found = find_people(email=spelling)
    assert found == {
        "hosts": [people["host"]],
        "applications": [people["application"]],
        "users": [people["account"]],
        "cases": [],
    }


def test_an_address_the_canonical_form_refuses_finds_only_itself(people):
    assert find_people(email="ann\u0131@gmail.example")["hosts"] == []
    # A row kept from before the rule, with such an address, is found exactly as written.
    legacy = HomeFactory().host
    Host.objects.filter(pk=legacy.pk).update(email="ann\u0131@gmail.example")
    assert find_people(email="ann\u0131@gmail.example")["hosts"] == [legacy]
    assert find_people(email="anni@gmail.example")["hosts"] == []
