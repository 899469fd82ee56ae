"""A bounded load test of the portal: gunicorn on PostgreSQL, sign-ups and the call queue at once.

    .venv/bin/python bench/load.py [--users 40] [--duration 60] [--port 8765] [--fresh]

1. Creates the database named by BENCH_DATABASE_URL or DATABASE_URL if it is missing (default
   postgres://postgres@127.0.0.1:5432/portal_bench_load), migrates it, collects the static files
   into a temporary STATIC_ROOT, runs ``seed_demo``, and tops the call queue up to ``--hosts``
   confirmed hosts waiting for a call. It also makes one volunteer account per locust user.
2. Starts gunicorn on 127.0.0.1 only, production-like (DEBUG=False, manifest static files, Redis
   cache), except that it speaks plain HTTP on the loopback and the per-address sign-up limit is
   lifted (all load comes from 127.0.0.1); the output says so in lines starting with '#'.
3. Runs locust headless (``bench/locustfile.py``) for a fixed time with a fixed number of users:
   3 residents signing up for every volunteer working the queue. It stops by itself.
4. Stops gunicorn and prints one ``name: value`` per line: requests, errors, p95_ms, p50_ms,
   the sign-ups accepted and found in the database, the claims and the double claims.

Every request goes to 127.0.0.1.
"""

import argparse
import csv
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_load"
VOLUNTEER_PREFIX = "bench-volunteer-"
VOLUNTEER_PASSWORD = "bench-load-losenord-2026"  # a published bench password, never a real one
SEED_EMAIL_DOMAIN = "seed.bench.example.org"
LOOPBACK = "127.0.0.1"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=40, help="locust users (default 40)")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument("--port", type=int, default=8765, help="gunicorn port on 127.0.0.1")
    parser.add_argument("--spawn-rate", type=float, default=10.0, help="users started per second")
    parser.add_argument(
        "--hosts", type=int, default=2000, help="confirmed hosts waiting in the call queue"
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="CONN_MAX_AGE for the web processes (seconds a database connection is kept)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=10,
        help="seconds of the same load before the measured run, not counted (default 10)",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="drop and re-create the bench database first"
    )
    parser.add_argument(
        "--profile-rounds",
        type=int,
        default=10,
        help="rounds of the in-process profile of each endpoint (queries, CPU; default 10)",
    )
    parser.add_argument(
        "--no-floor",
        dest="floor",
        action="store_false",
        help="skip the floor's run (the same users against the bare view)",
    )
    return parser.parse_args(argv)


# Environment ---------------------------------------------------------------------------------


def bench_env(args, static_root: str) -> dict[str, str]:
    """The web processes' environment: production's, on plain HTTP on the loopback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    # Bytecode as a deployment has it, kept outside the work tree (this machine's shell sets
    # PYTHONDONTWRITEBYTECODE, which would make every fresh worker compile its imports).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        {
            "PYTHONPYCACHEPREFIX": str(Path(tempfile.gettempdir()) / "portal-bench-pycache"),
            "DJANGO_SETTINGS_MODULE": "matching_portal.settings",
            "DEBUG": "False",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": f"{LOOPBACK},localhost",
            "SITE_URL": f"http://{LOOPBACK}:{args.port}",
            # Plain HTTP on the loopback: no TLS redirect, no secure-only cookies, no HSTS.
            "SECURE_SSL_REDIRECT": "False",
            "SESSION_COOKIE_SECURE": "False",
            "CSRF_COOKIE_SECURE": "False",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL")
            or os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
            "CONN_MAX_AGE": str(args.conn_max_age),
            "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/3"),
            # Every request comes from 127.0.0.1: the per-address limit would stop the bench.
            "RATELIMIT_SIGNUP_PER_IP": "100000/h",
            # No broker: Celery runs the e-mail task in the web process, to a dummy backend.
            "EMAIL_URL": "dummymail://",
            "STATIC_ROOT": static_root,
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def run_manage(env, *command):
    subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", *command],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def ensure_database(url: str, *, fresh: bool) -> None:
    """Create the bench database if it is missing (drop it first with --fresh)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.hostname not in (LOOPBACK, "localhost", "::1"):
        raise SystemExit(f"The bench only runs against a local database, not {parts.hostname}.")
    admin = psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(env) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import logging

    # Celery's in-memory broker (none configured) warns once on start; it is harmless here.
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)


# Seeding ---------------------------------------------------------------------------------------

