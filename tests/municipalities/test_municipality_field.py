"""The municipality as the public forms ask for it: typed (a datalist of the 290 names offers
them), read as one of Sweden's municipalities, refused with a message that keeps what was typed;
and as the admin fixes an old registration's."""

import re
from types import SimpleNamespace

import pytest
from django.utils import translation
from django.utils.html import escape

from accounts.models import Organisation
from hosts.actions import choose_municipality
from hosts.forms import RegistrationForm
from hosts.models import Home
from municipalities.forms import code_for_postcode, code_for_text
from tests.factories import (
    HomeFactory,
    OrganisationFactory,
    local_group,
    municipality,
    registration_post_data,
)
from tests.volunteers.test_signup import application_data
from volunteers.models import HandOver, VolunteerApplication

pytestmark = pytest.mark.django_db

ATLANTIS = "We cannot find “Atlantis” among Sweden's municipalities."


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Malmö", "1280"),
        ("malmo", "1280"),
        (" MALMÖ ", "1280"),
        ("Malmö kommun", "1280"),
        ("1280", "1280"),
        ("Krokoms kommun", "2309"),
        ("Föllinge", "2309"),  # a village in one municipality only (the postcode table)
        ("Upplands-Bro", "0139"),
        ("upplands bro", "0139"),
        ("Atlantis", None),
        ("Malmö Krokom", None),
        ("x" * 101, None),
    ],
)
def test_what_people_type_is_read_as_a_municipality(typed, code):
    assert code_for_text(typed) == code
    form = RegistrationForm(registration_post_data(municipality=typed))
    assert form.is_valid() is (code is not None), form.errors
    if code:
        assert form.cleaned_data["municipality"] == municipality(code)


def test_the_postcode_table_suggests_and_never_refuses():
    assert code_for_postcode("211 20") == "1280"
    assert code_for_postcode("00000") is None
    # A postcode of Malmö with Krokom chosen is kept, with a note for "check your answers".
    form = RegistrationForm(registration_post_data(municipality="Krokom", postcode="21120"))
    assert form.is_valid(), form.errors
    with translation.override("en"):
        assert form.postcode_note() == (
            "Postcode 211 20 is usually in Malmö, and you chose Krokom. If that is a mistake, "
            "change your answers."
        )
    form = RegistrationForm(registration_post_data(municipality="Malmö", postcode="21120"))
    assert form.is_valid() and form.postcode_note() == ""


def test_the_sign_up_offers_the_names_by_typing_with_a_label_and_autocomplete(english):
    page = english.get("/offer/").content.decode()
    field = re.search(r"<input[^>]*name=\"municipality\"[^>]*>", page).group()
    assert 'type="text"' in field and 'autocomplete="address-level2"' in field
    assert 'list="id_municipality_choices"' in field and 'id="id_municipality"' in field
    assert re.search(r'<label\s+for="id_municipality"', page)
    options = re.search(r'<datalist id="id_municipality_choices">(.*?)</datalist>', page).group(1)
    names = re.findall(r'<option value="([^"]+)">', options)
    assert len(names) == 290 and "Malmö" in names and "Krokom" in names


def test_a_typed_name_is_stored_as_the_municipality(sign_up, english):
    response = english.post("/offer/", registration_post_data(municipality="malmo"))
    assert response.status_code == 302
    assert "Malmö" in english.get("/offer/check/").content.decode()

    sign_up(municipality="malmo")
    home = Home.objects.get()
    assert (home.municipality_id, home.municipality_as_given) == ("1280", "")


def test_an_unknown_municipality_is_explained_and_nothing_typed_is_lost(english):
    data = registration_post_data(municipality="Atlantis", postcode="211 20", hopes="Att <lära>")
    response = english.post("/offer/", data)

    assert response.status_code == 400
    page = response.content.decode()
    assert escape(ATLANTIS) in page
    assert "Postcode 211 20 is in Malmö." in page  # the postcode table's hint
    # The error is linked to the field, and everything typed is there to correct.
    field = re.search(r"<input[^>]*name=\"municipality\"[^>]*>", page).group()
    assert 'value="Atlantis"' in field and 'aria-invalid="true"' in field
    assert "id_municipality_error" in re.search(r'aria-describedby="([^"]+)"', field).group(1)
    assert 'id="id_municipality_error"' in page
    assert 'value="211 20"' in page and 'value="Anna Svensson"' in page
    assert "Att &lt;lära&gt;" in page
    assert not Home.objects.exists()


