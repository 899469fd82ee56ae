"""Local groups: which group a host belongs to (routing by the home's municipality)."""

from django.db import transaction
from django.utils import timezone

from accounts.models import GroupMunicipality, LocalGroup
from hosts.models import Home

from ..models import HandOver, QueueEntry


def covering_group(municipality_id: str | None) -> LocalGroup | None:
    """The local group that covers the municipality (at most one in the portal), or None."""
    if not municipality_id:
        return None
    coverage = (
        GroupMunicipality.objects.select_related("group__organisation")
        .filter(municipality_id=municipality_id)
        .first()
    )
    return coverage.group if coverage else None


def route_home(*, home: Home) -> HandOver | None:
    """Give a host's new home to the local group covering its municipality (its call queue,
    visits, referrals and follow-ups are that group's). A home no group covers keeps no group:
    the national coordinators of the organisations that take such hosts see it. Routing happens
    once; later moves are hand-overs. Returns the routing's row, or None if nothing changed."""
    if home.host_id is None or home.local_group_id is not None:
        return None
    group = covering_group(home.municipality_id)
    if group is None:
        return None
    with transaction.atomic():
        Home.objects.filter(pk=home.pk).update(local_group=group)
        home.local_group = group
        QueueEntry.objects.filter(home_id=home.pk).update(local_group=group)
        return HandOver.objects.create(
            home=home, kind=HandOver.Kind.ROUTED, to_group=group, created_at=timezone.now()
        )
