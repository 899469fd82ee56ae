"""Status campaigns: their hosts go first in the call queue."""

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import LocalGroup, Organisation, User
from accounts.scoping import group_reach
from hosts.models import Home
from workflow.errors import Invalid, NotAllowed

from ..models import (
    Campaign,
    QueueEntry,
)
from .queue import S

logger = logging.getLogger(__name__)


# Campaigns ---------------------------------------------------------------------------------


def campaign_homes(
    *,
    local_group: LocalGroup,
    registered_from: date | None,
    registered_to: date | None,
    stage: str = "",
):
    """The confirmed hosts' homes a campaign of ``local_group`` would reach: the group's own
    (``Home.local_group``), never another group's or an uncovered one."""
    homes = Home.objects.filter(
        local_group=local_group,
        host__confirmed_at__isnull=False,
        host__erased_at__isnull=True,
        duplicate_of__isnull=True,
    )
    if registered_from:
        homes = homes.filter(created_at__date__gte=registered_from)
    if registered_to:
        homes = homes.filter(created_at__date__lte=registered_to)
    if stage and stage not in Home.CAMPAIGN_STAGES:
        return homes.none()
    homes = homes.filter(status=stage) if stage else homes.filter(status__in=Home.CAMPAIGN_STAGES)
    return homes


def campaign_group(*, user: User, local_group: LocalGroup | None = None) -> LocalGroup:
    """The group a campaign started by ``user`` is for: the one chosen, which must be one the
    person reaches (a national coordinator chooses among their organisation's groups), or
    else their own group."""
    if local_group is None:
        local_group = user.local_group if user.local_group_id else None
    if local_group is None:
        raise Invalid(_("Choose the local group whose hosts the campaign calls."))
    group_ids, _uncovered = group_reach(user)
    if group_ids is not None and local_group.pk not in group_ids:
        raise NotAllowed(_("You are not allowed to take this step."))
    return local_group


def start_campaign(
    *,
    name: str,
    user: User,
    local_group: LocalGroup | None = None,
    organisation: Organisation | None = None,
    registered_from: date | None = None,
    registered_to: date | None = None,
    stage: str = "",
) -> Campaign:
    """Start a status campaign for one local group (``campaign_group``: the coordinator's own,
    or the one a national coordinator chose): the group's hosts go first in its call queue
    (after callbacks that are due). The campaign belongs to the group's organisation."""
    group = campaign_group(user=user, local_group=local_group)
    if organisation is not None and organisation.pk != group.organisation_id:
        raise Invalid(_("The local group belongs to another organisation."))
    now = timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name,
            organisation_id=group.organisation_id,
            local_group=group,
            registered_from=registered_from,
            registered_to=registered_to,
            stage=stage,
            created_by=user,
            started_at=now,
        )
        homes = campaign_homes(
            local_group=group,
            registered_from=registered_from,
            registered_to=registered_to,
            stage=stage,
        )
        campaign.homes.set(homes.values_list("pk", flat=True))
        missing = homes.filter(queue_entry__isnull=True).values_list("pk", "created_at")
        QueueEntry.objects.bulk_create(
            [
                QueueEntry(
                    home_id=pk,
                    local_group=group,
                    registered_at=created,
                    next_call_at=now,
                    needs_call=False,
                )
                for pk, created in missing
            ],
            batch_size=1000,
        )
        # A callback the host asked for keeps its own time; everyone else is called now.
        entries = QueueEntry.objects.filter(home__in=campaign.homes.all())
        entries.exclude(needs_call=True, rank=QueueEntry.Rank.CALLBACK).update(
            needs_call=True, rank=QueueEntry.Rank.CAMPAIGN, campaign=campaign, next_call_at=now
        )
        entries.filter(rank=QueueEntry.Rank.CALLBACK).update(campaign=campaign)
    return campaign


def end_campaign(*, campaign: Campaign) -> None:
    """End the campaign: its hosts not yet called go back to the normal order. A home the
    campaign brought back into the queue (one past its first call) leaves it again."""
    with transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )
        uncalled = QueueEntry.objects.filter(campaign=campaign, rank=QueueEntry.Rank.CAMPAIGN)
        uncalled.exclude(home__status=S.REGISTERED).update(
            needs_call=False, rank=QueueEntry.Rank.NEW, campaign=None
        )
        uncalled.update(rank=QueueEntry.Rank.NEW, campaign=None)
        # A callback asked for in the campaign stays only where the home can still be called
        # (the queue's rule, ``queue.sync_queue_entry``, taken here for all the campaign's homes).
        QueueEntry.objects.filter(campaign=campaign, needs_call=True).exclude(
            home__in=Home.objects.callable()
        ).update(
            needs_call=False,
            rank=QueueEntry.Rank.NEW,
            campaign=None,
            claimed_by=None,
            lease_until=None,
        )
        QueueEntry.objects.filter(campaign=campaign).update(campaign=None)
    campaign.refresh_from_db()
