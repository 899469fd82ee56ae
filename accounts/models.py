"""Organisations taking part in the programme, and the people who work in the portal."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .emails import CanonicalEmailField, canonical_username


class Organisation(models.Model):
    """A party to the programme: the volunteer organisation, a partner, or a housing company.

    A partner is typically a unit of the municipality, such as the unit for adults assigned under the
    Settlement Act (Bosättningslagen); a housing company is a municipal one (allmännyttan).
    """

    class Kind(models.TextChoices):
        VOLUNTEER_ORGANISATION = "volunteer_organisation", _("Volunteer organisation")
        PARTNER = "partner", _("Partner (municipality unit)")
        HOUSING_COMPANY = "housing_company", _("Housing company")
        EMPLOYER = "employer", _("Employer (placements)")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        help_text=_("For a partner or a housing company: the municipality it belongs to."),
    )
    unreachable_after_attempts = models.PositiveSmallIntegerField(
        _("unanswered calls before a host counts as unreachable"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("For the volunteer organisation's call queue."),
    )
    takes_uncovered_hosts = models.BooleanField(
        _("takes hosts no local group covers"),
        default=False,
        help_text=_(
            "For a volunteer organisation: its national coordinators contact the hosts whose "
            "municipality no local group covers."
        ),
    )
    contact_within_days = models.PositiveSmallIntegerField(
        _("contacts an uncovered host within (days)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("What a host no local group covers is told when they sign up."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class LocalGroup(models.Model):
    """A volunteer organisation's local group (lokalgrupp), e.g. "Refugees Welcome Sweden – Malmö",
    covering a set of municipalities. A host is routed to the group that covers the home's
    municipality; the group's volunteers and coordinators work its call queue, campaigns, visits,
    referrals, applications and follow-ups. A municipality is covered by at most one group in the
    portal (``GroupMunicipality``), so routing never has to choose."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="local_groups",
        limit_choices_to={"kind": Organisation.Kind.VOLUNTEER_ORGANISATION},
    )
    name = models.CharField(_("name"), max_length=200, unique=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_within_days = models.PositiveSmallIntegerField(
        _("calls a new host within (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("What a new host of the group is told when they sign up."),
    )
    municipalities = models.ManyToManyField(
        "municipalities.Municipality",
        verbose_name=_("municipalities covered"),
        through="GroupMunicipality",
        related_name="local_groups",
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("local group")
        verbose_name_plural = _("local groups")

    def __str__(self) -> str:
        return self.name


class GroupMunicipality(models.Model):
    """A municipality a local group covers; one group per municipality in the whole portal."""

    group = models.ForeignKey(
        LocalGroup, verbose_name=_("local group"), on_delete=models.CASCADE, related_name="coverage"
    )
    municipality = models.OneToOneField(
        "municipalities.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="coverage",
    )

    class Meta:
        ordering = ["municipality"]
        verbose_name = _("municipality covered")
        verbose_name_plural = _("municipalities covered")

    def __str__(self) -> str:
        return f"{self.group}: {self.municipality}"


class CanonicalUserManager(UserManager):
    def get_by_natural_key(self, username):
        """The log-in's lookup: by the canonical user name, exactly (``accounts.emails``)."""
        return self.get(**{self.model.USERNAME_FIELD: canonical_username(username or "")})


class User(AbstractUser):
    """Someone who logs in: a volunteer, a coordinator, a manager, staff or the data protection officer.

    Roles are Django groups (see ``accounts.roles``); the organisation scopes what a person sees.
    The user name and the e-mail address are kept in their canonical forms (``accounts.emails``),
    so ``Anna.Ek`` logs in as ``anna.ek`` and no two accounts differ only by such a spelling.
    """

    email = CanonicalEmailField(_("email address"), blank=True)

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    local_group = models.ForeignKey(
        LocalGroup,
        verbose_name=_("local group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        help_text=_(
            "For a volunteer or a volunteer coordinator: the group whose hosts they call and visit. "
            "A national coordinator reaches every group of the organisation."
        ),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    objects = CanonicalUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @classmethod
    def normalize_username(cls, username):
        return canonical_username(super().normalize_username(username))

    def save(self, *args, **kwargs):
        # However the account is written (admin, command, code), the name is the canonical one.
        self.username = self.normalize_username(self.username)
        super().save(*args, **kwargs)

    def has_role(self, role: str) -> bool:
        return self.groups.filter(name=role).exists()
