"""Proposing, approving, moving in and ending matches: each moves the home and the case with it."""

from datetime import date

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.scoping import sees_everything
from hosts.models import Home
from hosts.workflow import notify_host, transition_home
from newcomers.models import NewcomerCase
from newcomers.workflow import transition_case
from workflow.engine import SYSTEM, Transition, TransitionNotAllowed, Workflow, roles_of
from workflow.models import ActorKind

from .models import Match, MatchReason, MatchTransition

S = Match.Status
COORDINATOR = frozenset({roles.PARTNER_COORDINATOR})

MATCH_WORKFLOW = Workflow(
    name="match",
    model=Match,
    log_model=MatchTransition,
    log_fk="match",
    states=S,
    initial=S.PROPOSED,
    transitions=[
        Transition("approve", _("Approve"), (S.PROPOSED,), S.APPROVED, COORDINATOR),
        Transition(
            "reject", _("Reject"), (S.PROPOSED,), S.REJECTED, COORDINATOR, reason_required=True
        ),
        Transition(
            "cancel",
            _("Cancel the match"),
            (S.PROPOSED, S.APPROVED),
            S.CANCELLED,
            COORDINATOR,
            reason_required=True,
        ),
        Transition("move_in", _("Record move-in"), (S.APPROVED,), S.MOVED_IN, COORDINATOR),
        Transition(
            "end", _("End the stay"), (S.MOVED_IN,), S.ENDED, COORDINATOR, reason_required=True
        ),
    ],
)

LIVE_MATCH_MESSAGE = _(
    "Someone else has just matched this home or this household. Reload the page to see the match."
)


def _check_scope(user, case: NewcomerCase) -> None:
    """Another partner's cases do not exist for a coordinator."""
    if sees_everything(user):
        return
    if getattr(user, "organisation_id", None) != case.partner_id:
        raise Http404


def _reason_text(reason_choice: MatchReason | None, note: str) -> str:
    note = (note or "").strip()
    if reason_choice and note:
        return f"{reason_choice.label}: {note}"
    return reason_choice.label if reason_choice else note


def propose_match(*, home: Home, case: NewcomerCase, user) -> Match:
    """A coordinator proposes a home referred to their partner for one of their waiting cases."""
    _check_scope(user, case)
    if not COORDINATOR & roles_of(user=user):
        raise TransitionNotAllowed(_("You are not allowed to take this step."))
    if home.partner_id != case.partner_id:
        raise TransitionNotAllowed(_("The home is not referred to this case's partner."))
    if home.status != Home.Status.REFERRED:
        raise TransitionNotAllowed(_("Only a home that is referred and free can be proposed."))
    if case.status != NewcomerCase.Status.WAITING:
        raise TransitionNotAllowed(_("Only a case that is waiting for housing can be matched."))
    if home.matches.live().exists():
        raise TransitionNotAllowed(_("This home already has a live match."))
    if case.matches.live().exists():
        raise TransitionNotAllowed(_("This household already has a live match."))
    try:
        with transaction.atomic():
            match = Match.objects.create(home=home, case=case)
            MATCH_WORKFLOW.log_created(match, user=user)
    except IntegrityError:
        raise TransitionNotAllowed(LIVE_MATCH_MESSAGE) from None
    return match


def approve_match(*, match: Match, user) -> Match:
    """Approve a proposed match: the home becomes matched and so does the case, or nothing does."""
    _check_scope(user, match.case)
    try:
        with transaction.atomic():
            MATCH_WORKFLOW.apply(match, "approve", user=user)
            transition_home(home=match.home, name="match", actor_kind=ActorKind.SYSTEM, user=None)
            transition_case(case=match.case, name="match", actor_kind=ActorKind.SYSTEM)
    except IntegrityError:
        raise TransitionNotAllowed(LIVE_MATCH_MESSAGE) from None
    return match


def reject_match(
    *, match: Match, user, reason_choice: MatchReason | None = None, note: str = ""
) -> Match:
    """Reject a proposal; the home and the case are free for other matches."""
    _check_scope(user, match.case)
    MATCH_WORKFLOW.apply(
        match,
        "reject",
        user=user,
        reason=_reason_text(reason_choice, note),
        changes={"reason": reason_choice, "reason_note": (note or "").strip()[:500]},
        log_fields={"reason_choice": reason_choice},
    )
    return match


