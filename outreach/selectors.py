"""Reads for the outreach pages.

The public reads (``coming_meetings``, ``volunteers_wanted_in``) take a municipality, not a
person: what they return is published for everyone. Staff reads take the person who asks, and an
object outside their reach is not found (404), wherever it is asked for.
"""

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import InformationMeeting, VolunteersWanted


def coming_meetings(municipality) -> QuerySet[InformationMeeting]:
    """The planned meetings of a municipality that have not yet ended, soonest first."""
    return InformationMeeting.objects.filter(
        municipality=municipality,
        status=InformationMeeting.Status.PLANNED,
        ends_at__gt=timezone.now(),
    ).order_by("starts_at", "pk")


def volunteers_wanted_in(municipality) -> QuerySet[VolunteersWanted]:
    """The "volunteers wanted" notices shown today on a municipality's page: those of the local
    group that covers the municipality, from their first day to their last (none: until taken
    down)."""
    today = timezone.localdate()
    return (
        VolunteersWanted.objects.filter(
            local_group__municipalities=municipality, shown_from__lte=today
        )
        .filter(Q(shown_until__isnull=True) | Q(shown_until__gte=today))
        .select_related("local_group")
        .order_by("-shown_from", "pk")
    )
