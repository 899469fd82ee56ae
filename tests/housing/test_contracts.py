"""A household moves into an offered company flat on a sublet through the municipality; the sublet
becomes a first-hand contract once the tenant is registered with the Public Employment Service."""

import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from housing.actions import record_employment_service_registration
from housing.models import Contract, ContractTransition, Vacancy
from matching.actions import approve_match, propose_match, record_move_in
from matching_portal import formatting
from notifications.models import OutboundEmail
from tests.conftest import require
from tests.factories import (
    NewcomerCaseFactory,
    UserFactory,
    offered_flat,
    referred_home,
    said_yes,
    staff_user,
)
from workflow.engine import TransitionNotAllowed

TODAY = timezone.localdate()
SUBJECT = "A sublet has become a first-hand contract"


def move_in(home, case, coordinator, day):
    match = propose_match(home=home, case=case, user=coordinator)
    approve_match(match=said_yes(match, coordinator), user=coordinator)
    return record_move_in(match=match, user=coordinator, move_in_date=day)


@pytest.fixture
def people(organisations, company_staff, coordinator, other_coordinator, other_company_staff):
    """Who hears of the conversion, and who does not."""
    return SimpleNamespace(
        company_staff=company_staff,  # reads English
        colleague=staff_user(
            "housing_company_staff", organisations["housing"], username="kollega", language="sv"
        ),
        coordinator=coordinator,  # reads Swedish
        # Not told: a former colleague, another company, another partner, the partner's manager.
        former=staff_user(
            "housing_company_staff", organisations["housing"], username="slutat", is_active=False
        ),
        other_company_staff=other_company_staff,
        other_coordinator=other_coordinator,
        manager=staff_user("manager", organisations["partner"], username="chef"),
        volunteer=UserFactory(roles=["volunteer"], organisation=organisations["volunteers"]),
    )


@pytest.fixture
def moved_in(quota, company_staff, coordinator, organisations, django_capture_on_commit_callbacks):
    """A household of the partner moved into the flat offered under the quota, a week ago."""
    vacancy = offered_flat(quota, user=company_staff)
    case = NewcomerCaseFactory(partner=organisations["partner"], reference="KRK-2026-040")
    with django_capture_on_commit_callbacks(execute=True):
        match = move_in(vacancy.home, case, coordinator, TODAY - timedelta(days=7))
    mail.outbox.clear()
    return SimpleNamespace(vacancy=vacancy, case=case, match=match, contract=match.contract)


@pytest.mark.django_db
def test_moving_into_an_offered_flat_opens_a_sublet_and_accepts_the_offer(moved_in, quota):
    contract, vacancy = moved_in.contract, moved_in.vacancy

    assert contract.kind == Contract.Kind.SUBLET
    assert contract.company_id == quota.company_id
    assert contract.unit == vacancy.unit
    assert contract.starts_on == TODAY - timedelta(days=7)
    assert contract.match.case.registered_with_employment_service_on is None
    assert contract.converted_at is None
    assert list(contract.transitions.values_list("from_state", "to_state", "actor_kind")) == [
        ("", "sublet", "system")
    ]
    vacancy.refresh_from_db()
    assert vacancy.status == Vacancy.Status.ACCEPTED
    home = vacancy.home
    assert home.status == "matched"
    moved_in.case.refresh_from_db()
    assert moved_in.case.status == "housed"


@pytest.mark.django_db
def test_moving_into_a_private_home_opens_no_contract(organisations, coordinator):
    home = referred_home(organisations["partner"])
    case = NewcomerCaseFactory(partner=organisations["partner"])

    match = move_in(home, case, coordinator, TODAY)

    assert match.status == "moved_in"
    assert not Contract.objects.exists()


@pytest.mark.django_db
def test_registration_converts_the_sublet_once_and_tells_both_sides(
    moved_in, people, django_capture_on_commit_callbacks
):
    contract = moved_in.contract
    registered_on = TODAY - timedelta(days=2)

    with django_capture_on_commit_callbacks(execute=True):
        returned = record_employment_service_registration(
            case=contract.match.case, registered_on=registered_on, user=people.company_staff
        )

    assert returned.registered_with_employment_service_on == registered_on
    contract.refresh_from_db()
    assert contract.kind == Contract.Kind.FIRST_HAND
    assert contract.match.case.registered_with_employment_service_on == registered_on
    assert contract.converted_at is not None
    assert abs(contract.converted_at - timezone.now()) < timedelta(minutes=1)
    change = ContractTransition.objects.get(contract=contract, to_state="first_hand")
    assert (change.from_state, change.actor_kind) == ("sublet", "system")
    # The day in the words of the language the step ran in, never an ISO date.
    assert formatting.day(registered_on) in change.reason
    assert registered_on.isoformat() not in change.reason

    sent = {message.to[0]: message for message in mail.outbox}
    assert sorted(sent) == sorted(
        person.email for person in (people.company_staff, people.colleague, people.coordinator)
    )
    assert sent[people.company_staff.email].subject == SUBJECT
    with translation.override("sv"):
        swedish_subject = gettext(SUBJECT)
    assert sent[people.colleague.email].subject == swedish_subject
    assert sent[people.coordinator.email].subject == swedish_subject
    for message in sent.values():
        assert contract.unit.street_address in message.body
        assert "KRK-2026-040" in message.body
    languages = dict(OutboundEmail.objects.values_list("to", "language"))
    assert languages == {
        people.company_staff.email: "en",
        people.colleague.email: "sv",
        people.coordinator.email: "sv",
    }


