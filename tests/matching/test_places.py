"""Places: names as they are searched, Sweden's localities, partners' districts, distances, and
the typed area names of the case form."""

import math
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from hosts.actions import choose_municipality, refer_home
from hosts.models import Home
from matching.models import Place
from matching.places import haversine_km, place_key, resolve_place
from newcomers.models import NewcomerCase
from tests.factories import district, home_with_history, municipality, partnership_covering
from workflow.errors import Invalid

TODAY = timezone.localdate()


def great_circle_km(lat1, lon1, lat2, lon2) -> float:
    """The same distance by the spherical law of cosines, written independently of the code."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    cosine = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6371.0 * math.acos(min(1.0, max(-1.0, cosine)))


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Östersund", "ostersund"),
        ("  ÅRE ", "are"),
        ("Järpen", "jarpen"),
        ("Malmö  Rosengård", "malmo rosengard"),
        ("Åre-Björnen", "are bjornen"),
        ("", ""),
    ],
)
def test_place_key_is_lower_case_without_diacritics(typed, key):
    assert place_key(typed) == key


def test_the_localities_table_holds_swedens_places(localities):
    towns = Place.objects.filter(kind=Place.Kind.LOCALITY, partner__isnull=True)
    assert towns.count() > 800
    assert towns.filter(name="Krokom").exists()
    assert towns.filter(name="Östersund", key="ostersund").exists()
    krokom = localities["Krokom"]
    assert (round(krokom.latitude, 2), round(krokom.longitude, 2)) == (63.33, 14.45)


def test_resolve_place_prefers_the_partners_own_district(organisations, localities):
    partner, other = organisations["partner"], organisations["other_partner"]
    ours = district(partner, "Krokom", 63.30, 14.50)  # the partner's own idea of Krokom

    assert resolve_place("krokom", partner_id=partner.pk) == ours
    assert resolve_place("KROKOM ", partner_id=other.pk) == localities["Krokom"]
    assert resolve_place("Krokom") == localities["Krokom"]
    assert resolve_place("ostersund") == localities["Östersund"]  # typed without the Ö


def test_a_district_is_found_only_by_name_when_no_locality_has_it(organisations, localities):
    partner = organisations["partner"]
    nalden = district(partner, "Nälden", 63.35, 14.26)
    assert resolve_place("Nälden", partner_id=partner.pk) == nalden
    assert resolve_place("nalden") == nalden  # another partner's district, as a last resort


def test_localities_belong_to_their_municipality(localities):
    assert localities["Krokom"].municipality_id == "2309"
    assert localities["Östersund"].municipality_id == "2380"
    assert localities["Stockholm"].municipality.short_name == "Stockholm"
    # GeoNames writes "Falu kommun" and "Knivsta muncipality": read by the localities' names.
    assert Place.objects.get(kind="locality", name="Falun").municipality_id == "2080"
    assert Place.objects.get(kind="locality", name="Knivsta").municipality_id == "0330"
    assert not Place.objects.filter(kind="locality", municipality__isnull=True).exists()


def test_a_name_shared_by_two_municipalities_is_read_as_the_one_in_the_homes(localities):
    by_municipality = {
        place.municipality.short_name: place
        for place in Place.objects.filter(kind="locality", name="Järna")
    }
    assert set(by_municipality) == {"Södertälje", "Vansbro"}
    # Without a municipality, the most populous Järna (Södertälje's); in Vansbro, Vansbro's.
    assert resolve_place("Järna") == by_municipality["Södertälje"]
    assert resolve_place("järna", municipality="2021") == by_municipality["Vansbro"]
    assert resolve_place("Järna", municipality="0181") == by_municipality["Södertälje"]


def test_a_municipality_with_no_locality_of_its_name_gets_its_largest_locality(localities):
    # Härjedalen is a municipality, not a locality: its largest locality is Sveg.
    sveg = Place.objects.get(kind="locality", name="Sveg")
    assert resolve_place("Härjedalen") is None
    assert resolve_place("Härjedalen", municipality="2361") == sveg


def test_a_home_gets_the_place_in_its_own_municipality(sign_up, localities):
    sign_up(municipality="Härjedalen")
    home = Home.objects.get()
    assert (home.municipality_id, home.place.name) == ("2361", "Sveg")


@pytest.mark.parametrize("name", ["Atlantis", "Krokomm", "", "   "])
def test_an_unknown_name_resolves_to_nothing(name, localities, organisations):
    assert resolve_place(name, partner_id=organisations["partner"].pk) is None


def test_haversine_km_gives_known_distances_and_broadcasts(localities):
    krokom, ostersund = localities["Krokom"], localities["Östersund"]
    stockholm = localities["Stockholm"]
    one = float(
        haversine_km(krokom.latitude, krokom.longitude, ostersund.latitude, ostersund.longitude)
    )
    assert one == pytest.approx(
        great_circle_km(krokom.latitude, krokom.longitude, ostersund.latitude, ostersund.longitude),
        abs=1e-6,
    )
    assert 17 < one < 20  # Krokom–Östersund as the crow flies
    many = haversine_km(
        stockholm.latitude,
        stockholm.longitude,
        np.array([krokom.latitude, ostersund.latitude, stockholm.latitude]),
        np.array([krokom.longitude, ostersund.longitude, stockholm.longitude]),
    )
    assert many.shape == (3,)
    assert many[2] == pytest.approx(0.0, abs=1e-9)
    assert 450 < many[1] < 480  # Stockholm–Östersund
    # One degree of latitude is 2πR/360 km.
    assert float(haversine_km(60.0, 15.0, 61.0, 15.0)) == pytest.approx(111.195, abs=1e-3)


# Homes get their place ---------------------------------------------------------------------------


def test_a_registered_home_gets_the_place_of_its_municipality(sign_up, localities):
    sign_up(municipality="Krokom")
    assert Home.objects.get().place == localities["Krokom"]


def test_an_old_registration_is_referred_once_its_municipality_is_chosen(
    organisations, volunteer_coordinator, localities
):
    """An old registration whose text ("Nälden", a village) was not read as a municipality
    cannot be referred until a coordinator chooses its municipality: which partnership covers
    it depends on that. The partner's own district is still found by the typed name."""
    partner = organisations["partner"]
    ago = timezone.now() - timedelta(days=10)
    home = home_with_history(
        ago,
        [("contacted", ago), ("visit_booked", ago), ("visited", ago)],
        municipality=None,
        municipality_as_given="Nälden",
        place=None,
    )
    assert home.place is None  # GeoNames does not know Nälden
    nalden = district(partner, "Nälden", 63.35, 14.26)
    partnership_covering(partner, "2309")
    assert resolve_place("Nälden", partner_id=partner.pk) == nalden

    with pytest.raises(Invalid):
        refer_home(home=home, partner=partner, user=volunteer_coordinator)
    home.refresh_from_db()
    assert (home.status, home.partner) == ("visited", None)

    choose_municipality(home=home, municipality=municipality("2309"))
    refer_home(home=home, partner=partner, user=volunteer_coordinator)
    home.refresh_from_db()
    assert (home.status, home.partner, home.place.name) == ("referred", partner, "Krokom")


