"""Benchmark of the call queue, per local group: many volunteers pressing "Next host" at once,
on PostgreSQL.

    .venv/bin/python bench/queue_claim.py --hosts 100000 --groups 30 --claimers 50

Uses DATABASE_URL, or postgres://postgres@127.0.0.1:5432/portal_bench (made and migrated when
missing). Each run empties the bench's hosts and makes ``--groups`` local groups of one
volunteer organisation (each covering one municipality) and ``--hosts`` confirmed hosts with a
home in the queue, spread evenly over the groups, set-based (INSERT ... SELECT over
generate_series, copying one row made by the ORM, so the script follows new columns). The
``--claimers`` volunteers are spread over the groups too (each in one group, as people are).

Run 1, all groups at once: the claimers, each a process with its own connection, start
together; each calls ``volunteers.actions.claim_next_host`` ``--claims`` times and records an
outcome right after each claim (interested, no answer or not now: each takes the home out of what
can be claimed now), so every claim must be a home nobody got before, of the claimer's own group.

The floor, in the same run and just before run 1: the same volunteers, one process each, at
the same pace (``--pause-ms``), claim and record the same outcomes as bare SQL on plain psycopg
connections: the claim as one ``UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED LIMIT 1)
RETURNING id`` on the same table, index and conditions, each outcome as one statement (the entry
let go, the call attempt, for "interested" the home contacted with its history row).
``ratio_p95`` is run 1's claim p95 over the floor's.

Run 2, one group while another is locked: a transaction holds ``FOR UPDATE`` locks on every
queued row of group B while ``--locked-claimers`` volunteers of group A claim; a monitor
connection samples ``pg_stat_activity`` every few milliseconds for a claimer's backend waiting
on a lock. A probe (an UPDATE of one of B's locked rows, from another connection, given up after
a moment) shows that the monitor sees a real lock wait.

Prints one ``name: value`` per line (see bench/README.md).
"""

import argparse
import contextlib
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
PREFIX = "bench-claimer-"
GROUP_PREFIX = "Bench group "
OUTCOMES = ["interested", "no_answer", "not_now"]


