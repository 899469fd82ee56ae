"""The workflows of a home visit and of a volunteer application, each declared in one table (see
``workflow.engine``). The steps themselves are in ``volunteers.actions`` (``visits.py``,
``applications.py``), the only code that changes these statuses.

A visit: booked → (moved, booked again) → reported or cancelled. Time decides which steps are
open: before the visit starts it can be moved or cancelled, from its start time on it can be
reported (``volunteers.actions.visits``).

An application: pending → approved or declined.
"""

from django.utils.translation import gettext_lazy as _

from accounts import roles
from workflow.engine import SYSTEM, Transition, Workflow

from .models import ApplicationTransition, HomeVisit, HomeVisitTransition, VolunteerApplication

VOLUNTEERS = frozenset({roles.VOLUNTEER, roles.VOLUNTEER_COORDINATOR})
COORDINATORS = frozenset({roles.VOLUNTEER_COORDINATOR})

V = HomeVisit.Status
A = VolunteerApplication.Status

VISIT_WORKFLOW = Workflow(
    name="visit",
    model=HomeVisit,
    log_model=HomeVisitTransition,
    log_fk="visit",
    states=V,
    initial=V.BOOKED,
    changed_field=None,
    transitions=[
        Transition("move", _("Move the visit"), (V.BOOKED,), V.BOOKED, VOLUNTEERS),
        Transition(
            "cancel",
            _("Cancel the visit"),
            (V.BOOKED,),
            V.CANCELLED,
            # The portal cancels a booked visit when the host withdraws or pauses the offer.
            VOLUNTEERS | {SYSTEM},
            reason_required=True,
        ),
        Transition("report", _("File the visit report"), (V.BOOKED,), V.REPORTED, VOLUNTEERS),
    ],
)

APPLICATION_WORKFLOW = Workflow(
    name="application",
    model=VolunteerApplication,
    log_model=ApplicationTransition,
    log_fk="application",
    states=A,
    initial=A.PENDING,
    changed_field=None,
    transitions=[
        Transition("approve", _("Approve"), (A.PENDING,), A.APPROVED, COORDINATORS),
        Transition("decline", _("Decline"), (A.PENDING,), A.DECLINED, COORDINATORS),
    ],
)