def test_the_message_is_in_swedish_by_default(client):
    response = client.post("/offer/", registration_post_data(municipality="Atlantis"))
    assert response.status_code == 400
    with translation.override("sv"):
        assert escape("Vi hittar inte ”Atlantis” bland Sveriges kommuner.") in (
            response.content.decode()
        )


def test_an_old_registration_shows_what_was_typed_and_the_host_chooses(host_session):
    client, home = host_session.client, host_session.home
    group = local_group(
        OrganisationFactory(kind=Organisation.Kind.VOLUNTEER_ORGANISATION), covers=["2309"]
    )
    Home.objects.filter(pk=home.pk).update(
        municipality=None, municipality_as_given="Krokm", local_group=None
    )
    assert "Krokm" in client.get("/my-offer/").content.decode()
    page = client.get("/my-offer/change/").content.decode()
    assert 'value="Krokm"' in page

    data = registration_post_data(municipality="Krokm")
    del data["email"], data["website"]
    response = client.post("/my-offer/change/", data)
    assert response.status_code == 400
    assert escape("We cannot find “Krokm” among Sweden's municipalities.") in (
        response.content.decode()
    )

    data["municipality"] = "Krokom"
    assert client.post("/my-offer/change/", data).status_code == 302
    home.refresh_from_db()
    assert (home.municipality_id, home.local_group) == ("2309", group)


def test_the_volunteer_application_stores_the_municipality(english):
    response = english.post("/volunteer/join/", application_data(municipality="krokoms kommun"))
    assert response.status_code == 302
    assert VolunteerApplication.objects.get().municipality_id == "2309"

    response = english.post("/volunteer/join/", application_data(municipality="Atlantis"))
    assert response.status_code == 400
    page = response.content.decode()
    assert escape(ATLANTIS) in page and 'value="Atlantis"' in page
    assert VolunteerApplication.objects.count() == 1


def test_a_coordinator_chooses_the_municipality_and_the_home_goes_to_its_group():
    volunteers = OrganisationFactory(kind=Organisation.Kind.VOLUNTEER_ORGANISATION)
    malmo = local_group(volunteers, name="Malmö", covers=["1280"])
    home = HomeFactory(municipality=None, municipality_as_given="Malmoe", local_group=None)
    assert home.local_group is None

    choose_municipality(home=home, municipality=municipality("1280"))

    home.refresh_from_db()
    assert (home.municipality_id, home.local_group, home.place.name) == ("1280", malmo, "Malmö")
    assert HandOver.objects.get(home=home).to_group == malmo
    # A home that has a group keeps it: moving it is a hand-over, not a choice of municipality.
    choose_municipality(home=home, municipality=municipality("2309"))
    home.refresh_from_db()
    assert (home.municipality_id, home.local_group) == ("2309", malmo)
    assert HandOver.objects.filter(home=home).count() == 1


def test_the_admin_finds_municipalities_by_name_or_code(client, volunteer_coordinator):
    client.force_login(volunteer_coordinator)
    url = "/admin/autocomplete/?app_label=hosts&model_name=home&field_name=municipality"
    found = client.get(url + "&term=malm").json()["results"]
    assert {"id": "1280", "text": "Malmö"} in found
    found = client.get(url + "&term=2309").json()["results"]
    assert found == [{"id": "2309", "text": "Krokom"}]
    # Reference data: nobody changes it in the admin.
    assert client.get("/admin/municipalities/municipality/1280/change/").status_code == 200
    assert client.post("/admin/municipalities/municipality/1280/delete/").status_code == 403


def test_saving_a_chosen_municipality_in_the_admin_routes_a_home_without_a_group(
    rf, volunteer_coordinator
):
    from django.contrib import admin

    group = local_group(
        OrganisationFactory(kind=Organisation.Kind.VOLUNTEER_ORGANISATION), covers=["1280"]
    )
    home = HomeFactory(municipality=None, municipality_as_given="Malmoe", local_group=None)
    request = rf.post("/")
    request.user = volunteer_coordinator
    home.municipality = municipality("1280")

    admin.site.get_model_admin(Home).save_model(
        request, home, SimpleNamespace(changed_data=["municipality"]), True
    )

    home.refresh_from_db()
    assert (home.municipality_id, home.local_group, home.place.name) == ("1280", group, "Malmö")
