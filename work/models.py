"""The road to work: employers, the placements they offer (prao, work training, language
practice, internships, employment), the newcomers proposed to them, and the supervisors'
check-ins.

A placement moves only through ``work.actions`` (the table is ``work.workflow``) and keeps one
history row per change. Nothing here names a person: the participant is an adult of a newcomer
case, known to the employer by the Public Employment Service's reference for the person's plan.
"""

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matching_portal import formatting
from workflow.models import TransitionLog

# A Swedish personal identity number or co-ordination number (the day plus 60), with or without
# the century, with or without the separator (a hyphen, a dash of any kind, or + for someone over
# 100), anywhere in the text ("AF 19900101-1234" too): never stored as the Public Employment
# Service's reference. The text is compared with its digits as ASCII digits, so a number typed in
# full-width or Arabic-Indic digits is found as well.
_IDENTITY_NUMBER = re.compile(
    r"(?<!\d)(?:\d{2})?\d{2}(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01]|[6-8]\d|9[01])"
    r"\s*[-+\u2010-\u2015\u2212\ufe63\uff0b\uff0d]?\s*\d{4}(?!\d)"
)


def _plain_digits(value: str) -> str:
    value = unicodedata.normalize("NFKC", value or "")
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in value)


def looks_like_identity_number(value: str) -> bool:
    """Whether ``value`` holds something shaped like a personal identity number."""
    return _IDENTITY_NUMBER.search(_plain_digits(value)) is not None


def validate_not_identity_number(value: str) -> None:
    if looks_like_identity_number(value):
        raise ValidationError(
            _(
                "This looks like a personal identity number. Give the Public Employment "
                "Service's reference for the plan instead."
            )
        )


def works_for_integration_unit(user) -> bool:
    """The person is a coordinator or a manager at a partner (an integration unit)."""
    from accounts import roles
    from accounts.models import Organisation
    from accounts.scoping import role_names

    organisation = getattr(user, "organisation", None)
    return (
        organisation is not None
        and organisation.kind == Organisation.Kind.PARTNER
        and bool(role_names(user) & {roles.PARTNER_COORDINATOR, roles.MANAGER})
    )


class EmployerQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An employer's own staff see it; a partner's coordinators and managers see the
        employers that take its newcomers; the data protection officer sees all; nobody else."""
        from accounts.scoping import sees_everything

        if sees_everything(user):
            return self
        organisation = getattr(user, "organisation", None)
        if organisation is None:
            return self.none()
        if works_for_integration_unit(user):
            return self.filter(
                models.Q(organisation_id=organisation.pk)
                | models.Q(integration_units=organisation.pk)
            ).distinct()
        return self.filter(organisation_id=organisation.pk)


class Employer(models.Model):
    """An organisation that offers placements: the housing company, the municipality, or another
    organisation a partner adds. Its supervisors log in as users of ``organisation``;
    ``integration_units`` are the partners whose newcomers it takes."""

    organisation = models.OneToOneField(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="employer",
    )
    integration_units = models.ManyToManyField(
        "accounts.Organisation",
        verbose_name=_("takes newcomers from"),
        related_name="employers",
        limit_choices_to={"kind": "partner"},
        help_text=_("The integration units whose newcomers this employer takes on placements."),
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    objects = EmployerQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("employer")
        verbose_name_plural = _("employers")

    def __str__(self) -> str:
        return self.organisation.name


class StaffFiguresQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The figures of the employers the person sees (``Employer.objects.visible_to``)."""
        return self.filter(employer__in=Employer.objects.visible_to(user).values("pk"))


