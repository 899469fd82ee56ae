"""The steps of the road to work: the only code that changes a placement's status
(``work.workflow``). Every step checks that the person acts for the right side:

- the employer's side: a user of the employer's organisation with a role that works there (a
  placement supervisor, the housing company's staff, or a municipality's coordinators when the
  municipality itself is the employer);
- the integration unit's side: a partner coordinator of the unit the placement is offered to.

A placement outside the person's reach (``Placement.objects.visible_to``) does not exist for
them: a 404 wherever it is asked for.
"""

import re
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.access import has_role
from accounts.models import Organisation, User
from newcomers.models import NewcomerCase
from workflow.errors import Conflict, Invalid, NotAllowed
from workflow.form_input import find_refused_character, is_blank

from . import notifications
from .models import (
    Employer,
    Placement,
    PlacementCheckIn,
    StaffFigures,
    looks_like_identity_number,
)
from .workflow import EMPLOYER, PLACEMENT_WORKFLOW

# The fields of a proposal: forgotten when it is declined or withdrawn.
PROPOSAL_FIELDS = {
    "case": None,
    "adult_number": None,
    "employment_service_reference": "",
    "consent_given_on": None,
    "consent_given": "",
    "consent_recorded_by": None,
}

# How many languages a placement may list, and how long a code may be.
MAX_LANGUAGES = 10
# The most staff an employer can record (no employer in the municipality has more).
MAX_STAFF = 1_000_000

# What the Public Employment Service's reference may hold: letters and digits, with spaces and
# the separators such references use between them. Nothing else (no markup, no quotes).
_REFERENCE = re.compile(r"^[0-9A-Za-zÅÄÖåäöÉé](?:[0-9A-Za-zÅÄÖåäöÉé \-/._:]*[0-9A-Za-zÅÄÖåäöÉé])?$")
REFERENCE_MAX_LENGTH = Placement._meta.get_field("employment_service_reference").max_length


# Who acts ---------------------------------------------------------------------------------------


def acts_for_employer(user: User | None, employer: Employer) -> bool:
    """The person works at the employer in a role that offers and supervises placements."""
    if user is None or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.organisation_id == employer.organisation_id and has_role(user, *EMPLOYER)


def employers_acted_for(user: User | None):
    """The employers the person acts for (``acts_for_employer``): the choices of the forms that
    offer a placement or record the staff figures."""
    if user is None or not user.is_active:
        return Employer.objects.none()
    employers = Employer.objects.visible_to(user).select_related("organisation")
    if user.is_superuser:
        return employers
    if not has_role(user, *EMPLOYER):
        return employers.none()
    return employers.filter(organisation_id=user.organisation_id)


def acts_for_integration_unit(user: User | None, unit_id: int) -> bool:
    """The person is a coordinator of the integration unit."""
    if user is None or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.organisation_id == unit_id and has_role(user, roles.PARTNER_COORDINATOR)


def _check_reach(user, placement: Placement) -> None:
    if not Placement.objects.visible_to(user).filter(pk=placement.pk).exists():
        raise Http404


def _check_employer(user, placement: Placement) -> None:
    _check_reach(user, placement)
    if not acts_for_employer(user, placement.employer):
        raise NotAllowed(_("Only the employer's staff can take this step."))


def _check_unit(user, placement: Placement) -> None:
    _check_reach(user, placement)
    if not acts_for_integration_unit(user, placement.integration_unit_id):
        raise NotAllowed(_("Only the integration unit's coordinators can take this step."))


def _check_either(user, placement: Placement) -> None:
    _check_reach(user, placement)
    if not (
        acts_for_employer(user, placement.employer)
        or acts_for_integration_unit(user, placement.integration_unit_id)
    ):
        raise NotAllowed(_("You are not allowed to take this step."))


def _typed(text: str, *, one_line: bool = False) -> str:
    """Text as typed, without the whitespace around it (with ``one_line``, every run of
    whitespace collapsed to one space). As on the forms (``workflow.form_input``), a character
    no form accepts is refused, and nothing but spaces and invisible characters is empty."""
    text = text or ""
    if find_refused_character(text) is not None:
        raise Invalid(_("The text contains characters that cannot be saved."))
    text = " ".join(text.split()) if one_line else text.strip()
    return "" if is_blank(text) else text


def _not_in_future(day: date, message) -> None:
    if not isinstance(day, date):
        raise Invalid(_("Give a date."))
    if day > timezone.localdate():
        raise Invalid(message)