@pytest.mark.django_db
def test_recording_the_registration_again_changes_nothing_and_sends_nothing(
    moved_in, people, django_capture_on_commit_callbacks
):
    contract = moved_in.contract
    first_day = TODAY - timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        record_employment_service_registration(
            case=contract.match.case, registered_on=first_day, user=people.company_staff
        )
    contract.refresh_from_db()
    converted_at = contract.converted_at
    sent = len(mail.outbox)
    assert sent == 3

    with django_capture_on_commit_callbacks(execute=True):
        again = record_employment_service_registration(
            case=contract.match.case, registered_on=TODAY, user=people.coordinator
        )

    assert again.registered_with_employment_service_on == first_day
    contract.refresh_from_db()
    assert contract.kind == Contract.Kind.FIRST_HAND
    assert contract.match.case.registered_with_employment_service_on == first_day
    assert contract.converted_at == converted_at
    assert ContractTransition.objects.filter(contract=contract, to_state="first_hand").count() == 1
    assert len(mail.outbox) == sent
    assert OutboundEmail.objects.count() == sent


@pytest.mark.django_db
def test_contracts_are_seen_by_the_company_and_the_households_partner(
    moved_in, people, data_protection_officer
):
    def visible(user):
        return list(Contract.objects.visible_to(user))

    assert visible(people.company_staff) == [moved_in.contract]
    assert visible(people.coordinator) == [moved_in.contract]
    assert visible(data_protection_officer) == [moved_in.contract]
    for outsider in (people.other_company_staff, people.other_coordinator, people.volunteer):
        assert visible(outsider) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("role_groups")
def test_two_people_recording_the_registration_at_once_convert_it_once(
    quota, organisations, company_staff, coordinator
):
    require(
        connection.vendor == "postgresql",
        "the race needs PostgreSQL's row locks and concurrent transactions: "
        "set DATABASE_URL=postgres://…",
    )
    vacancy = offered_flat(quota, user=company_staff)
    case = NewcomerCaseFactory(partner=organisations["partner"])
    contract = move_in(vacancy.home, case, coordinator, TODAY).contract
    OutboundEmail.objects.all().delete()
    start = threading.Barrier(2)
    outcomes: list = []

    def press(user):
        try:
            loaded = Contract.objects.select_related("match__case").get(pk=contract.pk)
            start.wait(timeout=30)
            record_employment_service_registration(
                case=loaded.match.case, registered_on=TODAY, user=user
            )
            outcomes.append(Contract.objects.get(pk=contract.pk).kind)
        except Exception as exc:  # reported by the test
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(u,)) for u in (company_staff, coordinator)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes == ["first_hand", "first_hand"]
    assert ContractTransition.objects.filter(contract=contract, to_state="first_hand").count() == 1
    assert sorted(OutboundEmail.objects.values_list("to", flat=True)) == sorted(
        [company_staff.email, coordinator.email]
    )


@pytest.mark.django_db
def test_only_the_company_and_the_households_coordinators_record_the_registration(
    moved_in, people, data_protection_officer
):
    for someone in (
        people.manager,
        people.volunteer,
        people.other_company_staff,
        people.other_coordinator,
        data_protection_officer,
    ):
        with translation.override("en"), pytest.raises(TransitionNotAllowed) as refused:
            record_employment_service_registration(
                case=moved_in.case, registered_on=TODAY, user=someone
            )
        with translation.override("en"):
            assert str(refused.value.message) == "You are not allowed to take this step."

    moved_in.contract.refresh_from_db()
    assert moved_in.contract.kind == Contract.Kind.SUBLET
    assert not ContractTransition.objects.filter(to_state="first_hand").exists()
    assert not OutboundEmail.objects.exists()

    record_employment_service_registration(
        case=moved_in.case, registered_on=TODAY, user=people.coordinator
    )
    moved_in.contract.refresh_from_db()
    assert moved_in.contract.kind == Contract.Kind.FIRST_HAND
