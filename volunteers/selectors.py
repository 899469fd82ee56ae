"""Reads for the volunteers' pages. Each takes the person who asks: an object outside their
reach is not found (404), wherever it is asked for, and before any step is taken on it.

Who reaches what (the rule of reach):

- a volunteer coordinator: the homes of their own volunteer organisation's work
  (``accounts.scoping.volunteer_work_filter``), and the visits, check-ins, campaigns and
  applications of that work; a coordinator whose organisation is not a volunteer organisation
  reaches nothing here;
- a volunteer: a home only while they hold it in the call queue; while they may still book the
  visit they agreed on the phone (they reached the host, who was interested, within
  ``BOOKING_AFTER_CALL``, and the home is still contacted); while they are one of its visit's
  volunteers and the home is still the volunteers' (contacted, visit booked or visited); for
  ``NOTE_AFTER_CALL`` after they called it (to write a note on the call), while it is still the
  volunteers'; or while its check-in is due to them. A visit while they are on it or booked it,
  until ``VISIT_REACH_AFTER`` after its time once it is reported or cancelled. A check-in of the
  volunteers' (``stays.CheckIn``) due within ``CHECK_IN_DAYS_AHEAD`` days (or overdue), or one
  they recorded themselves. A home referred to or matched by a partner is out of a volunteer's
  reach unless its check-in is due to them. Queue entries: the one they hold
  (``queue_entry_for``).

A volunteer who has not yet been met by a coordinator (``awaiting_introduction``: approved
through an application, no introduction meeting recorded on their profile) reaches no host at
all: no home, visit, check-in, callback or queue entry, whatever the rules above say.

Superusers reach everything (``has_role`` is true for them).
"""

from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import roles
from accounts.access import has_role
from accounts.models import LocalGroup, User
from accounts.scoping import group_reach, is_national_coordinator, volunteer_work_filter
from hosts.models import Home
from stays.actions import CHECK_IN_DAYS_AHEAD
from stays.models import CheckIn

from .models import (
    CallAttempt,
    Campaign,
    HomeVisit,
    HostNote,
    QueueEntry,
    VolunteerApplication,
    VolunteerProfile,
)

# A volunteer who reached an interested host may book the visit they agreed for this long.
BOOKING_AFTER_CALL = timedelta(days=7)
# After any call, the volunteer may still write a note on the host for this long.
NOTE_AFTER_CALL = timedelta(hours=1)
# A reported or cancelled visit stays in its volunteers' reach for this long after its time.
VISIT_REACH_AFTER = timedelta(days=30)


def is_coordinator(user: User) -> bool:
    return has_role(user, roles.VOLUNTEER_COORDINATOR)


def awaiting_introduction(user: User) -> bool:
    """Whether this volunteer still waits for their introduction meeting with a coordinator
    (``VolunteerProfile.met_on`` empty): until a coordinator has met them, a volunteer sees no
    host's personal data. Coordinators and accounts without a volunteer profile (made by staff
    in the admin, who know whom they let in) are not held back. Asked once per request."""
    cached = getattr(user, "_awaiting_introduction", None)
    if cached is None:
        cached = (
            not user.is_superuser
            and not is_coordinator(user)
            and VolunteerProfile.objects.filter(user_id=user.pk, met_on__isnull=True).exists()
        )
        user._awaiting_introduction = cached
    return cached


def _organisation_work(user: User) -> Q:
    """The homes of the local groups the person reaches (``accounts.scoping.group_reach``): all
    of them for a superuser; none for someone outside a volunteer organisation or without a
    group (an account to put right in the admin)."""
    if user.is_superuser:
        return Q()
    return volunteer_work_filter(user)


def organisation_homes(user: User) -> QuerySet[Home]:
    """The homes of the person's volunteer organisation's work (a host's, not a company flat)."""
    return Home.objects.filter(host__isnull=False).filter(_organisation_work(user))


