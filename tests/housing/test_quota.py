"""The vacancy quota: every Nth vacancy of the housing company is offered to the integration unit.

An offered flat becomes a home in the matching workflow, referred to the integration unit; a
declined offer goes back to the company, and (if the agreement says so) the next vacancy replaces
it while the count goes on.
"""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from hosts.models import Home
from housing.actions import decline_offer, record_vacancy
from housing.models import QuotaAgreement, Vacancy
from tests.factories import UnitFactory, record_vacancies, staff_user
from workflow.engine import TransitionNotAllowed

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def unit(organisations):
    return UnitFactory(
        company=organisations["housing"],
        reference="KB-1042",
        street_address="Ringvägen 12",
        rooms=3,
        rent_per_month=7400,
        step_free_access=True,
    )


def offered(vacancies) -> list[int]:
    return [v.sequence for v in vacancies if v.offered]


def refused(call) -> str:
    with translation.override("en"):
        with pytest.raises(TransitionNotAllowed) as caught:
            call()
        return str(caught.value.message)


def counted(agreement) -> tuple[int, int]:
    agreement.refresh_from_db()
    return agreement.vacancies_counted, agreement.replacements_owed


def test_every_fifth_vacancy_is_offered(quota, unit, company_staff):
    vacancies = record_vacancies(12, unit=unit, user=company_staff)

    assert [v.sequence for v in vacancies] == list(range(1, 13))
    assert offered(vacancies) == [5, 10]
    assert [v.status for v in vacancies].count(Vacancy.Status.LET_NORMALLY) == 10
    assert all(v.home is None for v in vacancies if not v.offered)
    assert not any(v.as_replacement for v in vacancies)
    assert all(v.recorded_by == company_staff for v in vacancies)
    assert counted(quota) == (12, 0)


@pytest.mark.parametrize(("every_nth", "expected"), [(3, [3, 6, 9, 12]), (1, list(range(1, 13)))])
def test_n_comes_from_the_agreement(quota, unit, company_staff, every_nth, expected):
    QuotaAgreement.objects.filter(pk=quota.pk).update(every_nth=every_nth)

    vacancies = record_vacancies(12, unit=unit, user=company_staff)

    assert offered(vacancies) == expected


def test_an_offered_vacancy_becomes_a_home_referred_to_the_integration_unit(
    quota, unit, company_staff, organisations
):
    *_before, fifth = record_vacancies(5, unit=unit, user=company_staff)

    assert fifth.status == Vacancy.Status.OFFERED
    home = Home.objects.get(pk=fifth.home_id)
    assert home.status == Home.Status.REFERRED
    assert home.partner == organisations["partner"]
    assert home.unit == unit
    assert home.host is None
    assert (home.street_address, home.municipality_label, home.rent_per_month) == (
        "Ringvägen 12",
        "Krokom",
        7400,
    )
    assert home.kind == Home.Kind.WHOLE_HOME and home.step_free_access
    assert home.available_from == fifth.available_from
    history = list(
        home.transitions.order_by("created_at", "pk").values_list(
            "from_state", "to_state", "actor_kind", "actor"
        )
    )
    assert history == [
        ("", "registered", "system", None),
        ("registered", "referred", "system", None),
    ]
    assert "5" in home.transitions.get(to_state="referred").reason


def test_declining_needs_a_reason_and_withdraws_the_home(quota, unit, company_staff, coordinator):
    *_before, fifth = record_vacancies(5, unit=unit, user=company_staff)

    for reason in ("", "   "):
        message = refused(lambda r=reason: decline_offer(vacancy=fifth, user=coordinator, reason=r))
        assert message == "Please give a reason for this step."
    fifth.refresh_from_db()
    assert fifth.status == Vacancy.Status.OFFERED

    decline_offer(vacancy=fifth, user=coordinator, reason="Tredje våningen utan hiss.")

    fifth.refresh_from_db()
    assert fifth.status == Vacancy.Status.DECLINED
    assert fifth.decline_reason == "Tredje våningen utan hiss."
    home = fifth.home
    assert home.status == Home.Status.WITHDRAWN
    last = home.transitions.order_by("-created_at", "-pk").first()
    assert (last.from_state, last.to_state, last.reason) == (
        "referred",
        "withdrawn",
        "Tredje våningen utan hiss.",
    )
    assert counted(quota) == (5, 1)
    message = refused(lambda: decline_offer(vacancy=fifth, user=coordinator, reason="Igen."))
    assert message == "Only an open offer can be declined."
    assert counted(quota) == (5, 1)


def test_only_the_integration_unit_declines(
    quota, unit, company_staff, other_coordinator, coordinator, organisations
):
    *_before, fifth = record_vacancies(5, unit=unit, user=company_staff)
    manager = staff_user("manager", organisations["partner"], username="chef")

    for someone in (company_staff, other_coordinator, manager):
        message = refused(lambda u=someone: decline_offer(vacancy=fifth, user=u, reason="Nej."))
        assert message == "Only the integration unit can decline the offer."
    fifth.refresh_from_db()
    assert fifth.status == Vacancy.Status.OFFERED
    assert fifth.home.status == Home.Status.REFERRED