def ensure_database(url: str) -> bool:
    """Create the database named in ``url`` if it does not exist. True if it was made."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists:
            return False
        connection.execute(f'CREATE DATABASE "{name}"')
    return True


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matching_portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def copy_rows(model, template_pk: int, source: str, overrides: dict[str, str]) -> int:
    """INSERT a copy of row ``template_pk`` of ``model`` once per row of ``source`` (SQL giving
    rows aliased ``g``), with some columns computed (``overrides``: column -> SQL over t and g)."""
    from django.db import connection

    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    values = [overrides.get(column, f't."{column}"') for column in columns]
    column_list = ", ".join(f'"{c}"' for c in columns)
    sql = (
        f'INSERT INTO "{table}" ({column_list}) SELECT {", ".join(values)} '
        f'FROM "{table}" t, {source} WHERE t.id = %s'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [template_pk])
        return cursor.rowcount


def make_data(hosts: int, claimers: int, groups: int) -> tuple[list[int], list[int]]:
    """Empty the bench's rows and make ``groups`` local groups, ``hosts`` queued homes spread
    over them, and ``claimers`` volunteers (claimer i in group i mod ``groups``). Returns the
    volunteers' ids and the groups' ids."""
    from datetime import timedelta

    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts import roles
    from accounts.models import GroupMunicipality, LocalGroup, Organisation, User
    from hosts.models import Home, Host
    from municipalities.models import Municipality
    from volunteers.models import QueueEntry

    now = timezone.now()
    with connection.cursor() as cursor:
        # Every row that points at a host or a home goes too (calls, visits, history, ...).
        cursor.execute('TRUNCATE "hosts_host", "notifications_outboundemail" CASCADE')
    User.objects.filter(username__startswith=PREFIX).delete()
    GroupMunicipality.objects.filter(group__name__startswith=GROUP_PREFIX).delete()
    LocalGroup.objects.filter(name__startswith=GROUP_PREFIX).delete()

    with transaction.atomic():
        organisation, _made = Organisation.objects.get_or_create(
            name="Bench Volunteers", defaults={"kind": Organisation.Kind.VOLUNTEER_ORGANISATION}
        )
        codes = list(
            Municipality.objects.filter(coverage__isnull=True)
            .order_by("code")
            .values_list("code", flat=True)[:groups]
        )
        if len(codes) < groups:
            raise SystemExit(f"only {len(codes)} municipalities are free for {groups} groups")
        made = LocalGroup.objects.bulk_create(
            LocalGroup(organisation=organisation, name=f"{GROUP_PREFIX}{i + 1:02d}")
            for i in range(groups)
        )
        GroupMunicipality.objects.bulk_create(
            GroupMunicipality(group=group, municipality_id=code)
            for group, code in zip(made, codes, strict=True)
        )
        group_ids = [group.pk for group in made]
        group_array = "ARRAY[" + ",".join(str(pk) for pk in group_ids) + "]"
        code_array = "ARRAY[" + ",".join(f"'{code}'" for code in codes) + "]"
        host = Host.objects.create(
            name="Mall Värd",
            email="template@bench.example",
            phone="+46700000000",
            language="sv",
            confirmed_at=now,
            consent_notice_version="bench",
            consent_given_at=now,
            consent_language="sv",
        )
        home = Home.objects.create(
            host=host,
            street_address="Storgatan 1",
            postcode="83130",
            municipality_id=codes[0],
            local_group_id=group_ids[0],
            kind=Home.Kind.ROOM,
            beds=1,
            available_from=now.date() + timedelta(days=14),
            available_months=6,
            rent_per_month=3500,
            household_description="Jag och min sambo.",
            smoking=Home.Smoking.NO,
            languages=["sv", "en"],
            heard_from=Home.HeardFrom.FRIEND,
        )
        entry = QueueEntry.objects.create(
            home=home, local_group_id=group_ids[0], registered_at=now, next_call_at=now
        )
        # Registered over the last ~3 years, one host every 15 minutes or so.
        registered = "now() - (g * interval '900 seconds')"
        copy_rows(
            Host,
            host.pk,
            f"generate_series(1, {int(hosts)}) g",
            {
                "name": "'Värd ' || g",
                "email": "'host' || g || '@bench.example'",
                "phone": "'+4670' || lpad(g::text, 7, '0')",
                "created_at": registered,
                "confirmed_at": registered,
                "consent_given_at": registered,
            },
        )
        # Each home in the group covering its municipality: host n in group n mod --groups.
        copy_rows(
            Home,
            home.pk,
            "(SELECT id, created_at, row_number() OVER (ORDER BY id) AS n FROM hosts_host "
            "WHERE email LIKE 'host%%@bench.example') g",
            {
                "host_id": "g.id",
                "created_at": "g.created_at",
                "status_changed_at": "g.created_at",
                "municipality_id": f"({code_array})[1 + mod(g.n, {groups})]",
                "local_group_id": f"({group_array})[1 + mod(g.n, {groups})]",
            },
        )
        # The queue as it looks on a working day: most hosts wait for their first call; one in
        # 25 waits for a retry after an unanswered call, one in 100 for a callback, not yet due.
        copy_rows(
            QueueEntry,
            entry.pk,
            "(SELECT h.id, h.created_at, h.local_group_id, mod(h.id, 100) AS m FROM hosts_home h "
            "JOIN hosts_host o ON o.id = h.host_id WHERE o.email LIKE 'host%%@bench.example') g",
            {
                "home_id": "g.id",
                "local_group_id": "g.local_group_id",
                "registered_at": "g.created_at",
                "rank": "CASE WHEN g.m = 0 THEN 0 ELSE 2 END",
                "unanswered": "CASE WHEN mod(g.m, 25) = 1 THEN 1 ELSE 0 END",
                "next_call_at": (
                    "CASE WHEN g.m = 0 OR mod(g.m, 25) = 1 THEN now() + interval '1 day' "
                    "ELSE now() - interval '1 minute' END"
                ),
            },
        )
        QueueEntry.objects.filter(pk=entry.pk).delete()
        Home.objects.filter(pk=home.pk).delete()
        Host.objects.filter(pk=host.pk).delete()

        users = User.objects.bulk_create(
            User(
                username=f"{PREFIX}{i}",
                first_name="Bench",
                last_name=str(i),
                password="!",
                organisation=organisation,
                local_group_id=group_ids[i % groups],
            )
            for i in range(claimers)
        )
        volunteer_group = Group.objects.get(name=roles.VOLUNTEER)
        User.groups.through.objects.bulk_create(
            User.groups.through(user_id=user.pk, group_id=volunteer_group.pk) for user in users
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return [user.pk for user in users], group_ids


def claim_query(volunteer):
    """The claim's query for ``volunteer``: the row it locks, as ``claim_next_host``'s statement
    chooses it (``volunteers.actions.claim_queryset``; run it inside a transaction)."""
    from django.utils import timezone

    from volunteers.actions import claim_queryset

    queryset = claim_queryset(volunteer=volunteer, now=timezone.now())[:1]
    return queryset.query.sql_with_params()


def claim_floor_ms(volunteer, repeat: int = 30) -> float:
    """The floor: the bare SQL of the claim query, sent on a plain cursor and timed from Python
    (median of ``repeat``, each in a transaction rolled back): what one claim cannot go below."""
    from django.db import connection, transaction

    times = []
    for _ in range(repeat):
        with transaction.atomic():
            sql, params = claim_query(volunteer)
            with connection.cursor() as cursor:
                began = time.perf_counter()
                cursor.execute(sql, params)
                cursor.fetchall()
                times.append((time.perf_counter() - began) * 1000)
            transaction.set_rollback(True)
    return statistics.median(times)


def claim_solo_ms(volunteer, repeat: int = 30) -> float:
    """One claim through ``claim_next_host`` with nobody else claiming (median of ``repeat``;
    each claim is given back at once, rolled back): the portal's own cost over the floor."""
    from django.db import transaction

    from volunteers.actions import claim_next_host

    times = []
    for _ in range(repeat):
        with transaction.atomic():
            began = time.perf_counter()
            claim_next_host(volunteer=volunteer)
            times.append((time.perf_counter() - began) * 1000)
            transaction.set_rollback(True)
    return statistics.median(times)