def _refuse_hidden_characters(*texts: str) -> None:
    """A control character (a NUL, say) cannot be stored: refused with a message, not a 500."""
    if any(find_refused_character(text or "") is not None for text in texts):
        raise Invalid(_("The text contains characters that cannot be saved."))


def _check_reason(reason: str) -> str:
    """A reason for the history as typed (``_typed``), a few sentences at most."""
    reason = _typed(reason)
    if len(reason) > 2000:
        raise Invalid(_("Please keep it to 2,000 characters."))
    return reason


def _locked(placement: Placement) -> Placement:
    """The placement as it is now, its row locked until the transaction ends: the dates a step
    checks are compared with what is stored, not with what the caller loaded earlier."""
    return Placement.objects.select_for_update().get(pk=placement.pk)


def clean_employment_service_reference(value: str) -> str:
    """The Public Employment Service's reference for the person's plan, with its spaces tidied;
    refused (``Invalid``) if it is missing, too long, holds a personal identity number, or holds
    anything but letters, digits, spaces and - / . _ :"""
    _refuse_hidden_characters(value)
    reference = " ".join((value or "").split())
    if not reference:
        raise Invalid(_("Give the Public Employment Service's reference for the person's plan."))
    if len(reference) > REFERENCE_MAX_LENGTH:
        raise Invalid(_("Please keep the reference to 40 characters."))
    if looks_like_identity_number(reference):
        raise Invalid(
            _(
                "This looks like a personal identity number. Give the Public Employment "
                "Service's reference for the plan instead."
            )
        )
    if not _REFERENCE.match(reference):
        raise Invalid(
            _(
                "The reference can hold letters, digits, spaces and the signs - / . _ : only, "
                "as the Public Employment Service writes it."
            )
        )
    return reference


# Employers ---------------------------------------------------------------------------------------


def register_employer(*, organisation: Organisation, integration_units, user=None) -> Employer:
    """An organisation that has its own users (the housing company, the municipality itself)
    becomes an employer that takes the given integration units' newcomers. Registering it again
    adds the units."""
    with transaction.atomic():
        employer, _created = Employer.objects.get_or_create(
            organisation=organisation, defaults={"added_by": user}
        )
        employer.integration_units.add(*integration_units)
    return employer


def add_employer(*, name: str, contact_email: str = "", user: User) -> Employer:
    """A partner's coordinator adds an outside organisation (a shop, a school, a builder) as an
    employer that takes their unit's newcomers. Its supervisors get accounts of that
    organisation."""
    if (
        not acts_for_integration_unit(user, user.organisation_id)
        or user.organisation is None
        or user.organisation.kind != Organisation.Kind.PARTNER
    ):
        raise NotAllowed(_("Only a partner's coordinators can add an employer."))
    _refuse_hidden_characters(contact_email)
    name = _typed(name, one_line=True)
    if not name:
        raise Invalid(_("Give the employer's name."))
    if len(name) > 200:
        raise Invalid(_("Please keep the name to 200 characters."))
    contact_email = (contact_email or "").strip()
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError as error:
            raise Invalid(_("Enter a valid email address.")) from error
    taken = Conflict(
        _("An organisation named “%(name)s” is in the portal already.") % {"name": name}
    )
    if Organisation.objects.filter(name__iexact=name).exists():
        raise taken
    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(
                name=name, kind=Organisation.Kind.EMPLOYER, contact_email=contact_email
            )
            return register_employer(
                organisation=organisation, integration_units=[user.organisation], user=user
            )
    except IntegrityError as error:  # the same name added by someone else a moment ago
        raise taken from error


def record_staff_figures(
    *, employer: Employer, recorded_on: date, employees: int, came_as_newcomers: int, user: User
) -> StaffFigures:
    """The employer records how many people it employs and how many of them came to Sweden as
    newcomers, as of a date (recording the same date again corrects it)."""
    if not Employer.objects.visible_to(user).filter(pk=employer.pk).exists():
        raise Http404
    if not acts_for_employer(user, employer):
        raise NotAllowed(_("Only the employer's staff can take this step."))
    _not_in_future(recorded_on, _("The date cannot be in the future."))
    if not all(
        isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 10_000_000
        for n in (employees, came_as_newcomers)
    ):
        raise Invalid(_("Give whole numbers, zero or more."))
    if employees > MAX_STAFF:
        raise Invalid(_("Please give at most 1,000,000 employees."))
    if came_as_newcomers > employees:
        raise Invalid(_("More staff came as newcomers than the employer employs."))
    figures, _created = StaffFigures.objects.update_or_create(
        employer=employer,
        recorded_on=recorded_on,
        defaults={
            "employees": employees,
            "came_as_newcomers": came_as_newcomers,
            "recorded_by": user,
            "created_at": timezone.now(),
        },
    )
    return figures