# The bench's homes are in these municipalities (code, postcode), all covered by one local group.
BENCH_MUNICIPALITIES = [("2380", "83130"), ("2309", "83531")]  # Östersund, Krokom


def bench_local_group(organisation):
    """The local group whose call queue the bench volunteers work: the one covering the bench's
    first municipality, or a bench group made for it; it covers every bench municipality that
    no other group covers."""
    from accounts.models import GroupMunicipality, LocalGroup
    from volunteers.actions.groups import covering_group

    first_code = BENCH_MUNICIPALITIES[0][0]
    group = covering_group(first_code)
    if group is None:
        group, _created = LocalGroup.objects.get_or_create(
            name="Bench – Jämtland", defaults={"organisation": organisation}
        )
    for code, _postcode in BENCH_MUNICIPALITIES:
        if not GroupMunicipality.objects.filter(municipality_id=code).exists():
            GroupMunicipality.objects.create(group=group, municipality_id=code)
    return group


def seed_volunteers(count: int):
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from accounts import roles
    from accounts.management.commands.seed_demo import VOLUNTEER_ORGANISATION
    from accounts.models import Organisation, User
    from volunteers.models import QueueEntry

    organisation = (
        Organisation.objects.filter(name=VOLUNTEER_ORGANISATION).first()
        or Organisation.objects.filter(kind=Organisation.Kind.VOLUNTEER_ORGANISATION).first()
    )
    group = Group.objects.get(name=roles.VOLUNTEER)
    local_group = bench_local_group(organisation)
    password = make_password(VOLUNTEER_PASSWORD)
    users = []
    for n in range(1, count + 1):
        user, _created = User.objects.update_or_create(
            username=f"{VOLUNTEER_PREFIX}{n}",
            defaults={
                "first_name": "Bench",
                "last_name": f"Volunteer {n}",
                "email": f"{VOLUNTEER_PREFIX}{n}@{SEED_EMAIL_DOMAIN}",
                "organisation": organisation,
                "local_group": local_group,
                "is_staff": False,
                "is_superuser": False,
                "is_active": True,
                "password": password,
            },
        )
        user.groups.set([group])
        users.append(user)
    # Whatever a bench volunteer still held from an earlier run goes back to the queue.
    QueueEntry.objects.filter(claimed_by__in=users).update(claimed_by=None, lease_until=None)
    return users


def top_up_queue(target: int) -> int:
    """Make confirmed hosts, each with a home in the call queue, until ``target`` wait for a
    call. Set-based (bulk inserts): the same rows ``register_host`` + ``confirm_registration``
    make, without the e-mails. Returns how many were added."""
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from hosts.actions import locate
    from hosts.models import Home, HomeTransition, Host
    from municipalities.models import Municipality
    from volunteers.actions import claimable_entries
    from volunteers.actions.groups import covering_group
    from volunteers.models import QueueEntry

    now = timezone.now()
    # The bench volunteers' group's queue (seed_volunteers made it cover these municipalities).
    group = covering_group(BENCH_MUNICIPALITIES[0][0])
    codes = [code for code, _postcode in BENCH_MUNICIPALITIES if covering_group(code) == group]
    missing = target - claimable_entries(now).filter(local_group=group).count()
    if missing <= 0:
        return 0
    stamp = int(time.time())
    postcodes = dict(BENCH_MUNICIPALITIES)
    municipalities = Municipality.objects.in_bulk(codes)
    towns = [(municipalities[code], postcodes[code]) for code in codes]
    places = {
        town.pk: locate(Home(municipality=town, postcode=postcode)) for town, postcode in towns
    }
    with transaction.atomic():
        hosts = Host.objects.bulk_create(
            [
                Host(
                    name=f"Seed Värd {stamp}-{i}",
                    email=f"host-{stamp}-{i}@{SEED_EMAIL_DOMAIN}",
                    phone=f"+4670{(stamp * 7 + i) % 10_000_000:07d}",
                    language="sv",
                    created_at=now - timedelta(days=60, minutes=-i),
                    confirmed_at=now - timedelta(days=59),
                    consent_notice_version=settings.PRIVACY_NOTICE_VERSION,
                    consent_given_at=now - timedelta(days=60),
                    consent_language="sv",
                )
                for i in range(missing)
            ],
            batch_size=1000,
        )
        homes = []
        for i, host in enumerate(hosts):
            town, postcode = towns[i % len(towns)]
            homes.append(
                Home(
                    host=host,
                    street_address=f"Bänkgatan {i % 97 + 1}",
                    postcode=postcode,
                    municipality=town,
                    local_group=group,
                    place=places[town.pk],
                    kind=("room", "whole_home", "separate_house")[i % 3],
                    beds=1 + i % 4,
                    available_from=now.date() + timedelta(days=i % 60),
                    rent_per_month=(0, 2500, 4000)[i % 3],
                    household_description="Två vuxna, inga husdjur.",
                    smoking="no",
                    languages=["sv", "en"],
                    heard_from="friend",
                    created_at=host.created_at,
                    status_changed_at=host.created_at,
                )
            )
        homes = Home.objects.bulk_create(homes, batch_size=1000)
        HomeTransition.objects.bulk_create(
            [
                HomeTransition(
                    home=home,
                    from_state="",
                    to_state=Home.Status.REGISTERED,
                    actor_kind=HomeTransition.ActorKind.HOST,
                    created_at=home.created_at,
                )
                for home in homes
            ],
            batch_size=1000,
        )
        QueueEntry.objects.bulk_create(
            [
                QueueEntry(
                    home=home,
                    registered_at=home.created_at,
                    next_call_at=now - timedelta(days=59),
                    local_group=group,
                )
                for home in homes
            ],
            batch_size=1000,
        )
    return missing


