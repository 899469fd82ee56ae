"""Reports produced by a REAL Celery worker on Redis, as in production, and a worker lost while it
renders one.

The worker is a subprocess (``celery -A matching_portal worker``, see ``tests.workers``) that reads
the same PostgreSQL test database as this test and writes the files into a media folder the test
shares. It listens on a queue of its own, so that no other worker (another test run, a
developer's) takes the task. Skipped where Redis or PostgreSQL is missing, except in CI, where that
fails.
"""

import os
import signal
import time
from datetime import datetime, timedelta

import psutil
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from reports import actions
from reports.models import ReportDownload, ReportRun
from tests import workers
from tests.conftest import require
from tests.factories import PartnershipFactory, home_with_history, staff_user

BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"
TIMEOUT_S = 90
FINISHED = (ReportRun.Status.DONE, ReportRun.Status.FAILED)


def requires_postgresql():
    require(connection.vendor == "postgresql", "PostgreSQL (the worker shares the test database)")


@pytest.fixture
def celery_worker(transactional_db, role_groups, tmp_path, settings):
    """A worker on its own queue; the app in this process sends to that queue through Redis."""
    require(workers.redis_reachable(BROKER_URL), f"Redis at {BROKER_URL}")
    requires_postgresql()
    settings.MEDIA_ROOT = str(tmp_path / "media")
    queue = workers.new_queue("reports-test")
    log_path = tmp_path / "worker.log"
    worker = workers.start(
        workers.worker_command(queue),
        workers.worker_env(BROKER_URL, settings.MEDIA_ROOT),
        log_path,
    )
    try:
        with workers.app_sends_to(BROKER_URL, queue):
            yield worker, log_path
    finally:
        workers.stop(worker)


def partnership_with_homes(organisations):
    partnership = PartnershipFactory(
        volunteer_organisation=organisations["volunteers"],
        partner=organisations["partner"],
    )
    tz = timezone.get_current_timezone()
    for month in (1, 2, 2, 3):
        day = partnership.period_start.replace(month=month, day=10)
        home_with_history(datetime.combine(day, datetime.min.time(), tzinfo=tz))
    return partnership


def wait_until(run, done, *, worker=None, timeout=TIMEOUT_S, every=0.5):
    deadline = time.monotonic() + timeout
    while True:
        run.refresh_from_db()
        if done(run) or time.monotonic() > deadline:
            return run
        if worker is not None and worker.poll() is not None:
            return run
        time.sleep(every)


def steps(run) -> list[tuple[str, str]]:
    return list(run.transitions.order_by("created_at", "pk").values_list("from_state", "to_state"))


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_produces_the_report(client, celery_worker, organisations):
    worker, log_path = celery_worker
    partnership = partnership_with_homes(organisations)
    manager = staff_user("manager", organisations["partner"], username="chef")
    client.force_login(manager)

    response = client.post(
        reverse("reports:request", args=[partnership.pk]), {"kind": "interim", "language": "en"}
    )
    assert response.status_code == 302
    run = wait_until(ReportRun.objects.get(), lambda r: r.status in FINISHED, worker=worker)
    log = log_path.read_text(errors="replace")
    assert run.status == ReportRun.Status.DONE, (run.status, run.error, log[-4000:])
    assert run.progress == 100
    assert run.attempts == 1 and run.task_id  # the task that produced it
    assert worker.poll() is None, log[-4000:]  # still running: it did not die on the way

    for file_kind, magic in (("pdf", b"%PDF"), ("xlsx", b"PK")):
        response = client.get(reverse(f"reports:download_{file_kind}", args=[run.pk]))
        assert response.status_code == 200, file_kind
        assert b"".join(response.streaming_content).startswith(magic)
    assert ReportDownload.objects.filter(run=run, user=manager).count() == 2


# A lost worker ---------------------------------------------------------------------------------


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of this test's own: the messages the killed workers leave behind stay here."""
    require(workers.RedisServer.available(), "redis-server (apt-get install redis-server)")
    redis = workers.RedisServer(tmp_path / "redis.log")
    redis.start()
    yield redis
    redis.stop()


