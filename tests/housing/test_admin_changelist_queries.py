"""The housing company's admin lists ask the database as often for ten rows as for two, whoever
reads them (moved here from tests/housing/test_admin.py, unchanged in what it checks).

The rows (allotments, agreements, units, vacancies, households moved in under a contract) are
built once for the module (``built_once_per_module`` in tests/conftest.py), not once per list:
each list is counted with two rows of everything, by a person signed in for that list alone,
then again, by the same person, after eight more; each test asserts its own list's counts.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from housing.models import Allotment, Contract, QuotaAgreement
from tests.conftest import built_once_per_module, make_organisations
from tests.factories import (
    AllotmentFactory,
    QuotaAgreementFactory,
    UnitFactory,
    record_vacancies,
    staff_user,
)
from tests.housing.test_admin import CHANGELISTS, housed_in, listed

pytestmark = pytest.mark.django_db

LISTS = [*((model, "company_staff") for model in CHANGELISTS)] + [
    ("vacancy", "coordinator"),
    ("contract", "coordinator"),
]


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _counted():
    """The organisations and people of tests/conftest.py's fixtures, two rows of everything, each
    list counted; eight rows more, each list counted again."""
    organisations = make_organisations()
    people = {
        "coordinator": staff_user(
            "partner_coordinator", organisations["partner"], username="samordnare"
        ),
        "company_staff": staff_user(
            "housing_company_staff",
            organisations["housing"],
            username="bostadsbolag",
            language="en",
        ),
    }
    company, partner = organisations["housing"], organisations["partner"]
    coordinator = people["coordinator"]
    agreement = QuotaAgreementFactory(company=company, integration_unit=partner, every_nth=1)
    unit = UnitFactory(company=company)

    def add_rows(n):
        for _ in range(n):
            AllotmentFactory(company=company)
            QuotaAgreement.objects.create(
                company=company,
                integration_unit=partner,
                period_start=agreement.period_start - timedelta(days=400),
            )
            UnitFactory(company=company)
            (vacancy,) = record_vacancies(1, unit=unit)
            housed_in(vacancy, coordinator)

    # As in every test without the ``two_factor`` mark (tests/conftest.py): no second factor.
    with override_settings(TWO_FACTOR_REQUIRED=False):
        few, many = _count_twice(people, add_rows)
    translation.deactivate()  # the requests' language, as after every test
    return SimpleNamespace(people=people, few=few, many=many)


def _count_twice(people, add_rows):
    clients = {}
    for model, who in LISTS:
        clients[model, who] = Client()
        clients[model, who].force_login(people[who])
    add_rows(2)
    few = {
        key: count_queries(client, f"/admin/housing/{key[0]}/") for key, client in clients.items()
    }
    add_rows(8)
    many = {
        key: count_queries(client, f"/admin/housing/{key[0]}/") for key, client in clients.items()
    }
    return few, many


held_world = built_once_per_module(_counted)


@pytest.fixture
def counted(held_world, settings):
    return held_world.fresh(settings)


@pytest.mark.parametrize(("model", "who"), LISTS)
def test_changelist_queries_do_not_grow_with_rows(client, counted, model, who):
    few, many = counted.few[model, who], counted.many[model, who]

    assert many == few
    client.force_login(counted.people[who])
    assert len(listed(client.get(f"/admin/housing/{model}/"))) >= 10
    assert Allotment.objects.count() == 10 and Contract.objects.count() == 10