# Profile of each endpoint, in process ----------------------------------------------------------

# The sign-up form's fields as they were rendered before issue 19: crispy-forms' template chain,
# one field at a time. Rendered beside today's template in the same run (signup_form_crispy_cpu_ms).
CRISPY_OFFER_FIELDS = """{% load crispy_forms_filters %}
{% for anchor, title, fields in form.section_fields %}
  <fieldset class="portal-section" id="{{ anchor }}">
    <legend>{{ title }}</legend>
    {% for field in fields %}{{ field|as_crispy_field }}{% endfor %}
  </fieldset>
{% endfor %}"""


def _median(values):
    values = sorted(values)
    return values[len(values) // 2] if values else 0.0


def profile_endpoints(rounds: int, stamp: str) -> dict[str, dict[str, float]]:
    """Each endpoint locust calls, served by the Django test client in this process against the
    bench database: its queries and its CPU (median of ``rounds``). The queries set the floor's
    work per request; the CPU shows where the server's time goes, without HTTP or other load.

    A volunteer is signed in with ``force_login`` and one real log-in is measured at the end;
    each round claims a host and records "no answer" (the last one "interested", then the
    visit-booking page), which keeps that home out of the queue for the run, as the load's own
    outcomes do."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    cpu = defaultdict(list)
    queries = defaultdict(list)

    def call(name, method, path, data=None, status=(200,)):
        client = clients[name.split(":")[0]]
        with CaptureQueriesContext(connection) as captured:
            started = time.process_time()
            response = (
                getattr(client, method)(path, data) if data else getattr(client, method)(path)
            )
            used = time.process_time() - started
        if response.status_code not in status:
            raise SystemExit(f"profile: {method.upper()} {path} answered {response.status_code}")
        label = name.split(":", 1)[1]
        cpu[label].append(1000 * used)
        queries[label].append(len(captured))
        return response

    volunteer = User.objects.get(username=f"{VOLUNTEER_PREFIX}1")
    # One client each, as one gunicorn worker serves many people (a new client loads the
    # middleware again); the resident starts each round without cookies, as locust's do.
    clients = {"signup": Client(HTTP_HOST=LOOPBACK), "volunteer": Client(HTTP_HOST=LOOPBACK)}
    clients["volunteer"].force_login(volunteer)
    for n in range(rounds + 1):  # the first round warms the caches and is not counted
        clients["signup"].cookies.clear()
        offer = {
            "name": "Profil Testsson",
            "email": f"profile-{stamp}-{n}@example.org",
            "phone": "070-123 45 67",
            "street_address": "Storgatan 1",
            "postcode": "83130",
            "municipality": "2380",
            "kind": "room",
            "beds": "2",
            "available_from": (time_today() + timedelta(days=30)).isoformat(),
            "available_months": "6",
            "rent_per_month": "0",
            "household_description": "Två vuxna.",
            "smoking": "no",
            "languages": ["sv", "en"],
            "heard_from": "friend",
        }
        call("signup:/offer/ (form)", "get", "/offer/")
        call("signup:/offer/ (send)", "post", "/offer/", offer, status=(302,))
        call("signup:/offer/check/", "get", "/offer/check/")
        call("signup:/offer/check/ (consent)", "post", "/offer/check/", {"consent": "on"}, (302,))
        call("signup:/offer/sent/", "get", "/offer/sent/")
        call("volunteer:/volunteer/", "get", "/volunteer/")
        call("volunteer:/volunteer/queue/next/", "post", "/volunteer/queue/next/", {}, (302,))
        page = call("volunteer:/volunteer/queue/", "get", "/volunteer/queue/").content.decode()
        entry = re.search(r'action="/volunteer/queue/(\d+)/outcome/"', page)
        if entry is None:
            raise SystemExit("profile: the bench volunteer was given no host")
        # The last round's call is answered "interested", as a fifth of the load's are: the
        # volunteer is sent on to book a visit.
        outcome = "interested" if n == rounds else "no_answer"
        response = call(
            "volunteer:/volunteer/queue/[id]/outcome/",
            "post",
            f"/volunteer/queue/{entry.group(1)}/outcome/",
            {"outcome": outcome, "note": "Profil"},
            (302,),
        )
        if outcome == "interested":
            call("volunteer:/volunteer/homes/[id]/visit/", "get", response["Location"])
        clients["signup"].cookies.clear()
        call("signup:/accounts/login/", "get", "/accounts/login/")
        if n == 0:
            cpu.clear()
            queries.clear()
    # One real log-in (the password's deliberate hashing: far the costliest request, but one
    # per volunteer and session).
    clients["signup"].cookies.clear()
    call("signup:/accounts/login/", "get", "/accounts/login/")
    call(
        "signup:/accounts/login/ (send)",
        "post",
        "/accounts/login/",
        {"username": volunteer.username, "password": VOLUNTEER_PASSWORD, "next": "/volunteer/"},
        (302,),
    )
    profile = {
        name: {"queries": _median(queries[name]), "cpu_ms": _median(cpu[name])} for name in cpu
    }
    profile.update(signup_form_render_cpu(rounds))
    return profile


def time_today():
    from django.utils import timezone

    return timezone.localdate()


def signup_form_render_cpu(rounds: int) -> dict[str, dict[str, float]]:
    """The sign-up form's fields rendered as the page renders them today and through crispy's
    template chain (as before issue 19), in this run: CPU ms, median of ``rounds`` (x5)."""
    from django.template import engines

    from hosts.forms import RegistrationForm

    django_engine = engines["django"]
    today = django_engine.get_template("hosts/_offer_fields.html")
    crispy = django_engine.from_string(CRISPY_OFFER_FIELDS)
    result = {}
    for label, template in (("today", today), ("crispy", crispy)):
        template.render({"form": RegistrationForm()})  # compiled, caches warm
        times = []
        for _ in range(rounds * 5):
            form = RegistrationForm()
            started = time.process_time()
            template.render({"form": form})
            times.append(1000 * (time.process_time() - started))
        result[f"signup fields: {label}"] = {"queries": 1, "cpu_ms": _median(times)}
    return result


# Running ---------------------------------------------------------------------------------------


def wait_until_up(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # loopback only
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer at {url} within {timeout:.0f} s")


def warm_up(base: str, rounds: int = 24) -> None:
    """Load the code and templates in every worker before the measured run: concurrent GETs of
    the public pages (a restarted server is cold for a few seconds; that is not what we measure)."""
    from concurrent.futures import ThreadPoolExecutor

    paths = ["/", "/offer/", "/accounts/login/", "/privacy/"] * rounds

    def get(path):
        try:
            with urllib.request.urlopen(base + path, timeout=10) as response:  # loopback only
                response.read()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(get, paths))


def start_gunicorn(args, env, log_path: Path) -> subprocess.Popen:
    """gunicorn with production's settings plus the floor's bare view (bench/load_settings.py,
    found through ``--pythonpath bench``: production never has it)."""
    log = log_path.open("w")
    return subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "matching_portal.wsgi",
            "--pythonpath",
            str(ROOT / "bench"),
            "--bind",
            f"{LOOPBACK}:{args.port}",
            "--workers",
            str(args.workers),
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
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "load_settings"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cpu_snapshot(gunicorn: subprocess.Popen, database_url: str) -> dict[str, dict[int, float]]:
    """CPU seconds used so far by each gunicorn process and each PostgreSQL backend connected to
    the bench database: the work the server did, whatever else the machine was doing."""
    import psutil
    import psycopg

    def seconds(pid: int) -> float | None:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            return None
        return times.user + times.system

    web = {}
    try:
        master = psutil.Process(gunicorn.pid)
        for process in [master, *master.children(recursive=True)]:
            used = seconds(process.pid)
            if used is not None:
                web[process.pid] = used
    except psutil.Error:
        pass
    database = {}
    parts = urlsplit(database_url)
    with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1)) as conn:
        pids = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [parts.path.lstrip("/")],
        ).fetchall()
    for (pid,) in pids:
        used = seconds(pid)
        if used is not None:
            database[pid] = used
    return {"web": web, "database": database}


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (every core, every process) since boot."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_used(before: dict, after: dict, part: str) -> float:
    """CPU seconds between two snapshots (a process new since the first counts from zero)."""
    return sum(used - before[part].get(pid, 0.0) for pid, used in after[part].items())


def run_locust(
    args, env, out_dir: Path, volunteers: int, *, duration: int, floor_queries=None
) -> None:
    """Locust, headless, for ``duration`` seconds; with ``floor_queries`` (request name ->
    queries), the floor's users instead of the portal's (see bench/locustfile.py)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    locust_env = {
        **env,
        "BENCH_FLOOR_QUERIES": json.dumps(floor_queries) if floor_queries is not None else "",
        "BENCH_RUN_ID": f"{int(time.time())}{secrets.token_hex(2)}",
        "BENCH_OUT_DIR": str(out_dir),
        "BENCH_VOLUNTEER_PREFIX": VOLUNTEER_PREFIX,
        "BENCH_VOLUNTEER_PASSWORD": VOLUNTEER_PASSWORD,
        "BENCH_VOLUNTEER_COUNT": str(volunteers),
    }
    subprocess.run(
        [
            str(VENV_BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.spawn_rate),
            "--run-time",
            f"{duration}s",
            "--stop-timeout",
            "10",
            "--host",
            f"http://{LOOPBACK}:{args.port}",
            "--csv",
            str(out_dir / "locust"),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=locust_env,
        stdout=(out_dir / "locust.log").open("w"),
        stderr=subprocess.STDOUT,
        check=False,  # locust exits 1 when a request failed; the errors are counted below
    )


# Checks and report -----------------------------------------------------------------------------


def read_stats(out_dir: Path):
    with (out_dir / "locust_stats.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    failures_path = out_dir / "locust_failures.csv"
    failures = []
    if failures_path.exists():
        with failures_path.open(newline="") as fh:
            failures = list(csv.DictReader(fh))
    return rows, failures


def double_claims(claims: list[dict]) -> int:
    """Pairs of claims of one home by two different volunteers whose holding times overlap.

    A volunteer holds a claim from the moment the queue page showing the host as theirs was
    received (the server had committed the claim) to the moment they sent the outcome (the
    server had not yet released it); a claim never released holds to the end of the run. Both
    ends are instants when the server had certainly given the host to that volunteer, so two
    overlapping holds of one home by different volunteers are a real double claim.
    """
    by_home = defaultdict(list)
    for claim in claims:
        by_home[claim["home"] or f"entry-{claim['entry']}"].append(claim)
    doubles = 0
    for held in by_home.values():
        for i, first in enumerate(held):
            for second in held[i + 1 :]:
                if first["volunteer"] == second["volunteer"]:
                    continue
                first_end = first["released_at"] or float("inf")
                second_end = second["released_at"] or float("inf")
                if first["seen_at"] <= second_end and second["seen_at"] <= first_end:
                    doubles += 1
    return doubles


def database_checks(records: dict, run_started: float) -> dict[str, int]:
    from datetime import UTC, datetime

    from django.db.models import Count

    from hosts.models import Host
    from volunteers.models import CallAttempt

    accepted = records["signups_accepted"]
    found = set(
        Host.objects.filter(email__in=accepted, homes__isnull=False)
        .values_list("email", flat=True)
        .distinct()
    )
    since = datetime.fromtimestamp(run_started, tz=UTC)
    attempts = CallAttempt.objects.filter(
        created_at__gte=since, volunteer__username__startswith=VOLUNTEER_PREFIX
    )
    # Every outcome the bench records (no answer, interested) keeps a home out of the queue for
    # at least two hours, and a lease lasts longer than the run: a home called twice in the run
    # was given to two volunteers.
    called_twice = attempts.values("home").annotate(n=Count("id")).filter(n__gt=1).count()
    recorded = set(attempts.values_list("volunteer__username", "home_id"))
    lost = sum(
        1
        for claim in records["claims"]
        if claim["outcome_status"] == 302 and (claim["volunteer"], claim["home"]) not in recorded
    )
    return {
        "signups_in_db": len(found),
        "signups_missing": len(set(accepted) - found),
        "call_attempts_in_db": attempts.count(),
        "homes_called_twice": called_twice,
        "outcomes_lost": lost,
    }


def machine() -> str:
    meminfo = Path("/proc/meminfo").read_text().split("\n")
    total_kb = next((int(line.split()[1]) for line in meminfo if line.startswith("MemTotal")), 0)
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.read_text().split("\n")
                if line.startswith("model name")
            ),
            "",
        )
    cores = len(os.sched_getaffinity(0))
    return f"nproc={cores}, memory={total_kb / 1024 / 1024:.1f} GiB, cpu={model or 'unknown'}"


def cpu_line(label: str, cpu: dict) -> str:
    return (
        "# CPU seconds during {label}, of {available:.0f} available: gunicorn "
        "{web:.1f}, PostgreSQL backends {database:.1f}, locust {locust:.1f}, everything else on "
        "the machine {other:.1f} (load average {before:.1f} before, {after:.1f} after)".format(
            label=label, before=cpu["load_before"][0], after=cpu["load_after"][0], **cpu
        )
    )


def report(args, rows, failures, records, checks, seeded, cpu, profile, floor) -> None:
    total = next(row for row in rows if row["Name"] == "Aggregated")
    claims = records["claims"]
    requests = int(total["Request Count"])
    print(f"# machine: {machine()}")
    print(
        cpu_line("the measured run", cpu) + ". When 'everything else' is large, other work "
        "shared the cores and the latencies are not the portal's alone"
    )
    if floor is not None:
        print(cpu_line("the floor's run", floor["cpu"]))
    if args.conn_max_age == 0:
        print(
            "# CONN_MAX_AGE=0: every request opens its own database connection; those short-lived "
            "backends are not measured above (they fall under 'everything else')"
        )
    print(
        f"# gunicorn {args.workers} workers x {args.threads} threads (gthread) on "
        f"{LOOPBACK}:{args.port}, DEBUG=False, PostgreSQL, Redis cache, "
        f"CONN_MAX_AGE={args.conn_max_age}; locust on the same machine"
    )
    print(
        "# plain HTTP on the loopback: SECURE_SSL_REDIRECT, secure cookies and HSTS are off "
        "for this run"
    )
    print(
        "# RATELIMIT_SIGNUP_PER_IP=100000/h: all load comes from 127.0.0.1, so the per-address "
        "sign-up limit is lifted for the bench (the per-e-mail limit stays)"
    )
    if args.warmup > 0:
        print(
            f"# warm-up: {args.warmup} s of the same load before the measured run, not counted "
            "(a fresh worker imports modules and compiles templates on its first requests)"
        )
    print("# e-mail: Celery eager (no broker), dummy e-mail backend; outbox rows are written")
    print(
        f"# {args.users} users ({args.users - args.users // 4} sign-up : {args.users // 4} "
        f"volunteer, by weight 3:1) for {args.duration} s; {seeded} queued hosts added "
        f"(target {args.hosts})"
    )
    for row in rows:
        if row["Name"] != "Aggregated":
            print(
                f"# {row['Type']:4} {row['Name']:36} n={row['Request Count']:>5} "
                f"fail={row['Failure Count']:>3} p50={row['50%']:>4} ms p95={row['95%']:>4} ms "
                f"max={float(row['Max Response Time']):.0f} ms"
            )
    for failure in failures:
        print(
            f"# failure: {failure['Method']} {failure['Name']} x{failure['Occurrences']}: "
            f"{failure['Error']}"
        )
    if floor is not None:
        for row in floor["rows"]:
            if row["Name"] != "Aggregated":
                print(
                    f"# {row['Type']:4} {row['Name']:42} n={row['Request Count']:>5} "
                    f"p50={row['50%']:>4} ms p95={row['95%']:>4} ms"
                )
    print(
        f"# in-process profile (Django test client, this database, median of "
        f"{args.profile_rounds}): queries and CPU of each request"
    )
    for name, row in profile.items():
        print(f"#   {name:42} queries={row['queries']:>3.0f} cpu={row['cpu_ms']:6.2f} ms")
    print(f"requests: {total['Request Count']}")
    print(f"errors: {total['Failure Count']}")
    print(f"p95_ms: {total['95%']}")
    print(f"p50_ms: {total['50%']}")
    # The slowest endpoint among those that carry at least 1% of the requests (the log-in,
    # deliberately slow password hashing, is a handful of requests).
    named = [
        row
        for row in rows
        if row["Name"] != "Aggregated"
        and row["95%"] not in ("", "N/A")
        and int(row["Request Count"]) >= requests / 100
    ]
    if named:
        slowest = max(named, key=lambda row: float(row["95%"]))
        print(f"slowest_p95: {slowest['Type']} {slowest['Name']} {slowest['95%']} ms")
    print(f"requests_per_s: {float(total['Requests/s']):.1f}")
    per_request = 1000 * (cpu["web"] + cpu["database"]) / max(requests, 1)
    print(f"server_cpu_s: web {cpu['web']:.1f}, database {cpu['database']:.1f}")
    print(f"server_cpu_ms_per_request: {per_request:.1f}")
    login = profile.get("/accounts/login/ (send)")
    if login and records["logins"]:
        share = (
            records["logins"] * login["cpu_ms"] / max(1000 * (cpu["web"] + cpu["database"]), 1e-9)
        )
        print(
            f"# {records['logins']} log-ins in the run, at the profile's {login['cpu_ms']:.0f} ms "
            f"of CPU each (password hashing): about {100 * share:.0f} % of the server's CPU"
        )
    print(f"other_cpu_share: {cpu['other'] / max(cpu['available'], 1e-9):.2f}")
    if floor is not None:
        floor_total = next(row for row in floor["rows"] if row["Name"] == "Aggregated")
        floor_requests = int(floor_total["Request Count"])
        floor_cpu = floor["cpu"]
        floor_per_request = (
            1000 * (floor_cpu["web"] + floor_cpu["database"]) / max(floor_requests, 1)
        )
        for failure in floor["failures"]:
            print(
                f"# floor failure: {failure['Method']} {failure['Name']} "
                f"x{failure['Occurrences']}: {failure['Error']}"
            )
        print(f"floor_requests: {floor_requests}")
        print(f"floor_errors: {floor_total['Failure Count']}")
        print(f"floor_p95_ms: {floor_total['95%']}")
        print(f"floor_p50_ms: {floor_total['50%']}")
        print(f"floor_server_cpu_ms_per_request: {floor_per_request:.1f}")
        print(
            f"floor_other_cpu_share: {floor_cpu['other'] / max(floor_cpu['available'], 1e-9):.2f}"
        )
        print(f"ratio_p95: {float(total['95%']) / max(float(floor_total['95%']), 1e-9):.1f}")
        print(f"ratio_p50: {float(total['50%']) / max(float(floor_total['50%']), 1e-9):.1f}")
        print(f"ratio_server_cpu: {per_request / max(floor_per_request, 1e-9):.1f}")
    form = profile.get("/offer/ (form)")
    today = profile["signup fields: today"]["cpu_ms"]
    crispy = profile["signup fields: crispy"]["cpu_ms"]
    if form:
        print(f"signup_page_cpu_ms: {form['cpu_ms']:.2f}")
    print(f"signup_form_cpu_ms: {today:.2f}")
    print(f"signup_form_crispy_cpu_ms: {crispy:.2f}")
    print(f"signup_form_cpu_ratio_to_crispy: {today / max(crispy, 1e-9):.2f}")
    print(f"signups_started: {records['signups_started']}")
    print(f"signups_accepted: {len(records['signups_accepted'])}")
    print(f"signups_in_db: {checks['signups_in_db']}")
    print(f"signups_missing: {checks['signups_missing']}")
    print(f"volunteer_logins: {records['logins']}")
    print(f"claims: {len(claims)}")
    print(f"queue_empty: {records['queue_empty']}")
    print(f"double_claims: {double_claims(claims)}")
    print(f"call_attempts_in_db: {checks['call_attempts_in_db']}")
    print(f"homes_called_twice: {checks['homes_called_twice']}")
    print(f"outcomes_lost: {checks['outcomes_lost']}")


def measured_run(args, env, gunicorn, out_dir: Path, volunteers: int, floor_queries=None):
    """One locust run of ``args.duration`` seconds, and the CPU each part used meanwhile."""
    load_before = os.getloadavg()
    cpu_before = cpu_snapshot(gunicorn, env["DATABASE_URL"])
    busy_before, locust_before = machine_busy_seconds(), children_cpu_seconds()
    started = time.time()
    run_locust(args, env, out_dir, volunteers, duration=args.duration, floor_queries=floor_queries)
    elapsed = time.time() - started
    busy_after, locust_after = machine_busy_seconds(), children_cpu_seconds()
    cpu_after = cpu_snapshot(gunicorn, env["DATABASE_URL"])
    cpu = {
        "web": cpu_used(cpu_before, cpu_after, "web"),
        "database": cpu_used(cpu_before, cpu_after, "database"),
        "locust": locust_after - locust_before,
        "machine": busy_after - busy_before,
        "available": elapsed * len(os.sched_getaffinity(0)),
        "load_before": load_before,
        "load_after": os.getloadavg(),
    }
    cpu["other"] = max(cpu["machine"] - cpu["web"] - cpu["database"] - cpu["locust"], 0.0)
    return cpu


def main(argv=None) -> int:
    args = parse_args(argv)
    volunteers = max(1, args.users)  # one account per locust user, whatever the split
    with tempfile.TemporaryDirectory(prefix="portal-bench-load-") as tmp:
        tmp_path = Path(tmp)
        env = bench_env(args, static_root=str(tmp_path / "static"))
        ensure_database(env["DATABASE_URL"], fresh=args.fresh)
        run_manage(env, "migrate", "--noinput")
        run_manage(env, "collectstatic", "--noinput")
        run_manage(env, "seed_demo")
        setup_django(env)
        seed_volunteers(volunteers)
        seeded = top_up_queue(args.hosts)
        profile = profile_endpoints(args.profile_rounds, stamp=f"{int(time.time())}")
        floor_queries = {
            name: row["queries"] for name, row in profile.items() if name.startswith("/")
        }
        from django.db import connections

        connections.close_all()

        gunicorn = start_gunicorn(args, env, tmp_path / "gunicorn.log")
        try:
            wait_until_up(f"http://{LOOPBACK}:{args.port}/")
            warm_up(f"http://{LOOPBACK}:{args.port}")
            if args.warmup > 0:
                # Fresh workers import modules and compile templates on their first requests.
                run_locust(args, env, tmp_path / "warmup", volunteers, duration=args.warmup)
            run_started = time.time()
            cpu = measured_run(args, env, gunicorn, tmp_path, volunteers)
            floor_cpu = None
            if args.floor:
                floor_cpu = measured_run(
                    args, env, gunicorn, tmp_path / "floor", volunteers, floor_queries
                )
        finally:
            stop_gunicorn(gunicorn)
        records_path = tmp_path / "records.json"
        if not records_path.exists():
            print((tmp_path / "locust.log").read_text()[-3000:], file=sys.stderr)
            raise SystemExit("locust wrote no records")
        records = json.loads(records_path.read_text())
        rows, failures = read_stats(tmp_path)
        checks = database_checks(records, run_started)
        floor = None
        if floor_cpu is not None:
            floor_rows, floor_failures = read_stats(tmp_path / "floor")
            floor = {"rows": floor_rows, "failures": floor_failures, "cpu": floor_cpu}
        report(args, rows, failures, records, checks, seeded, cpu, profile, floor)
        errors = int(next(r for r in rows if r["Name"] == "Aggregated")["Failure Count"])
        problems = [
            line
            for line in (tmp_path / "gunicorn.log").read_text().splitlines()
            if (not line.startswith("[") or "[INFO]" not in line)
            # Celery's in-memory broker (no broker configured: tasks run eagerly) says this once
            # per worker; it is harmless.
            and "No hostname was supplied" not in line
        ]
        if problems:
            print(f"# gunicorn log: {len(problems)} warning or error lines, the last ones:")
            for line in problems[-10:]:
                print(f"#   {line[:200]}")
    if floor is not None:
        errors += int(next(r for r in floor["rows"] if r["Name"] == "Aggregated")["Failure Count"])
    bad = errors or checks["signups_missing"] or double_claims(records["claims"])
    bad = bad or checks["homes_called_twice"] or checks["outcomes_lost"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
