"""The steps of the stay: the only code that changes the status of a check-in, a concern, a
mediation meeting or an evaluation (``stays.workflow``)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matching.models import Match
from matching_portal import formatting
from workflow.engine import roles_of
from workflow.errors import Conflict, Invalid, NotAllowed
from workflow.models import ActorKind

from .. import notifications
from ..models import CheckIn, Concern, Mediation
from ..workflow import CHECK_IN_WORKFLOW, CONCERN_WORKFLOW, MEDIATION_WORKFLOW

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
    return formatting.day_time(moment)


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


# Check-ins --------------------------------------------------------------------------------------
#
# A stay's check-ins follow its partnership's schedule (``reports.Partnership.check_in_days``, by
# default week 1 and month 1, then one every ``check_in_every_days``, by default 91, counted from
# the move-in: days 91, 182, 273, …). The first ones are planned at the move-in. After that the
# schedule rolls: a stay under way always has one planned check-in still ahead of it, and when
# the last one comes due (the daily task ``plan_next_check_ins``) or is recorded, whichever comes
# first, the next one is planned. When the stay ends, the planned ones are cancelled
# (``close_stay``) and no more are planned.

# Check-ins show on the pages, and can be recorded, from this many days before they are due.
CHECK_IN_DAYS_AHEAD = 7
# Without a partnership that covers the stay: week 1, month 1, then every 91 days.
DEFAULT_CHECK_IN_DAYS = (7, 30)
DEFAULT_CHECK_IN_EVERY_DAYS = 91
# ``CheckIn.after_days`` is a small integer.
_MAX_DAYS = 32767


@dataclass(frozen=True)
class CheckInSchedule:
    """When a stay's check-ins fall, in days after the move-in: ``first``, then one every
    ``every`` days (0: none after the first ones). ``partnership`` is the one it comes from
    (None: the defaults)."""

    first: tuple[int, ...]
    every: int
    partnership: object = None

    def next_regular(self, after: int) -> int | None:
        """The first every-``every``-days point later than day ``after`` and later than the first
        check-ins; None when there is none."""
        if self.every <= 0:
            return None
        after = max(after, *self.first, 0)
        days = (after // self.every + 1) * self.every
        return days if days <= _MAX_DAYS else None


def _first_days(value) -> tuple[int, ...]:
    """The partnership's first check-ins, as days after the move-in; whatever is not a whole
    number of days from 1 up is left out."""
    if not isinstance(value, list | tuple):
        return DEFAULT_CHECK_IN_DAYS
    return tuple(
        sorted(
            {
                day
                for day in value
                if isinstance(day, int) and not isinstance(day, bool) and 0 < day <= _MAX_DAYS
            }
        )
    )


def stay_partnership(match: Match, *, on: date):
    """The partnership a stay belongs to: one of the case's partner whose period covers ``on``
    (the move-in). Of several, the one that names the home's municipality, then the one of the
    home's own side (its local group or volunteer organisation for a private home, the housing
    company for a company flat), then the latest; None when no partnership covers the stay."""
    from reports.models import Partnership

    home = match.home
    candidates = list(
        Partnership.objects.filter(
            partner_id=match.case.partner_id, period_start__lte=on, period_end__gte=on
        )
        .select_related("local_group")
        .prefetch_related("municipalities")
    )
    if not candidates:
        return None
    group = home.local_group if home.local_group_id else None
    company_id = home.unit.company_id if home.unit_id else None

    def fit(partnership) -> tuple:
        names_municipality = home.municipality_id is not None and any(
            m.pk == home.municipality_id for m in partnership.municipalities.all()
        )
        if company_id is not None:
            same_side = partnership.housing_company_id == company_id
        elif group is not None:
            same_side = partnership.local_group_id == group.pk or (
                partnership.local_group_id is None
                and partnership.volunteer_organisation_id == group.organisation_id
            )
        else:
            same_side = False
        return (names_municipality, same_side, partnership.period_start, partnership.pk)

    return max(candidates, key=fit)


def check_in_schedule(match: Match, *, moved_in_on: date | None = None) -> CheckInSchedule:
    """The stay's schedule: its partnership's (``stay_partnership``), or the defaults."""
    moved_in_on = moved_in_on or match.move_in_date
    partnership = stay_partnership(match, on=moved_in_on) if moved_in_on else None
    if partnership is None:
        return CheckInSchedule(DEFAULT_CHECK_IN_DAYS, DEFAULT_CHECK_IN_EVERY_DAYS)
    return CheckInSchedule(
        _first_days(partnership.check_in_days), partnership.check_in_every_days, partnership
    )


def responsible_for(match: Match) -> str:
    """Who makes a stay's check-ins: the home's local group for a private home, the partner's
    coordinators for a housing company's flat."""
    if match.home.unit_id is not None:
        return CheckIn.Responsible.PARTNER
    return CheckIn.Responsible.VOLUNTEERS


