"""The steps of the stay: the only code that changes the status of a check-in, a concern, a
mediation meeting or an evaluation (``stays.workflow``)."""

from datetime import datetime

from django.db import transaction
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from matching.models import Match
from workflow.engine import roles_of
from workflow.errors import Conflict, Invalid, NotAllowed
from workflow.models import ActorKind

from . import notifications
from .models import Concern, Mediation
from .workflow import CONCERN_WORKFLOW, MEDIATION_WORKFLOW

# Who raised a concern -> the kind of actor its first history row names.
_RAISER_ACTOR = {
    Concern.RaisedBy.HOST: ActorKind.HOST,
    Concern.RaisedBy.HOUSEHOLD: ActorKind.HOUSEHOLD,
    Concern.RaisedBy.CHECK_IN: ActorKind.USER,
    Concern.RaisedBy.STAFF: ActorKind.USER,
}

# A concern is about a stay that is agreed or under way.
STAY_STATUSES = (Match.Status.APPROVED, Match.Status.MOVED_IN)


def raise_concern(
    *,
    match: Match,
    raised_by: str,
    text: str = "",
    urgency: str = Concern.Urgency.NORMAL,
    user=None,
    language: str = "",
    check_in=None,
    evaluation=None,
) -> Concern:
    """ "Something is wrong": open a concern about a stay, in the raiser's own words.

    The host raises it through self-service, the household through its own page (``user`` is
    None for both), a volunteer or coordinator through a check-in, and the portal through an
    evaluation answered below the partnership's threshold (the evaluation's respondent is the
    actor). The partner's coordinators and, for a private home, the home's local group are told
    (``stays.notifications``)."""
    if raised_by not in Concern.RaisedBy.values:
        raise Invalid(_("There is no such step."))
    if urgency not in Concern.Urgency.values:
        raise Invalid(_("Say how urgent it is."))
    text = (text or "").strip()
    if len(text) > 4000:
        raise Invalid(_("Please keep it to 4,000 characters."))
    if raised_by in (Concern.RaisedBy.HOST, Concern.RaisedBy.HOUSEHOLD) and not text:
        raise Invalid(_("Please tell us in your own words what is wrong."))
    if raised_by == Concern.RaisedBy.EVALUATION:
        actor_kind = (
            ActorKind.HOST
            if evaluation is not None and evaluation.respondent == "host"
            else ActorKind.HOUSEHOLD
        )
    else:
        actor_kind = _RAISER_ACTOR[raised_by]
    with transaction.atomic():
        locked = Match.objects.select_for_update().get(pk=match.pk)
        if locked.status not in STAY_STATUSES:
            raise Conflict(_("This stay has ended, so a concern can no longer be raised about it."))
        concern = Concern.objects.create(
            match=locked,
            raised_by=raised_by,
            raised_by_user=user if actor_kind == ActorKind.USER else None,
            urgency=urgency,
            text=text,
            language=language,
            check_in=check_in,
            evaluation=evaluation,
            created_at=timezone.now(),
        )
        CONCERN_WORKFLOW.log_created(
            concern, user=user if actor_kind == ActorKind.USER else None, actor_kind=actor_kind
        )
        notifications.tell_team_of_concern(concern)
    return concern


# Responding to a concern -----------------------------------------------------------------------


def _check_reach(user, concern: Concern) -> None:
    """A concern outside the person's work does not exist for them: a partner's coordinators
    reach their own partner's cases, a volunteer coordinator the private homes of the groups
    they reach (``Concern.objects.visible_to``)."""
    if not Concern.objects.visible_to(user).filter(pk=concern.pk).exists():
        raise Http404


def _respond(concern: Concern, name: str, *, user, reason: str = "", changes=None) -> Concern:
    """Take step ``name`` on the concern as ``user``, under the concern's lock. The first step a
    responder takes stops the clock to first response: ``first_response_at`` is set once, by
    whoever comes first (the second waits for the lock, then sees it set)."""
    changes = dict(changes or {})
    with transaction.atomic():
        locked = Concern.objects.select_for_update().get(pk=concern.pk)
        if locked.first_response_at is None and user is not None:
            changes.update(first_response_at=timezone.now(), first_response_by=user)
        CONCERN_WORKFLOW.apply(locked, name, user=user, reason=reason, changes=changes)
    for field in ("status", "status_changed_at", "first_response_at", "first_response_by"):
        setattr(concern, field, getattr(locked, field))
    for field in changes:
        setattr(concern, field, getattr(locked, field))
    return concern


