"""The housing company in the admin: each company sees only its own units, allotments, vacancies
and contracts; the integration unit sees the flats offered to it and can decline them."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from housing.models import Contract, Unit, Vacancy
from matching.actions import approve_match, propose_match, record_move_in
from tests.factories import (
    AllotmentFactory,
    NewcomerCaseFactory,
    QuotaAgreementFactory,
    UnitFactory,
    offered_flat,
    record_vacancies,
    said_yes,
    staff_user,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
CHANGELISTS = ["unit", "allotment", "quotaagreement", "vacancy", "contract"]


def listed(response) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def refusals_on(response) -> list[str]:
    """The refusal of an action, shown once: on the step's form, not also as a message."""
    assert messages_of(response) == []
    return [str(e) for e in response.context["form"].non_field_errors()]


def housed_in(vacancy, coordinator) -> Contract:
    case = NewcomerCaseFactory(partner=coordinator.organisation)
    match = propose_match(home=vacancy.home, case=case, user=coordinator)
    approve_match(match=said_yes(match, coordinator), user=coordinator)
    return record_move_in(match=match, user=coordinator, move_in_date=TODAY).contract


def company_with_everything(company, partner, coordinator, reference):
    """A company with a unit, an allotment, an agreement, ten vacancies (two offered) and a
    household moved into the first offered flat."""
    agreement = QuotaAgreementFactory(company=company, integration_unit=partner)
    unit = UnitFactory(company=company, reference=reference)
    allotment = AllotmentFactory(company=company, description=f"Allotment of {reference}")
    vacancies = record_vacancies(10, unit=unit)
    offered = [v for v in vacancies if v.offered]
    contract = housed_in(offered[0], coordinator)
    return SimpleNamespace(
        agreement=agreement,
        unit=unit,
        allotment=allotment,
        vacancies=vacancies,
        offered=offered,
        contract=contract,
    )


@pytest.fixture
def ours(organisations, coordinator):
    return company_with_everything(
        organisations["housing"], organisations["partner"], coordinator, "KB-0001"
    )


@pytest.fixture
def theirs(other_company, organisations, other_coordinator):
    return company_with_everything(
        other_company, organisations["other_partner"], other_coordinator, "GB-0001"
    )


def object_urls(company) -> list[str]:
    return [
        f"/admin/housing/unit/{company.unit.pk}/change/",
        f"/admin/housing/allotment/{company.allotment.pk}/change/",
        f"/admin/housing/quotaagreement/{company.agreement.pk}/change/",
        f"/admin/housing/vacancy/{company.vacancies[0].pk}/change/",
        f"/admin/housing/vacancy/{company.offered[1].pk}/change/",
        f"/admin/housing/vacancy/{company.offered[1].pk}/decline/",
        f"/admin/housing/contract/{company.contract.pk}/change/",
        f"/admin/housing/contract/{company.contract.pk}/registered/",
    ]


def test_company_staff_see_only_their_own_company(client, ours, theirs, company_staff):
    client.force_login(company_staff)

    assert listed(client.get("/admin/housing/unit/")) == [ours.unit]
    assert listed(client.get("/admin/housing/allotment/")) == [ours.allotment]
    assert listed(client.get("/admin/housing/quotaagreement/")) == [ours.agreement]
    assert set(listed(client.get("/admin/housing/vacancy/"))) == set(ours.vacancies)
    assert listed(client.get("/admin/housing/contract/")) == [ours.contract]
    page = client.get("/admin/housing/unit/?q=GB").content.decode()
    assert "GB-0001" not in page

    for url in object_urls(ours):
        assert client.get(url).status_code == 200, url
    for url in object_urls(theirs):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"reason": "x", "registered_on": TODAY}).status_code == 404, url
    for vacancy in theirs.offered:
        vacancy.refresh_from_db()
    assert [v.status for v in theirs.offered] == ["accepted", "offered"]
    theirs.contract.refresh_from_db()
    assert theirs.contract.kind == "sublet"


