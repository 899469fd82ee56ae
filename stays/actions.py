"""The steps of the stay: the only code that changes the status of a check-in, a concern, a
mediation meeting or an evaluation (``stays.workflow``)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matching.models import Match
from workflow.errors import Conflict, Invalid, NotAllowed
from workflow.models import ActorKind

from .models import CheckIn, Concern
from .workflow import CHECK_IN_WORKFLOW, CONCERN_WORKFLOW

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
    return concern


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
