"""The portal on more than one machine: two web instances, two Celery workers, one beat.

    .venv/bin/python bench/cluster.py [--duration 45] [--signup-threads 6] [--volunteers 4]

1. Creates the database (``--database-url``, default
   postgres://postgres@127.0.0.1:5432/portal_cluster_bench) when missing, migrates it and collects
   the static files into a temporary STATIC_ROOT (``--seed-demo`` also runs ``seed_demo``). It
   adds the bench's volunteers (``bench-volunteer-N``, in the local group covering the bench's
   municipalities), tops the call queue up, and makes one manager with an authenticator of known
   key for a partnership whose period has ended (and the organisations and partnership when the
   database has none).
2. Empties the bench's two Redis databases (``--broker-url``, ``--cache-url``) and starts, all
   against that one PostgreSQL and that one Redis: two gunicorn instances on two free ports, two
   Celery worker nodes (``node1@``, ``node2@``, with task events) and one beat. Production's
   settings (DEBUG off, Redis cache, e-mail through the outbox and the workers), plain HTTP on the
   loopback, the per-address sign-up limit lifted (all load comes from 127.0.0.1), e-mails written
   to files (Django's file backend) where each one can be counted. Once beat has written its
   schedule to the database, every beat job is set to run every ``--beat-every`` seconds there
   (as an administrator would in the admin), so that each is due many times during the run.
3. The floor (unless ``--no-floor``): the queries of each request the threads make are counted
   in-process (``load.profile_endpoints``, ``--profile-rounds``); the web instances run with
   bench/load_settings.py (production's settings plus the bare view ``/bench-floor/?queries=N``)
   and, once the cluster is up, the same threads at the same pace send each of their requests,
   for ``--duration`` seconds, to that bare view on the same two instances instead, asking for
   as many queries as the request it stands for runs.
4. For ``--duration`` seconds, threads send the load bench's sign-ups (GET /offer/, POST, GET
   /offer/check/, POST consent) and volunteers (log in, "Next host", the call page, an outcome),
   each request to the other instance than the one before: one sign-up's answers are kept in a
   session written by one instance and read by the other. Meanwhile, a manager logged in on one
   instance asks for the same year-end report on both instances at the same instant, and a
   resident asks for their link more often than the per-address limit allows, alternately on
   both instances.
5. Waits for the workers to finish (e-mails, the report), stops beat, then everything, and prints
   one ``name: value`` per line (see bench/README.md), the floor's figures and the ratios last.
   The exit code is 1 if any figure that must be 0 is not (``floor_errors`` too).

Every request goes to 127.0.0.1. Every process this script starts is stopped when it ends, also
on Ctrl-C or an error.
"""

import argparse
import contextlib
import email
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

import load  # noqa: E402 (bench/load.py: database set-up, seeding, the claim checks)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_cluster_bench"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/5"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/6"
LOOPBACK = "127.0.0.1"
MANAGER_USERNAME = "bench-cluster-manager"
MANAGER_PASSWORD = "bench-cluster-losenord-2026"  # a published bench password, never a real one
# The authenticator's key (hex), known to the bench so it can compute the code as an app would.
MANAGER_TOTP_KEY = "3132333435363738393031323334353637383930"

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
OUTCOME_RE = re.compile(r'action="/volunteer/queue/(\d+)/outcome/"')
HOME_RE = re.compile(r'action="/volunteer/homes/(\d+)/note/"')
SELECT_RE = re.compile(r'<select[^>]*name="(\w+)"[^>]*>(.*?)</select>', re.S)
OPTION_RE = re.compile(r'<option value="([^"]+)"')
BEAT_SENDING_RE = re.compile(
    r"^\[(?P<when>[\d-]+ [\d:,]+): INFO/[^\]]*\] Scheduler: Sending due task (?P<job>\S+) "
    r"\((?P<task>[\w.]+)\)"
)
BEAT_SENT_RE = re.compile(r"\] (?P<task>[\w.]+) sent\. id->(?P<id>[\w-]+)")
# (municipality code, postcode): the form's municipality is a choice by code.
TOWNS = [("2380", "83130"), ("2309", "83531"), ("2309", "83593"), ("2309", "83580")]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--broker-url", default=DEFAULT_BROKER_URL, help="emptied at the start")
    parser.add_argument("--cache-url", default=DEFAULT_CACHE_URL, help="emptied at the start")
    parser.add_argument("--duration", type=int, default=45, help="seconds of load (default 45)")
    parser.add_argument("--signup-threads", type=int, default=6, help="residents signing up")
    parser.add_argument("--volunteers", type=int, default=4, help="volunteers on the call queue")
    parser.add_argument("--hosts", type=int, default=500, help="hosts kept waiting in the queue")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--celery-concurrency", type=int, default=1, help="per worker node")
    parser.add_argument(
        "--beat-every", type=int, default=5, help="seconds between runs of each beat job"
    )
    parser.add_argument(
        "--pause", type=float, default=0.3, help="seconds a thread waits between two flows"
    )
    parser.add_argument(
        "--min-flows",
        type=int,
        default=0,
        help="each thread goes on past --duration until it made this many sign-ups or claims",
    )
    parser.add_argument(
        "--beats",
        type=int,
        default=1,
        help="beats to start (1, as in production; 2 shows what beat_jobs_doubled catches)",
    )
    parser.add_argument(
        "--seed-demo",
        action="store_true",
        help="also run seed_demo (the bench makes the few rows it needs itself)",
    )
    parser.add_argument("--fresh", action="store_true", help="drop and re-create the database")
    parser.add_argument(
        "--skip-setup",
        action="store_true",
        help="the database is migrated already (no migrate, no seed_demo)",
    )
    parser.add_argument("--static-root", help="static files collected already (no collectstatic)")
    parser.add_argument("--keep-logs", help="copy the processes' logs into this directory")
    parser.add_argument(
        "--no-floor",
        dest="floor",
        action="store_false",
        help="skip the floor's run (the same threads against a bare view on the same instances)",
    )
    parser.add_argument(
        "--profile-rounds",
        type=int,
        default=3,
        help="rounds of the in-process count of each request's queries, for the floor (default 3)",
    )
    args = parser.parse_args(argv)
    args.database_url = args.database_url or DEFAULT_DATABASE_URL
    return args


