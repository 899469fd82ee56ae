"""Information meetings (informationsmöten): planning, sign-ups, reminders, attendance, erasure.

Every step of a meeting or a sign-up goes through ``MEETING_WORKFLOW`` / ``SIGNUP_WORKFLOW``,
which lock the row and write its history. Where a step needs both, the meeting's row is locked
before the sign-up's, the one order everywhere: a confirmation takes a place under the meeting's
lock, so two people confirming the last place at the same moment cannot both get it.

The resident who signs up has no account: a signed link in their e-mails confirms the address
(double opt-in) and later lets them download the calendar file or cancel. A link names the
sign-up, a fingerprint of the address it was sent to and the sign-up's link version; erasure
changes both, so every link sent before stops working.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.emails import canonical_email
from notifications.actions import queue_email
from notifications.models import OutboundEmail
from volunteers.calendar import meeting_ics
from workflow.errors import Conflict, Invalid, NotAllowed
from workflow.models import ActorKind

from ..models import InformationMeeting, MeetingSignup
from ..reach import may_organise
from ..workflow import MEETING_WORKFLOW, SIGNUP_WORKFLOW

logger = logging.getLogger(__name__)

M = InformationMeeting.Status
S = MeetingSignup.Status

CONFIRM_SALT = "outreach.signup-confirm"
MANAGE_SALT = "outreach.signup-manage"

# The fields of a meeting its organiser plans and may change (the status moves by its steps).
MEETING_FIELDS = [
    "municipality",
    "title",
    "description",
    "topic",
    "language",
    "starts_at",
    "ends_at",
    "place",
    "online_url",
    "capacity",
]
# A change of these is told to the people signed up (with a new calendar file).
TOLD_FIELDS = {"starts_at", "ends_at", "place", "online_url"}


class InvalidLink(Exception):
    """A sign-up's link that is broken, expired, or for a sign-up that no longer exists."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# Reach and checks -------------------------------------------------------------------------------


def _check_organiser(user, meeting: InformationMeeting) -> None:
    if not may_organise(user, local_group=meeting.local_group, partner=meeting.partner):
        raise NotAllowed(_("You are not allowed to take this step."))


def _check_fields(values: dict[str, Any], *, local_group, now: datetime) -> None:
    """The meeting's own rules, said in words before the database's constraints would refuse."""
    starts_at, ends_at = values.get("starts_at"), values.get("ends_at")
    if not values.get("title", "").strip():
        raise Invalid(_("Give the meeting a title."))
    if values.get("municipality") is None:
        raise Invalid(_("Choose the municipality where the meeting is listed."))
    if starts_at is None or ends_at is None:
        raise Invalid(_("Give the day and time the meeting starts and ends."))
    if starts_at <= now:
        raise Invalid(_("Choose a time in the future for the meeting."))
    if ends_at <= starts_at:
        raise Invalid(_("The meeting must end after it starts."))
    if ends_at - starts_at > timedelta(hours=12):
        raise Invalid(_("A meeting lasts at most 12 hours."))
    if not (values.get("place") or "").strip() and not (values.get("online_url") or "").strip():
        raise Invalid(_("Give the place of the meeting, or its online link (or both)."))
    capacity = values.get("capacity")
    if capacity is None or capacity < 1:
        raise Invalid(_("A meeting needs at least one place."))
    if values.get("topic") not in InformationMeeting.Topic.values:
        raise Invalid(_("Choose what the meeting is about."))
    if (
        local_group is not None
        and not local_group.municipalities.filter(pk=values["municipality"].pk).exists()
    ):
        raise Invalid(
            _(
                "%(group)s does not cover %(municipality)s: choose one of the group's municipalities."
            )
            % {"group": local_group, "municipality": values["municipality"]}
        )


def places_taken(meeting: InformationMeeting) -> int:
    """The confirmed sign-ups of the meeting: each holds one of its places."""
    return meeting.signups.filter(status=S.CONFIRMED).count()


def places_left(meeting: InformationMeeting) -> int:
    return max(meeting.capacity - places_taken(meeting), 0)


def is_open_for_signups(meeting: InformationMeeting, now: datetime | None = None) -> bool:
    """A planned meeting that has not yet started takes sign-ups (while it has places)."""
    now = now or timezone.now()
    return meeting.status == M.PLANNED and meeting.starts_at > now


# Planning ---------------------------------------------------------------------------------------


