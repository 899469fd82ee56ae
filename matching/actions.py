"""Proposing, approving, moving in and ending matches: each moves the home and the case with it."""

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.models import User
from accounts.scoping import sees_everything
from hosts.actions import lock_home, notify_host, transition_home
from hosts.models import Home
from newcomers.actions import transition_case
from newcomers.models import NewcomerCase
from notifications.actions import queue_email
from stays.actions import close_stay
from workflow.engine import SYSTEM, roles_of
from workflow.errors import Conflict, Invalid, NotAllowed
from workflow.models import ActorKind

from .models import Match, MatchReason
from .workflow import COORDINATOR, MATCH_WORKFLOW, S

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


def _lock_parties(*, home_id: int, case_id: int) -> tuple[Home, NewcomerCase]:
    """Lock the home, then the case (the order every action keeps), and return them as they are
    now: a step that depends on the other side's stage decides on what is committed."""
    home = lock_home(Home(pk=home_id))
    case = NewcomerCase.objects.select_for_update(of=("self",)).get(pk=case_id)
    return home, case


def _coordinators_of(partner_id: int):
    return User.objects.filter(
        is_active=True, groups__name=roles.PARTNER_COORDINATOR, organisation_id=partner_id
    ).distinct()


def propose_match(*, home: Home, case: NewcomerCase, user) -> Match:
    """A coordinator proposes a home referred to their partner for one of their waiting cases."""
    _check_scope(user, case)
    if not COORDINATOR & roles_of(user=user):
        raise NotAllowed(_("You are not allowed to take this step."))
    try:
        with transaction.atomic():
            home, case = _lock_parties(home_id=home.pk, case_id=case.pk)
            if home.partner_id != case.partner_id:
                raise Conflict(_("The home is not referred to this case's partner."))
            if home.status != Home.Status.REFERRED:
                raise Conflict(_("Only a home that is referred and free can be proposed."))
            if case.status != NewcomerCase.Status.WAITING:
                raise Conflict(_("Only a case that is waiting for housing can be matched."))
            if home.matches.live().exists():
                raise Conflict(_("This home already has a live match."))
            if case.matches.live().exists():
                raise Conflict(_("This household already has a live match."))
            match = Match.objects.create(home=home, case=case)
            MATCH_WORKFLOW.log_created(match, user=user)
    except IntegrityError:
        raise Conflict(LIVE_MATCH_MESSAGE) from None
    return match


def record_household_answer(
    *, match: Match, answer: str, via: str = Match.AnswerGiven.OWN_PAGE, user=None
) -> Match:
    """The household says yes or no to a proposed home: on its own page (no ``user``), or to a
    coordinator, who records it with how it was given. While the match is only proposed the
    latest answer counts; a coordinator can approve only after a yes (``household_said_yes``)."""
    if answer not in Match.HouseholdAnswer.values:
        raise Invalid(_("Choose yes or no."))
    if user is None:
        via = Match.AnswerGiven.OWN_PAGE
    else:
        _check_scope(user, match.case)
        if roles.PARTNER_COORDINATOR not in roles_of(user=user):
            raise NotAllowed(_("You are not allowed to take this step."))
        if via not in Match.AnswerGiven.values or via == Match.AnswerGiven.OWN_PAGE:
            raise Invalid(_("Say how the household gave its answer."))
    with transaction.atomic():
        locked = Match.objects.select_for_update().get(pk=match.pk)
        if locked.status != Match.Status.PROPOSED:
            raise Conflict(_("This proposal has already been decided. Reload the page."))
        locked.household_answer = answer
        locked.household_answered_at = timezone.now()
        locked.household_answer_via = via
        locked.household_answer_recorded_by = user
        locked.save(
            update_fields=[
                "household_answer",
                "household_answered_at",
                "household_answer_via",
                "household_answer_recorded_by",
                "updated_at",
            ]
        )
    for name in (
        "household_answer",
        "household_answered_at",
        "household_answer_via",
        "household_answer_recorded_by",
    ):
        setattr(match, name, getattr(locked, name))
    return match


def approve_match(*, match: Match, user) -> Match:
    """Approve a proposed match: the home becomes matched and so does the case, or nothing does."""
    _check_scope(user, match.case)
    try:
        with transaction.atomic():
            _lock_parties(home_id=match.home_id, case_id=match.case_id)
            MATCH_WORKFLOW.apply(match, "approve", user=user)
            transition_home(home=match.home, name="match", actor_kind=ActorKind.SYSTEM, user=None)
            transition_case(case=match.case, name="match", actor_kind=ActorKind.SYSTEM)
            # Matched again: the household no longer waits with priority.
            NewcomerCase.objects.filter(pk=match.case_id).update(priority_since=None)
            match.case.priority_since = None
    except IntegrityError:
        raise Conflict(LIVE_MATCH_MESSAGE) from None
    return match


