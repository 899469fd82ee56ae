"""The e-mail outbox: every e-mail the portal sends is first a row here."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.emails import CanonicalEmailField
from newcomers.models import HOUSEHOLD_LANGUAGES


class OutboundEmailQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(sent_at__isnull=True, attempts__lt=OutboundEmail.MAX_ATTEMPTS)


class OutboundEmail(models.Model):
    """An e-mail to be sent, kept until it has been sent.

    The row is written in the same transaction as the change that causes the e-mail, so the e-mail
    is never lost: a Celery task sends it once the transaction commits, and if the broker is down
    the periodic sweep (``send_pending_emails``) sends it later. The text is rendered when the row is
    written, in the recipient's language. Rows addressed to a host are deleted on erasure.
    """

    MAX_ATTEMPTS = 10

    to = CanonicalEmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    # Staff and hosts get Swedish or English; a household gets its own language (its link by
    # e-mail), one of the seven household languages, which include Swedish and English.
    language = models.CharField(_("language"), max_length=8, choices=HOUSEHOLD_LANGUAGES)
    attachments = models.JSONField(
        _("attachments"),
        default=list,
        blank=True,
        help_text=_("A list of {filename, content, mimetype} for small text attachments."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    objects = OutboundEmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("outbound e-mail")
        verbose_name_plural = _("outbound e-mails")
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_pending_idx",
                condition=models.Q(sent_at__isnull=True),
            ),
            models.Index(fields=["to"], name="outbox_to_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"
