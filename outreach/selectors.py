"""Reads for the outreach pages.

The public reads (``coming_meetings``, ``volunteers_wanted_in``) take a municipality, not a
person: what they return is published for everyone. Staff reads take the person who asks, and an
object outside their reach is not found (404), wherever it is asked for.
"""

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import InformationMeeting, VolunteersWanted


def with_places(meetings: QuerySet[InformationMeeting]) -> QuerySet[InformationMeeting]:
    """Meetings with their places counted: ``taken`` (the confirmed sign-ups, as
    ``outreach.actions.places_taken`` counts them) and ``left`` (never below nought)."""
    from django.db.models import Count, F, Value
    from django.db.models.functions import Greatest

    from .models import MeetingSignup

    return meetings.annotate(
        taken=Count("signups", filter=Q(signups__status=MeetingSignup.Status.CONFIRMED))
    ).annotate(left=Greatest(F("capacity") - F("taken"), Value(0)))


def public_meeting(meeting_id: int) -> InformationMeeting:
    """A meeting, public whatever its organiser (planned, held or cancelled: an old link still
    shows what became of it), with its places counted; a number no meeting has is not found."""
    from django.http import Http404

    meeting = (
        with_places(InformationMeeting.objects.filter(pk=meeting_id))
        .select_related("municipality")
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting


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


# Tagged links and "volunteers wanted" -----------------------------------------


def live_source(code: str, *, target: str | None = None):
    """The tagged link of a short code, if it exists and is not retired (and opens ``target``,
    when given); None otherwise. Public: the code rides in the address of a sign-up, and an
    unknown, retired or forged one simply gives no source."""
    from .models import Source

    code = as_code(code)
    if code is None:
        return None
    sources = Source.objects.filter(code=code, retired_at__isnull=True)
    if target is not None:
        sources = sources.filter(target=target)
    return sources.first()


def organiser_groups(user):
    """The local groups whose outreach this person organises in the web app: a volunteer
    coordinator's own group; every group of the organisation for a national coordinator; every
    group for a superuser. Nobody else's (the data protection officer reads, in the admin)."""
    from accounts import roles
    from accounts.access import has_role
    from accounts.models import LocalGroup
    from accounts.scoping import group_reach

    if not has_role(user, roles.VOLUNTEER_COORDINATOR):
        return LocalGroup.objects.none()
    groups = LocalGroup.objects.select_related("organisation").order_by("name", "pk")
    if user.is_superuser:
        return groups
    group_ids, _uncovered = group_reach(user)
    return groups if group_ids is None else groups.filter(pk__in=group_ids)


def links_for(user) -> QuerySet:
    """The tagged links of the groups this person organises for (``organiser_groups``), and of
    a partner coordinator's own partner; retired ones last, newest first, each with ``host_count`` and ``volunteer_count``: the registrations and applications
    that came through it so far (erased hosts' homes included: the count is anonymous)."""
    from django.db.models import Count

    from accounts import roles
    from accounts.access import has_role

    from .models import Source

    organised = Q(local_group__in=organiser_groups(user))
    if has_role(user, roles.PARTNER_COORDINATOR) and user.organisation_id:
        organised |= Q(partner_id=user.organisation_id)
    return (
        Source.objects.filter(organised)
        .select_related("local_group", "partner", "meeting")
        .annotate(
            host_count=Count("homes", distinct=True),
            volunteer_count=Count("volunteer_applications", distinct=True),
        )
        .order_by("retired_at", "-created_at", "-pk")
    )


def link_for(user, source_id: int):
    """One of the person's tagged links (``links_for``); another group's is not found (404)."""
    from django.http import Http404

    source = links_for(user).filter(pk=source_id).first()
    if source is None:
        raise Http404
    return source


def notices_for(user) -> QuerySet[VolunteersWanted]:
    """The "volunteers wanted" notices of the groups this person organises for that are shown
    now or later (not yet taken down, not past their last day)."""
    today = timezone.localdate()
    return (
        VolunteersWanted.objects.filter(local_group__in=organiser_groups(user))
        .filter(Q(shown_until__isnull=True) | Q(shown_until__gte=today))
        .select_related("local_group")
        .order_by("local_group__name", "-shown_from", "pk")
    )


def notice_for(user, notice_id: int) -> VolunteersWanted:
    """One of the person's current notices (``notices_for``); anything else is not found."""
    from django.http import Http404

    notice = notices_for(user).filter(pk=notice_id).first()
    if notice is None:
        raise Http404
    return notice


def meetings_for_links(user) -> QuerySet[InformationMeeting]:
    """The meetings a tagged link can be made for: the planned meetings of the groups this
    person organises for, soonest first."""
    return (
        InformationMeeting.objects.filter(
            local_group__in=organiser_groups(user), status=InformationMeeting.Status.PLANNED
        )
        .select_related("local_group")
        .order_by("starts_at", "pk")
    )


def tagged_link(code: str):
    """The tagged link of a short code, live or retired; None for an unknown one."""
    from .models import Source

    code = as_code(code)
    return Source.objects.filter(code=code).first() if code is not None else None


def as_code(text) -> str | None:
    """``text`` as a short code (letters and digits, at most 16, in lower case), or None: only
    such a text is ever looked up."""
    import re

    if not isinstance(text, str):
        return None
    text = text.strip().lower()
    return text if re.fullmatch(r"[a-z0-9]{1,16}", text) else None


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
    return with_places(meetings.select_related("municipality", "local_group", "partner")).annotate(
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