# The case form ------------------------------------------------------------------------------------


def case_form(partner, **overrides) -> dict:
    data = {
        "partner": str(partner.pk),
        "reference": "KRK-2026-300",
        "adults": "2",
        "children_ages": "",
        "languages": ["ar"],
        "preferred_areas": "Krokom, Nälden",
        "assigned_on": TODAY.isoformat(),
        "housing_needed_by": (TODAY + timedelta(days=60)).isoformat(),
        "notes": "",
        "transitions-TOTAL_FORMS": "0",
        "transitions-INITIAL_FORMS": "0",
        "transitions-MIN_NUM_FORMS": "0",
        "transitions-MAX_NUM_FORMS": "0",
        "_save": "Save",
    }
    data.update(overrides)
    return data


def test_the_case_form_rejects_an_unknown_area_and_keeps_what_was_typed(
    english, coordinator, organisations, localities
):
    english.force_login(coordinator)
    typed = "Krokom, Atlantis, Nälden"

    response = english.post(
        "/admin/newcomers/newcomercase/add/",
        case_form(organisations["partner"], preferred_areas=typed),
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["preferred_areas"]
    # Nälden is unknown too until the partner adds it as a district; Krokom is known.
    assert errors == [
        "We do not know where Atlantis, Nälden is. Check the spelling, or add it as one of your "
        "partner's districts (Matches › Places)."
    ]
    assert f'value="{typed}"' in response.content.decode()
    assert not NewcomerCase.objects.exists()


def test_the_case_form_resolves_known_areas_and_the_partners_districts(
    english, coordinator, organisations, localities
):
    partner = organisations["partner"]
    nalden = district(partner, "Nälden", 63.35, 14.26)
    english.force_login(coordinator)

    response = english.post(
        "/admin/newcomers/newcomercase/add/", case_form(partner, preferred_areas="krokom, Nälden")
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    case = NewcomerCase.objects.get()
    assert case.preferred_areas == ["krokom", "Nälden"]
    assert set(case.preferred_places.all()) == {localities["Krokom"], nalden}

    # Changing the areas later replaces the places; the typed names come back in the form.
    change = f"/admin/newcomers/newcomercase/{case.pk}/change/"
    response = english.post(change, case_form(partner, preferred_areas="Östersund"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(case.preferred_places.all()) == [localities["Östersund"]]
    assert 'value="Östersund"' in english.get(change).content.decode()
