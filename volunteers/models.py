"""Volunteers, the local groups' call queues, hand-overs, call attempts, campaigns and home visits
(hembesök)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from accounts.emails import CanonicalEmailField
from matching_portal import formatting
from workflow.models import TransitionLog


class VolunteerApplication(models.Model):
    """Someone who offers to volunteer, through the public form, until a coordinator decides.

    Name, e-mail and phone to reach the applicant and, once approved, to create the account; the
    languages, the area and the availability to plan calls and visits; the consent fields record
    which privacy notice the applicant agreed to, when, and in which language.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    name = models.CharField(_("name"), max_length=200)
    email = CanonicalEmailField(_("e-mail address"))
    phone = PhoneNumberField(_("phone number"))
    languages = models.JSONField(_("languages"), default=list, blank=True)
    area = models.CharField(_("area"), max_length=100)
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Where the applicant lives and would volunteer."),
    )
    local_group = models.ForeignKey(
        "accounts.LocalGroup",
        verbose_name=_("local group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        help_text=_("The group covering the applicant's municipality, whose coordinators decide."),
    )
    availability = models.CharField(_("availability"), max_length=300)
    motivation = models.TextField(_("why you want to volunteer"), max_length=2000, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    consent_notice_version = models.CharField(_("privacy notice version"), max_length=20)
    consent_given_at = models.DateTimeField(_("consent given"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decline_reason = models.CharField(_("reason for declining"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer_application",
    )
    source = models.ForeignKey(
        "outreach.Source",
        verbose_name=_("came through"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteer_applications",
        help_text=_(
            "The tagged link (meeting, poster, advertisement, post) the applicant came through."
        ),
    )
    created_at = models.DateTimeField(_("applied"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("volunteer application")
        verbose_name_plural = _("volunteer applications")
        indexes = [models.Index(fields=["status", "created_at"], name="volapp_status_idx")]

    def __str__(self) -> str:
        return self.name

    def language_labels(self) -> list[str]:
        """The languages the applicant speaks, by name in the page's language."""
        from hosts.languages import LANGUAGE_CHOICES

        labels = dict(LANGUAGE_CHOICES)
        return [str(labels.get(code, code)) for code in self.languages]


class ApplicationTransition(TransitionLog):
    """One step of a volunteer application (``volunteers.workflow.APPLICATION_WORKFLOW``)."""

    application = models.ForeignKey(
        VolunteerApplication,
        verbose_name=_("volunteer application"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )

    class Meta(TransitionLog.Meta):
        verbose_name = _("application step")
        verbose_name_plural = _("application steps")
        indexes = [models.Index(fields=["application", "created_at"], name="apptrans_app_idx")]


class VolunteerProfile(models.Model):
    """What coordinators need to plan a volunteer's calls and visits.

    ``met_on`` and ``met_by``: the introduction meeting (introduktionsträff), when a coordinator
    met the new volunteer (``volunteers.actions.record_introduction``). Until then the volunteer
    reaches no host's personal data: no call queue, visits or check-ins
    (``volunteers.selectors.awaiting_introduction``).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="volunteer_profile",
    )
    phone = PhoneNumberField(_("phone number"), blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    area = models.CharField(_("area"), max_length=100, blank=True)
    availability = models.CharField(_("availability"), max_length=300, blank=True)
    met_on = models.DateField(
        _("introduction meeting"),
        null=True,
        blank=True,
        help_text=_(
            "When a coordinator met the volunteer. Until then the volunteer sees no host's "
            "personal data."
        ),
    )
    met_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("met by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("volunteer profile")
        verbose_name_plural = _("volunteer profiles")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.username


class Campaign(models.Model):
    """A status campaign (statuskampanj): a set of hosts to phone first, e.g. "everyone who
    registered in December and January, to check their status"."""

    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="campaigns",
    )
    local_group = models.ForeignKey(
        "accounts.LocalGroup",
        verbose_name=_("local group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        help_text=_("The group whose hosts the campaign calls."),
    )
    registered_from = models.DateField(_("registered from"), null=True, blank=True)
    registered_to = models.DateField(_("registered until"), null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    homes = models.ManyToManyField(
        "hosts.Home", verbose_name=_("homes"), related_name="campaigns", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class QueueEntryQuerySet(models.QuerySet):
    def claimable(self, now):
        """Entries that need a call now and that nobody holds: the queue, in its order."""
        return (
            self.filter(needs_call=True, next_call_at__lte=now)
            .filter(models.Q(lease_until__isnull=True) | models.Q(lease_until__lt=now))
            .order_by("rank", "registered_at", "id")
        )


class QueueEntry(models.Model):
    """A home's place in its local group's call queue (the group's volunteers share it).

    ``rank`` orders the queue: 0 for a callback the host asked for, 1 for a home in an active
    campaign, 2 for everyone else (oldest registration first). ``next_call_at`` holds a home back
    until its callback or retry time. A volunteer holds an entry while ``lease_until`` is in the
    future; an expired lease puts it back in the queue.
    """

    class Rank(models.IntegerChoices):
        CALLBACK = 0, _("Callback")
        CAMPAIGN = 1, _("Campaign")
        NEW = 2, _("New registration")

    home = models.OneToOneField(
        "hosts.Home", verbose_name=_("home"), on_delete=models.CASCADE, related_name="queue_entry"
    )
    # The home's local group, kept in step with it (``volunteers.actions.queue``): the group
    # leads the claim index, so a group's claims read and lock only that group's entries.
    local_group = models.ForeignKey(
        "accounts.LocalGroup",
        verbose_name=_("local group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="queue_entries",
    )
    needs_call = models.BooleanField(_("needs a call"), default=True)
    rank = models.PositiveSmallIntegerField(_("priority"), choices=Rank.choices, default=Rank.NEW)
    registered_at = models.DateTimeField(_("registered"))
    next_call_at = models.DateTimeField(_("call from"), default=timezone.now)
    unanswered = models.PositiveSmallIntegerField(_("unanswered calls in a row"), default=0)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="entries",
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("held by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claimed_entries",
    )
    lease_until = models.DateTimeField(_("held until"), null=True, blank=True)
    handed_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed back by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    handed_back_at = models.DateTimeField(_("handed back"), null=True, blank=True)

    objects = QueueEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("call queue entry")
        verbose_name_plural = _("call queue")
        indexes = [
            models.Index(
                fields=["local_group", "rank", "registered_at", "id"],
                name="queue_group_claim_idx",
                condition=models.Q(needs_call=True),
            ),
            models.Index(fields=["claimed_by", "lease_until"], name="queue_claimed_idx"),
        ]

    def __str__(self) -> str:
        return str(self.home)


class HandOver(models.Model):
    """A home's move from one local group to another: its routing at sign-up by the home's
    municipality (``by`` empty), a group handing the host over, or a national coordinator giving
    an uncovered host to a group. One row per change of ``Home.local_group``."""

    class Kind(models.TextChoices):
        ROUTED = "routed", _("Routed by the home's municipality")
        HANDED_OVER = "handed_over", _("Handed over to another group")

    home = models.ForeignKey(
        "hosts.Home", verbose_name=_("home"), on_delete=models.CASCADE, related_name="hand_overs"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    from_group = models.ForeignKey(
        "accounts.LocalGroup",
        verbose_name=_("from group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_group = models.ForeignKey(
        "accounts.LocalGroup",
        verbose_name=_("to group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")
        indexes = [models.Index(fields=["home", "created_at"], name="handover_home_idx")]

    def __str__(self) -> str:
        return f"{self.home_id}: {self.from_group or '–'} → {self.to_group or '–'}"


class CallAttempt(models.Model):
    """One phone call to a host: who called, when, what came of it, and a note."""

    class Outcome(models.TextChoices):
        INTERESTED = "interested", _("Reached: interested")
        NOT_NOW = "not_now", _("Reached: not now, call back")
        NO_ANSWER = "no_answer", _("No answer")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        WITHDRAWS = "withdraws", _("The host withdraws")

    REACHED = (Outcome.INTERESTED, Outcome.NOT_NOW, Outcome.WITHDRAWS)

    home = models.ForeignKey(
        "hosts.Home", verbose_name=_("home"), on_delete=models.CASCADE, related_name="call_attempts"
    )
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("volunteer"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="call_attempts",
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    callback_at = models.DateTimeField(_("call back"), null=True, blank=True)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attempts",
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("call attempt")
        verbose_name_plural = _("call attempts")
        indexes = [
            models.Index(fields=["home", "created_at"], name="attempt_home_idx"),
            models.Index(fields=["volunteer", "created_at"], name="attempt_volunteer_idx"),
            models.Index(fields=["created_at", "outcome"], name="attempt_time_idx"),
            # The calls that reached the host (``REACHED``, spelt out: Meta cannot see it): the
            # reports' "reached within N days" probe of each new registration, answered from the
            # index alone.
            models.Index(
                fields=["home", "created_at"],
                name="attempt_reached_idx",
                condition=models.Q(outcome__in=["interested", "not_now", "withdraws"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({formatting.day_time(self.created_at)})"


class HostNote(models.Model):
    """A note on a host for the next volunteer (e.g. "prefers calls after 5 pm")."""

    home = models.ForeignKey(
        "hosts.Home", verbose_name=_("home"), on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    text = models.TextField(_("note"), max_length=2000)
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("note on a host")
        verbose_name_plural = _("notes on hosts")

    def __str__(self) -> str:
        return self.text[:60]


class HomeVisit(models.Model):
    """A home visit (hembesök): booked after the first contact, reported after the visit.

    The checklist records what was talked through, so that the partner receiving the home knows
    the conditions; the verdict moves the home to visited or rejected. Before it starts a visit
    can be moved or cancelled, and from its start time on it can be reported
    (``volunteers.workflow.VISIT_WORKFLOW``). ``calendar_sequence`` counts the changes the host
    and the volunteers were sent: the calendar file's SEQUENCE, so that their calendars replace
    the visit instead of adding a second one.
    """

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        REPORTED = "reported", _("Reported")
        CANCELLED = "cancelled", _("Cancelled")

    class Verdict(models.TextChoices):
        SUITABLE = "suitable", _("Suitable")
        NOT_SUITABLE = "not_suitable", _("Not suitable")

    home = models.ForeignKey(
        "hosts.Home", verbose_name=_("home"), on_delete=models.CASCADE, related_name="visits"
    )
    starts_at = models.DateTimeField(_("date and time"))
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=60)
    volunteers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("volunteers"), related_name="home_visits"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.BOOKED
    )
    room_checked = models.BooleanField(_("we saw the room"), default=False)
    privacy_and_lock = models.BooleanField(
        _("the room gives privacy and can be locked"), default=False
    )
    house_rules = models.BooleanField(_("we talked through the house rules"), default=False)
    expectations = models.BooleanField(_("we talked about what the host expects"), default=False)
    rent_agreed = models.BooleanField(_("the rent is agreed"), default=False)
    host_questions = models.BooleanField(_("the host's own questions are answered"), default=False)
    report = models.TextField(_("report"), max_length=4000, blank=True)
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices, blank=True)
    reject_reason = models.CharField(_("why not suitable"), max_length=500, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported"), null=True, blank=True)
    calendar_sequence = models.PositiveIntegerField(_("calendar revision"), default=0)
    created_at = models.DateTimeField(_("booked"), default=timezone.now)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("home visit")
        verbose_name_plural = _("home visits")
        indexes = [
            models.Index(fields=["starts_at"], name="visit_time_idx"),
            models.Index(fields=["home", "status"], name="visit_home_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.home} {formatting.day_time(self.starts_at)}"

    CHECKLIST = [
        "room_checked",
        "privacy_and_lock",
        "house_rules",
        "expectations",
        "rent_agreed",
        "host_questions",
    ]

    def has_started(self, now=None) -> bool:
        """From its start time on, a visit can be reported and no longer moved or cancelled."""
        return (now or timezone.now()) >= self.starts_at


class HomeVisitTransition(TransitionLog):
    """One step of a home visit (``volunteers.workflow.VISIT_WORKFLOW``): booked, moved,
    reported or cancelled. ``starts_at`` is the visit's time after the step."""

    visit = models.ForeignKey(
        HomeVisit,
        verbose_name=_("home visit"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    starts_at = models.DateTimeField(_("visit time"), null=True, blank=True)

    class Meta(TransitionLog.Meta):
        verbose_name = _("home visit step")
        verbose_name_plural = _("home visit steps")
        indexes = [models.Index(fields=["visit", "created_at"], name="visittrans_visit_idx")]
