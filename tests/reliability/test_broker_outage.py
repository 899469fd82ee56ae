"""The Redis broker goes away while hosts sign up, with a REAL worker running.

The worker (``tests.workers``) runs on a Redis of the test's own under a small supervisor loop
that does what ``deploy/celery-worker.service`` (``Restart=always``) does: if the worker exits,
it is started again a second later. Celery 5.7 / kombu 5.7 can still exit on a lost connection
when the worker holds unacknowledged messages (``AttributeError: 'NoneType' object has no
attribute 'hostname'``, from kombu's ``_connparams`` once the connection is closed); the settings
make it reconnect forever otherwise. Either way no person steps in: the test only stops and
starts Redis.

Every sign-up is kept (the e-mail waits in the outbox while the broker is away), and every
e-mail is sent exactly once: by its own task, or by the outbox sweep that beat queues every
minute (queued here by the test, every few seconds, as beat would).

The broker stays away until the worker has failed to reach it twice (the worker started again by
the supervisor, or the one that lost its connection, is then in kombu's reconnect loop with its
growing waits: 2 s, 4 s, 6 s …), and at least ``OUTAGE_MIN_S``, at most ``OUTAGE_MAX_S``. It was
a fixed 30 s: on a loaded machine the worker exited as soon as it saw the broker go, was started
again 9 s later, and failed to connect 5 times; every step this test is about had happened after
the second failure, and the longer the outage, the longer the worker's wait after the broker was
back (10 s after 30 s). The test still lasts the sweep's 30 s at least: it sends only e-mails
older than that (younger ones may still be on their way in their own task).
"""

import configparser
import contextlib
import re
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from hosts.models import Host
from notifications.models import OutboundEmail
from tests import workers
from tests.conftest import require
from tests.factories import registration_post_data

OUTAGE_MIN_S = 10  # the three sign-ups while the broker is away fit in it
OUTAGE_MAX_S = 30  # what it always was
FAILED_CONNECTS = 2  # kombu's words, the worker's log, at INFO
SWEEP_EVERY_S = 3
DEADLINE_S = 75  # after the broker is back

# What systemd does with Restart=always, RestartSec=1: start the worker again whenever it exits.
SUPERVISOR = """
while :; do
  "$@"
  echo "$(date +%s) worker exited with $?" >> "$EXITS"
  sleep 1
done
"""


def sign_up(email: str) -> float:
    """A resident signs up on the public form; returns how long it took."""
    started = time.monotonic()
    resident = Client()
    response = resident.post("/offer/", registration_post_data(email=email))
    assert response.status_code == 302 and response.url == "/offer/check/", email
    response = resident.post("/offer/check/", {"consent": "on"})
    assert response.status_code == 302 and response.url == "/offer/sent/", email
    return time.monotonic() - started


def sent_to(mail_dir: Path) -> list[str]:
    """The recipients of every message the worker sent (Django's file backend, one file per
    connection, messages one after the other)."""
    return [
        match
        for path in sorted(mail_dir.glob("*.log"))
        for match in re.findall(r"^To: (\S+)$", path.read_text(errors="replace"), re.M)
    ]


def queue_the_sweep(countdown: int = 0) -> str | None:
    """What beat does every minute (``send-pending-emails``); the task's id, if it was sent."""
    from notifications.tasks import send_pending_emails

    # The broker may not answer yet; beat tries again a minute later, as the loop here does.
    with contextlib.suppress(Exception):
        return send_pending_emails.apply_async(countdown=countdown).id
    return None


def wait_for_log(log_path: Path, condition, timeout: float, *, since: int = 0) -> bool:
    """Until ``condition`` holds for the worker's log from ``since`` characters on (or timeout)."""
    deadline = time.monotonic() + timeout
    while not condition(log_path.read_text(errors="replace")[since:]):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.django_db(transaction=True)