class StaffFigures(models.Model):
    """The employer's own figures, as it records them on a date: how many people it employs and
    how many of them came to Sweden as newcomers (the story's "three of our 38"). The report reads
    the latest record on or before the end of the period."""

    employer = models.ForeignKey(
        Employer, verbose_name=_("employer"), on_delete=models.CASCADE, related_name="staff_figures"
    )
    recorded_on = models.DateField(_("as of"))
    employees = models.PositiveIntegerField(_("employees"))
    came_as_newcomers = models.PositiveIntegerField(
        _("of them came to Sweden as newcomers"),
        help_text=_("As the employer knows it; no names."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = StaffFiguresQuerySet.as_manager()

    class Meta:
        ordering = ["employer", "-recorded_on"]
        verbose_name = _("staff figures")
        verbose_name_plural = _("staff figures")
        constraints = [
            models.UniqueConstraint(
                fields=["employer", "recorded_on"], name="stafffigures_one_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(came_as_newcomers__lte=models.F("employees")),
                name="stafffigures_newcomers_le_employees",
            ),
        ]

    def __str__(self) -> str:
        return _("%(employer)s on %(day)s: %(newcomers)s of %(employees)s") % {
            "employer": self.employer,
            "day": formatting.day(self.recorded_on),
            "newcomers": self.came_as_newcomers,
            "employees": self.employees,
        }


class PlacementQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The employer's own staff see only their own placements; the integration unit's
        coordinators and managers see the placements offered to its newcomers (whoever the
        employer); the data protection officer sees all; nobody else. A supervisor at the
        municipality, when the municipality is itself an employer, is the employer's staff: they
        see the municipality's own placements, not another employer's."""
        from accounts.scoping import sees_everything

        if sees_everything(user):
            return self
        organisation = getattr(user, "organisation", None)
        if organisation is None:
            return self.none()
        if works_for_integration_unit(user):
            return self.filter(
                models.Q(integration_unit_id=organisation.pk)
                | models.Q(employer__organisation_id=organisation.pk)
            )
        return self.filter(employer__organisation_id=organisation.pk)


class Placement(models.Model):
    """A place at an employer for one newcomer, for a period: prao, work training
    (arbetsträning), language practice (språkpraktik), an internship (praktik) or employment
    (anställning).

    offered → proposed (the integration unit proposes an adult of a case, with the person's
    consent and the Public Employment Service's reference for the plan) → started → completed or
    ended early (with a reason) → employment, where it happens. A declined or withdrawn proposal
    returns to offered and forgets the person; an offer can be withdrawn before anyone is
    proposed.
    """

    class Kind(models.TextChoices):
        PRAO = "prao", _("Prao (work experience for pupils)")
        WORK_TRAINING = "work_training", _("Work training")
        LANGUAGE_PRACTICE = "language_practice", _("Language practice")
        INTERNSHIP = "internship", _("Internship")
        EMPLOYMENT = "employment", _("Employment")

    class Status(models.TextChoices):
        OFFERED = "offered", _("Offered")
        PROPOSED = "proposed", _("Newcomer proposed")
        STARTED = "started", _("Started")
        COMPLETED = "completed", _("Completed")
        ENDED_EARLY = "ended_early", _("Ended early")
        EMPLOYED = "employed", _("Led to employment")
        WITHDRAWN = "withdrawn", _("Offer withdrawn")

    class EndReason(models.TextChoices):
        FOUND_WORK = "found_work", _("Found work elsewhere")
        STUDIES = "studies", _("Started studies")
        MOVED = "moved", _("Moved away")
        HEALTH_OR_FAMILY = "health_or_family", _("Health or family reasons")
        DID_NOT_WORK_OUT = "did_not_work_out", _("It did not work out")
        EMPLOYER = "employer", _("The employer could not continue")
        OTHER = "other", _("Other")

    class ConsentGiven(models.TextChoices):
        IN_WRITING = "in_writing", _("In writing")
        IN_PERSON = "in_person", _("In person, with an interpreter where needed")

    # Where a placement stands once it is over.
    FINISHED = (Status.COMPLETED, Status.ENDED_EARLY, Status.EMPLOYED)
    # The placements a person has taken part in.
    TAKEN_UP = (Status.STARTED, *FINISHED)

    employer = models.ForeignKey(
        Employer, verbose_name=_("employer"), on_delete=models.PROTECT, related_name="placements"
    )
    integration_unit = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("offered to"),
        on_delete=models.PROTECT,
        related_name="placements_offered",
        limit_choices_to={"kind": "partner"},
        help_text=_("The integration unit that proposes a newcomer for this placement."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(
        _("what the work is"), max_length=200, help_text=_("For example: caretaker's assistant.")
    )
    place = models.CharField(_("workplace"), max_length=200)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="placements_supervised",
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    hours_per_week = models.PositiveSmallIntegerField(
        _("hours per week"), validators=[MinValueValidator(1), MaxValueValidator(40)]
    )
    languages = models.JSONField(
        _("languages used at work"),
        default=list,
        blank=True,
        help_text=_("Language codes, e.g. sv, en."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OFFERED
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)

    # The proposal: who takes the place (nothing that names the person).
    case = models.ForeignKey(
        "newcomers.NewcomerCase",
        verbose_name=_("newcomer case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="placements",
    )
    adult_number = models.PositiveSmallIntegerField(
        _("which adult of the household"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    employment_service_reference = models.CharField(
        _("Public Employment Service reference"),
        max_length=40,
        blank=True,
        validators=[validate_not_identity_number],
        help_text=_("The reference of the person's plan. Never a personal identity number."),
    )
    consent_given_on = models.DateField(_("consent given on"), null=True, blank=True)
    consent_given = models.CharField(
        _("consent given"), max_length=20, choices=ConsentGiven.choices, blank=True
    )
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consent recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    # How it went.
    started_on = models.DateField(_("started on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(
        _("why it ended early"), max_length=20, choices=EndReason.choices, blank=True
    )
    employed_on = models.DateField(_("employed from"), null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("offered by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("offered"), default=timezone.now)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "pk"]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="placement_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["offered", "withdrawn"])
                | models.Q(
                    case__isnull=False,
                    adult_number__isnull=False,
                    consent_given_on__isnull=False,
                ),
                name="placement_proposed_with_consent",
            ),
        ]
        indexes = [
            models.Index(fields=["employer", "status"], name="placement_employer_idx"),
            models.Index(fields=["integration_unit", "status"], name="placement_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title} ({self.employer})"

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The placement cannot end before it starts.")})


class PlacementTransition(TransitionLog):
    """One step of a placement (``work.workflow.PLACEMENT_WORKFLOW``)."""

    placement = models.ForeignKey(
        Placement,
        verbose_name=_("placement"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )

    class Meta(TransitionLog.Meta):
        verbose_name = _("placement step")
        verbose_name_plural = _("placement steps")
        indexes = [
            models.Index(fields=["placement", "created_at"], name="placementtrans_pl_idx"),
            models.Index(fields=["to_state", "created_at"], name="placementtrans_to_idx"),
        ]


class PlacementCheckInQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The check-ins of the placements the person sees (``Placement.objects.visible_to``)."""
        return self.filter(placement__in=Placement.objects.visible_to(user).values("pk"))


class PlacementCheckIn(models.Model):
    """The supervisor's note on how the placement goes: attendance, the language used, how it
    goes. Written by the employer's staff; read by them and the integration unit."""

    class Language(models.TextChoices):
        SWEDISH = "swedish", _("Works in Swedish")
        SWEDISH_WITH_SUPPORT = "swedish_with_support", _("Swedish with support")
        OTHER_LANGUAGE = "other_language", _("Mostly another language")

    class Going(models.TextChoices):
        WELL = "well", _("Goes well")
        SOME_DIFFICULTIES = "some_difficulties", _("Some difficulties")
        DIFFICULT = "difficult", _("Difficult: needs the integration unit's attention")

    placement = models.ForeignKey(
        Placement, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="check_ins"
    )
    on = models.DateField(_("date"))
    days_expected = models.PositiveSmallIntegerField(
        _("days expected since the last check-in"), validators=[MaxValueValidator(366)]
    )
    days_present = models.PositiveSmallIntegerField(_("days present"))
    language = models.CharField(_("language"), max_length=30, choices=Language.choices)
    going = models.CharField(_("how it goes"), max_length=20, choices=Going.choices)
    note = models.TextField(
        _("note"),
        blank=True,
        max_length=2000,
        help_text=_("About the work only. No health details, no personal identity numbers."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = PlacementCheckInQuerySet.as_manager()

    class Meta:
        ordering = ["placement", "-on", "-pk"]
        verbose_name = _("placement check-in")
        verbose_name_plural = _("placement check-ins")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(days_present__lte=models.F("days_expected")),
                name="placementcheckin_present_le_expected",
            )
        ]

    def __str__(self) -> str:
        return _("Check-in on %(day)s") % {"day": formatting.day(self.on)}