# Offers ------------------------------------------------------------------------------------------


def _offer_texts(title: str, place: str) -> tuple[str, str]:
    """What the work is and where, as typed (``_typed``): both given, 200 characters at most."""
    title, place = _typed(title), _typed(place)
    if not title or not place:
        raise Invalid(_("Say what the work is and where."))
    if len(title) > 200 or len(place) > 200:
        raise Invalid(_("Please keep what the work is and where to 200 characters each."))
    return title, place


def _clean_offer(
    *, employer, integration_unit, kind, starts_on, ends_on, hours_per_week, languages, supervisor
) -> list[str]:
    if kind not in Placement.Kind.values:
        raise Invalid(_("Choose the kind of placement."))
    if not isinstance(starts_on, date) or not isinstance(ends_on, date):
        raise Invalid(_("Give a date."))
    if not isinstance(hours_per_week, int) or isinstance(hours_per_week, bool):
        raise Invalid(_("Give the hours per week, from 1 to 40."))
    if getattr(integration_unit, "kind", None) != Organisation.Kind.PARTNER:
        raise Invalid(_("This employer does not take newcomers from that integration unit."))
    if ends_on < starts_on:
        raise Invalid(_("The placement cannot end before it starts."))
    if (ends_on - starts_on).days > 3 * 366:
        raise Invalid(_("A placement can last at most three years."))
    if not 1 <= hours_per_week <= 40:
        raise Invalid(_("Give the hours per week, from 1 to 40."))
    languages = [_typed(str(code)).lower() for code in (languages or [])]
    languages = [code for code in languages if code]
    if len(languages) > MAX_LANGUAGES or any(len(code) > 10 for code in languages):
        raise Invalid(_("Give at most ten language codes, such as sv or en."))
    if integration_unit.kind != Organisation.Kind.PARTNER or (
        integration_unit.pk != employer.organisation_id
        and not employer.integration_units.filter(pk=integration_unit.pk).exists()
    ):
        raise Invalid(_("This employer does not take newcomers from that integration unit."))
    if supervisor is not None and supervisor.organisation_id != employer.organisation_id:
        raise Invalid(_("The supervisor must work at the employer."))
    return list(dict.fromkeys(languages))


def offer_placement(
    *,
    employer: Employer,
    integration_unit: Organisation,
    kind: str,
    title: str,
    place: str,
    starts_on: date,
    ends_on: date,
    hours_per_week: int,
    languages=(),
    supervisor: User | None = None,
    user: User,
) -> Placement:
    """The employer offers a placement to an integration unit's newcomers."""
    if not Employer.objects.visible_to(user).filter(pk=employer.pk).exists():
        raise Http404
    if not acts_for_employer(user, employer):
        raise NotAllowed(_("Only the employer's staff can offer its placements."))
    title, place = _offer_texts(title, place)
    languages = _clean_offer(
        employer=employer,
        integration_unit=integration_unit,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        hours_per_week=hours_per_week,
        languages=languages,
        supervisor=supervisor,
    )
    with transaction.atomic():
        placement = Placement.objects.create(
            employer=employer,
            integration_unit=integration_unit,
            kind=kind,
            title=title,
            place=place,
            supervisor=supervisor,
            starts_on=starts_on,
            ends_on=ends_on,
            hours_per_week=hours_per_week,
            languages=languages,
            created_by=user,
        )
        PLACEMENT_WORKFLOW.log_created(placement, user=user)
    return placement


# The details of an offer that may change while nobody is proposed for it.
OFFER_DETAILS = (
    "title",
    "place",
    "starts_on",
    "ends_on",
    "hours_per_week",
    "languages",
    "supervisor",
)


