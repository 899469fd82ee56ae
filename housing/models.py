"""The municipal housing company (allmännyttan): its units, the allotments let to the Migration
Agency, the vacancy quota for the integration unit, and the newcomers' contracts."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflow.models import TransitionLog


class CompanyScopedQuerySet(models.QuerySet):
    company_path = "company"

    def visible_to(self, user):
        """Housing company staff see only their own company; partners see the flats offered to
        them; the data protection officer sees everything."""
        from accounts.models import Organisation
        from accounts.scoping import sees_everything

        if sees_everything(user):
            return self
        organisation = getattr(user, "organisation", None)
        if organisation is None:
            return self.none()
        if organisation.kind == Organisation.Kind.HOUSING_COMPANY:
            return self.filter(**{f"{self.company_path}_id": organisation.pk})
        return self.none()


class Unit(models.Model):
    """A flat, an emergency place or another unit the company lets."""

    class Kind(models.TextChoices):
        ORDINARY = "ordinary", _("Ordinary flat")
        EMERGENCY = "emergency", _("Emergency place")
        CONVERTED = "converted", _("Flat in converted premises")
        NEW_BUILD = "new_build", _("New build")

    company = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("housing company"),
        on_delete=models.PROTECT,
        related_name="units",
        limit_choices_to={"kind": "housing_company"},
    )
    reference = models.CharField(_("object number"), max_length=40)
    street_address = models.CharField(_("street address"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=6)
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        related_name="units",
        help_text=_("Empty only for an old unit whose municipality is still to be chosen."),
    )
    municipality_as_given = models.CharField(
        _("municipality as typed"),
        max_length=100,
        blank=True,
        help_text=_("The free text of an old unit that could not be read as a municipality."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ORDINARY)
    rooms = models.PositiveSmallIntegerField(
        _("rooms"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    size_m2 = models.PositiveSmallIntegerField(_("size (m²)"))
    rent_per_month = models.PositiveIntegerField(_("rent per month (SEK)"))
    step_free_access = models.BooleanField(_("step-free access"), default=False)

    objects = CompanyScopedQuerySet.as_manager()

    class Meta:
        ordering = ["company", "reference"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(fields=["company", "reference"], name="unit_unique_reference")
        ]

    def __str__(self) -> str:
        return f"{self.reference}, {self.street_address}"


class Allotment(models.Model):
    """Units or places let to the Migration Agency for asylum housing, for a period."""

    class Kind(models.TextChoices):
        ORDINARY = "ordinary", _("Ordinary flats")
        EMERGENCY = "emergency", _("Emergency places")
        NEW_BUILD = "new_build", _("New builds")
        CONVERTED = "converted", _("Flats in converted premises")

    company = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("housing company"),
        on_delete=models.PROTECT,
        related_name="allotments",
        limit_choices_to={"kind": "housing_company"},
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    count = models.PositiveIntegerField(_("units or places"))
    in_use = models.PositiveIntegerField(_("in use"), default=0)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"), null=True, blank=True)

    objects = CompanyScopedQuerySet.as_manager()

    class Meta:
        ordering = ["company", "period_start"]
        verbose_name = _("allotment to the Migration Agency")
        verbose_name_plural = _("allotments to the Migration Agency")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(in_use__lte=models.F("count")), name="allotment_in_use_le_count"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.count}"


class QuotaAgreement(models.Model):
    """The agreement that every Nth vacancy is offered to the municipality's integration unit.

    ``vacancies_counted`` and ``replacements_owed`` are changed only under a row lock
    (``housing.actions.record_vacancy``), so that the count never skips or repeats when several
    staff record vacancies at the same moment.
    """

    company = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("housing company"),
        on_delete=models.PROTECT,
        related_name="quota_agreements",
        limit_choices_to={"kind": "housing_company"},
    )
    integration_unit = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("integration unit"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "partner"},
    )
    every_nth = models.PositiveSmallIntegerField(
        _("every Nth vacancy is offered"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    replace_declined = models.BooleanField(
        _("a declined offer is replaced by the next vacancy"), default=True
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"), null=True, blank=True)
    vacancies_counted = models.PositiveIntegerField(_("vacancies counted"), default=0)
    replacements_owed = models.PositiveIntegerField(_("replacements owed"), default=0)

    objects = CompanyScopedQuerySet.as_manager()

    class Meta:
        ordering = ["company", "-period_start"]
        verbose_name = _("quota agreement")
        verbose_name_plural = _("quota agreements")

    def __str__(self) -> str:
        return _("Every %(n)s. vacancy to %(unit)s") % {
            "n": self.every_nth,
            "unit": self.integration_unit,
        }


class VacancyQuerySet(CompanyScopedQuerySet):
    def visible_to(self, user):
        """The company's staff see its vacancies; the integration unit sees those offered to it."""
        from accounts.models import Organisation

        organisation = getattr(user, "organisation", None)
        if organisation is not None and organisation.kind == Organisation.Kind.PARTNER:
            return self.filter(offered=True, agreement__integration_unit_id=organisation.pk)
        return super().visible_to(user)