def _plan(match: Match, *, moved_in_on: date, after_days: int) -> CheckIn | None:
    """Plan the check-in ``after_days`` after the move-in (None: it was planned before)."""
    check_in, made = CheckIn.objects.get_or_create(
        match=match,
        after_days=after_days,
        defaults={
            "due_on": moved_in_on + timedelta(days=after_days),
            "responsible": responsible_for(match),
        },
    )
    if not made:
        return None
    CHECK_IN_WORKFLOW.log_created(check_in, actor_kind=ActorKind.SYSTEM)
    return check_in


def _plan_next(match: Match, *, today: date, schedule: CheckInSchedule | None = None):
    """The rolling rule: when a stay under way has no planned check-in ahead of ``today`` (the
    last came due or was recorded), plan the next every-N-days one: the first point of the
    schedule after the last check-in and after today. None when one is ahead already."""
    if match.status != Match.Status.MOVED_IN or match.move_in_date is None:
        return None
    check_ins = CheckIn.objects.filter(match=match)
    if check_ins.filter(status=CheckIn.Status.PLANNED, due_on__gt=today).exists():
        return None
    schedule = schedule or check_in_schedule(match)
    last = max(check_ins.values_list("after_days", flat=True), default=0)
    elapsed = (today - match.move_in_date).days
    days = schedule.next_regular(max(last, elapsed))
    if days is None:
        return None
    return _plan(match, moved_in_on=match.move_in_date, after_days=days)


def schedule_check_ins(*, match: Match, moved_in_on: date, today: date | None = None) -> list:
    """The household moved in on ``moved_in_on``: plan the stay's first check-ins (its
    partnership's schedule, ``check_in_schedule``), and the next every-N-days one if none of them
    is ahead (a move-in recorded late, or a schedule without first check-ins). Each is due to the
    home's side (``responsible_for``) and its history starts with the portal as the actor.
    Idempotent: returns the check-ins it planned, none the second time."""
    today = today or timezone.localdate()
    schedule = check_in_schedule(match, moved_in_on=moved_in_on)
    planned = [
        check_in
        for days in schedule.first
        if (check_in := _plan(match, moved_in_on=moved_in_on, after_days=days)) is not None
    ]
    match.move_in_date = moved_in_on
    if match.status == Match.Status.MOVED_IN:
        following = _plan_next(match, today=today, schedule=schedule)
        if following is not None:
            planned.append(following)
    return planned


