"""The stay after a move-in: check-ins on a schedule, concerns either side can raise at any time,
mediation meetings, and short evaluations answered by each side separately.

Every model here with a status moves only through ``stays.actions`` (the tables are in
``stays.workflow``) and keeps one history row per change.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matching_portal.formatting import day
from workflow.models import TransitionLog


class Responsible(models.TextChoices):
    """Who a check-in is due to: the home's local group for a private home, the partner's
    coordinators for a housing company flat."""

    VOLUNTEERS = "volunteers", _("The volunteer organisation")
    PARTNER = "partner", _("The partner's coordinators")


# Check-ins -------------------------------------------------------------------------------------


class StayQuerySet(models.QuerySet):
    """Rows about a stay (their ``match``), scoped to the people working on it: for a volunteer
    organisation's people, the private homes of the local groups they reach (the home's group,
    ``accounts.scoping.volunteer_work_filter``); for a partner's people, their own partner's
    cases (both sides: the partner keeps the case); nothing for anyone else."""

    def volunteers_part(self):
        """The rows a volunteer organisation follows: those of private homes."""
        return self.filter(match__home__unit__isnull=True)

    def visible_to(self, user):
        from accounts.models import Organisation
        from accounts.scoping import partner_filter, sees_everything, volunteer_work_filter

        if sees_everything(user):
            return self
        organisation = getattr(user, "organisation", None)
        if organisation is None:
            return self.none()
        if organisation.kind == Organisation.Kind.VOLUNTEER_ORGANISATION:
            return self.volunteers_part().filter(volunteer_work_filter(user, path="match__home__"))
        if organisation.kind == Organisation.Kind.PARTNER:
            condition = partner_filter(user, path="match__case__partner")
            return self if condition is None else self.filter(condition)
        return self.none()


class CheckInQuerySet(StayQuerySet):
    def planned(self):
        return self.filter(status=CheckIn.Status.PLANNED)

    def volunteers_part(self):
        """The volunteers' check-ins (of private homes); a partner sees both sides'."""
        return super().volunteers_part().filter(responsible=Responsible.VOLUNTEERS)


class CheckIn(models.Model):
    """A planned contact with both sides during the stay (week 1, month 1, then every three months
    by default: the partnership's schedule), with its outcome.

    planned → done (all well, a concern, urgent) or cancelled (the stay ended first). A concern or
    urgent outcome opens a ``Concern``.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Outcome(models.TextChoices):
        ALL_WELL = "all_well", _("All well")
        CONCERN = "concern", _("A concern")
        URGENT = "urgent", _("Urgent")

    Responsible = Responsible

    match = models.ForeignKey(
        "matching.Match",
        verbose_name=_("stay"),
        on_delete=models.CASCADE,
        related_name="check_ins",
    )
    after_days = models.PositiveSmallIntegerField(_("days after move-in"))
    due_on = models.DateField(_("due on"))
    responsible = models.CharField(_("responsible"), max_length=20, choices=Responsible.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("how it goes"), max_length=2000, blank=True)

    objects = CheckInQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(fields=["match", "after_days"], name="checkin_unique_point")
        ]
        indexes = [
            models.Index(
                fields=["responsible", "due_on"],
                name="checkin_due_idx",
                condition=models.Q(status="planned"),
            )
        ]

    def __str__(self) -> str:
        return _("Check-in after %(days)d days (%(due)s)") % {
            "days": self.after_days,
            "due": day(self.due_on),
        }

    @property
    def label(self) -> str:
        """The check-in's name in the schedule: "Week 1", "Month 3", or after so many days."""
        return check_in_label(self.after_days)


# About a month, in days: a check-in close to a whole number of months (within two days, and a
# quarter of a day more for each month, as 91 days is a little short of three months) is named by
# it.
_MONTH_DAYS = 30.44