def plan_meeting(*, user, local_group=None, partner=None, **fields) -> InformationMeeting:
    """A coordinator plans a meeting for their local group (or their partner). It is listed on
    the municipality's public page at once, and takes sign-ups until it starts."""
    if (local_group is None) == (partner is None):
        raise Invalid(_("Choose who organises the meeting: a local group or a partner."))
    if not may_organise(user, local_group=local_group, partner=partner):
        raise NotAllowed(_("You are not allowed to take this step."))
    values = {name: fields[name] for name in MEETING_FIELDS if name in fields}
    values.setdefault("description", "")
    values.setdefault("place", "")
    values.setdefault("online_url", "")
    values.setdefault("language", "sv")
    _check_fields(values, local_group=local_group, now=timezone.now())
    with transaction.atomic():
        meeting = InformationMeeting.objects.create(
            local_group=local_group, partner=partner, created_by=user, **values
        )
        MEETING_WORKFLOW.log_created(meeting, user=user)
    return meeting


def change_meeting(*, meeting: InformationMeeting, user, **fields) -> InformationMeeting:
    """The organiser changes a planned meeting. Its places cannot drop below the people already
    signed up. When the time or the place changes, everyone signed up is told by e-mail, with a
    calendar file that moves the meeting in their calendar."""
    _check_organiser(user, meeting)
    with transaction.atomic():
        locked = InformationMeeting.objects.select_for_update().get(pk=meeting.pk)
        values = {name: getattr(locked, name) for name in MEETING_FIELDS}
        values.update({name: fields[name] for name in MEETING_FIELDS if name in fields})
        if locked.status == M.PLANNED and locked.starts_at <= timezone.now():
            raise Conflict(_("The meeting has begun: it can no longer be changed."))
        _check_fields(values, local_group=locked.local_group, now=timezone.now())
        taken = places_taken(locked)
        if values["capacity"] < taken:
            raise Invalid(
                _(
                    "%(count)s people have already signed up: the meeting needs at least that many places."
                )
                % {"count": taken}
            )
        changed = {
            name: values[name] for name in MEETING_FIELDS if values[name] != getattr(locked, name)
        }
        MEETING_WORKFLOW.apply(locked, "change", user=user, changes=changed)
        if TOLD_FIELDS & set(changed):
            for signup in locked.signups.filter(status=S.CONFIRMED, erased_at__isnull=True):
                _tell(signup, meeting=locked, template="meeting_changed")
    for name in changed:
        setattr(meeting, name, getattr(locked, name))
    meeting.status = locked.status
    return locked


def cancel_meeting(*, meeting: InformationMeeting, user, reason: str) -> InformationMeeting:
    """The organiser cancels a planned meeting: it leaves the public page and everyone signed up
    is told by e-mail (with a calendar file that removes it from their calendar). The sign-ups
    stay as they were, so the meeting's figures still say how many had signed up."""
    _check_organiser(user, meeting)
    with transaction.atomic():
        locked = InformationMeeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.status == M.PLANNED and locked.ends_at <= timezone.now():
            raise Conflict(_("The meeting is over: record who came instead."))
        MEETING_WORKFLOW.apply(locked, "cancel", user=user, reason=reason)
        for signup in locked.signups.filter(status=S.CONFIRMED, erased_at__isnull=True):
            _tell(signup, meeting=locked, template="meeting_cancelled")
    meeting.status = locked.status
    return locked


def record_attendance(
    *, meeting: InformationMeeting, user, came: list[int] | set[int], walk_ins: int
) -> InformationMeeting:
    """After the meeting has started, the organiser records who came from the list of confirmed
    sign-ups (``came``: their ids; the others did not come) and how many came without signing up.
    The meeting is then held. Recording again later corrects the figures (no new step)."""
    _check_organiser(user, meeting)
    if walk_ins is None or walk_ins < 0:
        raise Invalid(_("Give the number of people who came without signing up (0 or more)."))
    came = {int(pk) for pk in came}
    now = timezone.now()
    with transaction.atomic():
        locked = InformationMeeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.status == M.CANCELLED:
            raise Conflict(_("The meeting was cancelled."))
        if locked.starts_at > now:
            raise Conflict(_("Who came can be recorded from the meeting's start."))
        listed = locked.signups.filter(status=S.CONFIRMED)
        unknown = came - set(listed.values_list("pk", flat=True))
        if unknown:
            raise Invalid(_("Only people signed up to this meeting can be ticked as having come."))
        listed.filter(pk__in=came).update(attended=True)
        listed.exclude(pk__in=came).update(attended=False)
        if locked.status == M.PLANNED:
            MEETING_WORKFLOW.apply(locked, "hold", user=user, changes={"walk_ins": walk_ins})
        else:
            locked.walk_ins = walk_ins
            locked.save(update_fields=["walk_ins"])
    meeting.status, meeting.walk_ins = locked.status, locked.walk_ins
    return locked