def reject_match(
    *, match: Match, user, reason_choice: MatchReason | None = None, note: str = ""
) -> Match:
    """Reject a proposal; the home and the case are free for other matches."""
    _check_scope(user, match.case)
    with transaction.atomic():
        _lock_parties(home_id=match.home_id, case_id=match.case_id)
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
        _lock_parties(home_id=match.home_id, case_id=match.case_id)
        match.refresh_from_db(fields=["status"])
        was_approved = match.status == S.APPROVED
        MATCH_WORKFLOW.apply(
            match,
            "cancel",
            user=user,
            reason=reason,
            changes={
                "reason": reason_choice,
                "reason_note": (note or "").strip()[:500],
                "move_in_date": None,
            },
            log_fields={"reason_choice": reason_choice},
        )
        if was_approved:
            from stays.actions import close_concerns_of_stay

            transition_home(
                home=match.home, name="unmatch", actor_kind=ActorKind.SYSTEM, reason=reason
            )
            transition_case(
                case=match.case, name="unmatch", actor_kind=ActorKind.SYSTEM, reason=reason
            )
            # A concern may be raised once a match is approved: the stay that will not begin
            # closes it as the end of a stay does (and cancels its booked meetings).
            close_concerns_of_stay(match=match, reason=reason)
    return match


def cancel_proposals_for_withdrawn_home(*, home: Home) -> list[Match]:
    """The host withdraws while a match is only proposed: the proposal is cancelled with the
    reason "the host withdrew", and the partner's coordinators are told, each in their language.
    The caller holds the home's lock (``hosts.actions.withdraw_home``)."""
    reason = str(_("The host withdrew the offer."))
    cancelled = []
    for match in Match.objects.select_for_update().filter(home=home, status=S.PROPOSED):
        NewcomerCase.objects.select_for_update(of=("self",)).get(pk=match.case_id)
        MATCH_WORKFLOW.apply(
            match,
            "cancel",
            actor_kind=ActorKind.SYSTEM,
            reason=reason,
            changes={"reason_note": reason},
        )
        cancelled.append(match)
        for person in _coordinators_of(match.case.partner_id):
            if person.email:
                queue_email(
                    to=person.email,
                    template="match_host_withdrew",
                    context={
                        "name": person.get_full_name() or person.username,
                        "case": match.case.reference,
                        "home": str(home),
                    },
                    language=person.language,
                )
    return cancelled


# How far back a move-in may be dated: later than that is a mistake, not a late record.
MOVE_IN_PAST_LIMIT_DAYS = 90
# How far ahead a move-in may be planned.
MOVE_IN_FUTURE_LIMIT_DAYS = 365


def record_move_in(*, match: Match, user, move_in_date: date) -> Match:
    """The household moves in on ``move_in_date``: the host is told the date.

    A date today or in the last ``MOVE_IN_PAST_LIMIT_DAYS`` days records the move-in now: the
    case is housed, a company flat's sublet opens and the check-ins are planned. A date in the
    future is a planned move-in: the match stays approved with that date, and the beat task
    ``house_planned_move_ins`` takes the step on the day (``take_planned_move_ins``)."""
    _check_scope(user, match.case)
    if not COORDINATOR & roles_of(user=user):
        raise NotAllowed(_("You are not allowed to take this step."))
    today = timezone.localdate()
    if move_in_date < today - timedelta(days=MOVE_IN_PAST_LIMIT_DAYS):
        raise Invalid(
            _("A move-in can be dated at most %(days)d days back. Check the date.")
            % {"days": MOVE_IN_PAST_LIMIT_DAYS}
        )
    if move_in_date > today + timedelta(days=MOVE_IN_FUTURE_LIMIT_DAYS):
        raise Invalid(
            _("A move-in can be planned at most %(days)d days ahead. Check the date.")
            % {"days": MOVE_IN_FUTURE_LIMIT_DAYS}
        )
    with transaction.atomic():
        _lock_parties(home_id=match.home_id, case_id=match.case_id)
        locked = Match.objects.select_for_update().get(pk=match.pk)
        if locked.status != S.APPROVED:
            raise Conflict(
                _("“%(step)s” is not possible at the stage “%(stage)s”.")
                % {"step": MATCH_WORKFLOW["move_in"].label, "stage": locked.get_status_display()}
            )
        if move_in_date > today:
            Match.objects.filter(pk=match.pk).update(move_in_date=move_in_date)
            match.move_in_date = move_in_date
        else:
            _move_in(match=match, user=user, move_in_date=move_in_date)
        home = match.home
        if home.host is not None:
            # The e-mail's template says the day in the host's language ("25 nov. 2026").
            notify_host(home=home, template="home_move_in", context={"move_in_date": move_in_date})
    return match


