"""The steps of a newcomer case that a coordinator takes (matching, moving in and ending are steps
of the match, in ``matching.actions``, which move the case)."""

from django.utils.translation import gettext_lazy as _

from workflow.errors import Invalid
from workflow.models import ActorKind

from .models import CaseTransition, NewcomerCase
from .workflow import CASE_WORKFLOW


def transition_case(
    *, case: NewcomerCase, name: str, user=None, actor_kind: str = ActorKind.USER, reason: str = ""
) -> CaseTransition:
    """Move a case one step through its workflow, or raise ``TransitionNotAllowed``. A closed
    case's household links stop working with it."""
    from django.db import transaction

    with transaction.atomic():
        record = CASE_WORKFLOW.apply(case, name, user=user, actor_kind=actor_kind, reason=reason)
        if name == "close":
            revoke_household_links(case=case, user=user)
    return record


def close_case(*, case: NewcomerCase, user=None, reason: str) -> CaseTransition:
    """The coordinator closes a case (waiting or housed); refused while it has a live match."""
    actor = {"user": user} if user is not None else {"actor_kind": ActorKind.SYSTEM}
    return transition_case(case=case, name="close", reason=reason, **actor)


def reopen_case(*, case: NewcomerCase, user, reason: str = "") -> CaseTransition:
    """A closed case is waiting for housing again."""
    return transition_case(case=case, name="reopen", user=user, reason=reason)


def rehouse_case(*, case: NewcomerCase, user, reason: str) -> CaseTransition:
    """A housed household needs housing again (the stay has ended)."""
    return transition_case(case=case, name="rehouse", user=user, reason=reason)


def open_case(*, user, **fields) -> NewcomerCase:
    """A coordinator opens a case for their own partner; the history starts with it."""
    from django.db import transaction

    with transaction.atomic():
        case = NewcomerCase(**fields)
        case.full_clean()
        case.save()
        CASE_WORKFLOW.log_created(case, user=user)
    return case


def check_staying(
    *, outcome: str, still_in_municipality: bool | None, still_in_matched_home: bool | None
) -> None:
    """The staying answers go with an outcome, and a household still in its matched home still
    lives in the municipality. Raises ``Invalid`` (the case form asks the same)."""
    for answer in (still_in_municipality, still_in_matched_home):
        if answer is not None and not isinstance(answer, bool):
            raise Invalid(_("Answer yes, no or not known."))
    if (still_in_municipality is not None or still_in_matched_home is not None) and not outcome:
        raise Invalid(
            _(
                "Record the outcome after the establishment period together with where the "
                "household lives."
            )
        )
    if still_in_matched_home and still_in_municipality is False:
        raise Invalid(
            _(
                "A household that still lives in the home it was matched with still lives in the "
                "municipality."
            )
        )


def record_establishment_outcome(
    *,
    case: NewcomerCase,
    outcome: str,
    user,
    still_in_municipality: bool | None = None,
    still_in_matched_home: bool | None = None,
) -> NewcomerCase:
    """The outcome after the two-year establishment period: in work, in studies, or other; with
    it, whether the household still lives in the municipality and in the home it was matched with
    (None: not known). Recorded again, the new answers replace the old, with a new date.

    Not a status: the case's history (its workflow log) is left alone; the date it was recorded
    is ``outcome_recorded_at``."""
    from django.utils import timezone

    if outcome not in NewcomerCase.Outcome.values:
        raise Invalid(_("Choose in work, in studies or other."))
    check_staying(
        outcome=outcome,
        still_in_municipality=still_in_municipality,
        still_in_matched_home=still_in_matched_home,
    )
    if still_in_matched_home and still_in_municipality is None:
        still_in_municipality = True  # the matched home is in the municipality
    NewcomerCase.objects.filter(pk=case.pk).update(
        outcome=outcome,
        outcome_recorded_at=timezone.now(),
        still_in_municipality=still_in_municipality,
        still_in_matched_home=still_in_matched_home,
    )
    case.refresh_from_db(
        fields=[
            "outcome",
            "outcome_recorded_at",
            "still_in_municipality",
            "still_in_matched_home",
        ]
    )
    return case


def set_preferred_areas(*, case: NewcomerCase, names: list[str], places: list) -> None:
    """The areas a household can live in: the names as the coordinator wrote them, and the
    places (with coordinates) they stand for."""
    NewcomerCase.objects.filter(pk=case.pk).update(preferred_areas=names)
    case.preferred_areas = names
    case.preferred_places.set(places)


# The household's own link ----------------------------------------------------------------------


def _check_link_giver(user, case: NewcomerCase) -> None:
    """Only a coordinator of the case's partner hands out or stops its household's link; another
    partner's case does not exist for them."""
    from django.http import Http404

    from accounts import roles
    from workflow.engine import roles_of
    from workflow.errors import NotAllowed

    if roles.PARTNER_COORDINATOR not in roles_of(user=user):
        raise NotAllowed(_("You are not allowed to take this step."))
    if getattr(user, "organisation_id", None) != case.partner_id:
        raise Http404


