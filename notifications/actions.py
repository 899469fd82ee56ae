"""Queue and send e-mails through the outbox."""

import logging
import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template import Context, Engine
from django.utils import timezone, translation
from django.utils.text import Truncator

from .models import OutboundEmail

logger = logging.getLogger(__name__)


class EmailDeliveryError(Exception):
    """Sending failed; the row keeps the error and is tried again later."""


def queue_email(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    language: str,
    attachments: list[dict[str, str]] | None = None,
) -> OutboundEmail:
    """Render ``templates/emails/<template>_subject.txt`` and ``<template>.txt`` in ``language``,
    store the e-mail in the outbox, and queue its sending for when the transaction commits."""
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language):
        subject = one_line(render_plain_text(f"emails/{template}_subject.txt", context))
        body = render_plain_text(f"emails/{template}.txt", context)
    email = OutboundEmail.objects.create(
        to=to,
        subject=Truncator(subject).chars(SUBJECT_MAX_LENGTH),
        body=body,
        language=language,
        attachments=attachments or [],
    )
    transaction.on_commit(lambda: enqueue_sending(email_id=email.pk))
    return email


def render_plain_text(template_name: str, context: dict[str, Any]) -> str:
    """A template of an e-mail rendered as the plain text it is: nothing is HTML-escaped, so a
    partnership named "Krokom & Östersund" is written so, not "Krokom &amp; Östersund"."""
    template = Engine.get_default().get_template(template_name)
    return template.render(Context(context, autoescape=False))


# A subject is one line: a line break in it would start another header of the e-mail. Runs of
# spaces, tabs and line breaks of any kind become one space; other spaces (no-break, thin) stay.
LINE_BREAKS_AND_SPACES = re.compile("[ \t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]+")
SUBJECT_MAX_LENGTH = OutboundEmail._meta.get_field("subject").max_length


def one_line(text: str) -> str:
    return LINE_BREAKS_AND_SPACES.sub(" ", text).strip(" ")


def enqueue_sending(*, email_id: int) -> None:
    """Hand the e-mail to Celery. If the broker cannot be reached, the periodic sweep sends it."""
    from .tasks import send_email

    try:
        send_email.delay(email_id)
    except Exception:
        logger.warning("Could not queue e-mail %s; the outbox sweep will send it.", email_id)


def send_outbound_email(*, email_id: int) -> bool:
    """Send one e-mail of the outbox, once. Returns False if it was already sent (or is being sent).

    The row is locked while sending, so two workers never send the same e-mail twice.
    """
    failure: Exception | None = None
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, sent_at__isnull=True)
            .first()
        )
        if email is None:
            return False
        message = EmailMessage(subject=email.subject, body=email.body, to=[email.to])
        for attachment in email.attachments:
            message.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
        email.attempts += 1
        try:
            message.send()
        except Exception as exc:  # SMTP errors come in many classes
            failure = exc
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            email.save(update_fields=["attempts", "last_error"])
        else:
            email.sent_at = timezone.now()
            email.last_error = ""
            email.save(update_fields=["attempts", "sent_at", "last_error"])
            return True
    raise EmailDeliveryError(str(failure)) from failure


def send_pending_emails(*, older_than: timedelta = timedelta(seconds=30)) -> int:
    """Send what is still in the outbox (the broker was down, or a send failed). Returns the count."""
    sent = 0
    cutoff = timezone.now() - older_than
    ids = list(
        OutboundEmail.objects.pending()
        .filter(created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
    for email_id in ids:
        try:
            sent += send_outbound_email(email_id=email_id)
        except EmailDeliveryError:
            logger.warning("E-mail %s could not be sent; it stays in the outbox.", email_id)
    return sent