def _move_in(*, match: Match, user, move_in_date: date) -> None:
    """The step itself: the match moves in, the case is housed, the sublet opens and the first
    check-ins are planned."""
    from housing.actions import open_sublet
    from stays.actions import schedule_check_ins

    actor = {"user": user} if user is not None else {"actor_kind": ActorKind.SYSTEM}
    MATCH_WORKFLOW.apply(match, "move_in", changes={"move_in_date": move_in_date}, **actor)
    transition_case(case=match.case, name="move_in", actor_kind=ActorKind.SYSTEM)
    if match.home.unit_id is not None:
        open_sublet(match=match, starts_on=move_in_date)
    schedule_check_ins(match=match, moved_in_on=move_in_date)


def take_planned_move_ins(*, today: date | None = None) -> int:
    """The beat task's step: approved matches whose planned move-in day has come move in.
    Idempotent: a match already moved in is not approved any more and is skipped."""
    today = today or timezone.localdate()
    done = 0
    due = Match.objects.filter(status=S.APPROVED, move_in_date__lte=today).values_list(
        "pk", "home_id", "case_id"
    )
    for pk, home_id, case_id in due:
        with transaction.atomic():
            _lock_parties(home_id=home_id, case_id=case_id)
            match = Match.objects.select_for_update().get(pk=pk)
            if match.status != S.APPROVED or match.move_in_date is None:
                continue
            _move_in(match=match, user=None, move_in_date=match.move_in_date)
            done += 1
    return done


class HomeNext:
    REFERRED = "referred"
    PAUSED = "paused"
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
    early_end_reason: str = "",
) -> Match:
    """End a stay. The coordinator chooses what becomes of the home (referred again, paused, or
    closed) and of the case (waiting again, or closed).

    A stay that ends before its planned end gives why (``Match.EarlyEnd``, counted in the
    year-end report); a household then waiting again waits with priority (``priority_since``)
    and is suggested first. The stay's open concerns close as "the stay ended" and their booked
    mediation meetings are cancelled, by the portal."""
    from stays.actions import close_concerns_of_stay, open_end_evaluations

    _check_scope(user, match.case)
    if early_end_reason and early_end_reason not in Match.EarlyEnd.values:
        raise Invalid(_("Choose why the stay ended early."))
    if home_next not in (HomeNext.REFERRED, HomeNext.PAUSED, HomeNext.CLOSED):
        raise Invalid(_("Choose what becomes of the home."))
    if case_next not in (CaseNext.WAITING, CaseNext.CLOSED):
        raise Invalid(_("Choose what becomes of the household."))
    if home_next == HomeNext.PAUSED and match.home.unit_id is not None:
        raise Invalid(_("A housing company's flat cannot be paused: offer it again or close it."))
    reason = _reason_text(reason_choice, note)
    with transaction.atomic():
        _lock_parties(home_id=match.home_id, case_id=match.case_id)
        MATCH_WORKFLOW.apply(
            match,
            "end",
            user=user,
            reason=reason,
            changes={
                "reason": reason_choice,
                "reason_note": (note or "").strip()[:500],
                "ended_on": ended_on or timezone.localdate(),
                "early_end_reason": early_end_reason,
            },
            log_fields={"reason_choice": reason_choice},
        )
        close_stay(match=match, reason=reason)
        # Both sides are asked how the stay went (a first-month survey still open lapses).
        open_end_evaluations(match=match)
        home = match.home
        transition_home(home=home, name="end", actor_kind=ActorKind.SYSTEM, reason=reason)
        if home_next == HomeNext.CLOSED:
            transition_home(home=home, name="close", actor_kind=ActorKind.SYSTEM, reason=reason)
        else:
            transition_home(home=home, name="refer_again", actor_kind=ActorKind.SYSTEM)
            if home_next == HomeNext.PAUSED:
                # Paused where it is offered: resumed (by the host or a volunteer), it is
                # referred to the partner again.
                transition_home(home=home, name="pause", actor_kind=ActorKind.SYSTEM, reason=reason)
        case = match.case
        if case_next == CaseNext.CLOSED:
            transition_case(case=case, name="close", actor_kind=ActorKind.SYSTEM, reason=reason)
        else:
            transition_case(case=case, name="rehouse", actor_kind=ActorKind.SYSTEM, reason=reason)
            if early_end_reason:
                now = timezone.now()
                NewcomerCase.objects.filter(pk=case.pk).update(priority_since=now)
                case.priority_since = now
        close_concerns_of_stay(match=match, reason=reason)
    return match


def reason_counts(*, partner_id: int | None = None):
    """How often each reason was given for rejecting, cancelling or ending matches."""
    from django.db.models import Count, Q

    qs = MatchReason.objects.all()
    if partner_id is not None:
        qs = qs.filter(partner_id=partner_id)
    return qs.annotate(
        times=Count("matches", filter=Q(matches__status__in=Match.WITH_REASON))
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
    "take_planned_move_ins",
    "cancel_proposals_for_withdrawn_home",
    "reject_match",
]
