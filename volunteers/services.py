"""The volunteers' work: joining, the shared call queue, campaigns, home visits and referral."""

import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.models import Organisation, User
from hosts.models import Home
from hosts.services import self_service_url
from hosts.workflow import HOME_WORKFLOW, notify_host, transition_home
from notifications.services import queue_email
from workflow.engine import TransitionNotAllowed
from workflow.models import ActorKind

from .calendar import visit_ics
from .models import (
    CallAttempt,
    Campaign,
    HomeVisit,
    HostNote,
    QueueEntry,
    VolunteerApplication,
    VolunteerProfile,
)

logger = logging.getLogger(__name__)

S = Home.Status
# Homes nobody should phone about: the host paused, left, or the home is out of the process.
NOT_CALLABLE = (S.PAUSED, S.WITHDRAWN, S.REJECTED, S.CLOSED)
# After an unanswered call, wait this long before the next try: hours first, then days.
NO_ANSWER_BACKOFF = [
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(days=1),
    timedelta(days=2),
    timedelta(days=4),
]


# A host handed back is offered to the other volunteers first, for this long.
HAND_BACK_PAUSE = timedelta(minutes=30)


def lease_length() -> timedelta:
    return timedelta(minutes=settings.CALL_LEASE_MINUTES)


# The queue ---------------------------------------------------------------------------------


def enqueue_home(*, home: Home, now: datetime | None = None) -> QueueEntry:
    """Put a confirmed host's home in the call queue, or back in it (the host is interested
    again after being unreachable)."""
    now = now or timezone.now()
    entry, created = QueueEntry.objects.get_or_create(
        home=home, defaults={"registered_at": home.created_at, "next_call_at": now}
    )
    if not created and not entry.needs_call:
        entry.needs_call = True
        entry.rank = QueueEntry.Rank.NEW
        entry.unanswered = 0
        entry.next_call_at = now
        entry.save(update_fields=["needs_call", "rank", "unanswered", "next_call_at"])
    return entry


def claimable_entries(now: datetime, *, volunteer: User | None = None):
    entries = QueueEntry.objects.claimable(now).exclude(home__status__in=NOT_CALLABLE)
    if volunteer is not None:
        # A host the volunteer just handed back goes to someone else first.
        entries = entries.exclude(
            handed_back_by=volunteer, handed_back_at__gt=now - HAND_BACK_PAUSE
        )
    return entries


def held_entry(*, volunteer: User, now: datetime | None = None) -> QueueEntry | None:
    """The host this volunteer holds right now, if any."""
    now = now or timezone.now()
    return (
        QueueEntry.objects.filter(claimed_by=volunteer, lease_until__gt=now)
        .select_related("home__host", "campaign")
        .first()
    )