def homes_for(user: User, *, now: datetime | None = None) -> QuerySet[Home]:
    """The homes this person may open on the volunteers' pages."""
    homes = organisation_homes(user)
    if is_coordinator(user):
        return homes
    if awaiting_introduction(user):
        return homes.none()
    now = now or timezone.now()
    held = Q(queue_entry__claimed_by=user, queue_entry__lease_until__gt=now)
    agreed = Q(
        status=Home.Status.CONTACTED,
        pk__in=CallAttempt.objects.filter(
            volunteer=user,
            outcome=CallAttempt.Outcome.INTERESTED,
            created_at__gt=now - BOOKING_AFTER_CALL,
        ).values("home_id"),
    )
    just_called = Q(
        status__in=Home.CAMPAIGN_STAGES,
        pk__in=CallAttempt.objects.filter(
            volunteer=user, created_at__gt=now - NOTE_AFTER_CALL
        ).values("home_id"),
    )
    visiting = Q(
        status__in=Home.PAST_CONTACT_STAGES,
        pk__in=visits_for(user, now=now).values("home_id"),
    )
    following = Q(
        pk__in=check_ins_for(user, today=timezone.localdate(now)).planned().values("match__home_id")
    )
    return homes.filter(held | agreed | just_called | visiting | following).distinct()


def home_for(user: User, home_id: int) -> Home:
    """One home of ``homes_for(user)``, with its host, or 404."""
    home = (
        Home.objects.filter(pk__in=homes_for(user).values("pk"))
        .select_related("host", "municipality")
        .filter(pk=home_id)
        .first()
    )
    if home is None:
        raise Http404
    return home


def visits_for(user: User, *, now: datetime | None = None) -> QuerySet[HomeVisit]:
    """The home visits this person may open: a coordinator those of their organisation's homes,
    a volunteer their own (on it or booked it), until a while after it took place."""
    if is_coordinator(user):
        return HomeVisit.objects.filter(home__in=organisation_homes(user))
    if awaiting_introduction(user):
        return HomeVisit.objects.none()
    now = now or timezone.now()
    return HomeVisit.objects.filter(
        Q(volunteers=user) | Q(booked_by=user),
        Q(status=HomeVisit.Status.BOOKED) | Q(starts_at__gt=now - VISIT_REACH_AFTER),
        home__in=organisation_homes(user),
    ).distinct()


def visit_for(user: User, visit_id: int) -> HomeVisit:
    """One visit of ``visits_for(user)``, with its home, host and volunteers, or 404."""
    visit = (
        HomeVisit.objects.filter(pk__in=visits_for(user).values("pk"), pk=visit_id)
        .select_related("home__host", "home__municipality")
        .prefetch_related("volunteers")
        .first()
    )
    if visit is None:
        raise Http404
    return visit


def check_ins_for(user: User, *, today: date | None = None) -> QuerySet[CheckIn]:
    """The check-ins of the volunteers' this person reaches (the private homes of their local
    group, ``stays.CheckIn.objects.visible_to``): a coordinator all of them, a volunteer those
    planned and due within ``CHECK_IN_DAYS_AHEAD`` days (or overdue) and those they recorded."""
    check_ins = CheckIn.objects.visible_to(user).filter(
        responsible=CheckIn.Responsible.VOLUNTEERS,
        match__home__in=organisation_homes(user),
    )
    if is_coordinator(user):
        return check_ins
    if awaiting_introduction(user):
        return check_ins.none()
    today = today or timezone.localdate()
    due = Q(status=CheckIn.Status.PLANNED, due_on__lte=today + timedelta(days=CHECK_IN_DAYS_AHEAD))
    return check_ins.filter(due | Q(done_by=user))


def check_in_for(user: User, check_in_id: int) -> CheckIn:
    """One check-in of ``check_ins_for(user)``, with its home and host, or 404."""
    check_in = (
        check_ins_for(user)
        .select_related("match__home__host", "match__home__municipality")
        .filter(pk=check_in_id)
        .first()
    )
    if check_in is None:
        raise Http404
    return check_in