def acknowledge_concern(*, concern: Concern, user, note: str = "") -> Concern:
    """A coordinator has seen the concern and is on it (the clock to first response stops)."""
    _check_reach(user, concern)
    return _respond(concern, "acknowledge", user=user, reason=(note or "").strip()[:1000])


def resolve_concern(*, concern: Concern, user, resolution: str) -> Concern:
    """The concern is resolved, with how. A mediation meeting still booked for it is cancelled
    (everyone invited is told)."""
    _check_reach(user, concern)
    resolution = (resolution or "").strip()
    if not resolution:
        raise Invalid(_("Say how the concern was resolved."))
    if len(resolution) > 2000:
        raise Invalid(_("Please keep it to 2,000 characters."))
    with transaction.atomic():
        _respond(
            concern, "resolve", user=user, reason=resolution, changes={"resolution": resolution}
        )
        for mediation in Mediation.objects.select_for_update().filter(
            concern=concern, status=Mediation.Status.BOOKED
        ):
            # The portal's step: whoever resolves the concern (a volunteer coordinator too).
            _cancel(mediation, reason=str(_("The concern was resolved.")))
    return concern


# Mediation meetings ----------------------------------------------------------------------------

MEDIATION_MIN_MINUTES = 15
MEDIATION_MAX_MINUTES = 480


def mediators_for(concern: Concern):
    """Who may mediate: the people who work on the concern (its team, ``team_of``)."""
    return notifications.team_of(concern.match)


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _check_meeting(*, starts_at, place: str, duration_minutes: int, now: datetime) -> str:
    if starts_at is None or starts_at <= now:
        raise Invalid(_("Choose a time in the future for the meeting."))
    place = (place or "").strip()
    if not place:
        raise Invalid(_("Say where the meeting is."))
    if len(place) > 200:
        raise Invalid(_("Please keep the place to 200 characters."))
    if not MEDIATION_MIN_MINUTES <= int(duration_minutes) <= MEDIATION_MAX_MINUTES:
        raise Invalid(
            _("A meeting lasts between %(low)d and %(high)d minutes.")
            % {"low": MEDIATION_MIN_MINUTES, "high": MEDIATION_MAX_MINUTES}
        )
    return place


def book_mediation(
    *,
    concern: Concern,
    user,
    starts_at: datetime,
    place: str,
    mediator,
    duration_minutes: int = 60,
    now: datetime | None = None,
) -> Mediation:
    """Book a mediation meeting about a concern: the concern is in mediation; the mediator and
    the concern's team get a calendar file, the host an e-mail with the time and the place, each
    in their own language. A concern whose meeting was held can have another one booked."""
    _check_reach(user, concern)
    now = now or timezone.now()
    if not CONCERN_WORKFLOW["mediate"].roles & roles_of(user=user):
        raise NotAllowed(_("You are not allowed to take this step."))
    place = _check_meeting(
        starts_at=starts_at, place=place, duration_minutes=duration_minutes, now=now
    )
    if mediator is None or not mediators_for(concern).filter(pk=mediator.pk).exists():
        raise Invalid(_("Choose a mediator who works on this stay."))
    with transaction.atomic():
        locked = Concern.objects.select_for_update().get(pk=concern.pk)
        if locked.status == Concern.Status.IN_MEDIATION:
            if locked.mediations.filter(status=Mediation.Status.BOOKED).exists():
                raise Conflict(_("A mediation meeting is already booked: move it instead."))
        else:
            _respond(concern, "mediate", user=user)
        mediation = Mediation.objects.create(
            concern=locked,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            place=place,
            mediator=mediator,
            booked_by=user,
            created_at=now,
        )
        MEDIATION_WORKFLOW.log_created(mediation, user=user)
        notifications.send_mediation_emails(mediation, kind="booked")
    return mediation


