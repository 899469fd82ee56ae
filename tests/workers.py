"""Real Celery workers (and a Redis of their own) for the tests that need the real thing.

A worker is a subprocess (``celery -A matching_portal worker``) that reads the same test database
as the test (PostgreSQL: the test's data is committed, ``transaction=True``) and listens on a queue
of its own, so that no other worker (another xdist process, a developer's) takes its tasks. The
app in the test process is pointed at the same broker and queue while the worker runs.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

import kombu.pools
from celery import _state
from django.db import connection

from matching_portal.celery import app as celery_app

BASE_DIR = Path(__file__).resolve().parents[1]


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


def new_queue(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def worker_command(queue: str, *, pool: str = "solo", loglevel: str = "WARNING") -> list[str]:
    command = [sys.executable, "-m", "celery", "-A", "matching_portal", "worker"]
    command += ["--pool=solo"] if pool == "solo" else [f"--pool={pool}", "--concurrency=1"]
    return [
        *command,
        "-l",
        loglevel,
        "-Q",
        queue,
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"{queue}@%h",
    ]


def worker_env(broker_url: str, media_root: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "False",
        "MEDIA_ROOT": media_root,
        "DJANGO_SETTINGS_MODULE": "matching_portal.settings",
        **extra,
    }


def start(command: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    """Start ``command`` in a session of its own (stopped with its children by ``stop``)."""
    with open(log_path, "ab") as log:
        return subprocess.Popen(  # noqa: S603 (our own worker, a fixed command)
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """Stop a process started by ``start`` and everything it started."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@contextlib.contextmanager
def app_sends_to(broker_url: str, queue: str):
    """This process publishes for real (not eagerly) to ``broker_url``, on ``queue``."""
    conf = celery_app.conf
    names = ("task_always_eager", "broker_write_url", "broker_read_url", "task_default_queue")
    saved = {name: conf.get(name) for name in names}
    # The write and read URLs, not ``broker_url``: the environment's CELERY_BROKER_URL (set in
    # CI) wins over ``conf.broker_url``, and not over these.
    conf.update(
        task_always_eager=False,
        broker_write_url=broker_url,
        broker_read_url=broker_url,
        task_default_queue=queue,
    )
    forget_connections()
    try:
        yield
    finally:
        conf.update(saved)
        forget_connections()


def forget_connections():
    """Make the app open its broker connections anew, and route to the default queue, from the
    configuration as it is now (the AMQP object caches its queues and producers at first use)."""
    pool, celery_app._pool = celery_app._pool, None
    if pool is not None:
        with contextlib.suppress(Exception):
            pool.force_close_all()
    celery_app.__dict__.pop("amqp", None)
    # kombu keeps producer and connection pools per broker address in module-wide groups; one that
    # another test closed would answer "Acquire on closed pool" to the next send to that address.
    kombu.pools.reset()
    # ``app.close()`` (other tests call it to drop their connections) also takes the app off
    # Celery's list of live apps, and a shared task whose module is imported after that is never
    # registered on it ("NotRegistered: reports.tasks.produce_report_task"). Put it back, and
    # register the shared tasks it missed.
    _state._register_app(celery_app)
    _state._announce_app_finalized(celery_app)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A Redis of the test's own, on a free port, that the test can stop and start again. It
    keeps nothing on disk: stopped, it loses what it held, as a Redis that restarts without
    persistence does."""

    def __init__(self, log_path: Path):
        self.port = free_port()
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [shutil.which("redis-server") or "redis-server", "--port", str(self.port)]
        command += ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (a fixed command)
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 10
        while not redis_reachable(self.url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start: {self.log_path.read_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process, timeout=10)
            self.process = None