def queue_entry_for(
    user: User, entry_id: int, *, claimed_here: tuple[int, ...] = ()
) -> QueueEntry | None:
    """The queue entry ``entry_id`` if this volunteer holds it (their lease may have run out),
    with its home and host; None if it was theirs and is no longer (handed back by them, or
    claimed in this session and since taken by someone else or finished); any other entry is
    another person's or nobody's: 404. A volunteer not yet met reaches none."""
    if awaiting_introduction(user):
        raise Http404
    entry = (
        QueueEntry.objects.select_related("home__host", "home__municipality")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        raise Http404
    if entry.claimed_by_id == user.pk:
        return entry
    if entry.handed_back_by_id == user.pk or entry.pk in claimed_here:
        return None
    raise Http404


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
        visits_for(user, now=now)
        .filter(
            volunteers=user,
            status=HomeVisit.Status.BOOKED,
            starts_at__date__lte=today + timedelta(days=7),
        )
        .select_related("home__host", "home__municipality")
        .order_by("starts_at")[:20]
    )
    # The hosts who asked this volunteer to call back today (the call goes to whoever is free).
    callbacks = (
        CallAttempt.objects.filter(
            volunteer=user,
            outcome=CallAttempt.Outcome.NOT_NOW,
            callback_at__date=today,
            home__queue_entry__needs_call=True,
            home__queue_entry__rank=QueueEntry.Rank.CALLBACK,
            home__in=organisation_homes(user),
        )
        .select_related("home__host", "home__municipality")
        .order_by("callback_at")[:20]
    )
    if awaiting_introduction(user):
        callbacks = callbacks.none()
    return {
        "check_ins": due_check_ins(user=user, today=today)[:20],
        "held": held_entry(volunteer=user, now=now),
        "visits": visits,
        "callbacks": callbacks,
        "calls_today": CallAttempt.objects.filter(volunteer=user, created_at__date=today).count(),
        "today": today,
        "awaiting_introduction": awaiting_introduction(user),
    }


def applications_for(user: User) -> QuerySet[VolunteerApplication]:
    """The applications a coordinator reaches: those of the local groups they reach (routed by
    the applicant's municipality, ``actions.apply_to_volunteer``), waiting or decided. The ones
    no group covers go to the national coordinators of every organisation that takes what no
    group covers (as the hosts no group covers do): waiting ones to all of them, the first to
    decide takes it, and a decided one stays with the deciding organisation."""
    if not is_coordinator(user):
        return VolunteerApplication.objects.none()
    applications = VolunteerApplication.objects.all()
    group_ids, uncovered = group_reach(user)
    if group_ids is None or user.is_superuser:
        return applications
    condition = Q(local_group_id__in=group_ids)
    if uncovered:
        condition |= Q(local_group__isnull=True, status=VolunteerApplication.Status.PENDING)
        condition |= Q(local_group__isnull=True, reviewed_by__organisation_id=user.organisation_id)
    return applications.filter(condition)


def applications_page(*, user: User) -> dict:
    """Applications waiting for a decision, and the last ones decided (coordinators only); the
    groups a national coordinator chooses from for an application no group covers."""
    if not is_coordinator(user):
        raise Http404
    applications = applications_for(user)
    return {
        "pending": applications.filter(status=VolunteerApplication.Status.PENDING).select_related(
            "municipality", "local_group"
        ),
        # Approved, and waiting for their introduction meeting: they see no host until then.
        "to_meet": applications.filter(
            status=VolunteerApplication.Status.APPROVED,
            user__volunteer_profile__met_on__isnull=True,
        ).select_related("municipality", "local_group", "reviewed_by"),
        "recent": applications.exclude(status=VolunteerApplication.Status.PENDING).select_related(
            "reviewed_by"
        )[:20],
        "groups": list(coordinator_groups(user)),
        "national": is_national_coordinator(user),
    }


def application_for(user: User, application_id: int) -> VolunteerApplication:
    application = applications_for(user).filter(pk=application_id).first()
    if application is None:
        raise Http404
    return application