def claim_query_ms(volunteer, repeat: int = 20) -> float:
    """The median time PostgreSQL itself spends on the claim query (EXPLAIN ANALYZE, rolled
    back): the database's share of a claim, without Python or waiting for a CPU."""
    import re

    from django.db import connection, transaction

    times = []
    for _ in range(repeat):
        with transaction.atomic():
            sql, params = claim_query(volunteer)
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE) " + sql, params)
                text = "\n".join(row[0] for row in cursor.fetchall())
            transaction.set_rollback(True)
        times.append(float(re.search(r"Execution Time: ([\d.]+) ms", text).group(1)))
    return statistics.median(times)


def claim_plan(volunteer) -> tuple[str, list[str]]:
    """The index the claim query reads (or "Seq Scan"), and its EXPLAIN lines."""
    import re

    from django.db import connection, transaction

    with transaction.atomic():
        sql, params = claim_query(volunteer)
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql, params)
            lines = [row[0] for row in cursor.fetchall()]
    queue_table = "volunteers_queueentry"
    for line in lines:
        match = re.search(r"Index (?:Only )?Scan(?: Backward)? using (\w+) on (\w+)", line)
        if match and match.group(2) == queue_table:
            return match.group(1), lines
        match = re.search(r"Bitmap Index Scan on (\w+)", line)
        if match and match.group(1).startswith("queue"):
            return match.group(1), lines
        if f"Seq Scan on {queue_table}" in line:
            return "Seq Scan", lines
    return "unknown", lines


