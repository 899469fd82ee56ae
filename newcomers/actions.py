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


def record_establishment_outcome(*, case: NewcomerCase, outcome: str, user) -> NewcomerCase:
    """The outcome after the two-year establishment period: in work, in studies, or other."""
    from django.utils import timezone

    if outcome not in NewcomerCase.Outcome.values:
        raise Invalid(_("Choose in work, in studies or other."))
    NewcomerCase.objects.filter(pk=case.pk).update(
        outcome=outcome, outcome_recorded_at=timezone.now()
    )
    case.refresh_from_db(fields=["outcome", "outcome_recorded_at"])
    return case


def set_preferred_areas(*, case: NewcomerCase, names: list[str], places: list) -> None:
    """The areas a household can live in: the names as the coordinator wrote them, and the
    places (with coordinates) they stand for."""
    NewcomerCase.objects.filter(pk=case.pk).update(preferred_areas=names)
    case.preferred_areas = names
    case.preferred_places.set(places)


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