def plan_next_check_ins(*, today: date | None = None) -> int:
    """The daily task's step: every stay under way whose last check-in has come due gets its
    next one (the rolling rule, ``_plan_next``). Idempotent; returns how many were planned."""
    today = today or timezone.localdate()
    ahead = CheckIn.objects.filter(
        match=OuterRef("pk"), status=CheckIn.Status.PLANNED, due_on__gt=today
    )
    waiting = (
        Match.objects.filter(status=Match.Status.MOVED_IN, move_in_date__isnull=False)
        .exclude(Exists(ahead))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    planned = 0
    for pk in list(waiting):
        with transaction.atomic():
            match = (
                Match.objects.select_for_update(of=("self",))
                .select_related("home", "case")
                .get(pk=pk)
            )
            if _plan_next(match, today=today) is not None:
                planned += 1
    return planned


def _check_check_in_reach(user, check_in: CheckIn) -> None:
    """A check-in outside the person's reach does not exist for them (404): a volunteer reaches
    the volunteers' check-ins of their own group's homes, a partner's people those of their own
    cases. Within reach, only the side it is due to may record it."""
    from accounts.models import Organisation
    from accounts.scoping import sees_everything

    if not CheckIn.objects.visible_to(user).filter(pk=check_in.pk).exists():
        raise Http404
    if sees_everything(user):
        return
    kind = user.organisation.kind
    side = (
        CheckIn.Responsible.VOLUNTEERS
        if kind == Organisation.Kind.VOLUNTEER_ORGANISATION
        else CheckIn.Responsible.PARTNER
    )
    if check_in.responsible != side:
        raise NotAllowed(_("This check-in is the volunteers' to make, not the partner's."))


def record_check_in(
    *, check_in: CheckIn, user, outcome: str, note: str = "", today: date | None = None
) -> CheckIn:
    """Record how a check-in went: all well, a concern, or urgent (in a few words, the note).
    A concern or urgent outcome opens a concern about the stay (``raise_concern``, raised by the
    check-in, urgent or not as recorded). Recording it may plan the next check-in (the rolling
    rule). Refused when it is not due within ``CHECK_IN_DAYS_AHEAD`` days, already recorded, or
    cancelled."""
    today = today or timezone.localdate()
    if outcome not in CheckIn.Outcome.values:
        raise Invalid(_("Choose how it goes: all well, a concern, or urgent."))
    note = (note or "").strip()
    if len(note) > 2000:
        raise Invalid(_("Please keep the note to 2,000 characters."))
    if outcome != CheckIn.Outcome.ALL_WELL and not note:
        raise Invalid(_("Please write in a few words what the concern is."))
    _check_check_in_reach(user, check_in)
    with transaction.atomic():
        # The stay first, then the check-in: the order ``end_match`` keeps (``close_stay``).
        match = Match.objects.select_for_update(of=("self",)).get(pk=check_in.match_id)
        locked = CheckIn.objects.select_for_update().get(pk=check_in.pk)
        if locked.status == CheckIn.Status.DONE:
            raise Conflict(_("This check-in is already recorded."))
        if locked.status == CheckIn.Status.CANCELLED:
            raise Conflict(_("This check-in was cancelled: the stay has ended."))
        if locked.due_on > today + timedelta(days=CHECK_IN_DAYS_AHEAD):
            raise Conflict(_("This check-in is not due yet."))
        CHECK_IN_WORKFLOW.apply(
            check_in,
            "record",
            user=user,
            changes={
                "outcome": outcome,
                "note": note,
                "done_at": timezone.now(),
                "done_by": user,
            },
        )
        if outcome != CheckIn.Outcome.ALL_WELL:
            raise_concern(
                match=match,
                raised_by=Concern.RaisedBy.CHECK_IN,
                urgency=(
                    Concern.Urgency.URGENT
                    if outcome == CheckIn.Outcome.URGENT
                    else Concern.Urgency.NORMAL
                ),
                user=user,
                check_in=check_in,
                text=note,
            )
        _plan_next(match, today=today)
    return check_in


def close_stay(*, match: Match, reason: str) -> int:
    """The stay ended (``matching.actions.end_match``): its planned check-ins are cancelled by
    the portal, with the stay's reason, and no more are planned (the rolling rule plans only for
    a stay under way). Returns how many were cancelled."""
    cancelled = 0
    for check_in in CheckIn.objects.filter(match=match).planned():
        CHECK_IN_WORKFLOW.apply(
            check_in,
            "cancel",
            actor_kind=ActorKind.SYSTEM,
            reason=reason or "The stay ended.",
        )
        cancelled += 1
    return cancelled


# Evaluations (issue 16, helper "evaluations"): the steps live in ``stays.actions.evaluations`` -------------

from .evaluations import (  # noqa: E402, F401
    answer_evaluation,
    lapse_evaluations,
    open_end_evaluations,
    open_evaluations,
)