def issue_household_link(
    *, case: NewcomerCase, user, delivery: str, days: int | None = None, now=None
):
    """A new link for the household, handed over as ``delivery`` (a printed letter or an
    e-mail). The case's earlier links stop working: one link works at a time. It expires after
    ``days`` (``settings.HOUSEHOLD_LINK_DAYS`` by default)."""
    from datetime import timedelta

    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from .models import HouseholdLink

    _check_link_giver(user, case)
    if case.status == NewcomerCase.Status.CLOSED:
        from workflow.errors import Conflict

        raise Conflict(_("The case is closed: its household gets no new link."))
    if delivery not in HouseholdLink.Delivery.values:
        raise Invalid(_("Choose how the household gets its link."))
    days = settings.HOUSEHOLD_LINK_DAYS if days is None else days
    if not isinstance(days, int) or not 1 <= days <= 365:
        raise Invalid(_("A link works for 1 to 365 days."))
    now = now or timezone.now()
    with transaction.atomic():
        NewcomerCase.objects.select_for_update().filter(pk=case.pk).first()
        HouseholdLink.objects.filter(case=case, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=user
        )
        return HouseholdLink.objects.create(
            case=case,
            delivery=delivery,
            created_by=user,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )


def revoke_household_link(*, link, user, now=None):
    """The coordinator stops a link: it no longer opens the household's pages, also in a browser
    where it was opened already."""
    from django.utils import timezone

    from workflow.errors import Conflict

    from .models import HouseholdLink

    _check_link_giver(user, link.case)
    now = now or timezone.now()
    stopped = HouseholdLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=user
    )
    if not stopped:
        raise Conflict(_("This link has already been stopped."))
    link.revoked_at, link.revoked_by = now, user
    return link


def open_household_link(*, link, now=None):
    """The household opened its link: when it was last used shows on the case."""
    from django.utils import timezone

    from .models import HouseholdLink

    now = now or timezone.now()
    HouseholdLink.objects.filter(pk=link.pk).update(last_used_at=now)
    link.last_used_at = now
    return link


def household_link_url(link) -> str:
    """The full address of the link, for the letter's QR code and the e-mail."""
    from django.conf import settings
    from django.urls import reverse

    from .links import make_token

    return settings.SITE_URL + reverse("household:open", args=[make_token(link)])


def send_household_link(*, case: NewcomerCase, user, days: int | None = None):
    """A new link, e-mailed to the household's address in the household's language."""
    from django.db import transaction
    from django.utils import timezone

    from notifications.actions import queue_email

    from .models import HouseholdLink

    _check_link_giver(user, case)
    if not case.email:
        raise Invalid(
            _("The case has no e-mail address. Add the household's address, or print a letter.")
        )
    with transaction.atomic():
        link = issue_household_link(
            case=case, user=user, delivery=HouseholdLink.Delivery.EMAIL, days=days
        )
        queue_email(
            to=case.email,
            template="household_link",
            context={
                "link_url": household_link_url(link),
                "expires_on": timezone.localtime(link.expires_at).date(),
            },
            language=case.language,
        )
    return link


def give_household_link(*, case: NewcomerCase, user, delivery: str, days: int | None = None):
    """The coordinator's step "Give the household its link": a letter to print, or an e-mail."""
    from .models import HouseholdLink

    if delivery == HouseholdLink.Delivery.EMAIL:
        return send_household_link(case=case, user=user, days=days)
    return issue_household_link(case=case, user=user, delivery=delivery, days=days)


def choose_household_language(*, case: NewcomerCase, language: str) -> NewcomerCase:
    """The household picks the language of its own pages, letters and e-mails (one of
    ``HOUSEHOLD_LANGUAGES``); the coordinator can change it in the admin too."""
    from .models import HOUSEHOLD_LANGUAGES

    if language not in {code for code, _name in HOUSEHOLD_LANGUAGES}:
        raise Invalid(_("Choose one of the languages in the list."))
    if case.language != language:
        case.language = language
        case.save(update_fields=["language"])
    return case


# Privacy: a closed case's links stop working ---------------------------------------------------


def revoke_household_links(*, case: NewcomerCase, user=None, now=None) -> int:
    """Stop every link of ``case`` that still works (the case is closed): nobody can open the
    household's pages with it any more. ``user`` is the person who closed the case (none when the
    portal did). Returns how many links were stopped."""
    from django.utils import timezone

    from .models import HouseholdLink

    now = now or timezone.now()
    return (
        HouseholdLink.objects.filter(case=case)
        .usable(now=now)
        .update(revoked_at=now, revoked_by=user)
    )