# Signing up -------------------------------------------------------------------------------------


def sign_up_for_meeting(
    *, meeting: InformationMeeting, name: str, email: str, language: str
) -> MeetingSignup | None:
    """A resident signs up with a name and an e-mail address, and consents to the privacy notice.
    The sign-up waits (pending) until the link in the e-mail is followed; it takes no place yet.

    Signing up again with the same address for the same meeting sends the e-mail again for the
    sign-up already there and changes nothing, so the answer (and the page) is the same whoever
    types an address: it reveals nothing about who has signed up. Returns the sign-up."""
    name = (name or "").strip()
    if not name:
        raise Invalid(_("Write your name."))
    try:
        address = canonical_email(email)
    except ValidationError as exc:
        raise Invalid(exc.messages[0]) from None
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    if not is_open_for_signups(meeting):
        raise Conflict(_("This meeting no longer takes sign-ups."))
    if places_left(meeting) <= 0:
        raise Conflict(_("The meeting is full."))
    live = MeetingSignup.objects.filter(
        meeting=meeting, email=address, status__in=[S.PENDING, S.CONFIRMED]
    )
    now = timezone.now()
    try:
        with transaction.atomic():
            existing = live.select_for_update().first()
            if existing is not None:
                _send_confirmation(existing)
                return existing
            signup = MeetingSignup.objects.create(
                meeting=meeting,
                name=name,
                email=address,
                language=language,
                consent_notice_version=settings.PRIVACY_NOTICE_VERSION,
                consent_given_at=now,
            )
            SIGNUP_WORKFLOW.log_created(signup, actor_kind=ActorKind.SYSTEM)
            _send_confirmation(signup)
            return signup
    except IntegrityError:
        # The same address signed up in another request at this very moment: that one stands.
        existing = live.first()
        if existing is not None:
            with transaction.atomic():
                _send_confirmation(existing)
        return existing


def _send_confirmation(signup: MeetingSignup) -> None:
    queue_email(
        to=signup.email,
        template="meeting_confirm",
        context={
            **_meeting_context(signup.meeting, signup.language),
            "name": signup.name,
            "confirm_url": confirm_url(signup),
            "days": settings.MEETING_CONFIRM_LINK_MAX_AGE // 86400,
        },
        language=signup.language,
    )


def confirm_signup(*, signup: MeetingSignup) -> bool:
    """The person followed the link in the e-mail: the sign-up takes one of the meeting's places.

    The meeting's row is locked while the places are counted, so of two people taking the last
    place at the same moment one gets it and the other is told the meeting is full. A sign-up
    that finds the meeting full stays pending: if a place is freed before the meeting starts,
    the same link takes it. Returns False if the sign-up was already confirmed."""
    now = timezone.now()
    with transaction.atomic():
        meeting = InformationMeeting.objects.select_for_update().get(pk=signup.meeting_id)
        locked = MeetingSignup.objects.select_for_update().get(pk=signup.pk)
        if locked.status == S.CONFIRMED:
            return False
        if locked.status != S.PENDING or locked.erased_at:
            raise Conflict(
                _("This sign-up was cancelled. You can sign up again on the meeting's page.")
            )
        if not is_open_for_signups(meeting, now):
            raise Conflict(_("This meeting no longer takes sign-ups."))
        if places_taken(meeting) >= meeting.capacity:
            raise Conflict(
                _(
                    "Sorry, the meeting is full: the last place was taken before you confirmed. "
                    "If someone cancels before the meeting, this same link gives you the place."
                )
            )
        SIGNUP_WORKFLOW.apply(
            locked, "confirm", actor_kind=ActorKind.SYSTEM, changes={"confirmed_at": now}
        )
        _tell(locked, meeting=meeting, template="meeting_signed_up")
    signup.status, signup.confirmed_at = locked.status, locked.confirmed_at
    return True


