"""Local groups: which group a host belongs to (routing by the home's municipality)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import GroupMunicipality, LocalGroup
from hosts.models import Home
from workflow.errors import Conflict, Invalid, NotAllowed

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
    # No savepoint: inside a caller's transaction (a registration, a change of municipality)
    # a failure here fails the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        Home.objects.filter(pk=home.pk).update(local_group=group)
        home.local_group = group
        QueueEntry.objects.filter(home_id=home.pk).update(local_group=group)
        return HandOver.objects.create(
            home=home, kind=HandOver.Kind.ROUTED, to_group=group, created_at=timezone.now()
        )


def may_hand_over(user, home: Home) -> bool:
    """Whether ``user`` may hand ``home`` to another group: a volunteer coordinator of the
    home's group, a national coordinator of the group's organisation (and, for a home no group
    covers, of an organisation that takes such hosts), or a superuser."""
    from accounts import roles
    from accounts.access import has_role
    from accounts.scoping import group_reach, is_national_coordinator

    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not has_role(user, roles.VOLUNTEER_COORDINATOR):
        return False
    group_ids, uncovered = group_reach(user)
    if home.local_group_id is None:
        return uncovered and is_national_coordinator(user)
    return group_ids is None or home.local_group_id in group_ids


def hand_over_home(*, home: Home, to_group: LocalGroup, user, reason: str) -> HandOver:
    """Hand a host over to another local group (any group of the portal), with a reason: the
    home and its call-queue entry become the new group's, a claim on the entry is released, and
    a campaign of the old group lets the home go. A national coordinator also gives a host no
    group covers (``from`` empty) to a group. One ``HandOver`` row records it.

    The home's row is locked first; the hand-over is taken only if the home is still with the
    group the person saw (``home.local_group_id`` as passed in): of two people handing the same
    host over at the same moment one wins, the other is told the host has already moved."""
    from hosts.actions import lock_home

    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Say why the host is handed over: the new group reads it."))
    if to_group is None:
        raise Invalid(_("Choose the group to hand the host over to."))
    if not may_hand_over(user, home):
        raise NotAllowed(_("Only a coordinator of the host's group can hand the host over."))
    seen_group_id = home.local_group_id
    if to_group.pk == seen_group_id:
        raise Invalid(_("The host is already with %(group)s.") % {"group": to_group.name})
    with transaction.atomic():
        locked = lock_home(home)
        if locked.local_group_id != seen_group_id:
            now_with = (
                LocalGroup.objects.filter(pk=locked.local_group_id).values_list("name", flat=True)
            ).first()
            raise Conflict(
                _(
                    "Someone else has just handed this host over (now with %(group)s). "
                    "Nothing was changed; open the host again to see where it is."
                )
                % {"group": now_with or _("no local group")}
            )
        if locked.status in Home.FINAL_STAGES:
            raise Conflict(
                _("This host has left the process (%(stage)s): there is nobody to hand over.")
                % {"stage": locked.get_status_display()}
            )
        now = timezone.now()
        Home.objects.filter(pk=locked.pk).update(local_group=to_group)
        home.local_group = locked.local_group = to_group
        _move_queue_entry(home=locked, from_group_id=seen_group_id, to_group=to_group)
        return HandOver.objects.create(
            home=locked,
            kind=HandOver.Kind.HANDED_OVER,
            from_group_id=seen_group_id,
            to_group=to_group,
            by=user if getattr(user, "pk", None) else None,
            reason=reason[:500],
            created_at=now,
        )


def _move_queue_entry(*, home: Home, from_group_id: int | None, to_group: LocalGroup) -> None:
    """The home's queue entry follows it: the new group's, nobody's claim, out of a campaign
    that is not the new group's (and out of that campaign's hosts); then in the queue or not as
    the home's stage says (``sync_queue_entry``)."""
    from .queue import sync_queue_entry

    entry = QueueEntry.objects.select_for_update(of=("self",)).filter(home_id=home.pk).first()
    if entry is None:
        return
    entry.local_group = to_group
    entry.claimed_by = None
    entry.lease_until = None
    fields = ["local_group", "claimed_by", "lease_until"]
    campaign = entry.campaign
    if campaign is not None and campaign.local_group_id != to_group.pk:
        campaign.homes.remove(home.pk)
        entry.campaign = None
        fields.append("campaign")
        if entry.rank == QueueEntry.Rank.CAMPAIGN:
            entry.rank = QueueEntry.Rank.NEW
            fields.append("rank")
    entry.save(update_fields=fields)
    sync_queue_entry(home=home)
