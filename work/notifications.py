"""Who hears of a placement's steps, each in the recipient's own language. The e-mails name the
placement and link to its page in the admin; they carry nothing about the person (no case, no
reference), since e-mail leaves the portal."""

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.text import format_lazy

from accounts import roles
from accounts.models import User
from notifications.actions import queue_email

from .workflow import EMPLOYER


def placement_url(placement) -> str:
    return settings.SITE_URL + reverse("admin:work_placement_change", args=[placement.pk])


def employer_staff(placement):
    """The placement's supervisor if it has one who can be reached (active, with an address),
    otherwise the employer's staff who supervise."""
    supervisor = User.objects.filter(pk=placement.supervisor_id, is_active=True).exclude(email="")
    if placement.supervisor_id is not None and supervisor.exists():
        return supervisor
    return (
        User.objects.filter(
            is_active=True,
            organisation_id=placement.employer.organisation_id,
            groups__name__in=sorted(EMPLOYER),
        )
        .distinct()
        .order_by("pk")
    )


def unit_coordinators(placement):
    return User.objects.filter(
        Q(groups__name=roles.PARTNER_COORDINATOR),
        is_active=True,
        organisation_id=placement.integration_unit_id,
    ).order_by("pk")


def _send(people, template: str, placement, **context) -> int:
    sent = 0
    for person in people:
        if not person.email:
            continue
        queue_email(
            to=person.email,
            template=template,
            context={
                "name": person.get_full_name() or person.username,
                # Lazy: the kind is written in the recipient's language, not the sender's.
                "placement": format_lazy(
                    "{}: {}", placement.Kind(placement.kind).label, placement.title
                ),
                "employer": placement.employer.organisation.name,
                "url": placement_url(placement),
                **context,
            },
            language=person.language,
        )
        sent += 1
    return sent


def tell_employer_of_proposal(placement) -> int:
    """The employer's supervisor hears that a newcomer is proposed for the placement."""
    return _send(employer_staff(placement), "placement_proposed", placement)


def tell_unit_of_decline(placement) -> int:
    """The integration unit hears that the employer declined its proposal (the reason stays on
    the placement's page)."""
    return _send(unit_coordinators(placement), "placement_decline", placement)


def tell_other_side_of_early_end(placement, *, user) -> int:
    """The side that did not end the placement early hears of it."""
    if user is not None and user.organisation_id == placement.integration_unit_id:
        people = employer_staff(placement)
    else:
        people = unit_coordinators(placement)
    return _send(people.exclude(pk=getattr(user, "pk", None)), "placement_ended_early", placement)


def tell_unit_of_difficulty(check_in) -> int:
    """The integration unit hears that a supervisor finds the placement difficult."""
    return _send(unit_coordinators(check_in.placement), "placement_difficult", check_in.placement)