def claimer(
    user_id: int,
    claims: int,
    start,
    results,
    pids,
    async_commit: bool = False,
    pause_ms: int = 0,
) -> None:
    """One volunteer: claim, record an outcome, again, ``claims`` times (``pause_ms``: the
    time on the phone between claiming and recording, 0 for none). Tells ``pids`` its database
    backend's pid (for the lock monitor) before it starts. Counts the statements each claim and
    each outcome sends (an execute wrapper: every query and savepoint, not BEGIN or COMMIT)."""
    from datetime import timedelta

    from django.db import connection, connections
    from django.utils import timezone

    from accounts.models import User
    from volunteers.actions import claim_next_host, record_call

    connections.close_all()  # never share the parent's connection
    with connection.cursor() as cursor:
        if async_commit:  # investigation only: commits without waiting for the disk
            cursor.execute("SET synchronous_commit TO off")
        cursor.execute("SELECT pg_backend_pid()")
        pids.put(cursor.fetchone()[0])
    volunteer = User.objects.select_related("organisation").get(pk=user_id)
    sent = [0]

    def count(execute, sql, params, many, context):
        sent[0] += 1
        return execute(sql, params, many, context)

    result = {"user": user_id, "homes": [], "latencies": [], "outcome_latencies": []}
    result.update(outside=0, error=None, claim_queries=0, outcome_queries=0, outcomes=0)
    start.wait()
    try:
        with connection.execute_wrapper(count):
            for i in range(claims):
                sent[0] = 0
                began = time.perf_counter()
                entry = claim_next_host(volunteer=volunteer)
                result["latencies"].append((time.perf_counter() - began) * 1000)
                result["claim_queries"] += sent[0]
                if entry is None:
                    break
                result["homes"].append(entry.home_id)
                result["outside"] += entry.local_group_id != volunteer.local_group_id
                if pause_ms:
                    time.sleep(pause_ms / 1000 * (0.5 + (user_id * 7919 + i) % 100 / 100))
                outcome = OUTCOMES[(user_id + i) % len(OUTCOMES)]
                sent[0] = 0
                began = time.perf_counter()
                record_call(
                    entry=entry,
                    volunteer=volunteer,
                    outcome=outcome,
                    callback_at=timezone.now() + timedelta(days=1)
                    if outcome == "not_now"
                    else None,
                )
                result["outcome_latencies"].append((time.perf_counter() - began) * 1000)
                result["outcome_queries"] += sent[0]
                result["outcomes"] += 1
    except Exception as exc:  # reported by the parent
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        results.put(result)
        connections.close_all()


# The floor: the same claim and the same outcome writes as bare SQL, one statement each, sent
# with psycopg (no ORM, no prepared statements: each is parsed and planned as the portal's are).
# The claim reads the same rows the portal's may claim (its group's queue on
# queue_group_claim_idx, in the queue's order, a home at a campaign stage, not one the volunteer
# handed back within HAND_BACK_PAUSE) and locks with FOR UPDATE SKIP LOCKED.
FLOOR_CLAIM = """
UPDATE volunteers_queueentry SET claimed_by_id = %(volunteer)s, lease_until = %(lease_until)s
WHERE id = (
    SELECT q.id FROM volunteers_queueentry q JOIN hosts_home h ON h.id = q.home_id
    WHERE q.local_group_id = %(group)s AND q.needs_call AND q.next_call_at <= %(now)s
      AND (q.lease_until IS NULL OR q.lease_until < %(now)s)
      AND h.status = ANY(%(stages)s)
      AND NOT (q.handed_back_by_id IS NOT NULL AND q.handed_back_by_id = %(volunteer)s
               AND q.handed_back_at IS NOT NULL AND q.handed_back_at > %(handed_back_after)s)
    ORDER BY q.rank, q.registered_at, q.id
    LIMIT 1
    FOR UPDATE OF q SKIP LOCKED
)
RETURNING id, home_id, local_group_id
"""
# Each outcome as one statement: the entry let go (only by its holder, or after the lease),
# the call attempt, and for "interested" the home contacted with its history row.
FLOOR_ENTRY_GUARD = (
    "WHERE id = %(entry)s AND (claimed_by_id IS NULL OR claimed_by_id = %(volunteer)s "
    "OR lease_until IS NULL OR lease_until <= %(now)s) RETURNING home_id"
)
FLOOR_ATTEMPT = (
    "INSERT INTO volunteers_callattempt "
    "(home_id, volunteer_id, outcome, note, callback_at, campaign_id, created_at) "
    "SELECT home_id, %(volunteer)s, %(outcome)s, '', %(callback_at)s, NULL, %(now)s FROM entry"
)
FLOOR_OUTCOME = {
    "interested": (
        "WITH entry AS (UPDATE volunteers_queueentry SET needs_call = false, rank = 2, "
        "campaign_id = NULL, unanswered = 0, claimed_by_id = NULL, lease_until = NULL "
        f"{FLOOR_ENTRY_GUARD}), attempt AS ({FLOOR_ATTEMPT}), "
        "home AS (UPDATE hosts_home SET status = 'contacted', status_changed_at = %(now)s, "
        "updated_at = %(now)s WHERE id = (SELECT home_id FROM entry) AND status = 'registered' "
        "RETURNING id) "
        "INSERT INTO hosts_hometransition "
        "(home_id, from_state, to_state, actor_id, actor_kind, reason, created_at) "
        "SELECT id, 'registered', 'contacted', %(volunteer)s, 'user', '', %(now)s FROM home"
    ),
    "no_answer": (
        "WITH entry AS (UPDATE volunteers_queueentry SET unanswered = unanswered + 1, "
        "next_call_at = %(now)s + (%(backoff)s::interval[])[least(unanswered + 1, "
        "%(steps)s)], claimed_by_id = NULL, lease_until = NULL "
        f"{FLOOR_ENTRY_GUARD}) {FLOOR_ATTEMPT}"
    ),
    "not_now": (
        "WITH entry AS (UPDATE volunteers_queueentry SET unanswered = 0, rank = 0, "
        "next_call_at = %(callback_at)s, claimed_by_id = NULL, lease_until = NULL "
        f"{FLOOR_ENTRY_GUARD}) {FLOOR_ATTEMPT}"
    ),
}


