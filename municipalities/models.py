"""Sweden's 21 counties and 290 municipalities, by their official codes (Statistics Sweden).

Reference data: loaded by a migration from ``municipalities/data`` (see ``data/SOURCE.md``), never
typed in. A municipality's primary key is its four-digit code (kommunkod, e.g. ``1280`` for
Malmö), so every row that points to one holds the code itself and reports group by it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class County(models.Model):
    """A county (län), e.g. ``12`` Skåne län."""

    code = models.CharField(_("county code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("county")
        verbose_name_plural = _("counties")

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A municipality (kommun), e.g. ``1280`` Malmö. ``name`` is the official name ("Malmö
    kommun"); ``short_name`` is what people say and what the portal shows ("Malmö")."""

    code = models.CharField(_("municipality code"), max_length=4, primary_key=True)
    name = models.CharField(_("official name"), max_length=100)
    short_name = models.CharField(_("name"), max_length=100, unique=True)
    county = models.ForeignKey(
        County,
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="municipalities",
    )

    class Meta:
        ordering = ["short_name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.short_name
