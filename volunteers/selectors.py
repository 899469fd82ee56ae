"""Reads for the volunteers' pages. Each takes the person who asks: an object outside their
reach is not found (404), wherever it is asked for.

Who reaches what:
- a volunteer coordinator: every home, visit, campaign and application of the volunteers' work;
- a volunteer: the host they hold in the call queue now, the homes they have called (to book the
  visit they agreed on the phone) and the homes and visits of the visits they are on or booked.
"""

from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import roles
from accounts.access import has_role
from accounts.models import User
from hosts.models import Home

from .models import (
    CallAttempt,
    Campaign,
    HomeVisit,
    HostNote,
    QueueEntry,
    VolunteerApplication,
)


def is_coordinator(user: User) -> bool:
    return has_role(user, roles.VOLUNTEER_COORDINATOR)


def homes_for(user: User, *, now: datetime | None = None) -> QuerySet[Home]:
    """The homes this person may open on the volunteers' pages."""
    homes = Home.objects.filter(host__isnull=False)
    if is_coordinator(user):
        return homes
    now = now or timezone.now()
    return homes.filter(
        Q(queue_entry__claimed_by=user, queue_entry__lease_until__gt=now)
        | Q(pk__in=CallAttempt.objects.filter(volunteer=user).values("home_id"))
        | Q(pk__in=visits_for(user).values("home_id"))
    ).distinct()


def home_for(user: User, home_id: int) -> Home:
    """One home of ``homes_for(user)``, with its host, or 404."""
    home = homes_for(user).select_related("host").filter(pk=home_id).first()
    if home is None:
        raise Http404
    return home


def visits_for(user: User) -> QuerySet[HomeVisit]:
    """The home visits this person may open: a volunteer's own (on it or booked it)."""
    if is_coordinator(user):
        return HomeVisit.objects.all()
    return HomeVisit.objects.filter(Q(volunteers=user) | Q(booked_by=user)).distinct()


def visit_for(user: User, visit_id: int) -> HomeVisit:
    """One visit of ``visits_for(user)``, with its home, host and volunteers, or 404."""
    visit = (
        HomeVisit.objects.filter(pk__in=visits_for(user).values("pk"), pk=visit_id)
        .select_related("home__host")
        .prefetch_related("volunteers")
        .first()
    )
    if visit is None:
        raise Http404
    return visit


def entry_held_by(*, volunteer: User, entry_id: int) -> QueueEntry | None:
    """The queue entry ``entry_id`` if this volunteer holds it (their lease may have run out)."""
    return (
        QueueEntry.objects.select_related("home__host")
        .filter(pk=entry_id, claimed_by=volunteer)
        .first()
    )


def call_history(home: Home) -> dict:
    """What the call page shows of a home: the last calls and notes, newest first."""
    return {
        "attempts": CallAttempt.objects.filter(home=home)
        .select_related("volunteer")
        .order_by("-created_at")[:20],
        "notes": HostNote.objects.filter(home=home).select_related("author")[:20],
    }


def start_page(*, user: User, now: datetime | None = None) -> dict:
    """The volunteer's day: visits in the coming week, today's callbacks, today's calls."""
    today = timezone.localdate() if now is None else timezone.localdate(now)
    now = now or timezone.now()
    visits = (
        HomeVisit.objects.filter(
            volunteers=user,
            status=HomeVisit.Status.BOOKED,
            starts_at__date__lte=today + timedelta(days=7),
        )
        .select_related("home__host")
        .order_by("starts_at")[:20]
    )
    callbacks = (
        CallAttempt.objects.filter(
            volunteer=user,
            outcome=CallAttempt.Outcome.NOT_NOW,
            callback_at__date=today,
            home__queue_entry__needs_call=True,
            home__queue_entry__rank=QueueEntry.Rank.CALLBACK,
        )
        .select_related("home__host")
        .order_by("callback_at")[:20]
    )
    return {
        "follow_ups": due_follow_ups(user=user, today=today)[:20],
        "held": held_entry(volunteer=user, now=now),
        "visits": visits,
        "callbacks": callbacks,
        "calls_today": CallAttempt.objects.filter(volunteer=user, created_at__date=today).count(),
        "today": today,
    }


def applications_page(*, user: User) -> dict:
    """Applications waiting for a decision, and the last ones decided (coordinators only)."""
    if not is_coordinator(user):
        raise Http404
    return {
        "pending": VolunteerApplication.objects.filter(status=VolunteerApplication.Status.PENDING),
        "recent": VolunteerApplication.objects.exclude(
            status=VolunteerApplication.Status.PENDING
        ).select_related("reviewed_by")[:20],
    }


def application_for(user: User, application_id: int) -> VolunteerApplication:
    if not is_coordinator(user):
        raise Http404
    application = VolunteerApplication.objects.filter(pk=application_id).first()
    if application is None:
        raise Http404
    return application


def campaigns_for(user: User) -> QuerySet[Campaign]:
    if not is_coordinator(user):
        return Campaign.objects.none()
    return Campaign.objects.all()


def campaign_for(user: User, campaign_id: int) -> Campaign:
    campaign = campaigns_for(user).filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404
    return campaign


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


def possible_duplicates(home: Home):
    """Other registrations with the same phone number or e-mail address."""
    host = home.host
    if host is None:  # a housing company's flat
        return Home.objects.none()
    condition = Q()
    if host.phone:
        condition |= Q(host__phone=host.phone)
    if host.email:
        condition |= Q(host__email=host.email)  # the canonical form, compared exactly
    if not condition:
        return Home.objects.none()
    return (
        Home.objects.filter(condition)
        .exclude(pk=home.pk)
        .filter(host__erased_at__isnull=True, duplicate_of__isnull=True)
        .select_related("host")
    )


def held_entry(*, volunteer: User, now: datetime | None = None) -> QueueEntry | None:
    """The host this volunteer holds right now, if any."""
    now = now or timezone.now()
    return (
        QueueEntry.objects.filter(claimed_by=volunteer, lease_until__gt=now)
        .select_related("home__host", "campaign")
        .first()
    )


def due_follow_ups(*, user: User, today: date | None = None, days_ahead: int = 7):
    from .models import FollowUp

    today = today or timezone.localdate()
    return (
        FollowUp.objects.visible_to(user)
        .open()
        .filter(due_on__lte=today + timedelta(days=days_ahead))
        .select_related("match__home__host", "match__case")
        .order_by("due_on")
    )
