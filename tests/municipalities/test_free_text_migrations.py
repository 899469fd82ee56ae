"""The migrations that replaced the free-text municipality of homes (hosts 0009), the housing
company's units (housing 0004) and places (matching 0006) with one of Sweden's 290, run on rows
written before them: the database is migrated back, the old rows are written with the models of
then, and the migrations run forward."""

from datetime import date

import pytest
from django.conf import settings
from django.db import connection

from hosts.models import Home
from housing.models import Unit
from matching.models import Place
from tests.migration_executor import LazyRenderingMigrationExecutor

BEFORE = [
    ("hosts", "0008_canonical_email_and_link_version"),
    ("housing", "0003_vacancy_history"),
    ("matching", "0005_labels"),
]
# What people typed, and the municipality each is read as (None: kept to be chosen).
TYPED = {
    "Malmö": "1280",
    "Malmo": "1280",
    "malmö": "1280",
    "Krokoms kommun": "2309",
    "Föllinge": "2309",  # a village of Krokom (the postcode table)
    "Atlantis": None,
}


def _write_old_rows(apps) -> None:
    organisation = apps.get_model("accounts", "Organisation").objects.create(
        name="Krokomsbostäder", kind="housing_company"
    )
    host = apps.get_model("hosts", "Host").objects.create(
        name="Anna Svensson",
        email="anna@example.org",
        consent_notice_version="1",
        consent_given_at="2026-01-05T10:00:00Z",
        consent_language="sv",
    )
    home_model = apps.get_model("hosts", "Home")
    unit_model = apps.get_model("housing", "Unit")
    place_model = apps.get_model("matching", "Place")
    for number, text in enumerate(TYPED):
        home_model.objects.create(
            host=host,
            street_address=f"Storgatan {number}",
            postcode="83130",
            municipality=text,
            kind="room",
            beds=1,
            available_from=date(2026, 1, 10),
            rent_per_month=0,
            household_description="Vi är två.",
            smoking="no",
            heard_from="other",
        )
        unit_model.objects.create(
            company=organisation,
            reference=f"1-{number:03d}",
            street_address=f"Ringvägen {number}",
            postcode="83531",
            municipality=text,
            rooms=2,
            size_m2=58,
            rent_per_month=6200,
        )
    # A partner's district keeps the municipality typed with it; one typed as nothing known.
    for name, text in [
        ("Rosengård", "Malmö stad"),
        ("Nälden", "Krokoms kommun"),
        ("Ö", "Atlantis"),
    ]:
        place_model.objects.create(
            name=name,
            key=name.lower(),
            kind="district",
            municipality=text,
            latitude=60,
            longitude=15,
        )


@pytest.mark.django_db(transaction=True)
def test_free_text_municipalities_become_codes_and_the_rest_is_kept_and_listed(
    capsys, admin_client
):
    executor = LazyRenderingMigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE)
        executor = LazyRenderingMigrationExecutor(connection)  # the graph as applied now
        applied = list(executor.loader.applied_migrations)
        _write_old_rows(executor.loader.project_state(applied).apps)
        capsys.readouterr()
        executor.migrate(latest)
    finally:
        LazyRenderingMigrationExecutor(connection).migrate(latest)
    printed = capsys.readouterr().out

    homes = {home.street_address: home for home in Home.objects.all()}
    units = {unit.street_address: unit for unit in Unit.objects.all()}
    for number, (text, code) in enumerate(TYPED.items()):
        home, unit = homes[f"Storgatan {number}"], units[f"Ringvägen {number}"]
        assert (home.municipality_id, unit.municipality_id) == (code, code), text
        kept = "" if code else text
        assert (home.municipality_as_given, unit.municipality_as_given) == (kept, kept), text
    districts = dict(Place.objects.filter(kind="district").values_list("name", "municipality_id"))
    assert districts == {"Rosengård": "1280", "Nälden": "2309", "Ö": None}
    assert Place.objects.get(name="Ö").municipality_as_given == "Atlantis"

    # The migration lists what it could not read, and so does the admin's filter.
    assert "Homes: 1 could not be read" in printed and "'Atlantis'" in printed
    assert "Units: 1 could not be read" in printed
    atlantis = homes["Storgatan 5"]
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = admin_client.get("/admin/hosts/home/?municipality_to_choose=yes").content.decode()
    assert f"/admin/hosts/home/{atlantis.pk}/change/" in page and "“Atlantis” (to choose)" in page
    assert f"/admin/hosts/home/{homes['Storgatan 0'].pk}/change/" not in page
    page = admin_client.get("/admin/housing/unit/?municipality_to_choose=yes").content.decode()
    assert "Ringvägen 5" in page and "Ringvägen 0" not in page
