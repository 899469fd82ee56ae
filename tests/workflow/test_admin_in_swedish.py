"""The admin's history and log rows in Swedish: every stage, kind and object by its name, never a
stored value ("sublet", "hosts.host", "call queue") nor "845: ∅ → Erbjuden" (issue 18)."""

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone, translation

from housing.models import ContractTransition, Vacancy, VacancyTransition
from matching.actions import approve_match, propose_match, record_move_in
from privacy.models import AccessLog
from tests.factories import (
    NewcomerCaseFactory,
    QuotaAgreementFactory,
    UnitFactory,
    offered_flat,
    said_yes,
    staff_user,
)
from tests.i18n_guard import swedish_misses

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def swedish(client):
    client.cookies["django_language"] = "sv"
    return client


@pytest.fixture
def company_world(organisations, coordinator):
    agreement = QuotaAgreementFactory(
        company=organisations["housing"], integration_unit=organisations["partner"]
    )
    vacancy = offered_flat(agreement)
    case = NewcomerCaseFactory(partner=organisations["partner"])
    match = propose_match(home=vacancy.home, case=case, user=coordinator)
    approve_match(match=said_yes(match, coordinator), user=coordinator)
    contract = record_move_in(match=match, user=coordinator, move_in_date=TODAY).contract
    return vacancy, contract


def test_a_transition_reads_as_its_stages_and_its_day(company_world):
    vacancy, _contract = company_world
    step = VacancyTransition.objects.filter(vacancy=vacancy).first()
    with translation.override("sv"):
        text = str(step)
    assert "∅" not in text and f"{vacancy.pk}:" not in text
    assert text.startswith("Erbjuden"), text
    assert text.endswith(str(timezone.localdate(step.created_at).year)), text
    month = timezone.localdate(step.created_at).strftime("%b").lower()[:3]
    assert month in text, text


def test_the_contract_history_shows_the_kinds_by_their_names(client, company_world):
    _vacancy, contract = company_world
    contract.kind = contract.Kind.FIRST_HAND
    contract.save(update_fields=["kind"])
    ContractTransition.objects.create(
        contract=contract, from_state="sublet", to_state="first_hand", actor_kind="system"
    )
    with translation.override("sv"):
        step = str(ContractTransition.objects.last())
        sublet, first_hand = (str(label) for _value, label in contract.Kind.choices)
    assert step.startswith(f"{sublet} → {first_hand}, "), step
    admin = staff_user("housing_company_staff", contract.company, username="bolaget", language="sv")
    swedish(client).force_login(admin)
    with swedish_misses() as missed:
        response = client.get(f"/admin/housing/contract/{contract.pk}/change/")
    assert response.status_code == 200
    history = response.content.decode().split('id="transitions-group"')[1]
    assert "sublet" not in history and "first_hand" not in history
    with translation.override("sv"):
        sv_kinds = {str(label) for _value, label in contract.Kind.choices}
    assert all(kind in history for kind in sv_kinds), history[:2000]
    assert not missed


def test_a_vacancy_has_a_name_before_it_is_saved_and_after(organisations, company_staff):
    unit = UnitFactory(company=organisations["housing"], reference="KB-0042")
    with translation.override("sv"):
        assert "None" not in str(Vacancy(unit=unit)) and "KB-0042" in str(Vacancy(unit=unit))
        assert str(Vacancy()) == "vakans"
        assert str(Vacancy(unit=unit, sequence=7)).startswith("Vakans nr 7, KB-0042")


def test_adding_a_vacancy_is_logged_and_told_by_its_number(client, organisations, company_staff):
    QuotaAgreementFactory(
        company=organisations["housing"], integration_unit=organisations["partner"]
    )
    unit = UnitFactory(company=organisations["housing"], reference="KB-0042")
    swedish(client).force_login(company_staff)
    with swedish_misses() as missed:
        response = client.post(
            "/admin/housing/vacancy/add/",
            {"unit": unit.pk, "notice_given_on": TODAY, "available_from": TODAY},
            follow=True,
        )
    assert response.status_code == 200
    page = response.content.decode()
    assert "#None" not in page and "Tillagd: Vakans nr 1, KB-0042" in page
    entry = LogEntry.objects.get()
    assert entry.object_repr.startswith("Vakans nr 1, KB-0042")
    with translation.override("sv"):
        assert "None" not in str(entry)
    assert not missed


def test_the_access_log_names_its_kinds_and_places_in_swedish(client, organisations):
    officer = staff_user("data_protection_officer", organisations["partner"], username="dpo")
    for where in ("volunteers:queue", "volunteers:visit", "data request", "admin"):
        AccessLog.objects.create(
            user=officer, action="view", object_type="hosts.host", object_id="7", where=where
        )
    swedish(client).force_login(officer)
    with swedish_misses() as missed:
        page = client.get("/admin/privacy/accesslog/").content.decode()
    rows = page.split('id="result_list"')[1].split("</table>")[0]
    for raw in ("hosts.host", "volunteers:queue", "call queue", "home visit", "data request"):
        assert raw not in rows, raw
    for shown in ("värd", "Samtalskö", "Hembesök", "Begäran om registerutdrag eller radering"):
        assert shown in rows, shown
    filters = page.split('id="changelist-filter"')[1]
    assert ">hosts.host<" not in filters and ">värd<" in filters and ">Samtalskö<" in filters
    with translation.override("sv"):
        text = str(AccessLog.objects.first())
    assert "hosts.host" not in text and "Öppnade" in text
    assert not missed
