"""The workflow of a newcomer case: waiting → matched → housed → closed (see ``workflow.engine``).

Matching, moving in and ending a stay are steps of the match (``matching.actions``), which moves
the case; a coordinator closes and re-opens cases directly.
"""

from django.utils.translation import gettext_lazy as _

from accounts import roles
from workflow.engine import SYSTEM, Transition, TransitionNotAllowed, Workflow

from .models import CaseTransition, NewcomerCase

__all__ = ["CASE_WORKFLOW", "TransitionNotAllowed"]

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