def change_offer(
    *,
    placement: Placement,
    title: str,
    place: str,
    starts_on: date,
    ends_on: date,
    hours_per_week: int,
    languages=(),
    supervisor: User | None = None,
    user: User,
) -> Placement:
    """The employer corrects the details of an offer nobody is proposed for yet (the same checks
    as ``offer_placement``). Not a step of the workflow: the status stays "offered"."""
    _check_employer(user, placement)
    title, place = _offer_texts(title, place)
    languages = _clean_offer(
        employer=placement.employer,
        integration_unit=placement.integration_unit,
        kind=placement.kind,
        starts_on=starts_on,
        ends_on=ends_on,
        hours_per_week=hours_per_week,
        languages=languages,
        supervisor=supervisor,
    )
    with transaction.atomic():
        locked = Placement.objects.select_for_update().get(pk=placement.pk)
        if locked.status != Placement.Status.OFFERED:
            raise Conflict(
                _("Only an offer nobody is proposed for can be changed; it is “%(stage)s” now.")
                % {"stage": locked.get_status_display()}
            )
        values = {
            "title": title[:200],
            "place": place[:200],
            "starts_on": starts_on,
            "ends_on": ends_on,
            "hours_per_week": hours_per_week,
            "languages": languages,
            "supervisor": supervisor,
        }
        for name, value in values.items():
            setattr(locked, name, value)
            setattr(placement, name, value)
        locked.save(update_fields=list(OFFER_DETAILS))
    return placement


def withdraw_offer(*, placement: Placement, user: User, reason: str) -> Placement:
    """The employer withdraws an offer nobody has taken."""
    _check_employer(user, placement)
    reason = _check_reason(reason)
    PLACEMENT_WORKFLOW.apply(placement, "withdraw", user=user, reason=reason)
    return placement


# The proposal -----------------------------------------------------------------------------------


def propose_newcomer(
    *,
    placement: Placement,
    case: NewcomerCase,
    adult_number: int,
    employment_service_reference: str,
    consent_given_on: date,
    consent_given: str,
    user: User,
) -> Placement:
    """The integration unit proposes an adult of one of its cases for the placement, with the
    person's consent (how and when it was given) and the Public Employment Service's reference
    for the person's plan. The employer's supervisor is told."""
    _check_unit(user, placement)
    if not NewcomerCase.objects.visible_to(user).filter(pk=case.pk).exists():
        raise Http404
    if case.partner_id != placement.integration_unit_id:
        raise Invalid(_("The case must be one of the integration unit's own."))
    if case.status == NewcomerCase.Status.CLOSED:
        raise Conflict(_("The case is closed."))
    # Consent first: without it nothing else of the proposal matters.
    if consent_given_on is None or consent_given not in Placement.ConsentGiven.values:
        raise Invalid(_("Record the person's consent before proposing them."))
    _not_in_future(consent_given_on, _("The consent cannot be given in the future."))
    if (
        not isinstance(adult_number, int)
        or isinstance(adult_number, bool)
        or not 1 <= adult_number <= case.adults
    ):
        raise Invalid(_("The household has %(n)s adults: choose one of them.") % {"n": case.adults})
    reference = clean_employment_service_reference(employment_service_reference)
    with transaction.atomic():
        PLACEMENT_WORKFLOW.apply(
            placement,
            "propose",
            user=user,
            changes={
                "case": case,
                "adult_number": adult_number,
                "employment_service_reference": reference,
                "consent_given_on": consent_given_on,
                "consent_given": consent_given,
                "consent_recorded_by": user,
            },
        )
        notifications.tell_employer_of_proposal(placement)
    return placement


def withdraw_proposal(*, placement: Placement, user: User, reason: str) -> Placement:
    """The integration unit withdraws its proposal (the person changed their mind, say): the
    placement is offered again and the person's details are forgotten."""
    _check_unit(user, placement)
    reason = _check_reason(reason)
    PLACEMENT_WORKFLOW.apply(
        placement, "withdraw_proposal", user=user, reason=reason, changes=dict(PROPOSAL_FIELDS)
    )
    return placement


def decline_proposal(*, placement: Placement, user: User, reason: str) -> Placement:
    """The employer declines the proposed person: the placement is offered again, the person's
    details are forgotten, and the integration unit is told why."""
    _check_employer(user, placement)
    reason = _check_reason(reason)
    with transaction.atomic():
        PLACEMENT_WORKFLOW.apply(
            placement, "decline", user=user, reason=reason, changes=dict(PROPOSAL_FIELDS)
        )
        notifications.tell_unit_of_decline(placement)
    return placement


# The placement itself ---------------------------------------------------------------------------


def start_placement(*, placement: Placement, started_on: date, user: User) -> Placement:
    """The person has started at the employer."""
    _check_employer(user, placement)
    _not_in_future(started_on, _("Record the start on the day it happens, not before."))
    with transaction.atomic():
        current = _locked(placement)
        if (
            current.status == Placement.Status.PROPOSED
            and current.consent_given_on
            and started_on < current.consent_given_on
        ):
            raise Invalid(_("The placement cannot start before the person gave their consent."))
        PLACEMENT_WORKFLOW.apply(placement, "start", user=user, changes={"started_on": started_on})
    return placement


