"""The workflow of a home, declared in one table (see ``workflow.engine``).

registered → contacted → visit_booked → visited → referred → matched → ended → (referred | closed),
with unreachable, withdrawn, rejected and paused beside it. Every stage change of a home goes
through ``transition_home``; nothing else sets ``Home.status``.
"""

from django.utils.translation import gettext_lazy as _

from accounts import roles
from workflow.engine import HOST, SYSTEM, Transition, TransitionNotAllowed, Workflow

from .models import Home, HomeTransition

__all__ = ["HOME_WORKFLOW", "TRANSITIONS", "TransitionNotAllowed"]

S = Home.Status

OPEN_STAGES = Home.OPEN_STAGES
FINAL_STAGES = Home.FINAL_STAGES

VOLUNTEERS = frozenset({roles.VOLUNTEER, roles.VOLUNTEER_COORDINATOR})
PARTNER = frozenset({roles.PARTNER_COORDINATOR})


def _has_partner(home: Home):
    if home.partner_id is None:
        return _("Choose the partner the home is referred to.")
    return None


def _is_company_flat(home: Home):
    if home.unit_id is None or home.partner_id is None:
        return _("Only a housing company's flat, with its partner, can be offered this way.")
    return None


def _has_no_live_match(home: Home):
    if home.matches.live().exists():
        return _("The home has a live match: end or cancel the match first.")
    return None


def _stage_before_pause(home: Home, spec: Transition) -> str:
    """Back to the stage the home was paused at; a visit booked then was cancelled by the pause,
    so such a home is contacted again (a new visit is booked)."""
    last_pause = home.transitions.filter(to_state=S.PAUSED).order_by("-created_at", "-pk").first()
    stage = last_pause.from_state if last_pause else S.REGISTERED
    if stage == S.VISIT_BOOKED and not home.visits.filter(status="booked").exists():
        return S.CONTACTED
    return stage


HOME_WORKFLOW = Workflow(
    name="home",
    model=Home,
    log_model=HomeTransition,
    log_fk="home",
    states=S,
    initial=S.REGISTERED,
    resolve_target=_stage_before_pause,
    transitions=[
        Transition(
            "contact", _("Host reached"), (S.REGISTERED, S.UNREACHABLE), S.CONTACTED, VOLUNTEERS
        ),
        Transition(
            "book_visit", _("Book a home visit"), (S.CONTACTED,), S.VISIT_BOOKED, VOLUNTEERS
        ),
        Transition(
            "cancel_visit",
            _("Cancel the home visit"),
            (S.VISIT_BOOKED,),
            S.CONTACTED,
            VOLUNTEERS,
            reason_required=True,
        ),
        Transition("approve_visit", _("Visit: suitable"), (S.VISIT_BOOKED,), S.VISITED, VOLUNTEERS),
        Transition(
            "reject",
            _("Visit: not suitable"),
            (S.VISIT_BOOKED, S.VISITED),
            S.REJECTED,
            VOLUNTEERS,
            reason_required=True,
        ),
        Transition(
            "refer",
            _("Refer to a partner"),
            (S.VISITED,),
            S.REFERRED,
            frozenset({roles.VOLUNTEER_COORDINATOR}),
            guard=_has_partner,
        ),
        # A housing company's flat offered under the vacancy quota goes straight to the partner.
        Transition(
            "offer_from_company",
            _("Offered by the housing company"),
            (S.REGISTERED,),
            S.REFERRED,
            frozenset({SYSTEM}),
            guard=_is_company_flat,
        ),
        # Matching and ending are steps of the match (matching.actions), which moves the home.
        Transition("match", _("Matched"), (S.REFERRED,), S.MATCHED, frozenset({SYSTEM})),
        Transition(
            "unmatch",
            _("Match cancelled"),
            (S.MATCHED,),
            S.REFERRED,
            frozenset({SYSTEM}),
            reason_required=True,
        ),
        Transition(
            "end",
            _("The stay ended"),
            (S.MATCHED,),
            S.ENDED,
            frozenset({SYSTEM}),
            reason_required=True,
        ),
        Transition(
            "refer_again",
            _("Refer again"),
            (S.ENDED,),
            S.REFERRED,
            PARTNER | {roles.VOLUNTEER_COORDINATOR, SYSTEM},
            guard=_has_partner,
        ),
        Transition(
            "close",
            _("Close"),
            (S.ENDED,),
            S.CLOSED,
            PARTNER | {roles.VOLUNTEER_COORDINATOR, SYSTEM},
            reason_required=True,
        ),
        Transition(
            "mark_unreachable",
            _("Unreachable"),
            (S.REGISTERED,),
            S.UNREACHABLE,
            frozenset({SYSTEM, roles.VOLUNTEER_COORDINATOR}),
            reason_required=True,
        ),
        Transition(
            "reopen",
            _("The host is interested again"),
            (S.UNREACHABLE,),
            S.REGISTERED,
            frozenset({HOST, roles.VOLUNTEER_COORDINATOR}),
        ),
        # The portal pauses a home whose stay ended when the partner chooses so
        # (``matching.actions.end_match``).
        Transition(
            "pause",
            _("Pause"),
            OPEN_STAGES,
            S.PAUSED,
            frozenset({HOST, SYSTEM, *VOLUNTEERS}),
            guard=_has_no_live_match,
        ),
        Transition(
            "resume",
            _("Resume"),
            (S.PAUSED,),
            None,
            frozenset({HOST, *VOLUNTEERS}),
            returns_to=OPEN_STAGES,
        ),
        Transition(
            "withdraw",
            _("Withdraw"),
            (*OPEN_STAGES, S.PAUSED, S.UNREACHABLE),
            S.WITHDRAWN,
            frozenset({HOST, SYSTEM, *VOLUNTEERS, *PARTNER}),
            guard=_has_no_live_match,
        ),
    ],
)
TRANSITIONS = HOME_WORKFLOW.transitions
