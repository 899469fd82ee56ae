"""Who hears of a concern and of its mediation meetings, and the e-mails they get, each in the
recipient's own language.

A concern's free text is never put in an e-mail (it may be sensitive, and e-mail leaves the
portal): the e-mail links to the concern's page in the admin, where only people working on the
case can read it.
"""

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import Organisation, User
from hosts.models import Host
from notifications.actions import queue_email
from volunteers.calendar import meeting_ics


def concern_url(concern) -> str:
    return settings.SITE_URL + reverse("admin:stays_concern_change", args=[concern.pk])


def team_of(match):
    """The people who respond to concerns about a stay: the coordinators of the case's partner
    and, for a private home, the volunteer coordinators of the home's local group (for a home
    no group covers, the national coordinators of the organisations that take such hosts)."""
    condition = Q(groups__name=roles.PARTNER_COORDINATOR, organisation_id=match.case.partner_id)
    home = match.home
    if home.unit_id is None:
        if home.local_group_id is not None:
            condition |= Q(
                groups__name=roles.VOLUNTEER_COORDINATOR, local_group_id=home.local_group_id
            )
        else:
            condition |= Q(
                groups__name=roles.NATIONAL_COORDINATOR,
                organisation__kind=Organisation.Kind.VOLUNTEER_ORGANISATION,
                organisation__takes_uncovered_hosts=True,
            )
    return User.objects.filter(condition, is_active=True).distinct().order_by("pk")


def _name(person) -> str:
    return person.get_full_name() or person.username


def tell_team_of_concern(concern) -> int:
    """E-mail the concern's team that a concern was raised (urgent ones say so in the subject).
    Returns how many e-mails were queued."""
    sent = 0
    for person in team_of(concern.match):
        if not person.email:
            continue
        queue_email(
            to=person.email,
            template="concern_raised",
            context={
                "name": _name(person),
                "concern": concern,
                "urgent": concern.urgency == concern.Urgency.URGENT,
                "concern_url": concern_url(concern),
            },
            language=person.language,
        )
        sent += 1
    return sent


# Mediation meetings --------------------------------------------------------------------------


def calendar_sequence(mediation) -> int:
    """The meeting's version for calendars: each step after the booking (a move, the
    cancellation) raises it, so that a calendar replaces the event it holds."""
    return max(mediation.transitions.count() - 1, 0)


def mediation_ics(mediation, *, language: str) -> dict[str, str]:
    """The meeting as an attachment for ``queue_email`` (``volunteers.calendar.meeting_ics``):
    one UID for every version, SEQUENCE raised by each move and by the cancellation. It names
    no one's circumstances: the concern is read in the admin."""
    cancelled = mediation.status == mediation.Status.CANCELLED
    with translation.override(language):
        summary = _("Mediation meeting (concern #%(number)s)") % {"number": mediation.concern_id}
        return meeting_ics(
            uid=f"mediation-{mediation.pk}",
            sequence=calendar_sequence(mediation),
            cancelled=cancelled,
            starts_at=mediation.starts_at,
            minutes=mediation.duration_minutes,
            summary=_("Cancelled: %(what)s") % {"what": summary} if cancelled else summary,
            description=concern_url(mediation.concern),
            location=mediation.place,
            product="Mediation meetings",
            filename="mediation.ics",
        )


def send_mediation_emails(mediation, *, kind: str, previous=None, reason: str = "") -> None:
    """``kind`` is booked, moved or cancelled. The mediator and the concern's team get the
    calendar file; the host gets a plain e-mail with the time and the place, in their language.
    (The household is told by its coordinator, in its own language.)"""
    concern = mediation.concern
    match = concern.match
    people = {person.pk: person for person in team_of(match)}
    people.setdefault(mediation.mediator_id, mediation.mediator)
    common = {
        "kind": kind,
        "mediation": mediation,
        "previous": previous,
        "reason": reason,
        "mediator": _name(mediation.mediator),
    }
    for person in people.values():
        if not person.email or not person.is_active:
            continue
        queue_email(
            to=person.email,
            template="mediation_staff",
            context={**common, "name": _name(person), "concern_url": concern_url(concern)},
            language=person.language,
            attachments=[mediation_ics(mediation, language=person.language)],
        )
    host = Host.objects.filter(pk=match.home.host_id).first() if match.home.host_id else None
    if host is not None and host.email and not host.erased_at:
        queue_email(
            to=host.email,
            template="mediation_host",
            context={**common, "name": host.name},
            language=host.language,
        )