def kill_while_running(run, victims, *, timeout=TIMEOUT_S) -> list[tuple[str, int]]:
    """Wait until the run is being produced, then SIGKILL the processes ``victims()`` names (as
    the OOM killer does). Returns what was killed, with the run's progress at that moment."""
    run = wait_until(
        run,
        lambda r: r.status == ReportRun.Status.RUNNING or r.status in FINISHED,
        timeout=timeout,
        every=0.01,
    )
    assert run.status == ReportRun.Status.RUNNING, (run.status, run.error)
    killed = []
    for process in victims():
        os.kill(process.pid, signal.SIGKILL)
        killed.append((process.name(), process.pid))
    run.refresh_from_db()
    # Killed while it was still being produced, not after: the kill is what this test is about.
    assert run.status == ReportRun.Status.RUNNING and run.progress < 100, run.status
    return killed


@pytest.mark.django_db(transaction=True)
def test_a_run_whose_worker_is_killed_ends_done_and_never_stays_running(
    client, own_redis, role_groups, organisations, tmp_path, settings
):
    """The pool process is killed while it renders (what the OOM killer does): the message goes
    back to the queue and the run is produced again. Then the whole worker is killed: the run is
    stuck "running" until the schedule, past the time limit, fails it with the reason and queues
    it again, and a new worker produces it."""
    requires_postgresql()
    settings.MEDIA_ROOT = str(tmp_path / "media")
    queue = workers.new_queue("reports-lost")
    log_path = tmp_path / "worker.log"
    command = workers.worker_command(queue, pool="prefork", loglevel="INFO")
    env = workers.worker_env(own_redis.url, settings.MEDIA_ROOT)
    partnership = partnership_with_homes(organisations)
    manager = staff_user("manager", organisations["partner"], username="chef")
    client.force_login(manager)
    started = time.monotonic()

    worker = workers.start(command, env, log_path)
    try:
        with workers.app_sends_to(own_redis.url, queue):
            # 1. The pool process dies while it renders; the worker itself lives on.
            client.post(
                reverse("reports:request", args=[partnership.pk]),
                {"kind": "interim", "language": "en"},
            )
            run = ReportRun.objects.get()
            killed = kill_while_running(run, lambda: psutil.Process(worker.pid).children())
            assert killed, "the worker had no pool process"
            run = wait_until(run, lambda r: r.status in FINISHED, worker=worker)
            log = log_path.read_text(errors="replace")
            assert run.status == ReportRun.Status.DONE, (run.status, run.error, log[-4000:])
            assert "WorkerLostError" in log
            assert worker.poll() is None  # the worker replaced its pool process
            assert run.attempts == 2
            assert steps(run) == [
                ("", "queued"),
                ("queued", "running"),
                ("running", "running"),  # delivered again after the loss, and tried again
                ("running", "done"),
            ]
            first_phase = time.monotonic() - started

            # 2. The whole worker is killed while it renders another run.
            client.post(
                reverse("reports:request", args=[partnership.pk]),
                {"kind": "interim", "language": "sv"},
            )
            run = ReportRun.objects.exclude(pk=run.pk).get()
            whole = psutil.Process(worker.pid)
            kill_while_running(run, lambda: [*whole.children(), whole])
            worker.wait(timeout=10)
            worker = workers.start(command, env, log_path)  # what systemd does

            # The run is stuck: the message waits out the visibility timeout (35 minutes).
            time.sleep(2)
            run.refresh_from_db()
            assert run.status == ReportRun.Status.RUNNING
            assert actions.sweep_stuck_report_runs() == []  # not yet past its limit
            # Beat's sweep, once the time limit has passed.
            later = timezone.now() + actions.STUCK_AFTER + timedelta(seconds=1)
            assert [r.pk for r in actions.sweep_stuck_report_runs(now=later)] == [run.pk]

            run = wait_until(run, lambda r: r.status in FINISHED, worker=worker)
            log = log_path.read_text(errors="replace")
            assert run.status == ReportRun.Status.DONE, (run.status, run.error, log[-4000:])
            assert run.attempts == 2 and run.progress == 100
            assert steps(run) == [
                ("", "queued"),
                ("queued", "running"),
                ("running", "failed"),
                ("failed", "queued"),
                ("queued", "running"),
                ("running", "done"),
            ]
            failed = run.transitions.get(to_state="failed")
            assert failed.reason.startswith("Rapporten blev inte klar inom 10 minuter")
            assert run.transitions.get(to_state="queued", from_state="failed").reason == (
                "Köad igen av portalen: försök 2 av 3."
            )
    finally:
        workers.stop(worker)
    print(
        f"\nlost pool process: done after {first_phase:.1f} s; "
        f"whole test {time.monotonic() - started:.1f} s"
    )