def cancel_signup(*, signup: MeetingSignup, user=None) -> MeetingSignup:
    """The person cancels their sign-up through the link in their e-mails (or an organiser for
    them): the place is free for someone else. Cancelling twice changes nothing."""
    if user is not None:
        _check_organiser(user, signup.meeting)
    actor = (
        {"user": user, "actor_kind": ActorKind.USER}
        if user is not None
        else {"actor_kind": ActorKind.SYSTEM}
    )
    with transaction.atomic():
        InformationMeeting.objects.select_for_update().get(pk=signup.meeting_id)
        locked = MeetingSignup.objects.select_for_update().get(pk=signup.pk)
        if locked.status == S.CANCELLED:
            return locked
        if locked.meeting.status != M.PLANNED or locked.meeting.starts_at <= timezone.now():
            raise Conflict(
                _("The meeting has begun or is over: the sign-up can no longer be cancelled.")
            )
        SIGNUP_WORKFLOW.apply(locked, "cancel", **actor)
    signup.status = locked.status
    return locked


# Reminders --------------------------------------------------------------------------------------

REMINDER_AHEAD = timedelta(hours=24)


def send_meeting_reminders(*, now: datetime | None = None) -> int:
    """E-mail a reminder to everyone signed up to a meeting that starts within the next day, once.

    Each sign-up is claimed by a conditional update (``reminded_at`` still empty) in the same
    transaction as its e-mail is put in the outbox, so a worker stopped midway and run again, or
    two workers at once, send no one twice. Someone who confirmed within the last day before the
    meeting has just had its details and gets no reminder. Returns how many were sent."""
    now = now or timezone.now()
    due = MeetingSignup.objects.filter(
        status=S.CONFIRMED,
        reminded_at__isnull=True,
        erased_at__isnull=True,
        meeting__status=M.PLANNED,
        meeting__starts_at__gt=now,
        meeting__starts_at__lte=now + REMINDER_AHEAD,
        confirmed_at__lt=F("meeting__starts_at") - REMINDER_AHEAD,
    ).exclude(email="")
    sent = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            claimed = MeetingSignup.objects.filter(pk=pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if not claimed:
                continue
            signup = MeetingSignup.objects.select_related("meeting").get(pk=pk)
            _tell(signup, meeting=signup.meeting, template="meeting_reminder")
            sent += 1
    return sent


# Erasure ----------------------------------------------------------------------------------------


def erase_signup(*, signup: MeetingSignup) -> bool:
    """Remove the person's name and e-mail address from a sign-up (on request, or when the
    retention time after the meeting is up). A sign-up still holding a place at a meeting to
    come is cancelled first, so the place is freed. The anonymous row stays (its meeting, steps,
    dates and whether the person came), so the meeting's counts still add up; every link sent
    before stops working, and the e-mails to the address are deleted unless the address is still
    someone else's in the portal. Returns False if it was already erased."""
    with transaction.atomic():
        InformationMeeting.objects.select_for_update().get(pk=signup.meeting_id)
        locked = (
            MeetingSignup.objects.select_related("meeting")
            .select_for_update(of=("self",))
            .get(pk=signup.pk)
        )
        if locked.erased_at:
            return False
        if locked.status in (S.PENDING, S.CONFIRMED) and is_open_for_signups(locked.meeting):
            SIGNUP_WORKFLOW.apply(locked, "cancel", actor_kind=ActorKind.SYSTEM)
        address = locked.email
        MeetingSignup.objects.filter(pk=locked.pk).update(
            name="", email="", erased_at=timezone.now(), link_version=F("link_version") + 1
        )
        if address and not _address_in_use(address):
            OutboundEmail.objects.filter(to=address).delete()
    signup.refresh_from_db()
    return True


def _address_in_use(address: str) -> bool:
    """Whether anyone else in the portal still has this address (their e-mails are theirs)."""
    from accounts.models import User
    from hosts.models import Host
    from newcomers.models import NewcomerCase
    from volunteers.models import VolunteerApplication

    return (
        MeetingSignup.objects.filter(email=address, erased_at__isnull=True).exists()
        or Host.objects.filter(email=address, erased_at__isnull=True).exists()
        or VolunteerApplication.objects.filter(email=address).exists()
        or User.objects.filter(email=address).exists()
        or NewcomerCase.objects.filter(email=address).exists()
    )


def erase_signups_of(*, email: str) -> int:
    """Erase every sign-up under this address (a person's request, ``privacy.actions``)."""
    count = 0
    for signup in MeetingSignup.objects.filter(email=email, erased_at__isnull=True):
        count += erase_signup(signup=signup)
    return count


def erase_expired_signups(*, now: datetime | None = None) -> int:
    """The retention rule: sign-ups whose meeting ended (or was to end) more than
    ``RETENTION_DAYS["meeting_signups"]`` days ago lose the name and the address."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.RETENTION_DAYS["meeting_signups"])
    count = 0
    for signup in MeetingSignup.objects.filter(erased_at__isnull=True, meeting__ends_at__lt=cutoff):
        count += erase_signup(signup=signup)
    return count


# Links ------------------------------------------------------------------------------------------


def _address_fingerprint(signup: MeetingSignup) -> str:
    return salted_hmac("outreach.signup-address", signup.email).hexdigest()[:16]


def make_signup_token(signup: MeetingSignup, *, purpose: str) -> str:
    salt = CONFIRM_SALT if purpose == "confirm" else MANAGE_SALT
    payload = {"s": signup.pk, "a": _address_fingerprint(signup), "v": signup.link_version}
    return signing.dumps(payload, salt=salt)


def signup_from_token(token: str, *, purpose: str) -> MeetingSignup:
    """The sign-up a link names, or ``InvalidLink`` saying why not (in the page's language)."""
    if purpose == "confirm":
        salt, max_age = CONFIRM_SALT, settings.MEETING_CONFIRM_LINK_MAX_AGE
    else:
        salt, max_age = MANAGE_SALT, None
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise InvalidLink(
            _("This link has expired. You can sign up again on the meeting's page.")
        ) from None
    except signing.BadSignature:
        raise InvalidLink(_("This link is not valid.")) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), int):
        raise InvalidLink(_("This link is not valid."))
    signup = (
        MeetingSignup.objects.select_related("meeting__municipality")
        .filter(pk=payload["s"], erased_at__isnull=True)
        .first()
    )
    if (
        signup is None
        or payload.get("a") != _address_fingerprint(signup)
        or payload.get("v") != signup.link_version
    ):
        raise InvalidLink(_("This link is no longer valid."))
    return signup


