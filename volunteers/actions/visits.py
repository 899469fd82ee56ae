"""Home visits (hembesök): booking, reporting, moving and cancelling."""

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from hosts.actions import transition_home
from hosts.models import Home
from notifications.actions import queue_email
from workflow.engine import TransitionNotAllowed

from ..calendar import visit_ics
from ..models import (
    HomeVisit,
)

logger = logging.getLogger(__name__)


# Home visits -------------------------------------------------------------------------------


def book_visit(
    *,
    home: Home,
    starts_at: datetime,
    volunteers: list[User],
    user: User,
    duration_minutes: int = 60,
) -> HomeVisit:
    """Book a home visit with one or two volunteers; the host and the volunteers each get an
    e-mail with a calendar file, in their own language."""
    if not 1 <= len(volunteers) <= 2:
        raise TransitionNotAllowed(_("A visit needs one or two volunteers."))
    if starts_at <= timezone.now():
        raise TransitionNotAllowed(_("Choose a time in the future for the visit."))
    with transaction.atomic():
        transition_home(home=home, name="book_visit", user=user)
        visit = HomeVisit.objects.create(
            home=home, starts_at=starts_at, duration_minutes=duration_minutes, booked_by=user
        )
        visit.volunteers.set(volunteers)
        _send_visit_emails(visit)
    return visit


def _send_visit_emails(visit: HomeVisit) -> None:
    host = visit.home.host
    volunteer_names = ", ".join(v.get_full_name() or v.username for v in visit.volunteers.all())
    if host.email and not host.erased_at:
        queue_email(
            to=host.email,
            template="visit_host",
            context={"name": host.name, "visit": visit, "volunteers": volunteer_names},
            language=host.language,
            attachments=[visit_ics(visit, language=host.language, for_host=True)],
        )
    for volunteer in visit.volunteers.all():
        if volunteer.email:
            queue_email(
                to=volunteer.email,
                template="visit_volunteer",
                context={
                    "name": volunteer.get_full_name() or volunteer.username,
                    "visit": visit,
                    "host": host,
                    "home": visit.home,
                    "volunteers": volunteer_names,
                    "visit_url": settings.SITE_URL + reverse("volunteers:visit", args=[visit.pk]),
                },
                language=volunteer.language,
                attachments=[visit_ics(visit, language=volunteer.language, for_host=False)],
            )


def report_visit(
    *,
    visit: HomeVisit,
    user: User,
    verdict: str,
    checklist: dict[str, bool],
    report: str = "",
    reject_reason: str = "",
) -> HomeVisit:
    """File the visit report: suitable moves the home to visited, not suitable to rejected."""
    if visit.status != HomeVisit.Status.BOOKED:
        raise TransitionNotAllowed(_("This visit has already been reported or cancelled."))
    if verdict == HomeVisit.Verdict.NOT_SUITABLE and not reject_reason.strip():
        raise TransitionNotAllowed(_("Say why the home is not suitable."))
    with transaction.atomic():
        locked = HomeVisit.objects.select_for_update().get(pk=visit.pk)
        if locked.status != HomeVisit.Status.BOOKED:
            raise TransitionNotAllowed(_("This visit has already been reported or cancelled."))
        if verdict == HomeVisit.Verdict.SUITABLE:
            transition_home(home=visit.home, name="approve_visit", user=user, reason=report)
        elif verdict == HomeVisit.Verdict.NOT_SUITABLE:
            transition_home(home=visit.home, name="reject", user=user, reason=reject_reason)
        else:
            raise TransitionNotAllowed(_("Choose whether the home is suitable."))
        for name in HomeVisit.CHECKLIST:
            setattr(locked, name, bool(checklist.get(name)))
        locked.report = report.strip()
        locked.verdict = verdict
        locked.reject_reason = reject_reason.strip()
        locked.status = HomeVisit.Status.REPORTED
        locked.reported_by = user
        locked.reported_at = timezone.now()
        locked.save()
    return locked


def cancel_visit(*, visit: HomeVisit, user: User, reason: str) -> HomeVisit:
    with transaction.atomic():
        locked = HomeVisit.objects.select_for_update().get(pk=visit.pk)
        if locked.status != HomeVisit.Status.BOOKED:
            raise TransitionNotAllowed(_("This visit has already been reported or cancelled."))
        transition_home(home=visit.home, name="cancel_visit", user=user, reason=reason)
        locked.status = HomeVisit.Status.CANCELLED
        locked.save(update_fields=["status"])
    return locked