def check_in_label(after_days: int) -> str:
    months = round(after_days / _MONTH_DAYS)
    if months >= 1 and abs(after_days - months * _MONTH_DAYS) <= 2 + months / 4:
        return str(_("Month %(n)d") % {"n": months})
    if after_days % 7 == 0 and after_days > 0:
        return str(_("Week %(n)d") % {"n": after_days // 7})
    return str(_("After %(days)d days") % {"days": after_days})


class CheckInTransition(TransitionLog):
    check_in = models.ForeignKey(
        CheckIn, verbose_name=_("check-in"), on_delete=models.CASCADE, related_name="transitions"
    )

    class Meta(TransitionLog.Meta):
        verbose_name = _("check-in transition")
        verbose_name_plural = _("check-in transitions")
        indexes = [models.Index(fields=["check_in", "created_at"], name="checkintrans_idx")]


# Concerns --------------------------------------------------------------------------------------


class ConcernQuerySet(StayQuerySet):
    def open(self):
        return self.filter(status__in=Concern.OPEN)


class Concern(models.Model):
    """ "Something is wrong": a worry about a stay, raised by the host, the household, a check-in or
    an evaluation, at any time.

    opened → acknowledged → in mediation → resolved; or closed because the stay ended. The clock
    to first response runs from ``created_at`` to ``first_response_at`` (the acknowledgement, or
    the first step a coordinator takes on it).
    """

    class Status(models.TextChoices):
        OPENED = "opened", _("Opened")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        IN_MEDIATION = "in_mediation", _("In mediation")
        RESOLVED = "resolved", _("Resolved")
        STAY_ENDED = "stay_ended", _("The stay ended")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Needs attention")
        URGENT = "urgent", _("Urgent")

    class RaisedBy(models.TextChoices):
        HOST = "host", _("The host")
        HOUSEHOLD = "household", _("The household")
        CHECK_IN = "check_in", _("A check-in")
        EVALUATION = "evaluation", _("An evaluation")
        STAFF = "staff", _("Staff or a volunteer")

    OPEN = (Status.OPENED, Status.ACKNOWLEDGED, Status.IN_MEDIATION)

    match = models.ForeignKey(
        "matching.Match", verbose_name=_("stay"), on_delete=models.CASCADE, related_name="concerns"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPENED
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    urgency = models.CharField(
        _("how urgent"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    raised_by = models.CharField(_("raised by"), max_length=20, choices=RaisedBy.choices)
    raised_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by (person)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(_("in their own words"), max_length=4000, blank=True)
    language = models.CharField(_("written in"), max_length=10, blank=True)
    check_in = models.OneToOneField(
        CheckIn,
        verbose_name=_("from the check-in"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="concern",
    )
    evaluation = models.OneToOneField(
        "stays.Evaluation",
        verbose_name=_("from the evaluation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="concern",
    )
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    first_response_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first response by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution = models.TextField(_("how it was resolved"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("raised"), default=timezone.now)

    objects = ConcernQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        indexes = [
            models.Index(fields=["status", "created_at"], name="concern_status_idx"),
            models.Index(fields=["created_at"], name="concern_created_idx"),
        ]

    def __str__(self) -> str:
        return _("Concern #%(pk)s (%(status)s)") % {
            "pk": self.pk,
            "status": self.get_status_display(),
        }


class ConcernTransition(TransitionLog):
    concern = models.ForeignKey(
        Concern, verbose_name=_("concern"), on_delete=models.CASCADE, related_name="transitions"
    )

    class Meta(TransitionLog.Meta):
        verbose_name = _("concern transition")
        verbose_name_plural = _("concern transitions")
        indexes = [
            models.Index(fields=["concern", "created_at"], name="concerntrans_idx"),
            models.Index(fields=["to_state", "created_at"], name="concerntrans_to_idx"),
        ]


# Mediation -------------------------------------------------------------------------------------


class Mediation(models.Model):
    """A mediation meeting about a concern, booked like a home visit (.ics for everyone invited):
    booked → held or cancelled."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    concern = models.ForeignKey(
        Concern, verbose_name=_("concern"), on_delete=models.CASCADE, related_name="mediations"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.BOOKED
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    starts_at = models.DateTimeField(_("starts"))
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=60)
    place = models.CharField(
        _("where"),
        max_length=200,
        help_text=_("A neutral place, e.g. the municipality's office, or a video call."),
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mediator"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    outcome = models.TextField(_("what was agreed"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("booked"), default=timezone.now)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("mediation meeting")
        verbose_name_plural = _("mediation meetings")

    def __str__(self) -> str:
        from matching_portal.formatting import day_time

        return _("Mediation %(when)s") % {"when": day_time(self.starts_at)}


class MediationTransition(TransitionLog):
    mediation = models.ForeignKey(
        Mediation,
        verbose_name=_("mediation meeting"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )

    class Meta(TransitionLog.Meta):
        verbose_name = _("mediation transition")
        verbose_name_plural = _("mediation transitions")
        indexes = [models.Index(fields=["mediation", "created_at"], name="mediationtrans_idx")]


# Evaluations -----------------------------------------------------------------------------------


class EvaluationQuerySet(StayQuerySet):
    """The same reach as concerns (who of them reads the free text: ``stays.selectors.works_on``)."""

    def open(self):
        return self.filter(status=Evaluation.Status.OPEN)


class Evaluation(models.Model):
    """A short survey (``stays.surveys``) due to one side of a stay at a set point:
    open → answered, or lapsed (not answered in time, or the stay ended before month 1).

    The answers are the respondent's own: the other side never sees them, and staff see free text
    only where they work on the case."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        LAPSED = "lapsed", _("Lapsed")

    class Respondent(models.TextChoices):
        HOST = "host", _("The host")
        HOUSEHOLD = "household", _("The household")

    class Point(models.TextChoices):
        MONTH_1 = "month_1", _("After the first month")
        END = "end", _("At the end of the stay")

    match = models.ForeignKey(
        "matching.Match",
        verbose_name=_("stay"),
        on_delete=models.CASCADE,
        related_name="evaluations",
    )
    respondent = models.CharField(_("answered by"), max_length=10, choices=Respondent.choices)
    point = models.CharField(_("when"), max_length=10, choices=Point.choices)
    survey = models.CharField(_("survey"), max_length=40)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    opens_on = models.DateField(_("opens on"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    language = models.CharField(_("answered in"), max_length=10, blank=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        ordering = ["opens_on", "pk"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(
                fields=["match", "respondent", "point"], name="evaluation_unique_point"
            )
        ]
        indexes = [models.Index(fields=["status", "opens_on"], name="evaluation_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_respondent_display()}: {self.get_point_display()}"


class EvaluationAnswer(models.Model):
    """One answer to one question of an evaluation: a score on the question's scale, a yes/no,
    or free text."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("evaluation"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.CharField(_("question"), max_length=40)
    score = models.SmallIntegerField(_("score"), null=True, blank=True)
    text = models.TextField(_("in their own words"), max_length=2000, blank=True)

    class Meta:
        ordering = ["evaluation", "pk"]
        verbose_name = _("evaluation answer")
        verbose_name_plural = _("evaluation answers")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "question"], name="evaluationanswer_unique_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id}: {self.question}"


class EvaluationTransition(TransitionLog):
    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name=_("evaluation"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )

    class Meta(TransitionLog.Meta):
        verbose_name = _("evaluation transition")
        verbose_name_plural = _("evaluation transitions")
        indexes = [models.Index(fields=["evaluation", "created_at"], name="evaluationtrans_idx")]