def test_the_worker_rides_out_a_broker_outage_and_every_email_goes_once(tmp_path, role_groups):
    require(workers.RedisServer.available(), "redis-server (apt-get install redis-server)")
    require(connection.vendor == "postgresql", "PostgreSQL (the worker shares the test database)")
    redis = workers.RedisServer(tmp_path / "redis.log")
    redis.start()
    queue = workers.new_queue("outage")
    mail_dir = tmp_path / "mail"
    exits = tmp_path / "exits.log"
    exits.touch()
    log_path = tmp_path / "worker.log"
    env = workers.worker_env(
        redis.url,
        str(tmp_path / "media"),
        EMAIL_URL=f"filemail:///{mail_dir}",
        EXITS=str(exits),
    )
    command = workers.worker_command(queue, pool="prefork", loglevel="INFO")
    supervisor = workers.start(["bash", "-c", SUPERVISOR, "supervise", *command], env, log_path)
    addresses = []
    try:
        with workers.app_sends_to(redis.url, queue):
            # Before: the worker sends as usual.
            for n in range(2):
                addresses.append(f"fore{n}@example.org")
                sign_up(addresses[-1])
            deadline = time.monotonic() + 60
            while len(sent_to(mail_dir)) < 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert sorted(sent_to(mail_dir)) == addresses, log_path.read_text()[-4000:]
            # As it usually does, the worker holds a message it has not acknowledged yet (here a
            # task waiting for its countdown, like an e-mail's retry): with one, Celery 5.7
            # exits on the lost connection, and the supervisor starts it again.
            held = queue_the_sweep(countdown=600)
            assert held and wait_for_log(log_path, lambda log: f"[{held}] received" in log, 30)

            # The broker goes away; hosts go on signing up, and quickly.
            before_outage = len(log_path.read_text(errors="replace"))
            redis.stop()
            down_at = time.monotonic()
            for n in range(3):
                addresses.append(f"during{n}@example.org")
                assert sign_up(addresses[-1]) < 10
            time.sleep(max(0.0, OUTAGE_MIN_S - (time.monotonic() - down_at)))
            wait_for_log(
                log_path,
                lambda log: log.count("Cannot connect to") >= FAILED_CONNECTS,
                OUTAGE_MAX_S - (time.monotonic() - down_at),
                since=before_outage,
            )
            outage = time.monotonic() - down_at
            assert Host.objects.count() == 5  # every sign-up was kept
            assert OutboundEmail.objects.filter(sent_at__isnull=True).count() == 3
            redis.start()
            back_at = time.monotonic()

            # Right after: more sign-ups, and the sweep as beat queues it.
            for n in range(2):
                addresses.append(f"after{n}@example.org")
                sign_up(addresses[-1])
            last_sweep = 0.0
            while time.monotonic() - back_at < DEADLINE_S:
                if OutboundEmail.objects.filter(sent_at__isnull=True).count() == 0:
                    break
                if time.monotonic() - last_sweep > SWEEP_EVERY_S:
                    queue_the_sweep()
                    last_sweep = time.monotonic()
                time.sleep(0.2)
            caught_up = time.monotonic() - back_at
            time.sleep(2)  # room for a second copy to show itself, if any were sent

            log = log_path.read_text(errors="replace")
            assert sorted(sent_to(mail_dir)) == sorted(addresses), log[-6000:]
            assert not OutboundEmail.objects.filter(sent_at__isnull=True).exists()
            assert set(OutboundEmail.objects.values_list("attempts", flat=True)) == {1}
            assert supervisor.poll() is None  # the supervisor (and so a worker) runs on
    finally:
        workers.stop(supervisor)
        redis.stop()
    restarts = exits.read_text().splitlines()
    print(
        f"\nbroker back after {outage:.1f} s; every e-mail sent {caught_up:.1f} s later; "
        f"worker restarts by the supervisor: {len(restarts)} {restarts}"
    )


@pytest.mark.django_db  # reads no data; the session's fixtures want the test database
def test_the_systemd_units_restart_the_worker_and_beat_always():
    """deploy/: what the supervisor loop above stands in for."""
    deploy = Path(__file__).resolve().parents[2] / "deploy"
    for unit_name, command in (("portal-worker", "worker"), ("portal-beat", "beat")):
        unit = configparser.ConfigParser(strict=False, interpolation=None)
        unit.optionxform = str
        assert unit.read(deploy / f"{unit_name}.service", encoding="utf-8"), unit_name
        service = unit["Service"]
        assert service["Restart"] == "always", unit_name  # exit code 0 too
        assert unit["Unit"]["StartLimitIntervalSec"] == "0", unit_name  # never gives up
        assert service["ExecStart"].split()[1:4] == ["-A", "matching_portal", command]
    worker = configparser.ConfigParser(strict=False, interpolation=None)
    worker.read(deploy / "portal-worker.service", encoding="utf-8")
    # A warm shutdown lets a report run finish within its limit before systemd kills it.
    assert worker["Service"]["TimeoutStopSec"] == "11min"
    assert worker["Service"]["KillMode"] == "mixed"
