"""The portal keeps working when Redis (the cache) and the Celery broker are away: a resident
signs up, a volunteer works the call queue, people log in (and are locked out) as usual. The
e-mails wait in the outbox; when the services come back the sweep sends each of them once."""

import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import Client, override_settings
from django.utils import timezone

from hosts.models import Home, Host
from matching_portal.celery import app as celery_app
from notifications.actions import send_pending_emails
from notifications.models import OutboundEmail
from privacy.models import SecurityEvent
from reports.models import ReportRun
from tests.factories import (
    PartnershipFactory,
    UserFactory,
    queued_home,
    registration_post_data,
    staff_user,
)
from tests.workers import app_sends_to
from volunteers.models import CallAttempt, HomeVisit, QueueEntry, VolunteerApplication

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens there
PASSWORD = "correct horse battery staple"


@contextmanager
def services_down():
    """The cache and the broker are unreachable inside the block: Django's cache is a Redis on a
    closed port, and Celery publishes for real (not eagerly) to a broker on a closed port.
    Leaving the block brings them back."""
    down = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_PORT,
        }
    }
    # The write and read URLs (tests.workers.app_sends_to): CI's CELERY_BROKER_URL would win
    # over ``broker_url`` and publish to the live Redis.
    with app_sends_to(CLOSED_PORT, "celery"), override_settings(CACHES=down):
        assert isinstance(caches["default"], RedisCache)
        yield


@pytest.fixture
def down():
    with services_down():
        yield


def quickly(started, what):
    elapsed = time.monotonic() - started
    assert elapsed < 10, f"{what} took {elapsed:.1f} s with the services down"


def test_sign_up_and_the_call_queue_work_and_the_emails_go_once_they_are_back(
    django_capture_on_commit_callbacks, organisations
):
    volunteer = UserFactory(roles=["volunteer"], organisation=organisations["volunteers"])
    waiting = queued_home(registered_at=timezone.now() - timedelta(days=3))

    with services_down():
        resident = Client()
        started = time.monotonic()
        assert resident.get("/offer/").status_code == 200
        response = resident.post("/offer/", registration_post_data(email="nyvard@example.org"))
        assert response.status_code == 302 and response.url == "/offer/check/"
        with django_capture_on_commit_callbacks(execute=True):
            response = resident.post("/offer/check/", {"consent": "on"})
        assert response.status_code == 302 and response.url == "/offer/sent/"
        quickly(started, "signing up")
        host = Host.objects.get(email="nyvard@example.org")
        assert host.homes.count() == 1
        confirmation = OutboundEmail.objects.get(to="nyvard@example.org")
        assert confirmation.sent_at is None and mail.outbox == []

        caller = Client()
        caller.force_login(volunteer)
        started = time.monotonic()
        assert caller.post("/volunteer/queue/next/").status_code == 302
        entry = QueueEntry.objects.get(home=waiting)
        assert entry.claimed_by == volunteer
        page = caller.get("/volunteer/queue/")
        assert page.status_code == 200 and waiting.host.name in page.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            response = caller.post(
                f"/volunteer/queue/{entry.pk}/outcome/", {"outcome": "interested", "note": "Ja!"}
            )
        assert response.status_code == 302
        assert response.url == f"/volunteer/homes/{waiting.pk}/visit/"
        assert CallAttempt.objects.get(home=waiting).outcome == "interested"
        day = (timezone.localdate() + timedelta(days=3)).isoformat()
        with django_capture_on_commit_callbacks(execute=True):
            response = caller.post(
                f"/volunteer/homes/{waiting.pk}/visit/", {"day": day, "time": "17:00"}
            )
        assert response.status_code == 302
        assert HomeVisit.objects.filter(home=waiting).exists()
        waiting.refresh_from_db()
        assert waiting.status == Home.Status.VISIT_BOOKED
        quickly(started, "a call and a booked visit")
        pending = OutboundEmail.objects.filter(sent_at__isnull=True).count()
        assert pending >= 2 and mail.outbox == []  # the confirmation, the visit invitation

    # The services are back. The periodic sweep (a Celery beat task) sends what waited, each
    # e-mail once.
    assert celery_app.conf.task_always_eager
    assert send_pending_emails(older_than=timedelta(0)) == pending
    assert len(mail.outbox) == pending
    assert not OutboundEmail.objects.filter(sent_at__isnull=True).exists()
    assert send_pending_emails(older_than=timedelta(0)) == 0
    assert len(mail.outbox) == pending
    addressed = [message.to[0] for message in mail.outbox]
    assert addressed.count("nyvard@example.org") == 1
    assert len(addressed) == len(set(zip(addressed, [m.subject for m in mail.outbox], strict=True)))


def test_log_in_and_lock_out_work_with_the_cache_down(client, down, organisations):
    volunteer = UserFactory(
        roles=["volunteer"], organisation=organisations["volunteers"], password=PASSWORD
    )
    response = client.post(
        "/accounts/login/", {"username": volunteer.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/volunteer/").status_code == 200  # the session is in the database
    client.post("/accounts/logout/")

    for _ in range(5):
        response = client.post(
            "/accounts/login/", {"username": volunteer.username, "password": "wrong"}
        )
    assert response.status_code == 429
    assert SecurityEvent.objects.filter(kind="locked_out").exists()


def test_rate_limited_forms_answer_with_the_cache_down(
    client, down, django_capture_on_commit_callbacks
):
    """django-ratelimit keeps its counters in the cache: with it away, the limit is skipped."""
    application = {
        "name": "Lisa Ek",
        "email": "lisa@example.org",
        "phone": "070-765 43 21",
        "languages": ["sv"],
        "municipality": "Östersund",
        "area": "Frösön",
        "availability": "Kvällar",
        "consent": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/volunteer/join/", application).status_code == 302
        assert client.post("/my-offer/link/", {"email": "nobody@example.org"}).status_code == 200
    assert VolunteerApplication.objects.count() == 1


def test_refusals_and_reports_answer_with_the_services_down(
    client, down, organisations, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    volunteer = UserFactory(roles=["volunteer"], organisation=organisations["volunteers"])
    client.force_login(volunteer)
    assert client.get("/privacy-officer/record/").status_code == 403  # logged, no cache needed
    assert SecurityEvent.objects.filter(kind="permission_denied").exists()

    manager = staff_user("manager", organisations["partner"], username="chef")
    partnership = PartnershipFactory(
        volunteer_organisation=organisations["volunteers"], partner=organisations["partner"]
    )
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/reports/{partnership.pk}/request/", {"kind": "interim", "language": "sv"}
        )
    assert response.status_code == 302
    assert ReportRun.objects.get().status == ReportRun.Status.QUEUED  # queued again later
    assert client.get(f"/reports/{partnership.pk}/").status_code == 200
