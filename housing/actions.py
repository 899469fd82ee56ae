"""The housing company's rules: the vacancy quota, offered flats, sublets that become first-hand
contracts."""

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.access import has_role
from accounts.models import User
from hosts.actions import lock_home, transition_home
from hosts.models import Home
from hosts.workflow import HOME_WORKFLOW
from matching.places import resolve_place
from matching_portal import formatting
from notifications.actions import queue_email
from workflow.errors import Conflict, Invalid, NotAllowed
from workflow.models import ActorKind

from .models import Contract, QuotaAgreement, Unit, Vacancy
from .workflow import CONTRACT_WORKFLOW, VACANCY_WORKFLOW


def _check_staff(user: User | None, company_id: int) -> None:
    if user is None or user.is_superuser:
        return
    if user.organisation_id != company_id:
        raise NotAllowed(_("You can only record vacancies of your own company."))


def active_agreement(*, company_id: int, on: date) -> QuotaAgreement | None:
    return (
        QuotaAgreement.objects.filter(company_id=company_id, period_start__lte=on)
        .filter(Q(period_end__isnull=True) | Q(period_end__gte=on))
        .order_by("-period_start")
        .first()
    )


def record_vacancy(
    *, unit: Unit, notice_given_on: date, available_from: date, user: User | None
) -> Vacancy:
    """Staff record that a tenant has given notice. The agreement's row is locked while the
    vacancy is counted, so staff recording vacancies at the same moment are counted one after the
    other: every vacancy gets the next number, and every Nth one (or the next one after a declined
    offer, if the agreement says so) is offered to the integration unit."""
    _check_staff(user, unit.company_id)
    if available_from < notice_given_on:
        raise Invalid(_("The flat cannot be free before the notice was given."))
    agreement = active_agreement(company_id=unit.company_id, on=notice_given_on)
    if agreement is None:
        raise Invalid(_("There is no quota agreement for this date."))
    with transaction.atomic():
        agreement = QuotaAgreement.objects.select_for_update().get(pk=agreement.pk)
        agreement.vacancies_counted += 1
        sequence = agreement.vacancies_counted
        offered = sequence % agreement.every_nth == 0
        as_replacement = False
        if not offered and agreement.replacements_owed > 0:
            offered = as_replacement = True
            agreement.replacements_owed -= 1
        agreement.save(update_fields=["vacancies_counted", "replacements_owed"])
        vacancy = Vacancy.objects.create(
            agreement=agreement,
            company_id=unit.company_id,
            unit=unit,
            notice_given_on=notice_given_on,
            available_from=available_from,
            sequence=sequence,
            offered=offered,
            as_replacement=as_replacement,
            status=Vacancy.Status.OFFERED if offered else Vacancy.Status.LET_NORMALLY,
            recorded_by=user,
        )
        VACANCY_WORKFLOW.log_created(
            vacancy, user=user, actor_kind=ActorKind.USER if user else ActorKind.SYSTEM
        )
        if offered:
            vacancy.home = _offer_home(vacancy, agreement)
            vacancy.save(update_fields=["home"])
    return vacancy


def _offer_home(vacancy: Vacancy, agreement: QuotaAgreement) -> Home:
    """The offered flat becomes a home in the matching workflow, referred to the integration
    unit, and is matched to a newcomer case like any other home."""
    unit = vacancy.unit
    home = Home.objects.create(
        unit=unit,
        street_address=unit.street_address,
        postcode=unit.postcode,
        municipality=unit.municipality,
        kind=Home.Kind.WHOLE_HOME,
        beds=min(unit.rooms * 2, 20),
        available_from=vacancy.available_from,
        available_months=None,
        rent_per_month=unit.rent_per_month,
        household_description=str(_("An empty flat of the housing company")),
        smoking=Home.Smoking.NO,
        languages=[],
        step_free_access=unit.step_free_access,
        heard_from=Home.HeardFrom.OTHER,
        place=resolve_place(
            unit.municipality.short_name if unit.municipality_id else unit.municipality_as_given,
            partner_id=agreement.integration_unit_id,
            municipality=unit.municipality_id,
        ),
    )
    HOME_WORKFLOW.log_created(home, actor_kind=ActorKind.SYSTEM)
    transition_home(
        home=home,
        name="offer_from_company",
        actor_kind=ActorKind.SYSTEM,
        changes={"partner": agreement.integration_unit},
        reason=str(_("Vacancy no. %(n)s under the quota") % {"n": vacancy.sequence}),
    )
    return home


def may_decline(user: User, vacancy: Vacancy) -> bool:
    """The integration unit's coordinators decline offers (not its managers, who only follow
    up, nor the data protection officer, who only reads)."""
    if user.is_superuser:
        return True
    return user.organisation_id == vacancy.agreement.integration_unit_id and has_role(
        user, roles.PARTNER_COORDINATOR
    )