def floor_claimer(
    user_id: int,
    claims: int,
    start,
    results,
    pids,
    async_commit: bool = False,
    pause_ms: int = 0,
    url: str = "",
    group_id: int = 0,
) -> None:
    """The floor's volunteer: what ``claimer`` does, at the same pace, as bare SQL (one
    statement per claim and one per outcome, each its own transaction) on a plain psycopg
    connection."""
    from datetime import timedelta

    import psycopg
    from django.db import connections
    from django.utils import timezone

    from hosts.models import Home
    from volunteers.actions import HAND_BACK_PAUSE, NO_ANSWER_BACKOFF, lease_length

    connections.close_all()  # never share the parent's connection
    result = {"user": user_id, "homes": [], "latencies": [], "outcome_latencies": []}
    result.update(outside=0, error=None, claim_queries=0, outcome_queries=0, outcomes=0)
    stages = [str(stage) for stage in Home.CAMPAIGN_STAGES]
    lease = lease_length()
    try:
        with psycopg.connect(url, autocommit=True, prepare_threshold=None) as connection:
            if async_commit:
                connection.execute("SET synchronous_commit TO off")
            pids.put(connection.execute("SELECT pg_backend_pid()").fetchone()[0])
            start.wait()
            for i in range(claims):
                began = time.perf_counter()
                now = timezone.now()
                row = connection.execute(
                    FLOOR_CLAIM,
                    {
                        "volunteer": user_id,
                        "group": group_id,
                        "now": now,
                        "lease_until": now + lease,
                        "stages": stages,
                        "handed_back_after": now - HAND_BACK_PAUSE,
                    },
                ).fetchone()
                result["latencies"].append((time.perf_counter() - began) * 1000)
                result["claim_queries"] += 1
                if row is None:
                    break
                entry_id, home_id, entry_group = row
                result["homes"].append(home_id)
                result["outside"] += entry_group != group_id
                if pause_ms:
                    time.sleep(pause_ms / 1000 * (0.5 + (user_id * 7919 + i) % 100 / 100))
                outcome = OUTCOMES[(user_id + i) % len(OUTCOMES)]
                began = time.perf_counter()
                now = timezone.now()
                connection.execute(
                    FLOOR_OUTCOME[outcome],
                    {
                        "entry": entry_id,
                        "volunteer": user_id,
                        "outcome": outcome,
                        "now": now,
                        "callback_at": now + timedelta(days=1) if outcome == "not_now" else None,
                        "backoff": NO_ANSWER_BACKOFF,
                        "steps": len(NO_ANSWER_BACKOFF),
                    },
                )
                result["outcome_latencies"].append((time.perf_counter() - began) * 1000)
                result["outcome_queries"] += 1
                result["outcomes"] += 1
    except Exception as exc:  # reported by the parent
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        results.put(result)