def _check_end(placement: Placement, ended_on: date) -> None:
    """``placement`` as locked (``_locked``): its start as stored."""
    _not_in_future(ended_on, _("The date cannot be in the future."))
    if placement.started_on and ended_on < placement.started_on:
        raise Invalid(_("The placement cannot end before it started."))


def complete_placement(*, placement: Placement, ended_on: date, user: User) -> Placement:
    """The placement ran its course."""
    _check_employer(user, placement)
    _not_in_future(ended_on, _("The date cannot be in the future."))
    with transaction.atomic():
        _check_end(_locked(placement), ended_on)
        PLACEMENT_WORKFLOW.apply(placement, "complete", user=user, changes={"ended_on": ended_on})
    return placement


def end_placement_early(
    *, placement: Placement, ended_on: date, end_reason: str, user: User, reason: str = ""
) -> Placement:
    """The placement ended before its time, for a reason from the list (and, if the person
    likes, a few words). The other side is told."""
    _check_either(user, placement)
    if end_reason not in Placement.EndReason.values:
        raise Invalid(_("Say why the placement ended early."))
    reason = _check_reason(reason)
    _not_in_future(ended_on, _("The date cannot be in the future."))
    # The reason in the history: the person's own words, or else the reason chosen from the
    # list, written in the portal's language (the history is read by both sides).
    words = reason
    if not words:
        with translation.override(settings.LANGUAGE_CODE):
            words = str(Placement.EndReason(end_reason).label)
    with transaction.atomic():
        _check_end(_locked(placement), ended_on)
        PLACEMENT_WORKFLOW.apply(
            placement,
            "end_early",
            user=user,
            reason=words,
            changes={"ended_on": ended_on, "end_reason": end_reason},
        )
        notifications.tell_other_side_of_early_end(placement, user=user)
    return placement


def record_employment(*, placement: Placement, employed_on: date, user: User) -> Placement:
    """The placement led to employment (with this employer or, as the unit learns, another)."""
    _check_either(user, placement)
    _not_in_future(employed_on, _("The date cannot be in the future."))
    with transaction.atomic():
        current = _locked(placement)
        if current.started_on and employed_on < current.started_on:
            raise Invalid(_("The employment cannot start before the placement did."))
        PLACEMENT_WORKFLOW.apply(
            placement, "employ", user=user, changes={"employed_on": employed_on}
        )
    return placement


# The supervisor's check-ins ---------------------------------------------------------------------


def record_placement_check_in(
    *,
    placement: Placement,
    on: date,
    days_expected: int,
    days_present: int,
    language: str,
    going: str,
    note: str = "",
    user: User,
) -> PlacementCheckIn:
    """The supervisor notes how the placement goes. "Difficult" tells the integration unit."""
    _check_employer(user, placement)
    _not_in_future(on, _("The date cannot be in the future."))
    if not all(
        isinstance(n, int) and not isinstance(n, bool) for n in (days_expected, days_present)
    ) or not (0 <= days_expected <= 366 and days_present >= 0):
        raise Invalid(_("Give the days as whole numbers, from 0 to 366."))
    if days_present > days_expected:
        raise Invalid(_("The days present cannot be more than the days expected."))
    if language not in PlacementCheckIn.Language.values:
        raise Invalid(_("Say which language the work is done in."))
    if going not in PlacementCheckIn.Going.values:
        raise Invalid(_("Say how it goes."))
    note = _typed(note)
    if len(note) > 2000:
        raise Invalid(_("Please keep the note to 2,000 characters."))
    if looks_like_identity_number(note):
        raise Invalid(_("Leave personal identity numbers out of the note."))
    with transaction.atomic():
        # Checked on the stored row, locked: a placement completed a moment ago takes no more
        # check-ins.
        current = _locked(placement)
        if current.status != Placement.Status.STARTED:
            raise Conflict(_("Check-ins are recorded while the placement is under way."))
        if current.started_on and on < current.started_on:
            raise Invalid(_("The check-in cannot be before the placement started."))
        check_in = PlacementCheckIn.objects.create(
            placement=placement,
            on=on,
            days_expected=days_expected,
            days_present=days_present,
            language=language,
            going=going,
            note=note,
            recorded_by=user,
        )
        if going == PlacementCheckIn.Going.DIFFICULT:
            notifications.tell_unit_of_difficulty(check_in)
    return check_in