# Processes --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def cluster_env(args, *, site_port: int, static_root: str, media_root: str, mail_dir: str):
    """Every process's environment: production's settings, one PostgreSQL, one Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "RATELIMIT_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        {
            "PYTHONPYCACHEPREFIX": str(Path(tempfile.gettempdir()) / "portal-bench-pycache"),
            "DJANGO_SETTINGS_MODULE": "matching_portal.settings",
            "DEBUG": "False",
            # One key for every process: a session or a signed link made by one is read by another.
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": f"{LOOPBACK},localhost",
            "SITE_URL": f"http://{LOOPBACK}:{site_port}",
            # Plain HTTP on the loopback: no TLS redirect, no secure-only cookies, no HSTS.
            "SECURE_SSL_REDIRECT": "False",
            "SESSION_COOKIE_SECURE": "False",
            "CSRF_COOKIE_SECURE": "False",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": args.database_url,
            "CONN_MAX_AGE": "60",
            "CACHE_URL": args.cache_url,
            "CELERY_BROKER_URL": args.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "False",
            # Every request comes from 127.0.0.1: the per-address limit would stop the sign-ups.
            # The other limits stay as production has them.
            "RATELIMIT_SIGNUP_PER_IP": "100000/h",
            "RATELIMIT_LINK_PER_EMAIL": "5/h",
            "TWO_FACTOR_REQUIRED": "True",
            "EMAIL_URL": f"filemail:///{mail_dir}",
            "STATIC_ROOT": static_root,
            "MEDIA_ROOT": media_root,
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


class Processes:
    """The subprocesses of the cluster, each in a session of its own; ``stop_all`` ends each one
    and its children (by process group id)."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.started: dict[str, subprocess.Popen] = {}
        self.cleanups: list = []  # called by stop_all, e.g. to stop listening to task events

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        with (self.log_dir / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(  # noqa: S603 (our own programs, fixed commands)
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started[name] = process
        return process

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self, name: str, timeout: float = 20) -> None:
        process = self.started.pop(name, None)
        if process is None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def stop_all(self, timeout: float = 20) -> None:
        """TERM to every process group at once, then KILL to what is left after ``timeout``."""
        processes, self.started = self.started, {}
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for process in processes.values():
                if process.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, sig)
            deadline = time.monotonic() + timeout
            for process in processes.values():
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
        while self.cleanups:
            with contextlib.suppress(Exception):
                self.cleanups.pop()()

    def check_alive(self) -> None:
        for name, process in self.started.items():
            if process.poll() is not None:
                tail = self.log(name)[-3000:]
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")


def gunicorn_command(args, port: int, *, floor: bool = False) -> list[str]:
    """With ``floor``, bench/ is on the path (started with DJANGO_SETTINGS_MODULE=load_settings:
    production's settings plus the floor's bare view, which production never has)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "matching_portal.wsgi",
        *(["--pythonpath", str(BENCH_DIR)] if floor else []),
        "--bind",
        f"{LOOPBACK}:{port}",
        "--workers",
        str(args.web_workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(args.threads),
        "--timeout",
        "30",
        "--graceful-timeout",
        "10",
        "--error-logfile",
        "-",
    ]


def celery_command(*part: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "matching_portal", *part]


def wait_until_up(url: str, processes: Processes, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # loopback only
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        processes.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout} s")
        time.sleep(0.3)


def broker_app(broker_url: str):
    """A Celery app of this process that talks to ``broker_url``. Set as the write and read URLs,
    not as ``broker_url``: an environment's CELERY_BROKER_URL (set in CI) wins over ``broker_url``
    and would send the pings and event listening to another broker than the cluster's."""
    from celery import Celery

    app = Celery(set_as_current=False)
    app.conf.update(broker_write_url=broker_url, broker_read_url=broker_url)
    return app


