"""Status campaigns: their hosts go first in the call queue."""

import logging
from datetime import date

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Organisation, User
from hosts.models import Home

from ..models import (
    CallAttempt,
    Campaign,
    QueueEntry,
)
from .queue import S

logger = logging.getLogger(__name__)


# Campaigns ---------------------------------------------------------------------------------


def campaign_homes(*, registered_from: date | None, registered_to: date | None, stage: str = ""):
    """The confirmed hosts' homes a campaign would reach."""
    homes = Home.objects.filter(
        host__confirmed_at__isnull=False, host__erased_at__isnull=True, duplicate_of__isnull=True
    )
    if registered_from:
        homes = homes.filter(created_at__date__gte=registered_from)
    if registered_to:
        homes = homes.filter(created_at__date__lte=registered_to)
    if stage and stage not in Home.CAMPAIGN_STAGES:
        return homes.none()
    homes = homes.filter(status=stage) if stage else homes.filter(status__in=Home.CAMPAIGN_STAGES)
    return homes


def start_campaign(
    *,
    name: str,
    organisation: Organisation,
    user: User,
    registered_from: date | None = None,
    registered_to: date | None = None,
    stage: str = "",
) -> Campaign:
    """Start a status campaign: its hosts go first in the queue (after callbacks that are due)."""
    now = timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name,
            organisation=organisation,
            registered_from=registered_from,
            registered_to=registered_to,
            stage=stage,
            created_by=user,
            started_at=now,
        )
        homes = campaign_homes(
            registered_from=registered_from, registered_to=registered_to, stage=stage
        )
        campaign.homes.set(homes.values_list("pk", flat=True))
        missing = homes.filter(queue_entry__isnull=True).values_list("pk", "created_at")
        QueueEntry.objects.bulk_create(
            [
                QueueEntry(home_id=pk, registered_at=created, next_call_at=now, needs_call=False)
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
        QueueEntry.objects.filter(campaign=campaign).update(campaign=None)
    campaign.refresh_from_db()


def campaign_progress(campaign: Campaign) -> dict[str, int]:
    """Called, reached and remaining hosts of a campaign."""
    return campaigns_progress([campaign])[campaign.pk]


def campaigns_progress(campaigns) -> dict[int, dict[str, int]]:
    """Called, reached and remaining hosts of each campaign, by campaign id: two aggregate
    queries however many campaigns there are."""
    ids = [campaign.pk for campaign in campaigns]
    totals = dict(
        Campaign.homes.through.objects.filter(campaign_id__in=ids)
        .values("campaign_id")
        .annotate(n=Count("home_id"))
        .values_list("campaign_id", "n")
    )
    counts = {
        row["campaign_id"]: row
        for row in CallAttempt.objects.filter(campaign_id__in=ids)
        .values("campaign_id")
        .annotate(
            called=Count("home", distinct=True),
            reached=Count("home", distinct=True, filter=Q(outcome__in=CallAttempt.REACHED)),
        )
    }
    progress = {}
    for pk in ids:
        total = totals.get(pk, 0)
        called = counts.get(pk, {}).get("called", 0)
        reached = counts.get(pk, {}).get("reached", 0)

        def percent(n, total=total):
            return round(100 * n / total) if total else 0

        progress[pk] = {
            "total": total,
            "called": called,
            "reached": reached,
            "remaining": max(total - called, 0),
            "called_percent": percent(called),
            "reached_percent": percent(reached),
        }
    return progress
