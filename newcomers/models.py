"""Newcomer cases: households assigned to the municipality, kept by a partner's coordinators."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from matching_portal import formatting
from workflow.models import TransitionLog

# The languages of the household's own pages (easy-to-read), as Django language codes. Dari is
# "prs" (ISO 639-3); Arabic and Dari are written right to left.
HOUSEHOLD_LANGUAGES = [
    ("sv", _("Swedish")),
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("prs", _("Dari")),
    ("ti", _("Tigrinya")),
    ("so", _("Somali")),
    ("uk", _("Ukrainian")),
]


class NewcomerCaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Only the cases of the user's own partner (all of them for the data protection officer)."""
        from accounts.scoping import partner_filter

        condition = partner_filter(user)
        return self if condition is None else self.filter(condition)

    def open(self):
        return self.exclude(status=NewcomerCase.Status.CLOSED)


def validate_children_ages(value):
    if not isinstance(value, list) or not all(
        isinstance(age, int) and not isinstance(age, bool) and 0 <= age <= 17 for age in value
    ):
        raise ValidationError(_("Give the children's ages as whole numbers from 0 to 17."))
    if len(value) > 15:
        raise ValidationError(_("Please give at most 15 children."))


class NewcomerCase(models.Model):
    """A household assigned to the municipality under the Settlement Act (anvisad enligt
    Bosättningslagen), kept by a partner.

    Only what finding a home needs is kept, and nothing that identifies a person on its own: no
    names, no personal identity numbers, no health details.

    - ``partner`` and ``reference``: whose case it is, and the partner's own case reference, so
      that the coordinator can find the household in their own records (the identity stays there).
    - ``adults`` and ``children_ages``: how many beds and rooms the household needs, and whether a
      home with a shared kitchen or stairs suits small children.
    - ``languages``: a language in common with the host makes a good match.
    - ``needs_step_free_access``, ``pet_allergy``, ``needs_non_smoking``: the household's needs that
      rule homes out, recorded as yes/no only (no diagnosis).
    - ``preferred_areas``: the areas the household can live in (work, school, relatives).
    - ``rent_budget``: the most the household can pay per month.
    - ``assigned_on`` and ``housing_needed_by``: the assignment date (anvisningsdatum) and the date
      by which the municipality must offer housing; they order the work.
    - ``establishment_ends_on`` and ``outcome``: whether the adults are in work or studies after
      the two-year establishment period, the figure the municipality reports (no other detail);
      with it, whether the household still lives in the municipality and in its matched home.
    - ``asylum_allotment``: the Migration Agency's housing the household came from, where known.
    - ``registered_with_employment_service_on``: the registration with the Public Employment
      Service (Arbetsförmedlingen), which turns a company sublet into a first-hand contract.
    - ``notes``: short practical notes for the coordinators; no health details.
    """

    class Outcome(models.TextChoices):
        IN_WORK = "in_work", _("In work")
        IN_STUDIES = "in_studies", _("In studies")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for housing")
        MATCHED = "matched", _("Matched")
        HOUSED = "housed", _("Housed")
        CLOSED = "closed", _("Closed")

    partner = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="newcomer_cases",
        limit_choices_to={"kind": "partner"},
    )
    reference = models.CharField(
        _("case reference"),
        max_length=40,
        help_text=_("The partner's own reference. Never a personal identity number."),
    )
    adults = models.PositiveSmallIntegerField(
        _("adults"), default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    children_ages = models.JSONField(
        _("children's ages"),
        default=list,
        blank=True,
        validators=[validate_children_ages],
        help_text=_("One age per child, e.g. [4, 9]."),
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)
    needs_step_free_access = models.BooleanField(_("needs step-free access"), default=False)
    pet_allergy = models.BooleanField(_("allergic to pets"), default=False)
    needs_non_smoking = models.BooleanField(_("needs a non-smoking home"), default=False)
    preferred_areas = models.JSONField(
        _("preferred areas"),
        default=list,
        blank=True,
        help_text=_("Localities or districts the household can live in; empty means anywhere."),
    )
    preferred_places = models.ManyToManyField(
        "matching.Place",
        verbose_name=_("preferred places"),
        blank=True,
        related_name="+",
        help_text=_("The preferred areas, as places with coordinates."),
    )
    needs_months = models.PositiveSmallIntegerField(
        _("needs housing for at least (months)"), null=True, blank=True
    )
    rent_budget = models.PositiveIntegerField(
        _("rent budget per month (SEK)"), null=True, blank=True
    )
    assigned_on = models.DateField(_("assigned on"))
    housing_needed_by = models.DateField(_("housing needed by"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.WAITING
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    establishment_ends_on = models.DateField(
        _("establishment period ends"),
        null=True,
        blank=True,
        help_text=_("Two years after the assignment unless the partner knows another date."),
    )
    outcome = models.CharField(
        _("outcome after the establishment period"),
        max_length=20,
        choices=Outcome.choices,
        blank=True,
    )
    outcome_recorded_at = models.DateTimeField(_("outcome recorded"), null=True, blank=True)
    still_in_municipality = models.BooleanField(
        _("still lives in the municipality"),
        null=True,
        blank=True,
        help_text=_("Recorded with the outcome: whether the household chose to stay."),
    )
    still_in_matched_home = models.BooleanField(
        _("still lives in the home it was matched with"),
        null=True,
        blank=True,
        help_text=_("Recorded with the outcome: the home of the household's last move-in."),
    )
    asylum_allotment = models.ForeignKey(
        "housing.Allotment",
        verbose_name=_("asylum housing"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "Where known: the housing company's allotment to the Migration Agency the household "
            "lived in while its asylum application was considered."
        ),
    )
    registered_with_employment_service_on = models.DateField(
        _("registered with the Public Employment Service on"),
        null=True,
        blank=True,
        help_text=_("A sublet of a company flat becomes a first-hand contract from this date."),
    )
    language = models.CharField(
        _("the household's language"),
        max_length=10,
        choices=HOUSEHOLD_LANGUAGES,
        default="sv",
        help_text=_("The language of the household's own pages, letters and e-mails."),
    )
    email = models.EmailField(
        _("e-mail for the household's link"),
        blank=True,
        help_text=_("Only if the household wants its link by e-mail. Erased with the case."),
    )
    priority_since = models.DateTimeField(
        _("waiting with priority since"),
        null=True,
        blank=True,
        help_text=_(
            "Set when a stay ends early: the household comes first in the suggestions and the "
            "plan until it is matched again."
        ),
    )
    notes = models.TextField(
        _("notes"),
        blank=True,
        max_length=2000,
        help_text=_("Practical notes only. No health details, no personal identity numbers."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = NewcomerCaseQuerySet.as_manager()

    class Meta:
        ordering = ["housing_needed_by", "pk"]
        verbose_name = _("newcomer case")
        verbose_name_plural = _("newcomer cases")
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "reference"], name="newcomercase_unique_reference"
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "status"], name="case_partner_status_idx"),
            # A partner's cases by id alone (an index-only scan): how the reports reach the
            # partner's matches, stays and evaluations (``reports.metrics``).
            models.Index(fields=["partner", "id"], name="case_partner_id_idx"),
        ]

    def __str__(self) -> str:
        # "KRK-2026-017 (4 people)": the number alone read like a case number or a count of
        # something else.
        return ngettext(
            "%(reference)s (%(people)d person)",
            "%(reference)s (%(people)d people)",
            self.household_size or 0,
        ) % {"reference": self.reference, "people": self.household_size or 0}

    def save(self, *args, **kwargs):
        if self.establishment_ends_on is None and self.assigned_on:
            try:
                self.establishment_ends_on = self.assigned_on.replace(
                    year=self.assigned_on.year + 2
                )
            except ValueError:  # 29 February
                self.establishment_ends_on = self.assigned_on.replace(
                    year=self.assigned_on.year + 2, day=28
                )
        super().save(*args, **kwargs)

    @property
    def household_size(self) -> int:
        return self.adults + len(self.children_ages or [])

    def clean(self):
        super().clean()
        if (
            self.assigned_on
            and self.housing_needed_by
            and self.housing_needed_by < self.assigned_on
        ):
            raise ValidationError(
                {"housing_needed_by": _("Housing cannot be needed before the assignment date.")}
            )


class CaseTransition(TransitionLog):
    """One step of a newcomer case (``newcomers.workflow``)."""

    case = models.ForeignKey(
        NewcomerCase,
        verbose_name=_("newcomer case"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )

    class Meta(TransitionLog.Meta):
        verbose_name = _("case transition")
        verbose_name_plural = _("case transitions")
        indexes = [
            models.Index(fields=["case", "created_at"], name="casetrans_case_idx"),
            models.Index(fields=["to_state", "created_at"], name="casetrans_to_idx"),
        ]


class HouseholdLinkQuerySet(models.QuerySet):
    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class HouseholdLink(models.Model):
    """The household's own link: signed, expiring, revocable. The coordinator hands it over on a
    printed letter (a QR code) or by e-mail; through it the household sees a proposed home, says
    yes or no, raises a concern and answers its evaluations, and nothing else about the case.

    The token carries the link's id and is signed (``newcomers.links``); a link works while it is
    not revoked and not expired. Issuing a new link revokes the case's earlier ones."""

    class Delivery(models.TextChoices):
        LETTER = "letter", _("Printed letter")
        EMAIL = "email", _("E-mail")

    case = models.ForeignKey(
        NewcomerCase,
        verbose_name=_("newcomer case"),
        on_delete=models.CASCADE,
        related_name="links",
    )
    delivery = models.CharField(
        _("handed over as"), max_length=10, choices=Delivery.choices, default=Delivery.LETTER
    )
    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("made by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("made"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = HouseholdLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("household link")
        verbose_name_plural = _("household links")
        indexes = [models.Index(fields=["case", "revoked_at"], name="householdlink_case_idx")]

    def __str__(self) -> str:
        return _("Link for %(case)s, until %(until)s") % {
            "case": self.case.reference,
            "until": formatting.day(self.expires_at),
        }
