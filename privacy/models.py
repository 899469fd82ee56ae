"""The data protection officer's records: the access log, security events, data requests and
retention runs. All append-only."""

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matching_portal import formatting


class AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("This log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("This log is append-only.")


# Where staff opened a record (``AccessLog.where``): the admin, the reports, a data request, or
# the URL name of a volunteer's page; in words for the data protection officer.
WHERE_LABELS = {
    "admin": _("Admin"),
    "reports": _("Reports"),
    "data request": _("Data request"),
    "privacy:data_request": _("Data request"),
    "volunteers:start": _("Today"),
    "volunteers:queue": _("Call queue"),
    "volunteers:claim_next": _("Call queue"),
    "volunteers:record_outcome": _("Call queue"),
    "volunteers:hand_back": _("Call queue"),
    "volunteers:book_visit": _("Home visit"),
    "volunteers:visit": _("Home visit"),
    "volunteers:move_visit": _("Home visit"),
    "volunteers:cancel_visit": _("Home visit"),
    "volunteers:referrals": _("Refer visited homes"),
    "volunteers:duplicates": _("Merge registrations"),
    "volunteers:check_in": _("Check-in"),
}


class AccessLog(AppendOnly):
    """Staff opened personal data (a newcomer case, a host's details) or exported or downloaded
    it: who, what, when. Searchable by the data protection officer, never editable."""

    class Action(models.TextChoices):
        VIEW = "view", _("Opened")
        EXPORT = "export", _("Exported")
        DOWNLOAD = "download", _("Downloaded")
        ERASE = "erase", _("Erased")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("what"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("kind of record"), max_length=40)
    object_id = models.CharField(_("record"), max_length=40)
    where = models.CharField(_("where"), max_length=40)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [models.Index(fields=["object_type", "object_id"], name="accesslog_object_idx")]

    def __str__(self) -> str:
        return _("%(who)s: %(action)s %(kind)s %(id)s, %(when)s") % {
            "who": self.user,
            "action": self.get_action_display(),
            "kind": self.object_type_label(),
            "id": self.object_id,
            "when": formatting.day_time(self.created_at),
        }

    @staticmethod
    def kind_label(object_type: str):
        """A stored kind of record (``hosts.host``) by its name: "host"."""
        try:
            return apps.get_model(object_type)._meta.verbose_name
        except (LookupError, ValueError):
            return object_type

    def object_type_label(self):
        return self.kind_label(self.object_type)

    @staticmethod
    def place_label(where: str):
        """Where the record was opened (a page's URL name, or the admin, the reports ...) in words."""
        return WHERE_LABELS.get(where, where)

    def where_label(self):
        return self.place_label(self.where)


class SecurityEvent(AppendOnly):
    """A log-in failure, a lock-out or a refused page: no names, no addresses, no user ids."""

    class Kind(models.TextChoices):
        LOGIN_FAILED = "login_failed", _("Log-in failed")
        LOCKED_OUT = "locked_out", _("Locked out")
        PERMISSION_DENIED = "permission_denied", _("Permission refused")
        TWO_FACTOR_FAILED = "two_factor_failed", _("Two-factor code wrong")
        LOGIN_DELAYED = "login_delayed", _("Log-in refused: wait not over")
        UNLOCKED = "unlocked", _("Lock-out lifted by staff")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    path = models.CharField(_("page"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("security event")
        verbose_name_plural = _("security events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {formatting.day_time(self.created_at)}"


class DataRequest(models.Model):
    """A person's request for access to, or erasure of, their data, as staff handled it."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("Access (a copy of the data)")
        ERASURE = "erasure", _("Erasure")

    kind = models.CharField(_("request"), max_length=10, choices=Kind.choices)
    subject = models.CharField(
        _("whose data"),
        max_length=40,
        help_text=_("The kind of person and the record, e.g. host #12; no names."),
    )
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled"), default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-handled_at"]
        verbose_name = _("data request")
        verbose_name_plural = _("data requests")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"


class RetentionRun(models.Model):
    """One run of the retention rules: what was anonymised, by rule."""

    ran_at = models.DateTimeField(_("ran"), default=timezone.now)
    counts = models.JSONField(_("anonymised, by rule"), default=dict)

    class Meta:
        ordering = ["-ran_at"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")

    def __str__(self) -> str:
        return formatting.day_time(self.ran_at)
