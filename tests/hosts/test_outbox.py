"""The e-mail outbox around sign-up: no e-mail is lost when the broker or the mail server is away."""

import smtplib
import time
from datetime import timedelta

import pytest
from celery import _state as celery_state
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings

from hosts.models import Host
from matching_portal.celery import app as celery_app
from notifications.actions import send_pending_emails
from notifications.models import OutboundEmail

pytestmark = pytest.mark.django_db


class FailingEmailBackend(BaseEmailBackend):
    """A mail server that hangs up on every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def drop_broker_connections():
    """Drop the pooled connections to the old broker. ``close()`` also takes the app off
    Celery's list of live apps, and a tasks module first imported after that (they are imported
    when first used) would never register its tasks in the app: it is put back."""
    celery_app.close()
    celery_state._register_app(celery_app)


@pytest.fixture
def broker_down():
    """Celery publishes for real, to a broker on a port where nothing listens."""
    conf = celery_app.conf
    previous = conf.task_always_eager, conf.broker_url
    drop_broker_connections()
    conf.task_always_eager, conf.broker_url = False, "redis://127.0.0.1:1/0"
    yield
    drop_broker_connections()
    conf.task_always_eager, conf.broker_url = previous


def test_sign_up_succeeds_with_the_broker_down_and_the_sweep_sends_once(sign_up, broker_down):
    started = time.monotonic()
    response = sign_up()
    elapsed = time.monotonic() - started
    assert response.status_code == 302 and response.url == "/offer/sent/"
    assert elapsed < 10, f"sign-up took {elapsed:.1f} s with the broker down"
    assert Host.objects.count() == 1
    email = OutboundEmail.objects.get()
    assert (email.to, email.sent_at, email.attempts) == ("anna@example.org", None, 0)
    assert mail.outbox == []
    # The sweep leaves young e-mails to their own task, which may still be on its way.
    assert send_pending_emails() == 0

    # The periodic sweep (a Celery beat task in production) sends it, exactly once.
    assert send_pending_emails(older_than=timedelta(0)) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["anna@example.org"] and mail.outbox[0].subject == email.subject
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 1
    assert send_pending_emails(older_than=timedelta(0)) == 0
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_keeps_the_e_mail_pending_with_the_error(sign_up):
    with override_settings(EMAIL_BACKEND=f"{__name__}.FailingEmailBackend"):
        response = sign_up()
        assert response.status_code == 302 and response.url == "/offer/sent/"
        email = OutboundEmail.objects.get()
        assert email.attempts == 1  # the eager task tried once; its retry is left to the sweep
        assert email.sent_at is None
        assert email.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
        assert OutboundEmail.objects.pending().filter(pk=email.pk).exists()

        assert send_pending_emails(older_than=timedelta(0)) == 0
        email.refresh_from_db()
        assert email.attempts == 2 and email.sent_at is None

    # The mail server is back: the next sweep delivers it.
    assert send_pending_emails(older_than=timedelta(0)) == 1
    email.refresh_from_db()
    assert email.sent_at is not None and email.last_error == ""
    assert len(mail.outbox) == 1