def campaigns_for(user: User) -> QuerySet[Campaign]:
    """A coordinator's campaigns: those of the local groups they reach (their own group; every
    group of the organisation for a national coordinator, who also sees a campaign of the
    organisation that names no group)."""
    if not is_coordinator(user):
        return Campaign.objects.none()
    group_ids, _uncovered = group_reach(user)
    if group_ids is None or user.is_superuser:
        return Campaign.objects.select_related("local_group")
    condition = Q(local_group_id__in=group_ids)
    if is_national_coordinator(user):
        condition |= Q(local_group__isnull=True, organisation_id=user.organisation_id)
    return Campaign.objects.filter(condition).select_related("local_group")


def coordinator_groups(user: User) -> QuerySet[LocalGroup]:
    """The local groups this coordinator may start a campaign for: the groups they reach (their
    own; every group of the organisation for a national coordinator; all for a superuser)."""
    if not is_coordinator(user):
        return LocalGroup.objects.none()
    group_ids, _uncovered = group_reach(user)
    groups = LocalGroup.objects.select_related("organisation")
    return groups if group_ids is None else groups.filter(pk__in=group_ids)


def campaign_for(user: User, campaign_id: int) -> Campaign:
    campaign = campaigns_for(user).filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404
    return campaign


def referrals_for(user: User) -> QuerySet[Home]:
    """Visited homes of the coordinator's organisation, waiting to be referred to a partner."""
    if not is_coordinator(user):
        return Home.objects.none()
    return organisation_homes(user).filter(status=Home.Status.VISITED)


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


def possible_duplicates(home: Home, *, user: User):
    """Other registrations with the same phone number or e-mail address, among the homes of the
    person's organisation's work."""
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
        organisation_homes(user)
        .filter(condition)
        .exclude(pk=home.pk)
        .filter(host__erased_at__isnull=True, duplicate_of__isnull=True)
        .select_related("host", "municipality")
    )


def queue_page(*, user: User, now: datetime | None = None) -> dict:
    """What the call queue page says when the volunteer holds no host: their local group and how
    many of its hosts wait for a call now (the group's count, never the portal's), or, for a
    person in no group, why there is nothing to claim. A national coordinator outside any group
    claims from none: the hosts no group covers are in the list of uncovered hosts. The check-ins
    due to the volunteers of the group (``due_check_ins``) are calls to make too."""
    from .actions.queue import claimable_entries

    today = timezone.localdate() if now is None else timezone.localdate(now)
    now = now or timezone.now()
    group = user.local_group if user.local_group_id else None
    national = is_national_coordinator(user)
    waiting = None
    unmet = awaiting_introduction(user)
    if group is not None and not unmet:
        waiting = claimable_entries(now).filter(local_group_id=group.pk).count()
    return {
        "awaiting_introduction": unmet,
        "group": group,
        "waiting": waiting,
        "national": national,
        "takes_uncovered": national and group_reach(user)[1],
        "check_ins": due_check_ins(user=user, today=today)[:20],
        "today": today,
    }


def held_entries(*, volunteer: User, now: datetime) -> QuerySet[QueueEntry]:
    """The entries this volunteer holds at ``now`` (their lease runs on), first one first: the
    rule of ``held_entry`` (the claim asks it in its own statement, ``actions.claim_next_host``)."""
    return QueueEntry.objects.filter(claimed_by=volunteer, lease_until__gt=now).order_by("pk")


def held_entry(*, volunteer: User, now: datetime | None = None) -> QueueEntry | None:
    """The host this volunteer holds right now, if any (never one for a volunteer who has not
    yet been met)."""
    if awaiting_introduction(volunteer):
        return None
    now = now or timezone.now()
    return (
        held_entries(volunteer=volunteer, now=now)
        .select_related("home__host", "home__municipality", "campaign")
        .first()
    )


