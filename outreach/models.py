"""Reaching residents: information meetings, tagged links (with their QR codes) and a group's
"volunteers wanted" notice.

A tagged link (``Source``) is the only attribution the portal makes: a host registration or a
volunteer application that came through one keeps it, beside the "how did you hear" answer as the
person gave it. Nothing else follows a person: no cookie, no e-mail address matched between a
meeting's sign-ups and later registrations, nothing sent elsewhere.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.emails import CanonicalEmailField
from hosts.languages import LANGUAGE_CHOICES
from workflow.models import TransitionLog

# Short codes: no letters that are read as others (0/O, 1/l/I), lower case for typing by hand.
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_LENGTH = 7


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class Organiser(models.Model):
    """Who plans a meeting or owns a tagged link: a local group or a partner (exactly one)."""

    local_group = models.ForeignKey(
        "accounts.LocalGroup",
        verbose_name=_("local group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    partner = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def organiser(self):
        return self.local_group or self.partner


class InformationMeeting(Organiser):
    """A meeting for residents about hosting, volunteering or both (informationsmöte).

    Listed on the public page of its municipality while it is planned and still to come. Residents
    sign up (``MeetingSignup``); a confirmed sign-up takes one of the ``capacity`` places. After the
    meeting the organiser records who came from the list and how many came without signing up
    (``walk_ins``). ``status`` moves only through ``outreach.actions``.
    """

    class Topic(models.TextChoices):
        HOSTING = "hosting", _("Hosting a newcomer")
        VOLUNTEERING = "volunteering", _("Volunteering")
        BOTH = "both", _("Hosting and volunteering")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    municipality = models.ForeignKey(
        "municipalities.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="information_meetings",
        help_text=_("The meeting is listed on this municipality's page."),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what the meeting is about"), max_length=2000, blank=True)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    language = models.CharField(
        _("language of the meeting"), max_length=8, choices=LANGUAGE_CHOICES, default="sv"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(
        _("place"),
        max_length=300,
        blank=True,
        help_text=_("Address and room, for a meeting on site."),
    )
    online_url = models.URLField(
        _("online link"), blank=True, help_text=_("For a meeting held online.")
    )
    capacity = models.PositiveIntegerField(_("places"))
    walk_ins = models.PositiveIntegerField(_("came without signing up"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("planned by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("information meeting")
        verbose_name_plural = _("information meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(local_group__isnull=False, partner__isnull=True)
                | Q(local_group__isnull=True, partner__isnull=False),
                name="meeting_one_organiser",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(place="", online_url=""), name="meeting_has_place_or_link"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="meeting_has_places"),
        ]
        indexes = [
            models.Index(fields=["municipality", "status", "starts_at"], name="meeting_public_idx"),
        ]

    def __str__(self) -> str:
        from matching_portal import formatting

        return f"{self.title}, {formatting.day(self.starts_at)}"


class MeetingTransition(TransitionLog):
    """One step of a meeting: planned, then held or cancelled."""

    meeting = models.ForeignKey(
        InformationMeeting,
        verbose_name=_("meeting"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )

    class Meta(TransitionLog.Meta):
        verbose_name = _("meeting transition")
        verbose_name_plural = _("meeting transitions")


class MeetingSignup(models.Model):
    """A resident's place at a meeting: a name and an e-mail address, nothing more.

    Double opt-in, as for hosts: the sign-up waits (``pending``) until the link in the e-mail is
    followed, and only then takes a place (``confirmed``) if one is left. The person can cancel
    through the link in their e-mails. ``attended`` is recorded after the meeting. The name and
    the e-mail address are erased on request and when the retention time after the meeting is
    up (``erased_at``); the anonymous row stays, so the meeting's counts still add up.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the e-mail to be confirmed")
        CONFIRMED = "confirmed", _("Signed up")
        CANCELLED = "cancelled", _("Cancelled")

    meeting = models.ForeignKey(
        InformationMeeting,
        verbose_name=_("meeting"),
        on_delete=models.PROTECT,
        related_name="signups",
    )
    name = models.CharField(_("name"), max_length=200)
    email = CanonicalEmailField(_("e-mail address"), max_length=254, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language the person signed up in; e-mails are written in it."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attended = models.BooleanField(_("came"), null=True, blank=True)
    consent_notice_version = models.CharField(_("privacy notice version"), max_length=20)
    consent_given_at = models.DateTimeField(_("consent given"))
    created_at = models.DateTimeField(_("signed up"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("e-mail confirmed"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)
    link_version = models.PositiveIntegerField(_("link version"), default=1, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("meeting sign-up")
        verbose_name_plural = _("meeting sign-ups")
        constraints = [
            # One live place per address and meeting: signing up twice sends the link again.
            models.UniqueConstraint(
                fields=["meeting", "email"],
                condition=Q(status__in=["pending", "confirmed"]) & ~Q(email=""),
                name="signup_one_live_per_email",
            ),
        ]
        indexes = [
            models.Index(fields=["meeting", "status"], name="signup_meeting_status_idx"),
        ]

    def __str__(self) -> str:
        if self.erased_at:
            return str(_("Erased sign-up #%(id)s") % {"id": self.pk})
        return self.name


class SignupTransition(TransitionLog):
    """One step of a sign-up: pending, confirmed, cancelled."""

    signup = models.ForeignKey(
        MeetingSignup,
        verbose_name=_("sign-up"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )

    class Meta(TransitionLog.Meta):
        verbose_name = _("sign-up transition")
        verbose_name_plural = _("sign-up transitions")


class Source(Organiser):
    """A tagged link: a short address (``/t/<code>/``) and its printable QR code, made for one
    meeting, poster, advertisement or post. It opens the host or the volunteer sign-up with the
    source attached; the registration keeps it. Retired links open the sign-up without it."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("Information meeting")
        POSTER = "poster", _("Poster or leaflet")
        NEWSPAPER = "newspaper", _("Newspaper advertisement")
        SOCIAL_MEDIA = "social_media", _("Social-media post")
        OTHER = "other", _("Something else")

    class Target(models.TextChoices):
        HOST = "host", _("Offer a home (host sign-up)")
        VOLUNTEER = "volunteer", _("Become a volunteer (volunteer application)")

    code = models.CharField(_("code"), max_length=16, unique=True, default=new_code)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    target = models.CharField(_("opens"), max_length=20, choices=Target.choices)
    label = models.CharField(
        _("name"),
        max_length=200,
        help_text=_("For the organiser and the reports, e.g. “Poster at the library, March”."),
    )
    meeting = models.ForeignKey(
        InformationMeeting,
        verbose_name=_("meeting"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sources",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("made"), default=timezone.now)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("tagged link")
        verbose_name_plural = _("tagged links")
        constraints = [
            models.CheckConstraint(
                condition=Q(local_group__isnull=False, partner__isnull=True)
                | Q(local_group__isnull=True, partner__isnull=False),
                name="source_one_organiser",
            ),
            models.CheckConstraint(
                condition=Q(kind="meeting", meeting__isnull=False)
                | (~Q(kind="meeting") & Q(meeting__isnull=True)),
                name="source_meeting_iff_kind_meeting",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class VolunteersWanted(models.Model):
    """A local group's public notice that it needs volunteers, and for what.

    Shown on the public page of each of the group's municipalities, from ``shown_from`` until
    ``shown_until`` (empty: until taken down), with a link to the volunteer application.
    """

    class Need(models.TextChoices):
        CALLS = "calls", _("Phoning new hosts")
        VISITS = "visits", _("Visiting homes")
        FOLLOW_UPS = "follow_ups", _("Following up stays")
        LANGUAGES = "languages", _("Speaking a language")

    local_group = models.ForeignKey(
        "accounts.LocalGroup",
        verbose_name=_("local group"),
        on_delete=models.CASCADE,
        related_name="volunteers_wanted",
    )
    needs = models.JSONField(_("needed for"), default=list)
    languages = models.JSONField(_("languages needed"), default=list, blank=True)
    message = models.TextField(_("message"), max_length=1000, blank=True)
    shown_from = models.DateField(_("shown from"), default=timezone.localdate)
    shown_until = models.DateField(_("shown until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("published"), default=timezone.now)

    class Meta:
        ordering = ["-shown_from", "pk"]
        verbose_name = _("volunteers wanted")
        verbose_name_plural = _("volunteers wanted")

    def __str__(self) -> str:
        return str(self.local_group)

    def need_labels(self) -> list[str]:
        """What volunteers are needed for, in words, in the page's language."""
        labels = dict(self.Need.choices)
        return [str(labels[need]) for need in self.needs if need in labels]

    def language_labels(self) -> list[str]:
        """The languages needed, by name in the page's language."""
        labels = dict(LANGUAGE_CHOICES)
        return [str(labels.get(code, code)) for code in self.languages]
