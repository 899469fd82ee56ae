"""Home visits (hembesök): booking, moving, cancelling and reporting.

Each step locks the home first and then the visit (the order every action of a home keeps), checks
the visit's time, and takes the step through ``VISIT_WORKFLOW``, which writes the visit's history.
Time decides which steps are open: before the visit starts it can be moved or cancelled, from its
start time on it can be reported, and not before (the host would be told the home was visited).
"""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from hosts.actions import lock_home, transition_home
from hosts.models import Home
from matching_portal import formatting
from notifications.actions import queue_email
from workflow.errors import Conflict, Invalid
from workflow.models import ActorKind

from ..calendar import visit_ics
from ..models import HomeVisit
from ..workflow import VISIT_WORKFLOW


def _when(moment: datetime) -> str:
    return formatting.day_time(moment)


def _check_future(starts_at: datetime, now: datetime) -> None:
    if starts_at <= now:
        raise Invalid(_("Choose a time in the future for the visit."))


def _lock_visit(visit: HomeVisit) -> HomeVisit:
    """Lock the visit's home, then the visit, for the rest of the transaction."""
    lock_home(visit.home)
    return (
        HomeVisit.objects.select_related("home__host")
        .select_for_update(of=("self",))
        .get(pk=visit.pk)
    )


def _check_open(visit: HomeVisit) -> None:
    if visit.status != HomeVisit.Status.BOOKED:
        raise Conflict(_("This visit has already been reported or cancelled."))


def _check_not_started(visit: HomeVisit, now: datetime) -> None:
    if visit.has_started(now):
        raise Conflict(
            _(
                "The visit began on %(when)s: it can no longer be moved or cancelled. "
                "File the report instead."
            )
            % {"when": _when(visit.starts_at)}
        )


def _check_started(visit: HomeVisit, now: datetime) -> None:
    if not visit.has_started(now):
        raise Conflict(
            _("The visit is booked for %(when)s: the report can be filed from then on.")
            % {"when": _when(visit.starts_at)}
        )


def book_visit(
    *,
    home: Home,
    starts_at: datetime,
    volunteers: list[User],
    user: User,
    duration_minutes: int = 60,
    now: datetime | None = None,
) -> HomeVisit:
    """Book a home visit with one or two volunteers; the host and the volunteers each get an
    e-mail with a calendar file, in their own language. ``now`` is when the booking is made (the
    demo's history books visits in the past)."""
    now = now or timezone.now()
    if not 1 <= len(volunteers) <= 2:
        raise Invalid(_("A visit needs one or two volunteers."))
    _check_future(starts_at, now)
    with transaction.atomic():
        transition_home(home=home, name="book_visit", user=user)
        visit = HomeVisit.objects.create(
            home=home,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            booked_by=user,
            created_at=now,
        )
        visit.volunteers.set(volunteers)
        VISIT_WORKFLOW.log_created(
            visit, user=user, log_fields={"starts_at": starts_at, "created_at": now}
        )
        _send_visit_emails(visit, kind="booked")
    return visit


def move_visit(*, visit: HomeVisit, starts_at: datetime, user: User, reason: str = "") -> HomeVisit:
    """Move a visit that has not started to a new time. The host and the volunteers get the
    calendar file again, with the same UID and a higher SEQUENCE, so that their calendars move
    the visit instead of adding a second one."""
    now = timezone.now()
    _check_future(starts_at, now)
    with transaction.atomic():
        locked = _lock_visit(visit)
        _check_open(locked)
        _check_not_started(locked, now)
        previous = locked.starts_at
        if starts_at == previous:
            raise Invalid(_("Choose another time than the one booked."))
        VISIT_WORKFLOW.apply(
            locked,
            "move",
            user=user,
            reason=reason,
            changes={"starts_at": starts_at, "calendar_sequence": locked.calendar_sequence + 1},
            log_fields={"starts_at": starts_at},
        )
        _send_visit_emails(locked, kind="moved", previous=previous)
    return locked


def cancel_visit(*, visit: HomeVisit, user: User, reason: str) -> HomeVisit:
    """Cancel a visit that has not started, with a reason: the home goes back to contacted, and
    the host and the volunteers are told (their calendar files remove the visit)."""
    now = timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _lock_visit(visit)
        _check_open(locked)
        _check_not_started(locked, now)
        VISIT_WORKFLOW.apply(
            locked,
            "cancel",
            user=user,
            reason=reason,
            changes={"calendar_sequence": locked.calendar_sequence + 1},
            log_fields={"starts_at": locked.starts_at},
        )
        transition_home(home=locked.home, name="cancel_visit", user=user, reason=reason)
        _send_visit_emails(locked, kind="cancelled", reason=reason)
    return locked