def cancel_match(
    *, match: Match, user, reason_choice: MatchReason | None = None, note: str = ""
) -> Match:
    """Cancel a proposed or approved match before anyone moves in; an approved one frees the home
    (back to referred) and the case (back to waiting)."""
    _check_scope(user, match.case)
    reason = _reason_text(reason_choice, note)
    with transaction.atomic():
        was_approved = match.status == S.APPROVED
        MATCH_WORKFLOW.apply(
            match,
            "cancel",
            user=user,
            reason=reason,
            changes={"reason": reason_choice, "reason_note": (note or "").strip()[:500]},
            log_fields={"reason_choice": reason_choice},
        )
        if was_approved:
            transition_home(
                home=match.home, name="unmatch", actor_kind=ActorKind.SYSTEM, reason=reason
            )
            transition_case(
                case=match.case, name="unmatch", actor_kind=ActorKind.SYSTEM, reason=reason
            )
    return match


def record_move_in(*, match: Match, user, move_in_date: date) -> Match:
    """The household moves in (or will, on ``move_in_date``): the case is housed, the host told."""
    _check_scope(user, match.case)
    with transaction.atomic():
        MATCH_WORKFLOW.apply(match, "move_in", user=user, changes={"move_in_date": move_in_date})
        transition_case(case=match.case, name="move_in", actor_kind=ActorKind.SYSTEM)
        home = match.home
        if home.host is not None:
            with translation.override(home.host.language):
                day = date_format(move_in_date, "DATE_FORMAT")
            notify_host(home=home, template="home_move_in", context={"move_in_date": day})
        if home.unit_id is not None:
            from housing.services import open_sublet

            open_sublet(match=match, starts_on=move_in_date)
        from volunteers.services import schedule_follow_ups

        schedule_follow_ups(match=match, moved_in_on=move_in_date)
    return match


class HomeNext:
    REFERRED = "referred"
    CLOSED = "closed"


class CaseNext:
    WAITING = "waiting"
    CLOSED = "closed"


def end_match(
    *,
    match: Match,
    user,
    reason_choice: MatchReason | None = None,
    note: str = "",
    home_next: str = HomeNext.REFERRED,
    case_next: str = CaseNext.WAITING,
    ended_on: date | None = None,
) -> Match:
    """End a stay. The coordinator chooses what becomes of the home (referred again, or closed)
    and of the case (waiting again, or closed)."""
    _check_scope(user, match.case)
    reason = _reason_text(reason_choice, note)
    with transaction.atomic():
        MATCH_WORKFLOW.apply(
            match,
            "end",
            user=user,
            reason=reason,
            changes={
                "reason": reason_choice,
                "reason_note": (note or "").strip()[:500],
                "ended_on": ended_on or timezone.localdate(),
            },
            log_fields={"reason_choice": reason_choice},
        )
        home = match.home
        transition_home(home=home, name="end", actor_kind=ActorKind.SYSTEM, reason=reason)
        if home_next == HomeNext.CLOSED:
            transition_home(home=home, name="close", actor_kind=ActorKind.SYSTEM, reason=reason)
        else:
            transition_home(home=home, name="refer_again", actor_kind=ActorKind.SYSTEM)
        case = match.case
        if case_next == CaseNext.CLOSED:
            transition_case(case=case, name="close", actor_kind=ActorKind.SYSTEM, reason=reason)
        else:
            transition_case(case=case, name="rehouse", actor_kind=ActorKind.SYSTEM, reason=reason)
    return match


def reason_counts(*, partner_id: int | None = None):
    """How often each reason was given for rejecting, cancelling or ending matches."""
    from django.db.models import Count, Q

    qs = MatchReason.objects.all()
    if partner_id is not None:
        qs = qs.filter(partner_id=partner_id)
    return qs.annotate(
        times=Count("matches", filter=Q(matches__status__in=[S.REJECTED, S.CANCELLED, S.ENDED]))
    ).order_by("-times", "label")


__all__ = [
    "MATCH_WORKFLOW",
    "SYSTEM",
    "approve_match",
    "cancel_match",
    "end_match",
    "propose_match",
    "reason_counts",
    "record_move_in",
    "reject_match",
]
