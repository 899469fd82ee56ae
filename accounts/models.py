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

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    unreachable_after_attempts = models.PositiveSmallIntegerField(
        _("unanswered calls before a host counts as unreachable"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("For the volunteer organisation's call queue."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


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
