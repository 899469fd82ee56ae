"""The workflow of a placement, declared in one table (see ``workflow.engine``); the steps are in
``work.actions``, which also check that the person acts for the right side: the employer's staff
for the employer's steps, the integration unit's coordinators for the proposal.

offered → proposed → started → completed | ended early → employed (where it happens);
a proposal declined by the employer or withdrawn by the integration unit returns to offered;
an offer nobody has taken can be withdrawn.
"""

from django.utils.translation import gettext_lazy as _

from accounts import roles
from workflow.engine import Transition, Workflow

from .models import Placement, PlacementTransition

S = Placement.Status
COORDINATOR = frozenset({roles.PARTNER_COORDINATOR})
# The employer's staff: its supervisors, the housing company's staff, and a municipality's own
# coordinators when the municipality itself is the employer (``work.actions`` checks the side).
EMPLOYER = frozenset(
    {roles.PLACEMENT_SUPERVISOR, roles.HOUSING_COMPANY_STAFF, roles.PARTNER_COORDINATOR}
)


def _proposal_complete(placement: Placement):
    if placement.case_id is None or placement.adult_number is None:
        return _("Choose the newcomer case and which adult of the household.")
    if placement.consent_given_on is None:
        return _("Record the person's consent before proposing them.")
    return None


def _not_employment_already(placement: Placement):
    if placement.kind == Placement.Kind.EMPLOYMENT:
        return _("This placement is an employment already.")
    return None


PLACEMENT_WORKFLOW = Workflow(
    name="placement",
    model=Placement,
    log_model=PlacementTransition,
    log_fk="placement",
    states=S,
    initial=S.OFFERED,
    transitions=[
        Transition(
            "propose",
            _("Propose a newcomer"),
            (S.OFFERED,),
            S.PROPOSED,
            COORDINATOR,
            guard=_proposal_complete,
        ),
        Transition(
            "withdraw_proposal",
            _("Withdraw the proposal"),
            (S.PROPOSED,),
            S.OFFERED,
            COORDINATOR,
            reason_required=True,
        ),
        Transition(
            "decline",
            _("Decline the proposal"),
            (S.PROPOSED,),
            S.OFFERED,
            EMPLOYER,
            reason_required=True,
        ),
        Transition("start", _("Started"), (S.PROPOSED,), S.STARTED, EMPLOYER),
        Transition("complete", _("Completed"), (S.STARTED,), S.COMPLETED, EMPLOYER),
        Transition(
            "end_early",
            _("Ended early"),
            (S.STARTED,),
            S.ENDED_EARLY,
            EMPLOYER | COORDINATOR,
            reason_required=True,
        ),
        Transition(
            "employ",
            _("Led to employment"),
            (S.STARTED, S.COMPLETED),
            S.EMPLOYED,
            EMPLOYER | COORDINATOR,
            guard=_not_employment_already,
        ),
        Transition(
            "withdraw",
            _("Withdraw the offer"),
            (S.OFFERED,),
            S.WITHDRAWN,
            EMPLOYER,
            reason_required=True,
        ),
    ],
)
