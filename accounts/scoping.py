"""Who sees which organisation's data.

A partner's people (its coordinators and managers) see only their own partner's newcomer cases,
the homes referred to that partner and the matches between them; another partner's objects do not
exist for them (404 everywhere). A volunteer organisation's people see the homes of their own
organisation's work (``volunteer_work_filter``) but no newcomer cases. The data protection officer
and superusers see everything (the DPO read-only).
"""

from django.db.models import Q

from . import roles
from .models import Organisation


def sees_everything(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or roles.DATA_PROTECTION_OFFICER in role_names(user)


def role_names(user) -> set[str]:
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return cached


def organisation_kind(user) -> str | None:
    organisation = getattr(user, "organisation", None)
    return organisation.kind if organisation else None


def home_filter(user) -> Q | None:
    """A filter on homes for ``user``, None for all of them."""
    if sees_everything(user):
        return None
    kind = organisation_kind(user)
    if kind == Organisation.Kind.VOLUNTEER_ORGANISATION:
        return volunteer_work_filter(user.organisation_id)
    if kind == Organisation.Kind.PARTNER:
        return Q(partner_id=user.organisation_id)
    return Q(pk__in=[])


def partner_filter(user, *, path: str = "partner") -> Q | None:
    """A filter on objects owned by a partner (cases, matches via ``case__partner``)."""
    if sees_everything(user):
        return None
    if organisation_kind(user) == Organisation.Kind.PARTNER:
        return Q(**{f"{path}_id": user.organisation_id})
    return Q(pk__in=[])


def own_organisation_filter(user) -> Q:
    """A filter on organisations: the one the person belongs to (what they may link a record
    to; a partnership's parties are set by a superuser)."""
    if user.is_superuser:
        return Q()
    if getattr(user, "organisation_id", None) is None:
        return Q(pk__in=[])
    return Q(pk=user.organisation_id)


def colleague_filter(user) -> Q | None:
    """A filter on people: those of the person's own organisation, None for all of them."""
    if sees_everything(user):
        return None
    if getattr(user, "organisation_id", None) is None:
        return Q(pk=user.pk)
    return Q(organisation_id=user.organisation_id)


def volunteer_work_filter(organisation_id: int | None) -> Q:
    """A filter on homes: the work of the volunteer organisation ``organisation_id`` (None: of
    no volunteer organisation, only the homes none has worked on).

    Hosts are not routed to a volunteer organisation yet (every confirmed host goes to one shared
    call queue), so a home is an organisation's work when its people have worked on it (called
    the host, written a note, hold the host in the queue, booked or made a visit); and a home
    that no other volunteer organisation has worked on is everyone's (a new registration in the
    shared queue). A home only another volunteer organisation has worked on is not found. This is the one place to narrow when hosts are
    routed to a local group by the home's municipality.
    """
    other_ids = list(
        Organisation.objects.filter(kind=Organisation.Kind.VOLUNTEER_ORGANISATION)
        .exclude(pk=organisation_id)
        .values_list("pk", flat=True)
    )
    if not other_ids:  # the only volunteer organisation: all the volunteers' work is its own
        return Q()
    if organisation_id is None:
        return ~_worked_by(other_ids)
    return _worked_by([organisation_id]) | ~_worked_by(other_ids)


def _worked_by(orgs: list[int]) -> Q:
    """Homes the people of the organisations ``orgs`` worked on. (A campaign does not make a
    home its organisation's: it takes its homes from the shared queue, not from one's work.)"""
    from django.db.models import Exists, OuterRef

    from volunteers.models import CallAttempt, HomeVisit, HostNote, QueueEntry

    home = OuterRef("pk")
    return (
        Q(Exists(CallAttempt.objects.filter(home=home, volunteer__organisation__in=orgs)))
        | Q(Exists(HostNote.objects.filter(home=home, author__organisation__in=orgs)))
        | Q(Exists(QueueEntry.objects.filter(home=home, claimed_by__organisation__in=orgs)))
        | Q(
            Exists(
                HomeVisit.objects.filter(home=home).filter(
                    Q(booked_by__organisation__in=orgs) | Q(volunteers__organisation__in=orgs)
                )
            )
        )
    )