def cancel_visits_of_leaving_home(*, home: Home, reason: str) -> int:
    """The host withdraws or pauses the offer: the portal cancels the visits still booked for the
    home, with the reason, and tells the host and the volunteers of those not yet begun. The
    caller holds the home's lock and takes the home's own step (``hosts.actions``)."""
    now = timezone.now()
    cancelled = 0
    booked = HomeVisit.objects.select_for_update().filter(
        home_id=home.pk, status=HomeVisit.Status.BOOKED
    )
    for visit in booked:
        VISIT_WORKFLOW.apply(
            visit,
            "cancel",
            actor_kind=ActorKind.SYSTEM,
            reason=reason,
            changes={"calendar_sequence": visit.calendar_sequence + 1},
            log_fields={"starts_at": visit.starts_at},
        )
        if not visit.has_started(now):
            _send_visit_emails(visit, kind="cancelled", reason=reason)
        cancelled += 1
    return cancelled


def report_visit(
    *,
    visit: HomeVisit,
    user: User,
    verdict: str,
    checklist: dict[str, bool],
    report: str = "",
    reject_reason: str = "",
) -> HomeVisit:
    """File the visit report, from the visit's start time on: suitable moves the home to visited,
    not suitable to rejected."""
    now = timezone.now()
    report, reject_reason = report.strip(), reject_reason.strip()
    if verdict not in HomeVisit.Verdict.values:
        raise Invalid(_("Choose whether the home is suitable."))
    if verdict == HomeVisit.Verdict.NOT_SUITABLE and not reject_reason:
        raise Invalid(_("Say why the home is not suitable."))
    with transaction.atomic():
        locked = _lock_visit(visit)
        _check_open(locked)
        _check_started(locked, now)
        VISIT_WORKFLOW.apply(
            locked,
            "report",
            user=user,
            changes={
                **{name: bool(checklist.get(name)) for name in HomeVisit.CHECKLIST},
                "report": report,
                "verdict": verdict,
                "reject_reason": reject_reason,
                "reported_by": user,
                "reported_at": now,
            },
            log_fields={"starts_at": locked.starts_at},
        )
        if verdict == HomeVisit.Verdict.SUITABLE:
            transition_home(home=locked.home, name="approve_visit", user=user, reason=report)
        else:
            transition_home(home=locked.home, name="reject", user=user, reason=reject_reason)
    return locked


# E-mails -----------------------------------------------------------------------------------

# kind -> (the host's template, the volunteers' template)
VISIT_EMAILS = {
    "booked": ("visit_host", "visit_volunteer"),
    "moved": ("visit_host_moved", "visit_volunteer_moved"),
    "cancelled": ("visit_host_cancelled", "visit_volunteer_cancelled"),
}


def _send_visit_emails(visit: HomeVisit, *, kind: str, previous=None, reason: str = "") -> None:
    """The host and each volunteer get the visit's calendar file with an e-mail saying what
    happened (booked, moved or cancelled), each in their own language."""
    host_template, volunteer_template = VISIT_EMAILS[kind]
    host = visit.home.host
    volunteers = list(visit.volunteers.all())
    volunteer_names = ", ".join(v.get_full_name() or v.username for v in volunteers)
    common = {"visit": visit, "volunteers": volunteer_names, "previous": previous}
    if host is not None and host.email and not host.erased_at:
        queue_email(
            to=host.email,
            template=host_template,
            context={**common, "name": host.name, "reason": reason},
            language=host.language,
            attachments=[visit_ics(visit, language=host.language, for_host=True)],
        )
    for volunteer in volunteers:
        if volunteer.email:
            queue_email(
                to=volunteer.email,
                template=volunteer_template,
                context={
                    **common,
                    "name": volunteer.get_full_name() or volunteer.username,
                    "host": host,
                    "home": visit.home,
                    "reason": reason,
                    "visit_url": settings.SITE_URL + reverse("volunteers:visit", args=[visit.pk]),
                },
                language=volunteer.language,
                attachments=[visit_ics(visit, language=volunteer.language, for_host=False)],
            )