class Vacancy(models.Model):
    """A tenant has given notice: the unit falls vacant. The quota decides whether it is offered
    to the integration unit."""

    class Status(models.TextChoices):
        LET_NORMALLY = "let_normally", _("Let through the normal queue")
        OFFERED = "offered", _("Offered to the integration unit")
        ACCEPTED = "accepted", _("Accepted: a household moves in")
        DECLINED = "declined", _("Declined by the integration unit")

    agreement = models.ForeignKey(
        QuotaAgreement,
        verbose_name=_("quota agreement"),
        on_delete=models.PROTECT,
        related_name="vacancies",
    )
    company = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("housing company"),
        on_delete=models.PROTECT,
        related_name="vacancies",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="vacancies"
    )
    notice_given_on = models.DateField(_("notice given on"))
    available_from = models.DateField(_("available from"))
    sequence = models.PositiveIntegerField(_("number in the count"))
    offered = models.BooleanField(_("offered under the quota"), default=False)
    as_replacement = models.BooleanField(_("replaces a declined offer"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    decline_reason = models.CharField(_("why it was declined"), max_length=300, blank=True)
    home = models.OneToOneField(
        "hosts.Home",
        verbose_name=_("home in the matching workflow"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vacancy",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = VacancyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("vacancy")
        verbose_name_plural = _("vacancies")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "sequence"], name="vacancy_unique_sequence"
            )
        ]
        indexes = [models.Index(fields=["company", "created_at"], name="vacancy_company_idx")]

    def __str__(self) -> str:
        # Before it is saved (the quota numbers it when it is recorded) a vacancy has no number.
        unit = str(self.unit) if self.unit_id else ""
        if self.sequence is None:
            return unit or str(self._meta.verbose_name)
        return _("Vacancy no. %(n)s, %(unit)s") % {"n": self.sequence, "unit": unit}


class VacancyTransition(TransitionLog):
    """One step of a vacancy (``housing.workflow.VACANCY_WORKFLOW``): recorded (let normally or
    offered), then accepted or declined."""

    vacancy = models.ForeignKey(
        Vacancy, verbose_name=_("vacancy"), on_delete=models.CASCADE, related_name="transitions"
    )

    class Meta(TransitionLog.Meta):
        verbose_name = _("vacancy step")
        verbose_name_plural = _("vacancy steps")
        indexes = [models.Index(fields=["vacancy", "created_at"], name="vacancytrans_vac_idx")]


class ContractQuerySet(CompanyScopedQuerySet):
    def visible_to(self, user):
        """The company's staff, and the coordinators of the partner whose household lives there."""
        from accounts.models import Organisation

        organisation = getattr(user, "organisation", None)
        if organisation is not None and organisation.kind == Organisation.Kind.PARTNER:
            return self.filter(match__case__partner_id=organisation.pk)
        return super().visible_to(user)


class Contract(models.Model):
    """The household's contract for a company flat: a sublet (andrahandskontrakt) through the
    municipality, which becomes a first-hand contract (förstahandskontrakt) as soon as the tenant
    is registered with the Public Employment Service (Arbetsförmedlingen): the date is the case's
    (``NewcomerCase.registered_with_employment_service_on``), recorded once for the household."""

    class Kind(models.TextChoices):
        SUBLET = "sublet", _("Sublet through the municipality")
        FIRST_HAND = "first_hand", _("First-hand contract")

    match = models.OneToOneField(
        "matching.Match",
        verbose_name=_("match"),
        on_delete=models.PROTECT,
        related_name="contract",
    )
    company = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("housing company"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="contracts"
    )
    kind = models.CharField(_("contract"), max_length=20, choices=Kind.choices, default=Kind.SUBLET)
    starts_on = models.DateField(_("starts on"))
    converted_at = models.DateTimeField(_("became first-hand"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def __str__(self) -> str:
        return f"{self.unit}: {self.get_kind_display()}"


class ContractTransition(TransitionLog):
    # A contract's steps change its kind: a sublet becomes a first-hand contract.
    state_field = "kind"

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="transitions"
    )

    class Meta(TransitionLog.Meta):
        verbose_name = _("contract change")
        verbose_name_plural = _("contract changes")
        indexes = [models.Index(fields=["to_state", "created_at"], name="contracttrans_to_idx")]