class LockMonitor:
    """Samples ``pg_stat_activity`` every ``every_ms`` from its own connection: how often each
    watched backend was waiting on a lock (``wait_event_type = 'Lock'``: a row or table lock
    held by another transaction; SKIP LOCKED never waits, so a claim only shows here if it
    waits for another transaction's lock)."""

    def __init__(self, url: str, every_ms: float = 2.0):
        import threading

        self.url, self.every = url, every_ms / 1000
        self.watched: set[int] = set()
        self.waits: dict[int, int] = {}
        # Per sample of a waiting backend: the backends it waits for (pg_blocking_pids).
        self.blocked_by: list[tuple[int, tuple[int, ...], str]] = []
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            while not self._stop.is_set():
                rows = connection.execute(
                    "SELECT pid, pg_blocking_pids(pid), wait_event FROM pg_stat_activity "
                    "WHERE pid = ANY(%s) AND wait_event_type = 'Lock'",
                    [list(self.watched)],
                ).fetchall()
                self.samples += 1
                for pid, blockers, event in rows:
                    self.waits[pid] = self.waits.get(pid, 0) + 1
                    self.blocked_by.append((pid, tuple(blockers or ()), event))
                time.sleep(self.every)

    def start(self) -> "LockMonitor":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def waits_of(self, pids) -> int:
        return sum(self.waits.get(pid, 0) for pid in pids)

    def waits_on(self, pids, blockers) -> int:
        """Samples of a backend of ``pids`` waiting for a lock held by one of ``blockers``."""
        pids, blockers = set(pids), set(blockers)
        return sum(1 for pid, by, _event in self.blocked_by if pid in pids and blockers & set(by))


def run_claimers(
    user_ids,
    claims,
    *,
    url,
    async_commit=False,
    pause_ms=0,
    other_pids=frozenset(),
    floor_groups=None,
) -> dict:
    """Start one process per volunteer, together, under a lock monitor; collect what they got.
    ``other_pids``: backends of other transactions (another group's locks); the waits of the
    claimers for a lock one of them holds are counted apart (``waits_on_others``).
    ``floor_groups`` (volunteer id -> group id): run the floor's bare SQL instead of the portal."""
    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(user_ids) + 1)
    results, pids = context.Queue(), context.Queue()
    processes = []
    for user_id in user_ids:
        args = (user_id, claims, start, results, pids, async_commit, pause_ms)
        if floor_groups is None:
            processes.append(context.Process(target=claimer, args=args))
        else:
            args += (url, floor_groups[user_id])
            processes.append(context.Process(target=floor_claimer, args=args))
    for process in processes:
        process.start()
    claimer_pids = {pids.get(timeout=120) for _ in processes}
    monitor = LockMonitor(url)
    monitor.watched |= claimer_pids
    monitor.start()
    start.wait()
    began = time.perf_counter()
    collected = [results.get(timeout=600) for _ in processes]
    took = time.perf_counter() - began
    monitor.stop()
    for process in processes:
        process.join(timeout=60)
    claims_made = sum(len(result["latencies"]) for result in collected)
    outcomes = sum(result["outcomes"] for result in collected)
    return {
        "homes": [home for result in collected for home in result["homes"]],
        "latencies": [ms for result in collected for ms in result["latencies"]],
        # Each volunteer's first claim apart (the claim's statement is compiled for them then).
        "first_latencies": [result["latencies"][0] for result in collected if result["latencies"]],
        "later_latencies": [ms for result in collected for ms in result["latencies"][1:]],
        "outcome_latencies": [ms for result in collected for ms in result["outcome_latencies"]],
        "queries_per_claim": sum(r["claim_queries"] for r in collected) / max(1, claims_made),
        "queries_per_outcome": sum(r["outcome_queries"] for r in collected) / max(1, outcomes),
        "outside": sum(result["outside"] for result in collected),
        "errors": [result["error"] for result in collected if result["error"]],
        "seconds": took,
        "lock_waits": monitor.waits_of(claimer_pids),
        "waits_on_others": monitor.waits_on(claimer_pids, other_pids),
        "wait_events": sorted({event for _pid, _by, event in monitor.blocked_by}),
        "samples": monitor.samples,
    }