def test_a_declined_offer_is_replaced_by_the_next_vacancy_and_the_count_goes_on(
    quota, unit, company_staff, coordinator
):
    first = record_vacancies(5, unit=unit, user=company_staff)
    decline_offer(vacancy=first[-1], user=coordinator, reason="För dyr.")

    after = record_vacancies(7, unit=unit, user=company_staff)

    assert [(v.sequence, v.offered, v.as_replacement) for v in after if v.offered] == [
        (6, True, True),
        (10, True, False),
    ]
    assert after[0].status == Vacancy.Status.OFFERED
    assert after[0].home.status == Home.Status.REFERRED
    assert counted(quota) == (12, 0)


def test_a_decline_just_before_an_nth_vacancy_is_replaced_after_it(
    quota, unit, company_staff, coordinator
):
    """The Nth vacancy is offered for the count, not as the replacement: that is the next one."""
    first = record_vacancies(9, unit=unit, user=company_staff)
    decline_offer(vacancy=first[4], user=coordinator, reason="Fel ort.")

    after = record_vacancies(3, unit=unit, user=company_staff)

    assert [(v.sequence, v.offered, v.as_replacement) for v in after] == [
        (10, True, False),
        (11, True, True),
        (12, False, False),
    ]
    assert counted(quota) == (12, 0)


def test_two_declines_are_replaced_one_by_one(quota, unit, company_staff, coordinator):
    first = record_vacancies(10, unit=unit, user=company_staff)
    for vacancy in (first[4], first[9]):
        decline_offer(vacancy=vacancy, user=coordinator, reason="Passar inte.")
    assert counted(quota) == (10, 2)

    after = record_vacancies(5, unit=unit, user=company_staff)

    assert [(v.sequence, v.as_replacement) for v in after if v.offered] == [
        (11, True),
        (12, True),
        (15, False),
    ]
    assert counted(quota) == (15, 0)


def test_without_replacement_a_decline_is_not_made_up_for(quota, unit, company_staff, coordinator):
    QuotaAgreement.objects.filter(pk=quota.pk).update(replace_declined=False)
    first = record_vacancies(5, unit=unit, user=company_staff)
    decline_offer(vacancy=first[-1], user=coordinator, reason="För liten.")

    after = record_vacancies(7, unit=unit, user=company_staff)

    assert offered(after) == [10]
    assert not any(v.as_replacement for v in after)
    assert counted(quota) == (12, 0)


def test_staff_of_another_company_cannot_record_our_vacancies(
    quota, unit, company_staff, other_company_staff, coordinator
):
    record_vacancies(2, unit=unit, user=company_staff)

    for someone in (other_company_staff, coordinator):
        message = refused(lambda u=someone: record_vacancies(1, unit=unit, user=u))
        assert message == "You can only record vacancies of your own company."

    assert Vacancy.objects.count() == 2
    assert counted(quota) == (2, 0)


def test_a_vacancy_needs_an_agreement_and_sensible_dates(quota, unit, company_staff):
    message = refused(
        lambda: record_vacancy(
            unit=unit,
            notice_given_on=TODAY,
            available_from=TODAY - timedelta(days=1),
            user=company_staff,
        )
    )
    assert message == "The flat cannot be free before the notice was given."

    before_the_agreement = quota.period_start - timedelta(days=1)
    message = refused(
        lambda: record_vacancies(
            1, unit=unit, user=company_staff, notice_given_on=before_the_agreement
        )
    )
    assert message == "There is no quota agreement for this date."

    QuotaAgreement.objects.filter(pk=quota.pk).update(period_end=TODAY - timedelta(days=10))
    message = refused(lambda: record_vacancies(1, unit=unit, user=company_staff))
    assert message == "There is no quota agreement for this date."
    assert Vacancy.objects.count() == 0
    assert counted(quota) == (0, 0)


def test_a_new_agreement_counts_from_one(quota, unit, company_staff, organisations):
    """The count belongs to the agreement: a newer agreement (e.g. every 3rd) starts again."""
    record_vacancies(4, unit=unit, user=company_staff)
    newer = QuotaAgreement.objects.create(
        company=organisations["housing"],
        integration_unit=organisations["partner"],
        every_nth=3,
        period_start=TODAY - timedelta(days=2),
    )

    vacancies = record_vacancies(3, unit=unit, user=company_staff)

    assert [(v.agreement_id, v.sequence, v.offered) for v in vacancies] == [
        (newer.pk, 1, False),
        (newer.pk, 2, False),
        (newer.pk, 3, True),
    ]
    assert counted(quota) == (4, 0)