def wait_for_workers(broker_url: str, nodes: list[str], processes: Processes, timeout=60) -> None:
    app = broker_app(broker_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            replies = app.control.ping(timeout=1.0) or []
            answered = {name.split("@", 1)[0] for reply in replies for name in reply}
            if set(nodes) <= answered:
                return
            processes.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker nodes {nodes} did not answer within {timeout} s")
    finally:
        app.close()


# Task events: which worker ran which task, seen from outside ----------------------------------


class TaskEvents(threading.Thread):
    """Celery's task events (workers started with ``-E``), received from the broker: every task
    each worker node received and started, with its id."""

    def __init__(self, broker_url: str):
        super().__init__(daemon=True)
        self.app = broker_app(broker_url)
        self.events: list[dict] = []
        self.receiver = None
        self.listening = threading.Event()
        self.failure: BaseException | None = None

    def run(self):
        try:
            with self.app.connection() as connection:
                self.receiver = self.app.events.Receiver(connection, handlers={"*": self.on_event})
                self.listening.set()
                self.receiver.capture(limit=None, timeout=None, wakeup=False)
        except BaseException as exc:  # noqa: BLE001 (reported by the main thread)
            self.failure = exc
            self.listening.set()

    def on_event(self, event: dict) -> None:
        if event.get("type", "").startswith("task-"):
            self.events.append(
                {
                    "type": event["type"],
                    "uuid": event.get("uuid"),
                    "name": event.get("name"),
                    "hostname": event.get("hostname"),
                    "timestamp": event.get("timestamp"),
                }
            )

    def stop(self) -> None:
        if self.receiver is not None:
            self.receiver.should_stop = True
        if self.is_alive():
            self.join(timeout=10)
        self.app.close()

    def started(self) -> dict[str, list[dict]]:
        """Task id -> the task-started events of it (one per execution)."""
        names = {e["uuid"]: e["name"] for e in self.events if e["type"] == "task-received"}
        runs = defaultdict(list)
        for event in self.events:
            if event["type"] == "task-started":
                runs[event["uuid"]].append({**event, "name": names.get(event["uuid"])})
        return runs

    def retried(self) -> Counter:
        return Counter(e["uuid"] for e in self.events if e["type"] == "task-retried")


# Preparing the database -------------------------------------------------------------------------


def prepare_database(args, env) -> None:
    if not args.skip_setup:
        load.ensure_database(args.database_url, fresh=args.fresh)
        load.run_manage(env, "migrate", "--noinput")
    if not args.static_root:
        load.run_manage(env, "collectstatic", "--noinput")
    if args.seed_demo and not args.skip_setup:
        load.run_manage(env, "seed_demo")


def ended_partnership():
    """A partnership whose period has ended (its year-end report can be asked for); made from
    the first one, a year earlier, when there is none."""
    from django.utils import timezone

    from reports.models import Partnership

    today = timezone.localdate()
    partnership = Partnership.objects.filter(period_end__lt=today).order_by("pk").first()
    if partnership is not None:
        return partnership
    model = Partnership.objects.order_by("pk").first()
    if model is None:
        from accounts.models import Organisation

        kinds = Organisation.Kind
        parties = {}
        for kind, name in (
            (kinds.VOLUNTEER_ORGANISATION, "Bench volunteer organisation"),
            (kinds.PARTNER, "Bench partner"),
        ):
            parties[kind] = Organisation.objects.filter(kind=kind).order_by(
                "pk"
            ).first() or Organisation.objects.create(name=name, kind=kind)
        model = Partnership(
            name="Bench partnership",
            volunteer_organisation=parties[kinds.VOLUNTEER_ORGANISATION],
            partner=parties[kinds.PARTNER],
        )
    return Partnership.objects.create(
        name=f"{model.name} (bench, last year)",
        volunteer_organisation=model.volunteer_organisation,
        partner=model.partner,
        housing_company=model.housing_company,
        period_start=date(today.year - 1, 1, 1),
        period_end=date(today.year - 1, 12, 1),
    )


def seed_manager(partnership):
    """A manager of the partnership's partner, with a confirmed authenticator of known key."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts import roles
    from accounts.models import User

    user, _created = User.objects.update_or_create(
        username=MANAGER_USERNAME,
        defaults={
            "first_name": "Bench",
            "last_name": "Manager",
            "email": f"{MANAGER_USERNAME}@{load.SEED_EMAIL_DOMAIN}",
            "organisation_id": partnership.partner_id,
            "is_staff": False,
            "is_superuser": False,
            "is_active": True,
            "password": make_password(MANAGER_PASSWORD),
        },
    )
    user.groups.set([Group.objects.get(name=roles.MANAGER)])
    TOTPDevice.objects.filter(user=user).delete()
    TOTPDevice.objects.create(user=user, name="authenticator", key=MANAGER_TOTP_KEY, confirmed=True)
    return user


def seed_people(args):
    """The bench's volunteers, the queue, the manager; returns the partnership to report on."""
    partnership = ended_partnership()  # first: it makes the organisations when there are none
    load.seed_volunteers(max(1, args.volunteers))
    args.hosts_added = load.top_up_queue(args.hosts)
    seed_manager(partnership)
    return partnership


def shorten_beat_schedule(every: int, started_at, timeout: float = 30) -> list[str]:
    """Once beat has written production's schedule (``CELERY_BEAT_SCHEDULE``) to the database,
    make every job of it run every ``every`` seconds, through the models (as the admin does), so
    beat reloads it. Returns the job names."""
    from django.conf import settings
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    names = list(settings.CELERY_BEAT_SCHEDULE)
    deadline = time.monotonic() + timeout
    while PeriodicTask.objects.filter(name__in=names, date_changed__gte=started_at).count() < len(
        names
    ):
        if time.monotonic() > deadline:
            raise RuntimeError("beat did not write its schedule to the database")
        time.sleep(0.3)
    interval, _created = IntervalSchedule.objects.get_or_create(
        every=every, period=IntervalSchedule.SECONDS
    )
    for task in PeriodicTask.objects.filter(name__in=names):
        task.interval = interval
        task.crontab = None
        task.solar = None
        task.clocked = None
        task.enabled = True
        task.save()
    return names


# The load ---------------------------------------------------------------------------------------


class Tally:
    """Requests made and unexpected answers, from every thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.errors: list[str] = []
        self.latencies: list[float] = []
        self.by_instance = Counter()

    def count(self, instance: int, seconds: float) -> None:
        with self.lock:
            self.requests += 1
            self.latencies.append(seconds)
            self.by_instance[instance] += 1

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


class Client:
    """One person's browser, sending each request to the other instance than the one before."""

    def __init__(self, bases: list[str], tally: Tally, *, start: int = 0):
        import requests

        self.session = requests.Session()
        # A new connection for each request: gunicorn hands each connection to one of its
        # processes, so one person's requests also go to different processes of one instance,
        # and no request is sent on a kept-alive connection the server is just closing.
        self.session.headers["Connection"] = "close"
        self.bases = bases
        self.tally = tally
        self.turn = start

    def request(self, method: str, path: str, expect: tuple, **kwargs):
        """Send, and record an error unless the status and (for a redirect) the target's start
        are as expected: ``expect`` is (status,) or (302, "/path-prefix")."""
        instance = self.turn % len(self.bases)
        self.turn += 1
        started = time.monotonic()
        try:
            response = self.session.request(
                method, self.bases[instance] + path, allow_redirects=False, timeout=30, **kwargs
            )
        except Exception as exc:  # noqa: BLE001 (an error of the run, counted)
            self.tally.count(instance, time.monotonic() - started)
            self.tally.error(f"{method} {path} on instance {instance + 1}: {exc!r}")
            return None
        self.tally.count(instance, time.monotonic() - started)
        target = re.sub(r"^https?://[^/]+", "", response.headers.get("Location", ""))
        ok = response.status_code == expect[0] and (
            len(expect) == 1 or target.startswith(expect[1])
        )
        if not ok:
            self.tally.error(
                f"{method} {path} on instance {instance + 1}: {response.status_code} "
                f"{target!r} (expected {expect})"
            )
            return None
        return response

    def token(self, response) -> str:
        match = CSRF_RE.search(response.text if response is not None else "")
        return match.group(1) if match else ""


def offer(email_address: str, page: str) -> dict:
    """The sign-up form's answers; a field the form offers as a list takes one of its choices."""
    town, postcode = random.choice(TOWNS)
    data = {
        "name": f"Kluster Testsson {random.randint(1, 999)}",
        "email": email_address,
        "phone": f"070-{random.randint(100, 999)} {random.randint(10, 99)} {random.randint(10, 99)}",
        "street_address": f"Storgatan {random.randint(1, 99)}",
        "postcode": postcode,
        "municipality": town,
        "kind": random.choice(["room", "whole_home", "separate_house"]),
        "beds": str(random.randint(1, 4)),
        "accessibility_notes": "",
        "available_from": (date.today() + timedelta(days=random.randint(1, 90))).isoformat(),
        "available_months": random.choice(["", "3", "6", "12"]),
        "rent_per_month": str(random.choice([0, 2500, 4000])),
        "household_description": "Två vuxna och en katt, vi jobbar dagtid.",
        "pets_description": "",
        "smoking": "no",
        "languages": ["sv", "en"],
        "other_languages": "",
        "hopes": "Att någon får en bra start.",
        "heard_from": "friend",
        "website": "",
    }
    for name, options in SELECT_RE.findall(page):
        values = [v for v in OPTION_RE.findall(options) if v]
        if name in data and values and data[name] not in values:
            data[name] = random.choice(values)
    return data


class Until:
    """When a load thread stops: at the end of the run, or once it has done ``min_flows`` flows
    if that takes longer (a busy machine), but never after ``hard_stop`` seconds."""

    def __init__(self, seconds: float, min_flows: int, hard_stop: float):
        now = time.monotonic()
        self.end = now + seconds
        self.min_flows = min_flows
        self.hard_end = now + max(seconds, hard_stop)

    def keep_going(self, done: int) -> bool:
        now = time.monotonic()
        return now < self.end or (done < self.min_flows and now < self.hard_end)


def sign_up_loop(bases, tally, records, run_id: str, until: Until, pause: float, number):
    n = done = 0
    while until.keep_going(done):
        n += 1
        address = f"cluster-{run_id}-{number}-{n}@example.org"
        resident = Client(bases, tally, start=n + number)
        with records["lock"]:
            records["signups_started"] += 1
        page = resident.request("GET", "/offer/", (200,))
        if page is None:
            continue
        sent = resident.request(
            "POST",
            "/offer/",
            (302, "/offer/check/"),
            data={"csrfmiddlewaretoken": resident.token(page), **offer(address, page.text)},
        )
        if sent is None:
            continue
        check = resident.request("GET", "/offer/check/", (200,))
        if check is None:
            continue
        consent = resident.request(
            "POST",
            "/offer/check/",
            (302, "/offer/sent/"),
            data={"csrfmiddlewaretoken": resident.token(check), "consent": "on"},
        )
        if consent is None:
            continue
        done += 1
        with records["lock"]:
            records["signups_accepted"].append(address)
        resident.request("GET", "/offer/sent/", (200,))
        time.sleep(pause)


def log_in(person: Client, username: str, password: str, landing: str) -> str | None:
    """Log in; returns the path the log-in sent to, or None."""
    page = person.request("GET", "/accounts/login/", (200,))
    if page is None:
        return None
    answer = person.request(
        "POST",
        "/accounts/login/",
        (302,),
        data={
            "csrfmiddlewaretoken": person.token(page),
            "username": username,
            "password": password,
            "next": landing,
        },
    )
    if answer is None:
        return None
    return re.sub(r"^https?://[^/]+", "", answer.headers.get("Location", ""))


def volunteer_loop(bases, tally, records, username: str, until: Until, pause: float, number):
    volunteer = Client(bases, tally, start=number)
    if log_in(volunteer, username, load.VOLUNTEER_PASSWORD, "/volunteer/") != "/volunteer/":
        tally.error(f"{username} could not log in")
        return
    with records["lock"]:
        records["logins"] += 1
    start = volunteer.request("GET", "/volunteer/", (200,))
    token = volunteer.token(start)
    done = 0
    while until.keep_going(done):
        if (
            volunteer.request(
                "POST",
                "/volunteer/queue/next/",
                (302, "/volunteer/queue/"),
                data={"csrfmiddlewaretoken": token},
            )
            is None
        ):
            continue
        page = volunteer.request("GET", "/volunteer/queue/", (200,))
        if page is None:
            continue
        seen_at = time.time()
        token = volunteer.token(page) or token
        entry = OUTCOME_RE.search(page.text)
        if entry is None:
            with records["lock"]:
                records["queue_empty"] += 1
            time.sleep(pause)
            continue
        home = HOME_RE.search(page.text)
        claim = {
            "volunteer": username,
            "entry": int(entry.group(1)),
            "home": int(home.group(1)) if home else None,
            "seen_at": seen_at,
            "released_at": None,
            "outcome_status": None,
        }
        done += 1
        with records["lock"]:
            records["claims"].append(claim)
        time.sleep(random.uniform(0.2, 0.8))  # the phone call
        outcome = "interested" if random.random() < 0.2 else "no_answer"
        claim["released_at"] = time.time()
        prefix = "/volunteer/homes/" if outcome == "interested" else "/volunteer/queue/"
        answer = volunteer.request(
            "POST",
            f"/volunteer/queue/{claim['entry']}/outcome/",
            (302, prefix),
            data={"csrfmiddlewaretoken": token, "outcome": outcome, "note": "Klustertest"},
        )
        if answer is None:
            continue
        claim["outcome_status"] = 302
        if outcome == "interested":
            target = re.sub(r"^https?://[^/]+", "", answer.headers["Location"])
            visit = volunteer.request("GET", target, (200,))
            token = volunteer.token(visit) or token
        time.sleep(pause)


def request_report_twice(bases, tally, partnership_id: int) -> dict:
    """The manager logs in on instance 1, then asks for the year-end report on both instances
    at the same instant (two browsers' tabs on one session)."""
    from django_otp.oath import totp

    manager = Client(bases, tally, start=0)
    landing = f"/reports/{partnership_id}/"
    target = log_in(manager, MANAGER_USERNAME, MANAGER_PASSWORD, landing)
    if target == landing:
        # A manager confirms a code from their authenticator app first.
        asked = manager.request("GET", landing, (302, "/accounts/two-factor/"))
        target = re.sub(r"^https?://[^/]+", "", asked.headers["Location"]) if asked else None
    if target is None or not target.startswith("/accounts/two-factor/"):
        tally.error(f"the manager's log-in led to {target!r}, not to the two-factor page")
        return {"requested_at": None, "answers": []}
    page = manager.request("GET", target, (200,))
    code = f"{totp(bytes.fromhex(MANAGER_TOTP_KEY)):06d}"
    manager.request(
        "POST",
        target,
        (302, f"/reports/{partnership_id}/"),
        data={"csrfmiddlewaretoken": manager.token(page), "token": code},
    )
    tabs = []
    for instance in range(2):
        tab = Client(bases, tally, start=instance)
        tab.session.cookies.update(manager.session.cookies)
        page = tab.request("GET", f"/reports/{partnership_id}/", (200,))
        tabs.append((tab, tab.token(page)))
        tab.turn = instance  # the request itself goes to this instance too
    barrier = threading.Barrier(len(tabs))
    answers = [None] * len(tabs)

    def ask(i):
        tab, token = tabs[i]
        barrier.wait(timeout=30)
        answers[i] = tab.request(
            "POST",
            f"/reports/{partnership_id}/request/",
            (302, f"/reports/{partnership_id}/"),
            data={"csrfmiddlewaretoken": token, "kind": "year_end", "language": "sv"},
        )

    from django.utils import timezone

    requested_at = timezone.now()
    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(tabs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"requested_at": requested_at, "answers": [a is not None for a in answers]}


def link_requests_over_limit(bases, tally, run_id: str, rate: str) -> dict:
    """A resident asks for their link more often than the per-address limit allows, alternately
    on both instances and each time on a new connection (so also on different web processes of
    one instance): the limit counts every process's requests together (the counters are in the
    shared cache), so exactly the limit's number of requests is answered."""
    allowed = int(rate.split("/", 1)[0])
    address = f"cluster-link-{run_id}@example.org"
    answered = refused = 0
    for attempt in range(allowed + 3):
        resident = Client(bases, tally, start=attempt)
        page = resident.request("GET", "/my-offer/link/", (200,))
        resident.turn = attempt  # the form is sent to the instance that showed it
        instance = attempt % len(bases)
        started = time.monotonic()
        response = resident.session.post(
            bases[instance] + "/my-offer/link/",
            data={"csrfmiddlewaretoken": resident.token(page), "email": address},
            headers={"Connection": "close"},
            allow_redirects=False,
            timeout=30,
        )
        tally.count(instance, time.monotonic() - started)
        resident.session.close()
        if response.status_code == 200:
            answered += 1
        elif response.status_code == 429:
            refused += 1
        else:
            tally.error(f"POST /my-offer/link/ on instance {instance + 1}: {response.status_code}")
    return {"allowed": allowed, "answered": answered, "refused": refused}


# The floor ---------------------------------------------------------------------------------------

# The requests of a sign-up and of a volunteer, by the names of load.profile_endpoints, whose
# in-process count of each one's queries sets the floor's work per request.
FLOOR_SIGNUP = ("/offer/ (form)", "/offer/ (send)", "/offer/check/", "/offer/check/ (consent)")
FLOOR_LOG_IN = ("/accounts/login/", "/accounts/login/ (send)", "/volunteer/")


def floor_queries(rounds: int) -> dict[str, float]:
    """Queries of each request the threads make (median of ``rounds``), served by the Django test
    client in this process against the bench database, as bench/load.py counts them for its
    floor. It claims ``rounds + 1`` hosts and signs up as many residents (``profile-...``
    addresses, outside the run's checks)."""
    from django.db import connections

    profile = load.profile_endpoints(max(1, rounds), stamp=f"{int(time.time())}")
    connections.close_all()
    return {name: row["queries"] for name, row in profile.items() if name.startswith("/")}


def floor_get(client: Client, name: str, queries: dict[str, float]):
    """One request of the floor: the bare view, running as many queries as ``name`` does."""
    count = int(round(queries.get(name, 0)))
    return client.request("GET", f"/bench-floor/?queries={count}", (200,))


def floor_sign_up_loop(bases, tally, queries, until: Until, pause: float, number):
    """``sign_up_loop``'s requests and pauses, each request to the bare view instead."""
    n = done = 0
    while until.keep_going(done):
        n += 1
        resident = Client(bases, tally, start=n + number)
        if any(floor_get(resident, name, queries) is None for name in FLOOR_SIGNUP):
            continue
        done += 1
        floor_get(resident, "/offer/sent/", queries)
        time.sleep(pause)


def floor_volunteer_loop(bases, tally, queries, until: Until, pause: float, number):
    """``volunteer_loop``'s requests and pauses (the same time "on the phone", a fifth of the
    calls "interested" and followed by the visit page), each request to the bare view instead."""
    volunteer = Client(bases, tally, start=number)
    for name in FLOOR_LOG_IN:
        floor_get(volunteer, name, queries)
    done = 0
    while until.keep_going(done):
        if floor_get(volunteer, "/volunteer/queue/next/", queries) is None:
            continue
        if floor_get(volunteer, "/volunteer/queue/", queries) is None:
            continue
        done += 1
        time.sleep(random.uniform(0.2, 0.8))  # the phone call
        interested = random.random() < 0.2
        if floor_get(volunteer, "/volunteer/queue/[id]/outcome/", queries) is None:
            continue
        if interested:
            floor_get(volunteer, "/volunteer/homes/[id]/visit/", queries)
        time.sleep(pause)


def cpu_snapshot(processes: Processes, database_url: str) -> dict[str, float]:
    """CPU seconds used so far by the cluster's parts: the gunicorn instances (``web``), the
    Celery nodes and beat (``workers``), the PostgreSQL backends of the bench database
    (``database``), this process (``bench``, the load's threads), and the whole machine."""
    totals = {"web": 0.0, "workers": 0.0, "database": 0.0}
    database = {}
    for name, process in list(processes.started.items()):
        snapshot = load.cpu_snapshot(process, database_url)
        totals["web" if name.startswith("web") else "workers"] += sum(snapshot["web"].values())
        database.update(snapshot["database"])
    totals["database"] = sum(database.values())
    totals["bench"] = time.process_time()
    totals["machine"] = load.machine_busy_seconds()
    return totals


def cpu_used(before: dict[str, float], after: dict[str, float], seconds: float) -> dict:
    """The CPU each part used between two snapshots, the seconds the cores offered meanwhile, and
    what the machine's other work (other people's processes) took of them."""
    used = {part: max(0.0, after[part] - before[part]) for part in before}
    used["available"] = seconds * len(os.sched_getaffinity(0))
    ours = sum(used[part] for part in ("web", "workers", "database", "bench"))
    used["other"] = max(0.0, used["machine"] - ours)
    return used


def run_floor(args, bases, queries, processes: Processes) -> dict:
    """The same threads at the same pace for ``--duration`` seconds, every request to the bare
    view on the same two instances (alternately, on a new connection each)."""
    tally = Tally()
    load_before = os.getloadavg()[0]
    cpu_before = cpu_snapshot(processes, args.database_url)
    started = time.time()
    until = Until(args.duration, args.min_flows, hard_stop=args.duration + 60)
    threads = [
        threading.Thread(
            target=floor_sign_up_loop,
            args=(bases, tally, queries, until, args.pause, n),
            daemon=True,
        )
        for n in range(args.signup_threads)
    ]
    threads += [
        threading.Thread(
            target=floor_volunteer_loop,
            args=(bases, tally, queries, until, args.pause, n),
            daemon=True,
        )
        for n in range(args.volunteers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.duration + 90)
    elapsed = time.time() - started
    cpu = cpu_used(cpu_before, cpu_snapshot(processes, args.database_url), elapsed)
    return {"tally": tally, "elapsed": elapsed, "cpu": cpu, "load_before": load_before}


# Checks ------------------------------------------------------------------------------------------


def mailbox(mail_dir: Path) -> Counter:
    """How many messages each address was sent (Django's file backend: a file per connection,
    the messages one after the other, each followed by a line of 79 dashes)."""
    sent = Counter()
    for path in mail_dir.glob("*"):
        for chunk in path.read_text(errors="replace").split("\n" + "-" * 79 + "\n"):
            if chunk.strip():
                message = email.message_from_string(chunk.lstrip("\n"))
                for address in (message.get("To") or "").split(","):
                    sent[address.strip().lower()] += 1
    return sent


def wait_for_workers_to_finish(accepted: list[str], run, timeout: float) -> None:
    """Until every accepted sign-up's e-mail is sent and the report run has ended (or timeout)."""
    from notifications.models import OutboundEmail
    from reports.models import ReportRun

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        unsent = OutboundEmail.objects.filter(to__in=accepted, sent_at__isnull=True).exists()
        report_busy = (
            run is not None
            and ReportRun.objects.filter(
                pk=run.pk, status__in=[ReportRun.Status.QUEUED, ReportRun.Status.RUNNING]
            ).exists()
        )
        if not unsent and not report_busy:
            return
        time.sleep(0.5)


def wait_for_beat_tasks(beat_log: str, events: "TaskEvents", timeout: float) -> None:
    """Until a worker has started every task beat sent (or timeout)."""
    sent = set(BEAT_SENT_RE.findall(beat_log))
    ids = {task_id for _task, task_id in sent}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = {e["uuid"] for e in list(events.events) if e["type"] == "task-started"}
        if ids <= started:
            return
        time.sleep(0.2)


def signup_checks(accepted: list[str], mail_dir: Path) -> dict:
    """Each accepted sign-up: a host with a home, an outbox e-mail marked sent, and exactly one
    message to its address in the mail files."""
    from hosts.models import Host
    from notifications.models import OutboundEmail

    in_db = set(
        Host.objects.filter(email__in=accepted, homes__isnull=False).values_list("email", flat=True)
    )
    sent_rows = Counter(
        OutboundEmail.objects.filter(to__in=accepted, sent_at__isnull=False).values_list(
            "to", flat=True
        )
    )
    delivered = mailbox(mail_dir)
    missing = [
        a for a in accepted if a not in in_db or not sent_rows[a] or not delivered[a.lower()]
    ]
    twice = sum(max(0, delivered[a.lower()] - sent_rows[a]) for a in accepted)
    return {
        "signups_in_db": len(in_db),
        "confirmation_emails_sent": sum(1 for a in accepted if sent_rows[a]),
        "confirmation_emails_delivered": sum(1 for a in accepted if delivered[a.lower()]),
        "signups_missing": len(missing),
        "emails_sent_twice": twice,
    }


def report_checks(partnership, requested_at) -> dict:
    """One year-end run for the partnership, produced once after the two requests."""
    from reports.models import ReportRun, ReportRunTransition

    runs = ReportRun.objects.filter(partnership=partnership, kind=ReportRun.Kind.YEAR_END)
    productions = ReportRunTransition.objects.filter(
        run__in=runs, to_state=ReportRun.Status.DONE, created_at__gte=requested_at
    ).count()
    starts = ReportRunTransition.objects.filter(
        run__in=runs, to_state=ReportRun.Status.RUNNING, created_at__gte=requested_at
    ).count()
    return {
        "report_runs": runs.count(),
        "report_productions": productions,
        "report_starts": starts,
        "duplicate_reports": max(0, runs.count() - 1) + max(0, productions - 1),
    }


def beat_sends(beat_log: str, zone) -> tuple[list[tuple], list[tuple]]:
    """From one beat's log at DEBUG level: the sends, (time, job, task, task id), and the sends
    whose "sent. id->" line is missing (beat stopped between the two lines)."""
    from datetime import datetime

    sends, pending = [], []
    for line in beat_log.splitlines():
        match = BEAT_SENDING_RE.search(line)
        if match:
            when = (
                datetime.strptime(match["when"], "%Y-%m-%d %H:%M:%S,%f")
                .replace(tzinfo=zone)
                .timestamp()
            )
            pending.append((when, match["job"], match["task"]))
            continue
        match = BEAT_SENT_RE.search(line)
        if match and pending:
            when, job, task = pending.pop(0)
            sends.append((when, job, task, match["id"]))
    return sends, pending


def sends_beyond_due_times(times: list[float], every: float) -> int:
    """Sends of one job beyond one per due time. Beat never sends a job early (the next due time
    is the last send plus the interval), so n sends of one beat span at least (n - 1) intervals:
    more sends than ``span / every + 1`` were sent for a due time that had one already. (Half a
    second of slack: the log's time is taken a moment after the send's.)"""
    if not times:
        return 0
    span = max(times) - min(times)
    return max(0, len(times) - (int((span + 0.5) / every) + 1))


def beat_checks(beat_logs: list[str], events: TaskEvents, jobs: list[str], every: int, changed_at):
    """What beat sent (its log at DEBUG: each job it sent and the task id) against what the
    workers ran (their task events).

    - ``beat_jobs_doubled``: sends of a job beyond one per due time since the bench set the
      intervals (two beats, or a beat sending twice), executions of one sent task beyond the first
      (a message given to two workers; a retry is not counted), and runs of a beat job's task that
      no beat sent (another sender).
    - ``beat_jobs_missed``: tasks beat sent that no worker started.
    """
    from zoneinfo import ZoneInfo

    from django.conf import settings

    # Celery writes its log's times in the portal's time zone (Django sets TZ to TIME_ZONE).
    zone = ZoneInfo(settings.TIME_ZONE)
    task_of = {job: settings.CELERY_BEAT_SCHEDULE[job]["task"] for job in jobs}
    sends, pending = [], []
    for log in beat_logs:
        logged, unlogged = beat_sends(log, zone)
        sends += logged
        pending += unlogged
    sent_ids = {send[3] for send in sends}
    started = events.started()
    retried = events.retried()
    beat_tasks = set(task_of.values())
    executions_beyond_first = sum(
        max(0, len(runs) - 1 - retried[uuid])
        for uuid, runs in started.items()
        if runs[0]["name"] in beat_tasks
    )
    # A send whose id is not in the log may account for one run of its task.
    unlogged = Counter(task for _when, _job, task in pending)
    unmatched = Counter(
        runs[0]["name"]
        for uuid, runs in started.items()
        if runs[0]["name"] in beat_tasks and uuid not in sent_ids
    )
    not_sent_by_beat = sum(max(0, n - unlogged[task]) for task, n in unmatched.items())
    changed = changed_at.timestamp()
    by_job = defaultdict(list)
    for when, job, _task, _id in sends:
        by_job[job].append(when)
    beyond_due = sum(
        sends_beyond_due_times([t for t in times if t >= changed], every)
        for times in by_job.values()
    )
    missed = sum(1 for send in sends if send[3] not in started)
    nodes = defaultdict(Counter)
    for uuid, runs in started.items():
        for run in runs:
            if uuid in sent_ids:
                nodes[run["name"]][run["hostname"].split("@", 1)[0]] += 1
    return {
        "beat_sends": len(sends),
        "beat_runs": sum(len(started[i]) for i in sent_ids if i in started),
        "beat_sends_beyond_due_times": beyond_due,
        "beat_tasks_run_twice": executions_beyond_first,
        "beat_tasks_not_sent_by_beat": not_sent_by_beat,
        "beat_jobs_doubled": executions_beyond_first + not_sent_by_beat + beyond_due,
        "beat_jobs_missed": missed,
        "per_job": {job: (len(by_job[job]), dict(nodes[task_of[job]])) for job in jobs},
    }


def log_problems(processes: Processes) -> dict[str, list[str]]:
    """Lines of the web and worker logs that tell of trouble (a worker killed for a timeout, a
    traceback, an error)."""
    marks = ("[CRITICAL]", "[ERROR]", "WORKER TIMEOUT", "Traceback", "ERROR/", "CRITICAL/")
    found = {}
    for name in ("web1", "web2", "node1", "node2"):
        lines = [line for line in processes.log(name).splitlines() if any(m in line for m in marks)]
        if lines:
            found[name] = lines
    return found


# The run ----------------------------------------------------------------------------------------


def flush_redis(*urls: str) -> None:
    import redis

    for url in urls:
        if not url.startswith(("redis://", "rediss://")):
            continue  # e.g. a process-local cache, to show what it breaks
        client = redis.Redis.from_url(url)
        try:
            client.flushdb()
        finally:
            client.close()


def run_cluster(
    args,
    partnership,
    *,
    ports: list[int],
    env,
    processes: Processes,
    mail_dir: Path,
    floor_queries: dict[str, float] | None = None,
) -> dict:
    """Start the cluster, load it, and check; returns the figures. With ``floor_queries``
    (request name -> queries), the same threads first run for as long against the bare view
    (the floor) on the same instances."""
    from django.utils import timezone

    from reports.models import ReportRun

    phases = {"start": time.monotonic()}
    load_before = os.getloadavg()[0]
    flush_redis(args.broker_url, args.cache_url)
    events = TaskEvents(args.broker_url)
    events.start()
    processes.cleanups.append(events.stop)
    events.listening.wait(10)
    if events.failure:
        raise RuntimeError(f"cannot receive task events: {events.failure!r}")
    bases = [f"http://{LOOPBACK}:{port}" for port in ports]
    for i, port in enumerate(ports, start=1):
        if floor_queries is None:
            processes.start(f"web{i}", gunicorn_command(args, port), env)
        else:
            processes.start(
                f"web{i}",
                gunicorn_command(args, port, floor=True),
                {**env, "DJANGO_SETTINGS_MODULE": "load_settings"},
            )
    for node in ("node1", "node2"):
        processes.start(
            node,
            celery_command(
                "worker",
                "-n",
                f"{node}@%h",
                "-E",
                "-l",
                "WARNING",
                "--concurrency",
                str(args.celery_concurrency),
            ),
            env,
        )
    beat_started_at = timezone.now() - timedelta(seconds=1)
    beats = ["beat"] + [f"beat{n}" for n in range(2, args.beats + 1)]
    for beat in beats:
        processes.start(beat, celery_command("beat", "-l", "DEBUG"), env)
    for base in bases:
        wait_until_up(base + "/", processes)
    phases["web_up"] = time.monotonic()
    wait_for_workers(args.broker_url, ["node1", "node2"], processes)
    phases["workers_up"] = time.monotonic()
    jobs = shorten_beat_schedule(args.beat_every, beat_started_at)
    phases["beat_up"] = time.monotonic()
    schedule_changed_at = timezone.now()
    for base in bases:
        load.warm_up(base, rounds=2)

    phases["warm"] = time.monotonic()
    floor = None
    if floor_queries is not None:
        floor = run_floor(args, bases, floor_queries, processes)
        phases["floor_done"] = time.monotonic()
    load_measured = os.getloadavg()[0]
    cpu_before = cpu_snapshot(processes, args.database_url)
    tally = Tally()
    records = {
        "lock": threading.Lock(),
        "signups_started": 0,
        "signups_accepted": [],
        "claims": [],
        "queue_empty": 0,
        "logins": 0,
    }
    run_id = f"{int(time.time())}{secrets.token_hex(2)}"
    run_started = time.time()
    until = Until(args.duration, args.min_flows, hard_stop=args.duration + 60)
    threads = [
        threading.Thread(
            target=sign_up_loop,
            args=(bases, tally, records, run_id, until, args.pause, n),
            daemon=True,
        )
        for n in range(args.signup_threads)
    ]
    threads += [
        threading.Thread(
            target=volunteer_loop,
            args=(
                bases,
                tally,
                records,
                f"{load.VOLUNTEER_PREFIX}{n + 1}",
                until,
                args.pause,
                n,
            ),
            daemon=True,
        )
        for n in range(args.volunteers)
    ]
    for thread in threads:
        thread.start()
    time.sleep(min(5, args.duration / 4))
    report = request_report_twice(bases, tally, partnership.pk)
    phases["report_asked"] = time.monotonic()
    link = link_requests_over_limit(bases, tally, run_id, env["RATELIMIT_LINK_PER_EMAIL"])
    for thread in threads:
        thread.join(timeout=args.duration + 90)
    elapsed = time.time() - run_started
    cpu = cpu_used(cpu_before, cpu_snapshot(processes, args.database_url), elapsed)
    phases["load_done"] = time.monotonic()
    processes.check_alive()

    run = ReportRun.objects.filter(partnership=partnership, kind=ReportRun.Kind.YEAR_END).first()
    wait_for_workers_to_finish(records["signups_accepted"], run, timeout=60)
    phases["drained"] = time.monotonic()
    for beat in beats:
        processes.stop(beat)
    beat_logs = [processes.log(beat) for beat in beats]
    wait_for_beat_tasks("\n".join(beat_logs), events, timeout=20)
    events.stop()
    phases["stopped"] = time.monotonic()
    figures = {
        "log_problems": log_problems(processes),
        "load_before": load_before,
        "load_measured": load_measured,
        "cpu": cpu,
        "floor": floor,
        "phases": {name: round(when - phases["start"], 1) for name, when in phases.items()},
        "tally": tally,
        "records": records,
        "elapsed": elapsed,
        "link": link,
        "bases": bases,
    }
    figures.update(load.database_checks(records, run_started))
    figures.update(signup_checks(records["signups_accepted"], mail_dir))
    figures["double_claims"] = load.double_claims(records["claims"])
    if report["requested_at"] is not None:
        figures.update(report_checks(partnership, report["requested_at"]))
    else:
        figures.update(report_runs=0, report_productions=0, report_starts=0, duplicate_reports=0)
    figures["report_answers"] = report["answers"]
    figures.update(beat_checks(beat_logs, events, jobs, args.beat_every, schedule_changed_at))
    return figures


ZERO_FIGURES = (
    "errors",
    "double_claims",
    "homes_called_twice",
    "outcomes_lost",
    "signups_missing",
    "emails_sent_twice",
    "duplicate_reports",
    "report_not_produced",
    "rate_limit_leaks",
    "beat_jobs_doubled",
    "beat_jobs_missed",
)


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds (p95: the value at 95 % of the sorted list, as printed)."""
    values = sorted(latencies) or [0.0]
    return 1000 * statistics.median(values), 1000 * values[int(0.95 * (len(values) - 1))]


def cpu_share(cpu: dict) -> float:
    return round(cpu["other"] / max(cpu["available"], 1e-9), 2)


def server_cpu_ms(cpu: dict, requests: int) -> float:
    """The web instances' and the database's CPU per request (the workers' apart)."""
    return round(1000 * (cpu["web"] + cpu["database"]) / max(requests, 1), 1)


def floor_summary(figures: dict) -> dict:
    """The floor's figures beside the run's, and the ratios (run / floor)."""
    tally, floor = figures["tally"], figures["floor"]
    p50, p95 = percentiles(tally.latencies)
    floor_p50, floor_p95 = percentiles(floor["tally"].latencies)
    server = server_cpu_ms(figures["cpu"], tally.requests)
    floor_server = server_cpu_ms(floor["cpu"], floor["tally"].requests)
    return {
        "floor_requests": floor["tally"].requests,
        "floor_errors": len(floor["tally"].errors),
        "floor_requests_per_s": round(floor["tally"].requests / max(floor["elapsed"], 1e-9), 1),
        "floor_p50_ms": round(floor_p50, 1),
        "floor_p95_ms": round(floor_p95, 1),
        "ratio_p50": round(p50 / max(floor_p50, 1e-9), 1),
        "ratio_p95": round(p95 / max(floor_p95, 1e-9), 1),
        "floor_server_cpu_ms_per_request": floor_server,
        "ratio_server_cpu": round(server / max(floor_server, 1e-9), 1),
        "floor_other_cpu_share": cpu_share(floor["cpu"]),
    }


def summary(args, figures: dict) -> dict:
    """The figures printed, by name (the ones in ``ZERO_FIGURES`` must be 0, and
    ``floor_errors`` when there is a floor)."""
    tally = figures["tally"]
    link = figures["link"]
    latencies = sorted(tally.latencies) or [0.0]
    values = {
        "requests": tally.requests,
        "errors": len(tally.errors),
        "requests_per_s": round(tally.requests / max(figures["elapsed"], 1e-9), 1),
        "requests_instance_1": tally.by_instance[0],
        "requests_instance_2": tally.by_instance[1],
        "p50_ms": round(1000 * statistics.median(latencies)),
        "p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))]),
        "signups_accepted": len(figures["records"]["signups_accepted"]),
        "signups_in_db": figures["signups_in_db"],
        "confirmation_emails_sent": figures["confirmation_emails_sent"],
        "confirmation_emails_delivered": figures["confirmation_emails_delivered"],
        "signups_missing": figures["signups_missing"],
        "emails_sent_twice": figures["emails_sent_twice"],
        "volunteer_logins": figures["records"]["logins"],
        "claims": len(figures["records"]["claims"]),
        "double_claims": figures["double_claims"],
        "homes_called_twice": figures["homes_called_twice"],
        "outcomes_lost": figures["outcomes_lost"],
        "report_requests_answered": sum(figures["report_answers"]),
        "report_runs": figures["report_runs"],
        "report_productions": figures["report_productions"],
        "duplicate_reports": figures["duplicate_reports"],
        "report_not_produced": 0 if figures["report_productions"] else 1,
        "link_requests_answered": link["answered"],
        "link_requests_refused": link["refused"],
        "rate_limit_leaks": max(0, link["answered"] - link["allowed"])
        + max(0, link["allowed"] - link["answered"]),
        "beat_sends": figures["beat_sends"],
        "beat_runs": figures["beat_runs"],
        "beat_sends_beyond_due_times": figures["beat_sends_beyond_due_times"],
        "beat_tasks_run_twice": figures["beat_tasks_run_twice"],
        "beat_tasks_not_sent_by_beat": figures["beat_tasks_not_sent_by_beat"],
        "beat_jobs_doubled": figures["beat_jobs_doubled"],
        "beat_jobs_missed": figures["beat_jobs_missed"],
        "server_cpu_ms_per_request": server_cpu_ms(figures["cpu"], tally.requests),
        "other_cpu_share": cpu_share(figures["cpu"]),
    }
    if figures.get("floor") is not None:
        values.update(floor_summary(figures))
    return values


def print_report(args, figures: dict, values: dict) -> None:
    print(f"# machine: {load.machine()}")
    print(
        f"# two gunicorn instances ({args.web_workers} workers x {args.threads} threads each) on "
        f"{', '.join(figures['bases'])}; two Celery worker nodes (node1, node2, concurrency "
        f"{args.celery_concurrency}, task events on); {args.beats} beat(s) (DatabaseScheduler)"
    )
    print(
        "# one PostgreSQL, one Redis: broker "
        f"{args.broker_url}, cache (sessions' locks, rate limits, log-in waits) {args.cache_url}"
    )
    print(
        "# DEBUG=False; plain HTTP on the loopback (no TLS redirect, no secure-only cookies, no "
        "HSTS); RATELIMIT_SIGNUP_PER_IP=100000/h (all load comes from 127.0.0.1); e-mail to files"
    )
    print(
        f"# {args.signup_threads} residents signing up and {args.volunteers} volunteers for "
        f"{args.duration} s, each request to the other instance than the one before; every beat "
        f"job set to run every {args.beat_every} s"
    )
    cores = len(os.sched_getaffinity(0))
    print(f"# load average when the run started: {figures['load_before']:.1f} ({cores} cores)")
    floor = figures.get("floor")
    if floor is not None:
        print(
            f"# the floor: first, the same threads at the same pace for {args.duration} s, each "
            "request to the bare view /bench-floor/?queries=N on the same two instances (N: the "
            "queries of the request it stands for, counted in-process); the manager's and the "
            "link requests have no floor"
        )
        print(f"# load average when the floor's run started: {floor['load_before']:.1f}")
        for name, count in sorted(figures["floor_queries"].items()):
            print(f"#   floor queries {name}: {count:.0f}")
    print(f"# load average when the measured run started: {figures['load_measured']:.1f}")
    for label, cpu in (("measured run", figures["cpu"]), ("floor's run", (floor or {}).get("cpu"))):
        if cpu is not None:
            print(
                f"# CPU s in the {label}: web {cpu['web']:.1f}, database {cpu['database']:.1f}, "
                f"workers and beat {cpu['workers']:.1f}, bench threads {cpu['bench']:.1f}, "
                f"other {cpu['other']:.1f} of {cpu['available']:.1f} available"
            )
    for job, (sends, nodes) in figures["per_job"].items():
        ran = ", ".join(f"{node} {count}" for node, count in sorted(nodes.items())) or "none"
        print(f"# beat job {job}: sent {sends}, run by {ran}")
    for message in figures["tally"].errors[:10]:
        print(f"# error: {message}")
    for name, lines in figures["log_problems"].items():
        print(f"# {name} log: {len(lines)} warning or error lines, the last ones:")
        for line in lines[-5:]:
            print(f"#   {line[:200]}")
    for name, value in values.items():
        print(f"{name}: {value}")


def main(argv=None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="portal-bench-cluster-"))
    for part in ("static", "media", "mail", "logs"):
        (tmp / part).mkdir()
    static_root = args.static_root or str(tmp / "static")
    processes = Processes(tmp / "logs")
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        ports = [free_port(), free_port()]
        env = cluster_env(
            args,
            site_port=ports[0],
            static_root=static_root,
            media_root=str(tmp / "media"),
            mail_dir=str(tmp / "mail"),
        )
        prepare_database(args, env)
        load.setup_django(env)
        partnership = seed_people(args)
        queries = floor_queries(args.profile_rounds) if args.floor else None
        figures = run_cluster(
            args,
            partnership,
            ports=ports,
            env=env,
            processes=processes,
            mail_dir=tmp / "mail",
            floor_queries=queries,
        )
        figures["floor_queries"] = queries
    finally:
        # A second Ctrl-C or TERM while stopping must not leave processes behind.
        interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        processes.stop_all()
        signal.signal(signal.SIGINT, interrupt)
        signal.signal(signal.SIGTERM, previous)
        if args.keep_logs:
            import shutil

            shutil.copytree(tmp / "logs", args.keep_logs, dirs_exist_ok=True)
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    values = summary(args, figures)
    print_report(args, figures, values)
    return 1 if any(values[name] for name in ZERO_FIGURES) or values.get("floor_errors") else 0


if __name__ == "__main__":
    sys.exit(main())
