"""Staff recording vacancies at the same moment, on PostgreSQL: the count never skips or repeats.

Each thread is one member of staff with its own database connection (Django keeps one per thread)
and its own transactions, as separate web requests would have. A barrier releases them together
for every vacancy, so they all press "Save" at the same moment, again and again.
"""

import threading

import pytest
from django.db import connection

from housing.actions import decline_offer
from housing.models import QuotaAgreement, Vacancy
from tests.conftest import require
from tests.factories import UnitFactory, record_vacancies, staff_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("role_groups")]

STAFF = 8
EACH = 5


@pytest.fixture(autouse=True)
def _postgresql_only():
    require(
        connection.vendor == "postgresql",
        "the race needs PostgreSQL's row locks and concurrent transactions: "
        "set DATABASE_URL=postgres://…",
    )


def in_parallel(workers: list, rounds: int) -> list:
    """Run ``worker(round)`` of every worker in its own thread, ``rounds`` times; every round is
    released by a barrier, all threads together. Returns the errors (empty when all went well)."""
    start = threading.Barrier(len(workers))
    errors: list = []

    def run(worker):
        try:
            for round_ in range(rounds):
                start.wait(timeout=30)
                worker(round_)
        except Exception as exc:  # reported by the test
            errors.append(repr(exc))
            start.abort()
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a member of staff is still waiting"
    return errors


def recorder(unit, user):
    def record(_round):
        record_vacancies(1, unit=unit, user=user)

    return record


@pytest.fixture
def staff(organisations):
    return [
        staff_user("housing_company_staff", organisations["housing"], username=f"personal{i}")
        for i in range(STAFF)
    ]


@pytest.fixture
def units(organisations):
    return [UnitFactory(company=organisations["housing"]) for _ in range(STAFF)]


def test_eight_staff_recording_at_once_count_every_vacancy_once(quota, staff, units):
    workers = [recorder(unit, user) for unit, user in zip(units, staff, strict=True)]

    assert in_parallel(workers, rounds=EACH) == []

    vacancies = list(Vacancy.objects.filter(agreement=quota).order_by("sequence"))
    assert [v.sequence for v in vacancies] == list(range(1, STAFF * EACH + 1))
    assert [v.sequence for v in vacancies if v.offered] == [5, 10, 15, 20, 25, 30, 35, 40]
    assert not any(v.as_replacement for v in vacancies)
    assert all(v.home_id for v in vacancies if v.offered)
    assert sorted(v.recorded_by_id for v in vacancies) == sorted([u.pk for u in staff] * EACH)
    quota.refresh_from_db()
    assert (quota.vacancies_counted, quota.replacements_owed) == (40, 0)


def test_declines_in_the_middle_of_the_rush_are_replaced_exactly(
    quota, staff, units, organisations, coordinator
):
    """Two offers are declined while eight staff record vacancies: exactly two later vacancies
    are offered as replacements, and every 5th is still offered for the count."""
    early = record_vacancies(10, unit=units[0], user=staff[0])
    to_decline = [v for v in early if v.offered]
    assert [v.sequence for v in to_decline] == [5, 10]

    def integration_unit(round_):
        if round_ in (1, 2):
            decline_offer(vacancy=to_decline[round_ - 1], user=coordinator, reason="Passar inte.")

    workers = [recorder(unit, user) for unit, user in zip(units, staff, strict=True)]
    assert in_parallel([*workers, integration_unit], rounds=EACH) == []

    vacancies = list(Vacancy.objects.filter(agreement=quota).order_by("sequence"))
    total = 10 + STAFF * EACH
    assert [v.sequence for v in vacancies] == list(range(1, total + 1))
    counted = [v.sequence for v in vacancies if v.offered and not v.as_replacement]
    assert counted == list(range(5, total + 1, 5))
    replacements = [v for v in vacancies if v.as_replacement]
    assert len(replacements) == 2
    assert all(v.offered and v.sequence % 5 for v in replacements)
    assert all(v.sequence > 10 for v in replacements)
    statuses = [v.status for v in vacancies if v.sequence in (5, 10)]
    assert statuses == [Vacancy.Status.DECLINED, Vacancy.Status.DECLINED]
    quota.refresh_from_db()
    assert (quota.vacancies_counted, quota.replacements_owed) == (total, 0)


def test_the_count_is_exact_even_when_every_vacancy_is_offered(quota, staff, units):
    """With N = 1 every vacancy becomes a home in the matching workflow, the heaviest write."""
    QuotaAgreement.objects.filter(pk=quota.pk).update(every_nth=1)
    workers = [recorder(unit, user) for unit, user in zip(units, staff, strict=True)]

    assert in_parallel(workers, rounds=3) == []

    vacancies = Vacancy.objects.filter(agreement=quota)
    assert sorted(vacancies.values_list("sequence", flat=True)) == list(range(1, STAFF * 3 + 1))
    assert vacancies.filter(offered=True, home__isnull=False).count() == STAFF * 3
    quota.refresh_from_db()
    assert quota.vacancies_counted == STAFF * 3
