"""The workflows of the stay, each declared in one table (see ``workflow.engine``). The steps
themselves are in ``stays.actions``, the only code that changes these statuses.

- A check-in: planned → done, or cancelled when the stay ends first.
- A concern: opened → acknowledged → in mediation → resolved; any open concern is closed as
  "the stay ended" when the stay ends.
- A mediation meeting: booked → held or cancelled.
- An evaluation: open → answered, or lapsed.
"""

from django.utils.translation import gettext_lazy as _

from accounts import roles
from workflow.engine import HOST, HOUSEHOLD, SYSTEM, Transition, Workflow

from .models import (
    CheckIn,
    CheckInTransition,
    Concern,
    ConcernTransition,
    Evaluation,
    EvaluationTransition,
    Mediation,
    MediationTransition,
)

PARTNER = frozenset({roles.PARTNER_COORDINATOR})
VOLUNTEERS = frozenset({roles.VOLUNTEER, roles.VOLUNTEER_COORDINATOR})
# Who follows a stay up: the home's group for a private home, the partner for a company flat
# (``stays.actions`` checks which of the two a check-in is due to).
FOLLOWERS = PARTNER | VOLUNTEERS
RESPONDERS = PARTNER | {roles.VOLUNTEER_COORDINATOR}

C = CheckIn.Status
CHECK_IN_WORKFLOW = Workflow(
    name="check_in",
    model=CheckIn,
    log_model=CheckInTransition,
    log_fk="check_in",
    states=C,
    initial=C.PLANNED,
    transitions=[
        Transition("record", _("Record the check-in"), (C.PLANNED,), C.DONE, FOLLOWERS),
        Transition(
            "cancel",
            _("Cancel the check-in"),
            (C.PLANNED,),
            C.CANCELLED,
            # The portal cancels the planned check-ins of a stay that ends.
            PARTNER | {SYSTEM},
            reason_required=True,
        ),
    ],
)

K = Concern.Status
CONCERN_WORKFLOW = Workflow(
    name="concern",
    model=Concern,
    log_model=ConcernTransition,
    log_fk="concern",
    states=K,
    initial=K.OPENED,
    transitions=[
        Transition("acknowledge", _("Acknowledge"), (K.OPENED,), K.ACKNOWLEDGED, RESPONDERS),
        Transition(
            "mediate",
            _("Book a mediation meeting"),
            (K.OPENED, K.ACKNOWLEDGED),
            K.IN_MEDIATION,
            PARTNER,
        ),
        Transition(
            "resolve",
            _("Mark as resolved"),
            (K.OPENED, K.ACKNOWLEDGED, K.IN_MEDIATION),
            K.RESOLVED,
            RESPONDERS,
            reason_required=True,
        ),
        # The mediation meeting was cancelled: the concern goes back to being worked on.
        Transition(
            "back_to_acknowledged",
            _("Back to acknowledged"),
            (K.IN_MEDIATION,),
            K.ACKNOWLEDGED,
            PARTNER | {SYSTEM},
        ),
        Transition(
            "stay_ended",
            _("The stay ended"),
            (K.OPENED, K.ACKNOWLEDGED, K.IN_MEDIATION),
            K.STAY_ENDED,
            frozenset({SYSTEM}),
        ),
    ],
)

M = Mediation.Status
MEDIATION_WORKFLOW = Workflow(
    name="mediation",
    model=Mediation,
    log_model=MediationTransition,
    log_fk="mediation",
    states=M,
    initial=M.BOOKED,
    changed_field="status_changed_at",
    transitions=[
        Transition("move", _("Move the meeting"), (M.BOOKED,), M.BOOKED, PARTNER),
        Transition("hold", _("Record the meeting"), (M.BOOKED,), M.HELD, PARTNER),
        Transition(
            "cancel",
            _("Cancel the meeting"),
            (M.BOOKED,),
            M.CANCELLED,
            PARTNER | {SYSTEM},
            reason_required=True,
        ),
    ],
)

E = Evaluation.Status
EVALUATION_WORKFLOW = Workflow(
    name="evaluation",
    model=Evaluation,
    log_model=EvaluationTransition,
    log_fk="evaluation",
    states=E,
    initial=E.OPEN,
    transitions=[
        # The host answers through self-service, the household through its own page; nobody
        # answers for them.
        Transition("answer", _("Answer"), (E.OPEN,), E.ANSWERED, frozenset({HOST, HOUSEHOLD})),
        Transition("lapse", _("Lapse"), (E.OPEN,), E.LAPSED, frozenset({SYSTEM})),
    ],
)