def _lock_mediation(mediation: Mediation, user) -> Mediation:
    _check_reach(user, mediation.concern)
    locked = (
        Mediation.objects.select_related("concern__match__home", "mediator")
        .select_for_update(of=("self",))
        .get(pk=mediation.pk)
    )
    if locked.status != Mediation.Status.BOOKED:
        raise Conflict(_("This meeting has already been held or cancelled."))
    return locked


def move_mediation(
    *,
    mediation: Mediation,
    user,
    starts_at: datetime,
    place: str = "",
    reason: str = "",
    now: datetime | None = None,
) -> Mediation:
    """Move a booked meeting to another time (and place): everyone invited is told again, the
    calendar file with the same UID and a higher SEQUENCE."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_mediation(mediation, user)
        place = _check_meeting(
            starts_at=starts_at,
            place=place or locked.place,
            duration_minutes=locked.duration_minutes,
            now=now,
        )
        if starts_at == locked.starts_at and place == locked.place:
            raise Invalid(_("Choose another time or place than the one booked."))
        previous = locked.starts_at
        MEDIATION_WORKFLOW.apply(
            locked,
            "move",
            user=user,
            reason=(reason or "").strip()[:1000],
            changes={"starts_at": starts_at, "place": place},
        )
        notifications.send_mediation_emails(locked, kind="moved", previous=previous)
    return locked


def record_mediation(
    *, mediation: Mediation, user, outcome: str, now: datetime | None = None
) -> Mediation:
    """The meeting was held: what was agreed (from the meeting's start on). The concern stays in
    mediation until it is resolved, or another meeting is booked."""
    now = now or timezone.now()
    outcome = (outcome or "").strip()
    if not outcome:
        raise Invalid(_("Say what was agreed at the meeting."))
    if len(outcome) > 2000:
        raise Invalid(_("Please keep it to 2,000 characters."))
    with transaction.atomic():
        locked = _lock_mediation(mediation, user)
        if locked.starts_at > now:
            raise Conflict(
                _("The meeting is booked for %(when)s: record it from then on.")
                % {"when": _when(locked.starts_at)}
            )
        MEDIATION_WORKFLOW.apply(locked, "hold", user=user, changes={"outcome": outcome})
    return locked


def _cancel(mediation: Mediation, *, user=None, reason: str) -> None:
    """The meeting's own step, and the e-mails (the caller holds the locks)."""
    actor = {"user": user} if user is not None else {"actor_kind": ActorKind.SYSTEM}
    MEDIATION_WORKFLOW.apply(mediation, "cancel", reason=reason, **actor)
    notifications.send_mediation_emails(mediation, kind="cancelled", reason=reason)


def cancel_mediation(*, mediation: Mediation, user, reason: str) -> Mediation:
    """Cancel a booked meeting, with a reason: the concern goes back to acknowledged, and
    everyone invited is told (their calendars remove the meeting)."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Please give a reason for this step."))
    _check_reach(user, mediation.concern)
    with transaction.atomic():
        # The concern before its meeting: the order ``close_concerns_of_stay`` keeps.
        concern = Concern.objects.select_for_update().get(pk=mediation.concern_id)
        locked = _lock_mediation(mediation, user)
        _cancel(locked, user=user, reason=reason[:1000])
        if concern.status == Concern.Status.IN_MEDIATION:
            CONCERN_WORKFLOW.apply(concern, "back_to_acknowledged", user=user, reason=reason)
    return locked


# The end of a stay -----------------------------------------------------------------------------


def close_concerns_of_stay(*, match: Match, reason: str = "") -> int:
    """The stay ended (``matching.actions.end_match``): its open concerns are closed as "the
    stay ended" and their booked mediation meetings cancelled, by the portal. Returns how many
    concerns were closed. The caller holds the match's lock."""
    reason = reason or str(_("The stay ended."))
    closed = 0
    for concern in Concern.objects.select_for_update().filter(
        match_id=match.pk, status__in=Concern.OPEN
    ):
        for mediation in Mediation.objects.select_for_update().filter(
            concern=concern, status=Mediation.Status.BOOKED
        ):
            _cancel(mediation, reason=str(_("The stay ended.")))
        CONCERN_WORKFLOW.apply(concern, "stay_ended", actor_kind=ActorKind.SYSTEM, reason=reason)
        closed += 1
    return closed