def due_check_ins(*, user: User, today: date | None = None, days_ahead: int = CHECK_IN_DAYS_AHEAD):
    """Planned check-ins due within ``days_ahead`` days (or overdue), soonest first: for the
    volunteers, those of ``check_ins_for``; for a partner's people, those due to their partner
    (``stays.selectors.due_check_ins``)."""
    from stays.selectors import due_check_ins as partner_check_ins

    today = today or timezone.localdate()
    if not has_role(user, roles.VOLUNTEER, roles.VOLUNTEER_COORDINATOR):
        return partner_check_ins(user=user, today=today, days_ahead=days_ahead)
    return (
        check_ins_for(user, today=today)
        .planned()
        .filter(due_on__lte=today + timedelta(days=days_ahead))
        .select_related("match__home__host", "match__home__municipality")
        .order_by("due_on", "pk")
    )


# Local groups: hand-overs and the hosts no group covers ----------------------------------------


def takes_uncovered_hosts(user: User) -> bool:
    """A national coordinator (with the volunteer coordinator's role) of an organisation that
    takes the hosts no local group covers: the one who sees the uncovered hosts' list."""
    from accounts.scoping import is_national_coordinator

    if not (is_national_coordinator(user) and has_role(user, roles.VOLUNTEER_COORDINATOR)):
        return False
    return bool(user.organisation.takes_uncovered_hosts)


def uncovered_homes_for(user: User) -> QuerySet[Home]:
    """The homes no local group covers, still on their way (``Home.OPEN_STAGES``), of confirmed
    hosts, oldest first: for the national coordinators of an organisation that takes such hosts
    (404 for everyone else)."""
    if not takes_uncovered_hosts(user):
        raise Http404
    return (
        organisation_homes(user)
        .filter(
            local_group__isnull=True,
            status__in=Home.OPEN_STAGES,
            host__confirmed_at__isnull=False,
            host__erased_at__isnull=True,
            duplicate_of__isnull=True,
        )
        .select_related("host", "municipality")
        .order_by("created_at", "pk")
    )


def hand_over_home_for(user: User, home_id: int) -> Home:
    """A home this person may hand to another group (``actions.may_hand_over``), or 404: a
    coordinator's own group's host, a national coordinator's organisation's (and the uncovered
    ones if the organisation takes them)."""
    from .actions.groups import may_hand_over

    if not is_coordinator(user):
        raise Http404
    home = (
        organisation_homes(user)
        .select_related("host", "municipality", "local_group__organisation")
        .filter(pk=home_id)
        .first()
    )
    if home is None or not may_hand_over(user, home):
        raise Http404
    return home


def hand_overs_of(home: Home):
    """The home's moves between groups, newest first (routing and hand-overs)."""
    return home.hand_overs.select_related("from_group", "to_group", "by")


def first_contact(home: Home) -> dict:
    """Who will contact a new host, and within how many days: what the host is told when they
    sign up and confirm (honestly, from the portal's own set-up).

    - ``kind="group"``: the local group the home was routed to; ``days`` is its
      ``contact_within_days``;
    - ``kind="national"``: no group covers the municipality, and the national coordinators of
      ``organisations`` (those that take such hosts) will; ``days`` is the longest of their
      ``contact_within_days`` (the promise every one of them keeps);
    - ``kind="nobody"``: no group covers it and no organisation takes such hosts: nobody can call
      yet; the registration is kept until a group starts there.
    """
    from accounts.models import LocalGroup, Organisation
    from hosts.actions import municipality_name

    municipality = municipality_name(home)
    if home.local_group_id is not None:
        group = home.local_group if Home.local_group.is_cached(home) else None
        if group is None or group.pk != home.local_group_id:
            group = LocalGroup.objects.get(pk=home.local_group_id)
        return {
            "kind": "group",
            "group": group.name,
            "days": group.contact_within_days,
            "municipality": municipality,
        }
    organisations = list(
        Organisation.objects.filter(
            kind=Organisation.Kind.VOLUNTEER_ORGANISATION, takes_uncovered_hosts=True
        ).order_by("name")
    )
    if organisations:
        return {
            "kind": "national",
            "organisations": [organisation.name for organisation in organisations],
            "days": max(organisation.contact_within_days for organisation in organisations),
            "municipality": municipality,
        }
    return {"kind": "nobody", "municipality": municipality}