def test_staff_record_a_vacancy_in_the_admin_through_the_quota(client, ours, theirs, company_staff):
    client.force_login(company_staff)
    form = client.get("/admin/housing/vacancy/add/")
    assert list(form.context["form"].fields["unit"].queryset) == [ours.unit]

    def add(unit):
        return client.post(
            "/admin/housing/vacancy/add/",
            {
                "unit": unit.pk,
                "notice_given_on": TODAY.isoformat(),
                "available_from": (TODAY + timedelta(days=30)).isoformat(),
                "_save": "Save",
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )

    response = add(ours.unit)
    assert response.status_code == 302
    eleventh = Vacancy.objects.get(agreement=ours.agreement, sequence=11)
    assert (eleventh.offered, eleventh.recorded_by) == (False, company_staff)
    for _ in range(4):
        response = add(ours.unit)
    fifteenth = Vacancy.objects.get(agreement=ours.agreement, sequence=15)
    assert fifteenth.offered and fifteenth.home.status == "referred"
    assert "Vacancy no. 15 is offered to the integration unit under the quota." in messages_of(
        response
    )

    response = add(theirs.unit)  # another company's unit is not among the choices
    assert response.status_code == 400
    assert response.context["form"].errors["unit"]
    assert Vacancy.objects.filter(agreement=theirs.agreement).count() == 10
    ours.agreement.refresh_from_db()
    assert ours.agreement.vacancies_counted == 15


def test_staff_cannot_give_their_unit_to_another_company(
    client, ours, other_company, company_staff
):
    client.force_login(company_staff)
    response = client.post(
        "/admin/housing/unit/add/",
        {
            "company": other_company.pk,
            "reference": "KB-9999",
            "street_address": "Nygatan 3",
            "postcode": "83531",
            "municipality": "2309",  # Krokom
            "kind": "ordinary",
            "rooms": 2,
            "size_m2": 55,
            "rent_per_month": 6000,
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["company"]
    assert not Unit.objects.filter(reference="KB-9999").exists()


def test_the_integration_unit_sees_the_offered_flats_and_declines_one(
    english, ours, theirs, coordinator
):
    english.force_login(coordinator)

    assert set(listed(english.get("/admin/housing/vacancy/"))) == set(ours.offered)
    assert listed(english.get("/admin/housing/contract/")) == [ours.contract]
    assert english.get("/admin/housing/unit/").status_code == 403
    open_offer = ours.offered[1]
    page = english.get(f"/admin/housing/vacancy/{open_offer.pk}/change/").content.decode()
    assert f"/admin/housing/vacancy/{open_offer.pk}/decline/" in page
    url = f"/admin/housing/vacancy/{open_offer.pk}/decline/"
    assert english.get(url).status_code == 200

    assert english.post(url, {"reason": ""}).status_code == 400
    open_offer.refresh_from_db()
    assert open_offer.status == Vacancy.Status.OFFERED

    response = english.post(url, {"reason": "Ingen hiss, hushållet behöver en."})
    assert response.status_code == 302
    assert response.url == f"/admin/housing/vacancy/{open_offer.pk}/change/"
    open_offer.refresh_from_db()
    assert open_offer.status == Vacancy.Status.DECLINED
    assert open_offer.decline_reason == "Ingen hiss, hushållet behöver en."
    assert open_offer.home.status == "withdrawn"
    ours.agreement.refresh_from_db()
    assert ours.agreement.replacements_owed == 1
    page = english.get(f"/admin/housing/vacancy/{open_offer.pk}/change/").content.decode()
    assert f"/admin/housing/vacancy/{open_offer.pk}/decline/" not in page

    response = english.post(url, {"reason": "Igen."})
    assert response.status_code == 409
    assert refusals_on(response) == ["Only an open offer can be declined."]

    accepted = ours.offered[0]
    assert (
        english.post(f"/admin/housing/vacancy/{accepted.pk}/decline/", {"reason": "x"}).status_code
        == 409
    )
    for vacancy in (ours.vacancies[0], *theirs.offered):  # not offered to us: not there
        assert english.get(f"/admin/housing/vacancy/{vacancy.pk}/change/").status_code == 404
        assert (
            english.post(
                f"/admin/housing/vacancy/{vacancy.pk}/decline/", {"reason": "x"}
            ).status_code
            == 404
        )


def test_the_company_cannot_decline_on_the_integration_units_behalf(english, ours, company_staff):
    english.force_login(company_staff)
    open_offer = ours.offered[1]

    response = english.post(f"/admin/housing/vacancy/{open_offer.pk}/decline/", {"reason": "x"})

    assert response.status_code == 403  # not allowed, whatever the offer's stage
    assert refusals_on(response) == ["Only the integration unit can decline the offer."]
    open_offer.refresh_from_db()
    assert open_offer.status == Vacancy.Status.OFFERED


def test_staff_record_the_registration_with_the_public_employment_service(
    english, ours, company_staff, django_capture_on_commit_callbacks
):
    english.force_login(company_staff)
    contract = ours.contract
    url = f"/admin/housing/contract/{contract.pk}/registered/"
    page = english.get(f"/admin/housing/contract/{contract.pk}/change/").content.decode()
    assert url in page

    tomorrow = TODAY + timedelta(days=1)
    response = english.post(url, {"registered_on": tomorrow.isoformat()})
    assert response.status_code == 400
    assert "The date cannot be in the future." in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = english.post(url, {"registered_on": TODAY.isoformat()})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.kind == Contract.Kind.FIRST_HAND
    assert contract.match.case.registered_with_employment_service_on == TODAY
    page = english.get(f"/admin/housing/contract/{contract.pk}/change/").content.decode()
    assert url not in page
    # The history inline names the kinds (never the stored "sublet", "first_hand").
    assert "Sublet through the municipality" in page and "First-hand contract" in page
    assert "first_hand" not in page.split('id="transitions-group"')[1]


def test_the_company_cannot_add_contracts_by_hand(client, company_staff):
    client.force_login(company_staff)
    assert client.get("/admin/housing/contract/add/").status_code == 403


# The lists' query counts: tests/housing/test_admin_changelist_queries.py.


def test_those_who_only_read_change_nothing(english, ours, data_protection_officer, organisations):
    """The data protection officer reads everything; the partner's manager follows up. Neither
    declines an offer or records a registration, and neither is offered the step."""
    manager = staff_user("manager", organisations["partner"], username="chef")
    contract, open_offer = ours.contract, ours.offered[1]
    for reader in (data_protection_officer, manager):
        english.force_login(reader)
        page = english.get(f"/admin/housing/contract/{contract.pk}/change/")
        assert page.status_code == 200
        assert "/registered/" not in page.content.decode()
        page = english.get(f"/admin/housing/vacancy/{open_offer.pk}/change/")
        assert page.status_code == 200
        assert "/decline/" not in page.content.decode()

        response = english.post(
            f"/admin/housing/contract/{contract.pk}/registered/",
            {"registered_on": TODAY.isoformat()},
        )
        assert response.status_code == 403
        assert refusals_on(response) == ["You are not allowed to take this step."]
        response = english.post(f"/admin/housing/vacancy/{open_offer.pk}/decline/", {"reason": "x"})
        assert response.status_code == 403
        assert english.get("/admin/housing/vacancy/add/").status_code == 403

    contract.refresh_from_db()
    open_offer.refresh_from_db()
    assert (contract.kind, open_offer.status) == ("sublet", "offered")


def test_the_coordinator_places_a_household_in_an_offered_flat_through_the_admin(
    english, organisations, quota, company_staff, coordinator
):
    """The offered flat (a home without a host) is on every page a coordinator uses to match,
    and moving in through the match's steps opens the sublet."""
    vacancy = offered_flat(quota, user=company_staff)
    home = vacancy.home
    case = NewcomerCaseFactory(partner=organisations["partner"], reference="KRK-2026-077")
    english.force_login(coordinator)

    assert home in listed(english.get("/admin/hosts/home/"))
    assert english.get(f"/admin/hosts/home/{home.pk}/change/").status_code == 200
    assert english.get(f"/admin/hosts/home/{home.pk}/history/").status_code == 200
    page = english.get(f"/admin/newcomers/newcomercase/{case.pk}/change/")
    assert page.status_code == 200
    assert f"/propose/{home.pk}/" in page.content.decode()
    assert english.get("/admin/newcomers/newcomercase/plan/").status_code == 200

    response = english.post(f"/admin/newcomers/newcomercase/{case.pk}/propose/{home.pk}/")
    assert response.status_code == 302
    match = said_yes(case.matches.get(), coordinator)  # the household said yes on the phone
    assert english.get(f"/admin/matching/match/{match.pk}/change/").status_code == 200
    assert english.post(f"/admin/matching/match/{match.pk}/step/approve/").status_code == 302
    response = english.post(
        f"/admin/matching/match/{match.pk}/step/move_in/", {"move_in_date": TODAY.isoformat()}
    )
    assert response.status_code == 302

    contract = Contract.objects.get(match=match)
    assert (contract.kind, contract.unit, contract.starts_on) == ("sublet", vacancy.unit, TODAY)
    vacancy.refresh_from_db()
    assert vacancy.status == Vacancy.Status.ACCEPTED
    assert english.get(f"/admin/housing/contract/{contract.pk}/change/").status_code == 200
    assert english.get("/admin/matching/match/").status_code == 200


@pytest.mark.parametrize("unit", ["abc", "x" * 3000, "99999999999999999999", "-1", "1.5"])
def test_a_unit_that_is_not_an_id_is_refused_on_the_form_not_a_server_error(
    client, ours, company_staff, unit
):
    """Found by the form fuzzer (tests/reliability/test_fuzz_forms.py::test_admin_vacancy_add):
    the unit's search field looked the posted value up to show it again, and a value that is not
    an id was a 500."""
    client.force_login(company_staff)
    today = timezone.localdate()
    before = Vacancy.objects.count()
    response = client.post(
        "/admin/housing/vacancy/add/",
        {
            "unit": unit,
            "notice_given_on": today.isoformat(),
            "available_from": (today + timedelta(days=30)).isoformat(),
        },
    )
    # The refused form again (the add page answers a refusal with 400), with the unit's error.
    assert response.status_code == 400
    assert response.context["form"].errors["unit"]
    assert Vacancy.objects.count() == before