def claim_next_host(*, volunteer: User, now: datetime | None = None) -> QueueEntry | None:
    """Give the volunteer the next host to call, or the one they already hold.

    The claim is one query on the queue's index with ``FOR UPDATE SKIP LOCKED``: volunteers
    claiming at the same moment each get a different row, and a row stays theirs while the lease
    holds. Returns None when nobody needs a call.
    """
    now = now or timezone.now()
    held = held_entry(volunteer=volunteer, now=now)
    if held is not None:
        return held
    with transaction.atomic():
        # The host and the campaign come along in the same query (only the entry is locked).
        entry = (
            claimable_entries(now, volunteer=volunteer)
            .select_related("home__host", "campaign")
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if entry is None:
            return None
        entry.claimed_by = volunteer
        entry.lease_until = now + lease_length()
        entry.save(update_fields=["claimed_by", "lease_until"])
    return entry


def hand_back(*, entry: QueueEntry, volunteer: User, note: str = "") -> None:
    """The volunteer gives the host back to the queue (with a note for the next volunteer).
    For ``HAND_BACK_PAUSE`` the host goes to the other volunteers, not back to this one."""
    with transaction.atomic():
        QueueEntry.objects.filter(pk=entry.pk, claimed_by=volunteer).update(
            claimed_by=None,
            lease_until=None,
            handed_back_by=volunteer,
            handed_back_at=timezone.now(),
        )
        if note.strip():
            HostNote.objects.create(home_id=entry.home_id, author=volunteer, text=note.strip())


def release_claims(*, volunteer: User) -> int:
    """Shift hand-over: everything the volunteer holds goes back to the queue."""
    return QueueEntry.objects.filter(claimed_by=volunteer).update(claimed_by=None, lease_until=None)


def add_note(*, home: Home, author: User, text: str) -> HostNote:
    return HostNote.objects.create(home=home, author=author, text=text.strip())


def record_call(
    *,
    entry: QueueEntry,
    volunteer: User,
    outcome: str,
    note: str = "",
    callback_at: datetime | None = None,
    now: datetime | None = None,
) -> CallAttempt:
    """Record the outcome of a call in one step, and move the host on accordingly.

    - interested: the home is contacted, and the volunteer books a visit next;
    - not now: the host is called back at ``callback_at`` (first in the queue then);
    - no answer: tried again later (hours, then days); after the organisation's number of
      unanswered calls in a row the home becomes unreachable and the host gets an e-mail;
    - wrong number: the home becomes unreachable and the host gets an e-mail to correct it;
    - the host withdraws: the home is withdrawn.
    """
    now = now or timezone.now()
    note = (note or "").strip()
    Outcome = CallAttempt.Outcome  # noqa: N806
    with transaction.atomic():
        entry = (
            QueueEntry.objects.select_for_update(of=("self",))
            .select_related("home__host")
            .get(pk=entry.pk)
        )
        if (
            entry.claimed_by_id not in (None, volunteer.pk)
            and entry.lease_until
            and (entry.lease_until > now)
        ):
            raise TransitionNotAllowed(_("Another volunteer is calling this host now."))
        if outcome == Outcome.NOT_NOW and (callback_at is None or callback_at <= now):
            raise TransitionNotAllowed(_("Choose a time in the future to call back."))
        home = entry.home
        attempt = CallAttempt.objects.create(
            home=home,
            volunteer=volunteer,
            outcome=outcome,
            note=note,
            callback_at=callback_at if outcome == Outcome.NOT_NOW else None,
            campaign=entry.campaign if entry.campaign and entry.campaign.is_active else None,
            created_at=now,
        )
        entry.claimed_by = None
        entry.lease_until = None
        finished = True
        if outcome == Outcome.INTERESTED:
            entry.unanswered = 0
            if home.status in HOME_WORKFLOW["contact"].sources:
                transition_home(home=home, name="contact", user=volunteer, reason=note)
        elif outcome == Outcome.NOT_NOW:
            entry.unanswered = 0
            entry.rank = QueueEntry.Rank.CALLBACK
            entry.next_call_at = callback_at
            finished = False
        elif outcome == Outcome.NO_ANSWER:
            entry.unanswered += 1
            limit = _unreachable_limit(volunteer)
            if entry.unanswered >= limit:
                _mark_unreachable(
                    home,
                    reason=str(
                        _("%(count)d calls without an answer") % {"count": entry.unanswered}
                    ),
                )
            else:
                step = NO_ANSWER_BACKOFF[min(entry.unanswered, len(NO_ANSWER_BACKOFF)) - 1]
                entry.next_call_at = now + step
                finished = False
        elif outcome == Outcome.WRONG_NUMBER:
            _mark_unreachable(home, reason=str(_("Wrong number")))
        elif outcome == Outcome.WITHDRAWS:
            transition_home(
                home=home,
                name="withdraw",
                user=volunteer,
                reason=note or str(_("Said on the phone")),
            )
        else:
            raise TransitionNotAllowed(_("Choose what came of the call."))
        if finished:
            entry.needs_call = False
            entry.rank = QueueEntry.Rank.NEW
            entry.campaign = None
        entry.save()
    return attempt


def _unreachable_limit(volunteer: User) -> int:
    organisation = volunteer.organisation
    return organisation.unreachable_after_attempts if organisation else 5


def _mark_unreachable(home: Home, *, reason: str) -> None:
    """The home becomes unreachable and the host is asked, by e-mail, to get in touch."""
    if home.status in HOME_WORKFLOW["mark_unreachable"].sources:
        transition_home(
            home=home, name="mark_unreachable", actor_kind=ActorKind.SYSTEM, reason=reason
        )
        notify_host(
            home=home,
            template="home_unreachable",
            context={"link_url": self_service_url(home.host)},
        )


def possible_duplicates(home: Home):
    """Other registrations with the same phone number or e-mail address."""
    host = home.host
    if host is None:  # a housing company's flat
        return Home.objects.none()
    condition = Q()
    if host.phone:
        condition |= Q(host__phone=host.phone)
    if host.email:
        condition |= Q(host__email__iexact=host.email)
    if not condition:
        return Home.objects.none()
    return (
        Home.objects.filter(condition)
        .exclude(pk=home.pk)
        .filter(host__erased_at__isnull=True, duplicate_of__isnull=True)
        .select_related("host")
    )


def merge_duplicate(*, keep: Home, duplicate: Home, user: User) -> Home:
    """A coordinator merges a registration made twice. The calls, notes and visits of the
    duplicate move to the home that is kept; the duplicate is withdrawn and points to it, and its
    own history stays as it was, so nothing of either is lost."""
    if keep.pk == duplicate.pk:
        raise TransitionNotAllowed(_("A registration cannot be merged into itself."))
    if roles.VOLUNTEER_COORDINATOR not in roles_held(user):
        raise TransitionNotAllowed(_("You are not allowed to take this step."))
    with transaction.atomic():
        CallAttempt.objects.filter(home=duplicate).update(home=keep)
        HostNote.objects.filter(home=duplicate).update(home=keep)
        HomeVisit.objects.filter(home=duplicate).update(home=keep)
        QueueEntry.objects.filter(home=duplicate).update(
            needs_call=False, claimed_by=None, lease_until=None
        )
        Home.objects.filter(pk=duplicate.pk).update(duplicate_of=keep)
        duplicate.duplicate_of = keep
        if duplicate.status in HOME_WORKFLOW["withdraw"].sources:
            transition_home(
                home=duplicate,
                name="withdraw",
                actor_kind=ActorKind.SYSTEM,
                reason=str(_("Registered twice: merged into #%(id)s") % {"id": keep.pk}),
            )
    return keep


def roles_held(user: User) -> set[str]:
    from workflow.engine import roles_of

    return roles_of(user=user)


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
    homes = homes.filter(status=stage) if stage else homes.exclude(status__in=NOT_CALLABLE)
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


# Home visits -------------------------------------------------------------------------------


def book_visit(
    *,
    home: Home,
    starts_at: datetime,
    volunteers: list[User],
    user: User,
    duration_minutes: int = 60,
) -> HomeVisit:
    """Book a home visit with one or two volunteers; the host and the volunteers each get an
    e-mail with a calendar file, in their own language."""
    if not 1 <= len(volunteers) <= 2:
        raise TransitionNotAllowed(_("A visit needs one or two volunteers."))
    if starts_at <= timezone.now():
        raise TransitionNotAllowed(_("Choose a time in the future for the visit."))
    with transaction.atomic():
        transition_home(home=home, name="book_visit", user=user)
        visit = HomeVisit.objects.create(
            home=home, starts_at=starts_at, duration_minutes=duration_minutes, booked_by=user
        )
        visit.volunteers.set(volunteers)
        _send_visit_emails(visit)
    return visit


def _send_visit_emails(visit: HomeVisit) -> None:
    host = visit.home.host
    volunteer_names = ", ".join(v.get_full_name() or v.username for v in visit.volunteers.all())
    if host.email and not host.erased_at:
        queue_email(
            to=host.email,
            template="visit_host",
            context={"name": host.name, "visit": visit, "volunteers": volunteer_names},
            language=host.language,
            attachments=[visit_ics(visit, language=host.language, for_host=True)],
        )
    for volunteer in visit.volunteers.all():
        if volunteer.email:
            queue_email(
                to=volunteer.email,
                template="visit_volunteer",
                context={
                    "name": volunteer.get_full_name() or volunteer.username,
                    "visit": visit,
                    "host": host,
                    "home": visit.home,
                    "volunteers": volunteer_names,
                    "visit_url": settings.SITE_URL + reverse("volunteers:visit", args=[visit.pk]),
                },
                language=volunteer.language,
                attachments=[visit_ics(visit, language=volunteer.language, for_host=False)],
            )


def report_visit(
    *,
    visit: HomeVisit,
    user: User,
    verdict: str,
    checklist: dict[str, bool],
    report: str = "",
    reject_reason: str = "",
) -> HomeVisit:
    """File the visit report: suitable moves the home to visited, not suitable to rejected."""
    if visit.status != HomeVisit.Status.BOOKED:
        raise TransitionNotAllowed(_("This visit has already been reported or cancelled."))
    if verdict == HomeVisit.Verdict.NOT_SUITABLE and not reject_reason.strip():
        raise TransitionNotAllowed(_("Say why the home is not suitable."))
    with transaction.atomic():
        locked = HomeVisit.objects.select_for_update().get(pk=visit.pk)
        if locked.status != HomeVisit.Status.BOOKED:
            raise TransitionNotAllowed(_("This visit has already been reported or cancelled."))
        if verdict == HomeVisit.Verdict.SUITABLE:
            transition_home(home=visit.home, name="approve_visit", user=user, reason=report)
        elif verdict == HomeVisit.Verdict.NOT_SUITABLE:
            transition_home(home=visit.home, name="reject", user=user, reason=reject_reason)
        else:
            raise TransitionNotAllowed(_("Choose whether the home is suitable."))
        for name in HomeVisit.CHECKLIST:
            setattr(locked, name, bool(checklist.get(name)))
        locked.report = report.strip()
        locked.verdict = verdict
        locked.reject_reason = reject_reason.strip()
        locked.status = HomeVisit.Status.REPORTED
        locked.reported_by = user
        locked.reported_at = timezone.now()
        locked.save()
    return locked


def cancel_visit(*, visit: HomeVisit, user: User, reason: str) -> HomeVisit:
    with transaction.atomic():
        locked = HomeVisit.objects.select_for_update().get(pk=visit.pk)
        if locked.status != HomeVisit.Status.BOOKED:
            raise TransitionNotAllowed(_("This visit has already been reported or cancelled."))
        transition_home(home=visit.home, name="cancel_visit", user=user, reason=reason)
        locked.status = HomeVisit.Status.CANCELLED
        locked.save(update_fields=["status"])
    return locked


# Joining -----------------------------------------------------------------------------------


def apply_to_volunteer(
    *,
    name: str,
    email: str,
    phone,
    languages: list[str],
    area: str,
    availability: str,
    motivation: str,
    language: str,
) -> VolunteerApplication:
    now = timezone.now()
    return VolunteerApplication.objects.create(
        name=name,
        email=email,
        phone=phone,
        languages=languages,
        area=area,
        availability=availability,
        motivation=motivation,
        language=language,
        consent_notice_version=settings.PRIVACY_NOTICE_VERSION,
        consent_given_at=now,
    )


def approve_application(*, application: VolunteerApplication, user: User) -> User:
    """Create the volunteer's account and e-mail them a link to choose a password."""
    with transaction.atomic():
        locked = VolunteerApplication.objects.select_for_update().get(pk=application.pk)
        if locked.status != VolunteerApplication.Status.PENDING:
            raise TransitionNotAllowed(_("This application has already been decided."))
        username = _free_username(locked.email)
        first, _sep, last = locked.name.partition(" ")
        account = User.objects.create_user(
            username=username,
            email=locked.email,
            first_name=first[:150],
            last_name=last[:150],
            organisation=user.organisation,
            language=locked.language,
        )
        account.set_unusable_password()
        account.save(update_fields=["password"])
        account.groups.add(Group.objects.get(name=roles.VOLUNTEER))
        VolunteerProfile.objects.create(
            user=account,
            phone=locked.phone,
            languages=locked.languages,
            area=locked.area,
            availability=locked.availability,
        )
        locked.status = VolunteerApplication.Status.APPROVED
        locked.reviewed_by = user
        locked.reviewed_at = timezone.now()
        locked.user = account
        locked.save()
        uid = urlsafe_base64_encode(force_bytes(account.pk))
        token = default_token_generator.make_token(account)
        queue_email(
            to=account.email,
            template="volunteer_welcome",
            context={
                "name": locked.name,
                "username": username,
                "set_password_url": settings.SITE_URL
                + reverse("password_reset_confirm", args=[uid, token]),
                "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
            },
            language=locked.language,
        )
    return account


def _free_username(email: str) -> str:
    base = email.split("@")[0].lower()[:140] or "volunteer"
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def decline_application(*, application: VolunteerApplication, user: User, reason: str) -> None:
    with transaction.atomic():
        locked = VolunteerApplication.objects.select_for_update().get(pk=application.pk)
        if locked.status != VolunteerApplication.Status.PENDING:
            raise TransitionNotAllowed(_("This application has already been decided."))
        locked.status = VolunteerApplication.Status.DECLINED
        locked.decline_reason = reason.strip()
        locked.reviewed_by = user
        locked.reviewed_at = timezone.now()
        locked.save()
        queue_email(
            to=locked.email,
            template="volunteer_declined",
            context={"name": locked.name},
            language=locked.language,
        )


# Follow-ups after move-in -------------------------------------------------------------------


def schedule_follow_ups(*, match, moved_in_on: date) -> list:
    """Plan the follow-up contacts after a move-in (settings.FOLLOW_UPS: label and days).
    Volunteers follow up private homes; the partner follows up housing company flats."""
    from .models import FollowUp

    responsible = (
        FollowUp.Responsible.PARTNER if match.home.unit_id else FollowUp.Responsible.VOLUNTEERS
    )
    created = []
    for days, _label in settings.FOLLOW_UPS:
        follow_up, made = FollowUp.objects.get_or_create(
            match=match,
            after_days=days,
            defaults={"due_on": moved_in_on + timedelta(days=days), "responsible": responsible},
        )
        if made:
            created.append(follow_up)
    return created


def complete_follow_up(*, follow_up, user: User, note: str) -> None:
    from .models import FollowUp

    updated = FollowUp.objects.filter(pk=follow_up.pk, done_at__isnull=True).update(
        done_at=timezone.now(), done_by=user, note=(note or "").strip()[:2000]
    )
    if not updated:
        raise TransitionNotAllowed(_("This follow-up is already done."))


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
