"""A report produced by a REAL Celery worker on Redis, as in production.

The worker is a subprocess (``celery -A matching_portal worker --pool=solo``) that reads the same
PostgreSQL test database as this test and writes the files into a media folder the test shares.
It listens on a queue of its own, so that no other worker (another test run, a developer's) takes
the task. Skipped where Redis or PostgreSQL is missing, except in CI, where that fails.
"""

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from matching_portal.celery import app as celery_app
from reports.models import ReportDownload, ReportRun
from tests.conftest import require
from tests.factories import PartnershipFactory, home_with_history, staff_user

BASE_DIR = Path(__file__).resolve().parents[2]
BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"
TIMEOUT_S = 90


def redis_reachable(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        return False
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 2):
            return True
    except OSError:
        return False


def test_database_url() -> str:
    """The URL of the database this test runs on (the test database, not the configured one)."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{db['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


@pytest.fixture
def celery_worker(transactional_db, role_groups, tmp_path, settings):
    """A worker on its own queue; the app in this process sends to that queue through Redis."""
    require(redis_reachable(BROKER_URL), f"Redis at {BROKER_URL}")
    require(connection.vendor == "postgresql", "PostgreSQL (the worker shares the test database)")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    queue = f"reports-test-{uuid.uuid4().hex[:12]}"
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "False",
        "MEDIA_ROOT": settings.MEDIA_ROOT,
        "DJANGO_SETTINGS_MODULE": "matching_portal.settings",
    }
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(  # noqa: S603 (our own worker, a fixed command)
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "matching_portal",
                "worker",
                "--pool=solo",
                "-l",
                "WARNING",
                "-Q",
                queue,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{queue}@%h",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url, conf.task_default_queue)
    conf.task_always_eager = False
    conf.broker_url = BROKER_URL
    conf.task_default_queue = queue
    _forget_connections()
    try:
        yield worker, log_path
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
        conf.task_always_eager, conf.broker_url, conf.task_default_queue = saved
        _forget_connections()


def _forget_connections():
    """Make the app open its broker connections anew, from the configuration as it is now."""
    celery_app._pool = None
    with contextlib.suppress(KeyError):
        celery_app.__dict__["amqp"]._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_produces_the_report(client, celery_worker, organisations):
    worker, log_path = celery_worker
    partnership = PartnershipFactory(
        volunteer_organisation=organisations["volunteers"],
        partner=organisations["partner"],
    )
    tz = timezone.get_current_timezone()
    for month in (1, 2, 2, 3):
        day = partnership.period_start.replace(month=month, day=10)
        home_with_history(datetime.combine(day, datetime.min.time(), tzinfo=tz))
    manager = staff_user("manager", organisations["partner"], username="chef")
    client.force_login(manager)

    response = client.post(
        reverse("reports:request", args=[partnership.pk]), {"kind": "interim", "language": "en"}
    )
    assert response.status_code == 302
    run = ReportRun.objects.get()

    deadline = time.monotonic() + TIMEOUT_S
    while True:
        run.refresh_from_db()
        if run.status in (ReportRun.Status.DONE, ReportRun.Status.FAILED):
            break
        if worker.poll() is not None or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    log = log_path.read_text(errors="replace")
    assert run.status == ReportRun.Status.DONE, (run.status, run.error, log[-4000:])
    assert run.progress == 100
    assert worker.poll() is None, log[-4000:]  # still running: it did not die on the way

    for file_kind, magic in (("pdf", b"%PDF"), ("xlsx", b"PK")):
        response = client.get(reverse(f"reports:download_{file_kind}", args=[run.pk]))
        assert response.status_code == 200, file_kind
        assert b"".join(response.streaming_content).startswith(magic)
    assert ReportDownload.objects.filter(run=run, user=manager).count() == 2