def confirm_url(signup: MeetingSignup) -> str:
    token = make_signup_token(signup, purpose="confirm")
    return settings.SITE_URL + reverse("outreach:confirm", args=[token])


def manage_url(signup: MeetingSignup) -> str:
    token = make_signup_token(signup, purpose="manage")
    return settings.SITE_URL + reverse("outreach:my_signup", args=[token])


def calendar_url(signup: MeetingSignup) -> str:
    token = make_signup_token(signup, purpose="manage")
    return settings.SITE_URL + reverse("outreach:calendar", args=[token])


# E-mails and the calendar file ------------------------------------------------------------------


def _meeting_context(meeting: InformationMeeting, language: str) -> dict[str, Any]:
    return {"meeting": meeting, "municipality": meeting.municipality}


def _tell(signup: MeetingSignup, *, meeting: InformationMeeting, template: str) -> None:
    """E-mail the person about their sign-up, in their language, with the calendar file."""
    if not signup.email or signup.erased_at:
        return
    queue_email(
        to=signup.email,
        template=template,
        context={
            **_meeting_context(meeting, signup.language),
            "name": signup.name,
            "manage_url": manage_url(signup),
            "calendar_url": calendar_url(signup),
        },
        language=signup.language,
        attachments=[meeting_calendar(meeting, language=signup.language)],
    )


def calendar_sequence(meeting: InformationMeeting) -> int:
    """SEQUENCE of the meeting's calendar file: one more with every change and the cancellation,
    so a calendar replaces the event it holds (read from the meeting's history)."""
    return max(meeting.transitions.count() - 1, 0)


def meeting_calendar(meeting: InformationMeeting, *, language: str) -> dict[str, str]:
    """The meeting as a calendar file (``volunteers.calendar.meeting_ics``): {filename, content,
    mimetype}; the same UID for every version of the meeting."""
    cancelled = meeting.status == M.CANCELLED
    with translation.override(language):
        summary = meeting.title
        if cancelled:
            summary = gettext("Cancelled: %(title)s") % {"title": meeting.title}
        location = ", ".join(part for part in [meeting.place, meeting.online_url] if part)
        description = meeting.description
        if meeting.online_url:
            description = f"{description}\n\n{meeting.online_url}".strip()
        return meeting_ics(
            uid=f"information-meeting-{meeting.pk}",
            sequence=calendar_sequence(meeting),
            cancelled=cancelled,
            starts_at=meeting.starts_at,
            minutes=int((meeting.ends_at - meeting.starts_at).total_seconds() // 60),
            summary=summary,
            location=location,
            description=description,
            product="Information meetings",
            filename="information-meeting.ics",
        )