def decline_offer(*, vacancy: Vacancy, user: User, reason: str) -> Vacancy:
    """The integration unit declines an offered flat: it goes back to the company with the
    reason, and, if the agreement says so, the next vacancy replaces it."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Please give a reason for this step."))
    if not may_decline(user, vacancy):
        raise NotAllowed(_("Only the integration unit can decline the offer."))
    with transaction.atomic():
        # The home first, then the vacancy: the order a move-in (which accepts the offer) keeps.
        if vacancy.home_id:
            lock_home(vacancy.home)
        locked = Vacancy.objects.select_for_update().get(pk=vacancy.pk)
        if locked.status != Vacancy.Status.OFFERED:
            raise Conflict(_("Only an open offer can be declined."))
        VACANCY_WORKFLOW.apply(
            locked, "decline", user=user, reason=reason, changes={"decline_reason": reason[:300]}
        )
        if locked.home_id:
            transition_home(
                home=locked.home, name="withdraw", actor_kind=ActorKind.SYSTEM, reason=reason
            )
        agreement = QuotaAgreement.objects.select_for_update().get(pk=locked.agreement_id)
        if agreement.replace_declined:
            agreement.replacements_owed += 1
            agreement.save(update_fields=["replacements_owed"])
    return locked


def open_sublet(*, match, starts_on: date) -> Contract:
    """A household moves into a company flat: a sublet through the municipality begins, or a
    first-hand contract at once if the household is already registered with the Public
    Employment Service."""
    home = match.home
    contract, created = Contract.objects.get_or_create(
        match=match,
        defaults={"company_id": home.unit.company_id, "unit": home.unit, "starts_on": starts_on},
    )
    if created:
        CONTRACT_WORKFLOW.log_created(contract, actor_kind=ActorKind.SYSTEM)
        offer = Vacancy.objects.filter(home=home, status=Vacancy.Status.OFFERED).first()
        if offer is not None:
            VACANCY_WORKFLOW.apply(offer, "accept", actor_kind=ActorKind.SYSTEM)
        registered_on = match.case.registered_with_employment_service_on
        if registered_on is not None:
            _convert(contract, registered_on=registered_on, user=None)
    return contract


def may_record_registration(user: User, case) -> bool:
    """The household's coordinators record the registration, and the staff of a company whose
    flat the household lives in on a sublet; those who only read (managers, the data protection
    officer) do not."""
    if user.is_superuser:
        return True
    if user.organisation_id == case.partner_id:
        return has_role(user, roles.PARTNER_COORDINATOR)
    return has_role(user, roles.HOUSING_COMPANY_STAFF) and (
        Contract.objects.filter(match__case=case, company_id=user.organisation_id).exists()
    )


def record_employment_service_registration(*, case, registered_on: date, user: User):
    """The household is registered with the Public Employment Service (Arbetsförmedlingen): the
    date is kept on the case, and each sublet of the household becomes a first-hand contract at
    once, logged, with an e-mail to the company's staff and the partner's coordinators. Recording
    it again changes nothing and sends nothing."""
    from newcomers.models import NewcomerCase

    if not may_record_registration(user, case):
        raise NotAllowed(_("You are not allowed to take this step."))
    if registered_on > timezone.localdate():
        raise Invalid(_("The date cannot be in the future."))
    with transaction.atomic():
        locked = NewcomerCase.objects.select_for_update().get(pk=case.pk)
        if locked.registered_with_employment_service_on is None:
            locked.registered_with_employment_service_on = registered_on
            locked.save(update_fields=["registered_with_employment_service_on", "updated_at"])
        for contract in Contract.objects.filter(match__case=locked, kind=Contract.Kind.SUBLET):
            _convert(
                contract, registered_on=locked.registered_with_employment_service_on, user=user
            )
    case.registered_with_employment_service_on = locked.registered_with_employment_service_on
    return case


def _convert(contract: Contract, *, registered_on: date, user: User | None) -> None:
    """The sublet becomes a first-hand contract (under the contract's lock: twice is once)."""
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if locked.kind == Contract.Kind.FIRST_HAND:
        return
    who = (user.get_full_name() or user.username) if user is not None else _("the portal")
    CONTRACT_WORKFLOW.apply(
        locked,
        "convert",
        actor_kind=ActorKind.SYSTEM,
        reason=str(
            _("Registered with the Public Employment Service on %(day)s (recorded by %(who)s)")
            % {"day": formatting.day(registered_on), "who": who}
        ),
        changes={"converted_at": timezone.now()},
    )
    _notify_conversion(locked)


def _notify_conversion(contract: Contract) -> None:
    case = contract.match.case
    recipients = (
        User.objects.filter(is_active=True)
        .filter(
            Q(groups__name=roles.HOUSING_COMPANY_STAFF, organisation_id=contract.company_id)
            | Q(groups__name=roles.PARTNER_COORDINATOR, organisation_id=case.partner_id)
        )
        .distinct()
    )
    for person in recipients:
        if person.email:
            queue_email(
                to=person.email,
                template="contract_converted",
                context={
                    "name": person.get_full_name() or person.username,
                    "unit": contract.unit,
                    "case": case.reference,
                },
                language=person.language,
            )
