"""The workflow of a match, declared in one table (see ``workflow.engine``).

proposed → approved → moved_in → ended, or rejected / cancelled. The steps themselves, with their
side effects on the home and the case, are in ``matching.actions``.
"""

from django.utils.translation import gettext_lazy as _

from accounts import roles
from workflow.engine import SYSTEM, Transition, Workflow

from .models import Match, MatchTransition

S = Match.Status


def household_said_yes(match: Match):
    """A match is approved only after the household said yes to the home (on its own page, or to
    a coordinator who recorded how it was given)."""
    if match.household_answer == Match.HouseholdAnswer.YES:
        return None
    if match.household_answer == Match.HouseholdAnswer.NO:
        return _("The household has said no to this home. Reject the proposal instead.")
    return _(
        "The household has not said yes to this home yet. It answers on its own page, or you "
        "record the answer it gave you and how it was given."
    )


COORDINATOR = frozenset({roles.PARTNER_COORDINATOR})

MATCH_WORKFLOW = Workflow(
    name="match",
    model=Match,
    log_model=MatchTransition,
    log_fk="match",
    states=S,
    initial=S.PROPOSED,
    transitions=[
        Transition(
            "approve",
            _("Approve"),
            (S.PROPOSED,),
            S.APPROVED,
            COORDINATOR,
            guard=household_said_yes,
        ),
        Transition(
            "reject", _("Reject"), (S.PROPOSED,), S.REJECTED, COORDINATOR, reason_required=True
        ),
        Transition(
            "cancel",
            _("Cancel the match"),
            (S.PROPOSED, S.APPROVED),
            S.CANCELLED,
            # The portal cancels a proposal when the host withdraws (hosts.actions.withdraw_home).
            COORDINATOR | {SYSTEM},
            reason_required=True,
        ),
        # A planned move-in is taken on its day by the portal (matching.tasks).
        Transition(
            "move_in", _("Record move-in"), (S.APPROVED,), S.MOVED_IN, COORDINATOR | {SYSTEM}
        ),
        Transition(
            "end", _("End the stay"), (S.MOVED_IN,), S.ENDED, COORDINATOR, reason_required=True
        ),
    ],
)
