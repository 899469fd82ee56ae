"""The workflows of an information meeting and of a sign-up to one, each declared in one table
(see ``workflow.engine``). The steps themselves are in ``outreach.actions.meetings``, the only code
that changes these statuses.

A meeting: planned → (changed, still planned) → held or cancelled. Time decides which steps are
open: it can be changed or cancelled while it is planned, and recorded as held (who came) from its
start time on.

A sign-up: pending → confirmed (the person followed the link in the e-mail and a place was left)
→ cancelled; or pending → cancelled. The person has no account: their steps are the portal's
(``SYSTEM``), made through their signed link, as for a volunteer's application.
"""

from django.utils.translation import gettext_lazy as _

from accounts import roles
from workflow.engine import SYSTEM, Transition, Workflow

from .models import InformationMeeting, MeetingSignup, MeetingTransition, SignupTransition

ORGANISERS = frozenset({roles.VOLUNTEER_COORDINATOR, roles.PARTNER_COORDINATOR})

M = InformationMeeting.Status
S = MeetingSignup.Status

MEETING_WORKFLOW = Workflow(
    name="meeting",
    model=InformationMeeting,
    log_model=MeetingTransition,
    log_fk="meeting",
    states=M,
    initial=M.PLANNED,
    changed_field=None,
    transitions=[
        Transition("change", _("Change the meeting"), (M.PLANNED,), M.PLANNED, ORGANISERS),
        Transition(
            "cancel",
            _("Cancel the meeting"),
            (M.PLANNED,),
            M.CANCELLED,
            ORGANISERS,
            reason_required=True,
        ),
        Transition("hold", _("Record who came"), (M.PLANNED,), M.HELD, ORGANISERS),
    ],
)

SIGNUP_WORKFLOW = Workflow(
    name="meeting_signup",
    model=MeetingSignup,
    log_model=SignupTransition,
    log_fk="signup",
    states=S,
    initial=S.PENDING,
    changed_field=None,
    transitions=[
        Transition("confirm", _("Confirm the sign-up"), (S.PENDING,), S.CONFIRMED, {SYSTEM}),
        Transition(
            "cancel",
            _("Cancel the sign-up"),
            (S.PENDING, S.CONFIRMED),
            S.CANCELLED,
            frozenset({SYSTEM}) | ORGANISERS,
        ),
    ],
)