def lock_group(url: str, group_id: int):
    """A connection whose open transaction holds FOR UPDATE locks on every queued row of the
    group; returns it, its backend's pid and the ids locked (roll it back to let go)."""
    import psycopg

    connection = psycopg.connect(url)
    pid = connection.execute("SELECT pg_backend_pid()").fetchone()[0]
    ids = [
        row[0]
        for row in connection.execute(
            "SELECT id FROM volunteers_queueentry WHERE local_group_id = %s AND needs_call "
            "ORDER BY id FOR UPDATE",
            [group_id],
        ).fetchall()
    ]
    return connection, pid, ids


def probe_waits(url: str, entry_id: int) -> int:
    """Show that the monitor sees a real lock wait: another connection updates one of the
    locked rows (it waits, and gives up after 300 ms). Returns the monitor's samples of it
    waiting."""
    import psycopg

    monitor = LockMonitor(url)
    with psycopg.connect(url, autocommit=True) as connection:
        monitor.watched.add(connection.execute("SELECT pg_backend_pid()").fetchone()[0])
        monitor.start()
        connection.execute("SET lock_timeout = '300ms'")
        with contextlib.suppress(psycopg.errors.LockNotAvailable):
            connection.execute(
                "UPDATE volunteers_queueentry SET unanswered = unanswered WHERE id = %s",
                [entry_id],
            )
    monitor.stop()
    return sum(monitor.waits.values())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=30, help="local groups (default 30)")
    parser.add_argument("--claimers", type=int, default=50)
    parser.add_argument("--claims", type=int, default=40, help="claims per claimer")
    parser.add_argument(
        "--locked-claimers",
        type=int,
        default=5,
        help="volunteers of group A claiming while group B's rows are locked (run 2)",
    )
    parser.add_argument("--show-plan", action="store_true", help="print the EXPLAIN lines")
    parser.add_argument(
        "--async-commit",
        action="store_true",
        help="claimers commit without waiting for the disk (shows what the WAL flush costs)",
    )
    parser.add_argument(
        "--pause-ms",
        type=int,
        default=0,
        help="a claimer's time on the phone before recording the outcome (default 0: at once)",
    )
    args = parser.parse_args()
    if args.groups < 2:
        parser.error("--groups must be at least 2 (run 2 locks one group and claims in another)")

    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not url.startswith(("postgres://", "postgresql://")):
        print(
            "The queue benchmark needs PostgreSQL: set DATABASE_URL=postgres://…", file=sys.stderr
        )
        return 2
    created = ensure_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connections

    from accounts.models import User

    load_before = os.getloadavg()[0]  # other work on the machine skews the latencies
    began = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.perf_counter()
    user_ids, group_ids = make_data(args.hosts, args.claimers + args.locked_claimers, args.groups)
    made = time.perf_counter()
    # The last --locked-claimers volunteers are for run 2, all moved to group A.
    run_ids, locked_ids = user_ids[: args.claimers], user_ids[args.claimers :]
    group_a, group_b = group_ids[0], group_ids[1]
    User.objects.filter(pk__in=locked_ids).update(local_group_id=group_a)
    probe_volunteer = User.objects.get(pk=run_ids[0])
    index, plan = claim_plan(probe_volunteer)
    db_before = claim_query_ms(probe_volunteer)
    floor_ms = claim_floor_ms(probe_volunteer)
    solo_ms = claim_solo_ms(probe_volunteer)
    connections.close_all()

    # The floor, then run 1: the same volunteers, processes and pace, every group at once;
    # first as bare SQL, then through the portal's actions.
    floor_groups = {user_id: group_ids[i % args.groups] for i, user_id in enumerate(run_ids)}
    load_floor = os.getloadavg()[0]
    floor = run_claimers(
        run_ids,
        args.claims,
        url=url,
        async_commit=args.async_commit,
        pause_ms=args.pause_ms,
        floor_groups=floor_groups,
    )
    load_run = os.getloadavg()[0]
    run = run_claimers(
        run_ids, args.claims, url=url, async_commit=args.async_commit, pause_ms=args.pause_ms
    )
    # Run 2: group B's rows locked by an open transaction while group A's volunteers claim.
    locker, locker_pid, locked_rows = lock_group(url, group_b)
    try:
        locked_run = run_claimers(locked_ids, args.claims, url=url, other_pids={locker_pid})
        probe = probe_waits(url, locked_rows[0]) if locked_rows else 0
    finally:
        locker.rollback()
        locker.close()
    connections.close_all()
    db_after = claim_query_ms(User.objects.get(pk=run_ids[0]))

    homes, latencies = run["homes"], run["latencies"]
    p50 = statistics.median(latencies)
    errors = floor["errors"] + run["errors"] + locked_run["errors"]
    double = len(homes) - len(set(homes))
    floor_homes = floor["homes"]
    floor_double = len(floor_homes) - len(set(floor_homes))
    p95 = percentile(latencies, 0.95)
    floor_p95 = percentile(floor["latencies"], 0.95)
    locked_homes = locked_run["homes"]
    print(f"hosts: {args.hosts}")
    print(f"groups: {args.groups}")
    print(f"claimers: {args.claimers}")
    print(f"claims: {len(homes)}")
    print(f"double_claims: {double}")
    print(f"claims_outside_own_group: {run['outside'] + locked_run['outside']}")
    print(f"claim_p50_ms: {p50:.1f}")
    print(f"claim_p95_ms: {p95:.1f}")
    print(f"claim_max_ms: {max(latencies):.1f}")
    print(f"claim_first_p50_ms: {statistics.median(run['first_latencies']):.1f}")
    print(f"claim_p95_after_first_ms: {percentile(run['later_latencies'], 0.95):.1f}")
    print(f"claim_index_used: {index}")
    print(f"claim_floor_ms: {floor_ms:.2f}")
    print(f"claim_solo_ms: {solo_ms:.2f}")
    print(f"claim_solo_to_floor_ratio: {solo_ms / floor_ms:.1f}")
    print(f"claim_p50_to_floor_ratio: {p50 / floor_ms:.1f}")
    print(f"claims_per_second: {len(homes) / run['seconds']:.0f}")
    print(f"floor_claims: {len(floor_homes)}")
    print(f"floor_double_claims: {floor_double}")
    print(f"floor_p50_ms: {statistics.median(floor['latencies']):.1f}")
    print(f"floor_p95_ms: {floor_p95:.1f}")
    print(f"ratio_p95: {p95 / floor_p95:.1f}")
    print(f"floor_claims_per_second: {len(floor_homes) / floor['seconds']:.0f}")
    print(f"queries_per_claim: {run['queries_per_claim']:.2f}")
    print(f"queries_per_outcome: {run['queries_per_outcome']:.2f}")
    print(f"outcome_p95_ms: {percentile(run['outcome_latencies'], 0.95):.1f}")
    print(f"floor_outcome_p95_ms: {percentile(floor['outcome_latencies'], 0.95):.1f}")
    print(f"lock_waits_all_groups: {run['lock_waits']}")
    print(f"locked_group_rows: {len(locked_rows)}")
    print(f"locked_run_claimers: {len(locked_ids)}")
    print(f"locked_run_claims: {len(locked_homes)}")
    print(f"locked_run_claim_p95_ms: {percentile(locked_run['latencies'], 0.95):.1f}")
    print(f"cross_group_waits: {locked_run['waits_on_others']}")
    print(f"same_group_lock_waits: {locked_run['lock_waits'] - locked_run['waits_on_others']}")
    if locked_run["wait_events"]:
        print(f"same_group_wait_events: {','.join(locked_run['wait_events'])}")
    print(f"lock_monitor_samples: {locked_run['samples']}")
    print(f"lock_probe_wait_samples: {probe}")
    print(f"claim_query_db_ms_before: {db_before:.2f}")
    print(f"claim_query_db_ms_after: {db_after:.2f}")
    print(f"setup_seconds: {made - began:.1f}" + (" (database created)" if created else ""))
    print(f"data_seconds: {made - migrated:.1f}")
    print(f"errors: {len(errors)}")
    print(f"load_average_before: {load_before:.1f}")
    print(f"load_average_floor: {load_floor:.1f}")
    print(f"load_average_claims: {load_run:.1f}")
    for error in errors[:5]:
        print(f"  {error}", file=sys.stderr)
    if args.show_plan:
        print("\n".join(plan), file=sys.stderr)
    failed = (
        errors
        or double
        or floor_double
        or floor["outside"]
        or run["outside"]
        or locked_run["outside"]
        or locked_run["waits_on_others"]
        or len(locked_homes) != len(set(locked_homes))
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
