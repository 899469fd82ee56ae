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


# Information meetings, for their organisers ---------------------------------------------------


def meetings_for(user) -> QuerySet[InformationMeeting]:
    """The meetings ``user`` organises or oversees (``outreach.reach.organiser_filter``): a
    volunteer coordinator's own group's, a national coordinator's every group's, a partner's
    coordinators' own partner's; soonest first, with their places taken counted."""
    from django.db.models import Count

    from .models import MeetingSignup
    from .reach import organiser_filter

    condition = organiser_filter(user)
    meetings = InformationMeeting.objects.all()
    if condition is not None:
        meetings = meetings.filter(condition)
    return meetings.select_related("municipality", "local_group", "partner").annotate(
        taken=Count("signups", filter=Q(signups__status=MeetingSignup.Status.CONFIRMED)),
        waiting=Count("signups", filter=Q(signups__status=MeetingSignup.Status.PENDING)),
        came=Count("signups", filter=Q(signups__attended=True)),
    )


def meeting_for(user, meeting_id) -> InformationMeeting:
    """One meeting ``user`` reaches; any other is not found (404), whether or not it exists."""
    from django.http import Http404

    meeting = meetings_for(user).filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404
    return meeting


def meeting_signups(meeting) -> QuerySet:
    """The sign-ups of a meeting its organiser sees: the confirmed ones first, then those still
    waiting for their e-mail to be confirmed, then the cancelled ones."""
    from django.db.models import Case, IntegerField, Value, When

    from .models import MeetingSignup

    S = MeetingSignup.Status
    order = Case(
        When(status=S.CONFIRMED, then=Value(0)),
        When(status=S.PENDING, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return meeting.signups.annotate(order=order).order_by("order", "created_at", "pk")


def organiser_municipalities(user):
    """The municipalities ``user`` may list a meeting in: those covered by the local groups they
    reach (``accounts.scoping.group_reach``)."""
    from municipalities.models import Municipality

    from .reach import organisers_of

    groups = organisers_of(user)["local_groups"]
    return Municipality.objects.filter(coverage__group__in=groups)
