"""The workflow of a newcomer case: waiting → matched → housed → closed (see ``workflow.engine``).

Matching, moving in and ending a stay are steps of the match (``matching.services``), which moves
the case; a coordinator closes and re-opens cases directly.
"""

from django.utils.translation import gettext_lazy as _

from accounts import roles
from workflow.engine import SYSTEM, Transition, TransitionNotAllowed, Workflow
from workflow.models import ActorKind

from .models import CaseTransition, NewcomerCase

__all__ = ["CASE_WORKFLOW", "TransitionNotAllowed", "transition_case"]

S = NewcomerCase.Status
COORDINATOR = frozenset({roles.PARTNER_COORDINATOR})


def _has_no_live_match(case: NewcomerCase):
    if case.matches.live().exists():
        return _("The case has a live match: end or cancel the match first.")
    return None


CASE_WORKFLOW = Workflow(
    name="case",
    model=NewcomerCase,
    log_model=CaseTransition,
    log_fk="case",
    states=S,
    initial=S.WAITING,
    transitions=[
        Transition("match", _("Matched"), (S.WAITING,), S.MATCHED, frozenset({SYSTEM})),
        Transition(
            "unmatch",
            _("Back to waiting"),
            (S.MATCHED,),
            S.WAITING,
            frozenset({SYSTEM}),
            reason_required=True,
        ),
        Transition("move_in", _("Moved in"), (S.MATCHED,), S.HOUSED, frozenset({SYSTEM})),
        Transition(
            "rehouse",
            _("Needs housing again"),
            (S.HOUSED,),
            S.WAITING,
            COORDINATOR | {SYSTEM},
            reason_required=True,
        ),
        Transition(
            "close",
            _("Close the case"),
            (S.WAITING, S.HOUSED),
            S.CLOSED,
            COORDINATOR | {SYSTEM},
            reason_required=True,
            guard=_has_no_live_match,
        ),
        Transition("reopen", _("Re-open the case"), (S.CLOSED,), S.WAITING, COORDINATOR),
    ],
)


def transition_case(
    *, case: NewcomerCase, name: str, user=None, actor_kind: str = ActorKind.USER, reason: str = ""
) -> CaseTransition:
    """Move a case one step through its workflow, or raise ``TransitionNotAllowed``."""
    return CASE_WORKFLOW.apply(case, name, user=user, actor_kind=actor_kind, reason=reason)


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
        raise TransitionNotAllowed(_("Choose in work, in studies or other."))
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
