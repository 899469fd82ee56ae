"""A report of an accessibility problem (rapport om brist i tillgängligheten), as the law on
accessible digital public services (lagen (2018:1937) om tillgänglighet till digital offentlig
service) asks every public service to receive and answer."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from .routing import visible_filter


class AccessibilityReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The reports ``user`` may read: those that went to them (``routing``); all of them
        for the data protection officer and superusers."""
        condition = visible_filter(user)
        return self if condition is None else self.filter(condition)


class AccessibilityReport(models.Model):
    """Something on the portal that someone could not use, in their own words.

    Who receives it (``accessibility.routing``, the one place of the rule):

    - with a municipality: the partner coordinators of the partners (the municipality's units)
      that belong to it, and the volunteer coordinators of the local group that covers it;
    - without a municipality ("I don't know"), or when nobody works there: the national
      coordinators of the volunteer organisations;
    - when there is nobody of those either: the superusers.

    Each hears of it by e-mail in their own language (the e-mail carries the page and the
    municipality and a link, never the text or the contact details: e-mail leaves the portal),
    and reads it in the admin. The reports are visible, read-only, to the people of the route
    they took (``routed_to``) and to the data protection officer; they are deleted
    ``settings.RETENTION_DAYS["accessibility_reports"]`` days after they came in
    (``privacy.actions.apply_retention``).
    """

    class Route(models.TextChoices):
        LOCAL = "local", _("The coordinators working in the municipality")
        NATIONAL = "national", _("The national coordinators")
        ADMINISTRATORS = "administrators", _("The administrators")

    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    page = models.CharField(_("page"), max_length=500, blank=True)
    text = models.TextField(_("the problem"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = PhoneNumberField(_("phone number"), blank=True)
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accessibility_reports",
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        help_text=_("The language the report was written in: answer in it."),
    )
    routed_to = models.CharField(
        _("sent to"), max_length=16, choices=Route.choices, default=Route.LOCAL
    )

    objects = AccessibilityReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("accessibility report")
        verbose_name_plural = _("accessibility reports")

    def __str__(self) -> str:
        return str(_("Accessibility report %(number)s") % {"number": self.pk})

    @property
    def wants_an_answer(self) -> bool:
        return bool(self.email or self.phone)
