"""Benchmark of the shared call queue: many volunteers pressing "Next host" at once, on PostgreSQL.

    .venv/bin/python bench/queue_claim.py --hosts 100000 --claimers 50

Uses DATABASE_URL, or postgres://postgres@127.0.0.1:5432/portal_bench (made and migrated when
missing). Each run empties the bench's hosts and makes ``--hosts`` confirmed hosts with a home in
the queue, set-based (INSERT ... SELECT over generate_series, copying one row made by the ORM, so
the script follows new columns). Then ``--claimers`` processes, each a volunteer with its own
connection, start together; each calls ``volunteers.actions.claim_next_host`` ``--claims`` times
and records an outcome right after each claim (interested, no answer or not now: each takes the
home out of what can be claimed now), so every claim must be a home nobody got before.

Prints one ``name: value`` per line: hosts, claimers, claims, double_claims (claims of a home
already given to a claimer; must be 0), claim_p50_ms, claim_p95_ms, claim_max_ms, and
claim_index_used (the index the claim query's plan reads, or "Seq Scan").
"""

import argparse
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


def make_data(hosts: int, claimers: int) -> list[int]:
    """Empty the bench's rows and make ``hosts`` queued homes and ``claimers`` volunteers.
    Returns the volunteers' ids."""
    from datetime import timedelta

    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts import roles
    from accounts.models import User
    from hosts.models import Home, Host
    from volunteers.models import QueueEntry

    now = timezone.now()
    with connection.cursor() as cursor:
        # Every row that points at a host or a home goes too (calls, visits, history, ...).
        cursor.execute('TRUNCATE "hosts_host", "notifications_outboundemail" CASCADE')
    User.objects.filter(username__startswith=PREFIX).delete()

    with transaction.atomic():
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
            municipality="Östersund",
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
        entry = QueueEntry.objects.create(home=home, registered_at=now, next_call_at=now)
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
        copy_rows(
            Home,
            home.pk,
            "(SELECT id, created_at FROM hosts_host WHERE email LIKE 'host%%@bench.example') g",
            {"host_id": "g.id", "created_at": "g.created_at", "status_changed_at": "g.created_at"},
        )
        # The queue as it looks on a working day: most hosts wait for their first call; one in
        # 25 waits for a retry after an unanswered call, one in 100 for a callback, not yet due.
        copy_rows(
            QueueEntry,
            entry.pk,
            "(SELECT h.id, h.created_at, mod(h.id, 100) AS m FROM hosts_home h "
            "JOIN hosts_host o ON o.id = h.host_id WHERE o.email LIKE 'host%%@bench.example') g",
            {
                "home_id": "g.id",
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
            User(username=f"{PREFIX}{i}", first_name="Bench", last_name=str(i), password="!")
            for i in range(claimers)
        )
        volunteer_group = Group.objects.get(name=roles.VOLUNTEER)
        User.groups.through.objects.bulk_create(
            User.groups.through(user_id=user.pk, group_id=volunteer_group.pk) for user in users
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return [user.pk for user in users]


def claim_query():
    """The claim's query, as ``claim_next_host`` makes it (call inside a transaction)."""
    from django.utils import timezone

    from volunteers.actions import claimable_entries

    queryset = (
        claimable_entries(timezone.now())
        .select_related("home__host", "campaign")
        .select_for_update(skip_locked=True, of=("self",))[:1]
    )
    return queryset.query.sql_with_params()


def claim_query_ms(repeat: int = 20) -> float:
    """The median time PostgreSQL itself spends on the claim query (EXPLAIN ANALYZE, rolled
    back): the database's share of a claim, without Python or waiting for a CPU."""
    import re

    from django.db import connection, transaction

    times = []
    for _ in range(repeat):
        with transaction.atomic():
            sql, params = claim_query()
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE) " + sql, params)
                text = "\n".join(row[0] for row in cursor.fetchall())
            transaction.set_rollback(True)
        times.append(float(re.search(r"Execution Time: ([\d.]+) ms", text).group(1)))
    return statistics.median(times)


def claim_plan() -> tuple[str, list[str]]:
    """The index the claim query reads (or "Seq Scan"), and its EXPLAIN lines."""
    import re

    from django.db import connection, transaction

    with transaction.atomic():
        sql, params = claim_query()
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
    user_id: int, claims: int, start, results, async_commit: bool = False, pause_ms: int = 0
) -> None:
    """One volunteer: claim, record an outcome, again, ``claims`` times (``pause_ms``: the
    time on the phone between claiming and recording, 0 for none)."""
    from datetime import timedelta

    from django.db import connections
    from django.utils import timezone

    from accounts.models import User
    from volunteers.actions import claim_next_host, record_call

    connections.close_all()  # never share the parent's connection
    if async_commit:  # investigation only: commits without waiting for the disk
        with connections["default"].cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
    volunteer = User.objects.get(pk=user_id)
    volunteer.organisation  # noqa: B018 (read once, as the outcome needs it)
    got, latencies = [], []
    start.wait()
    try:
        for i in range(claims):
            began = time.perf_counter()
            entry = claim_next_host(volunteer=volunteer)
            latencies.append((time.perf_counter() - began) * 1000)
            if entry is None:
                break
            got.append(entry.home_id)
            if pause_ms:
                time.sleep(pause_ms / 1000 * (0.5 + (user_id * 7919 + i) % 100 / 100))
            outcome = OUTCOMES[(user_id + i) % len(OUTCOMES)]
            record_call(
                entry=entry,
                volunteer=volunteer,
                outcome=outcome,
                callback_at=timezone.now() + timedelta(days=1) if outcome == "not_now" else None,
            )
        results.put((user_id, got, latencies, None))
    except Exception as exc:  # reported by the parent
        results.put((user_id, got, latencies, f"{type(exc).__name__}: {exc}"))
    finally:
        connections.close_all()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=100_000)
    parser.add_argument("--claimers", type=int, default=50)
    parser.add_argument("--claims", type=int, default=40, help="claims per claimer")
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

    load_before = os.getloadavg()[0]  # other work on the machine skews the latencies
    began = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.perf_counter()
    user_ids = make_data(args.hosts, args.claimers)
    made = time.perf_counter()
    index, plan = claim_plan()
    db_before = claim_query_ms()
    connections.close_all()

    context = multiprocessing.get_context("fork")
    start = context.Barrier(args.claimers + 1)
    results = context.Queue()
    processes = [
        context.Process(
            target=claimer,
            args=(user_id, args.claims, start, results, args.async_commit, args.pause_ms),
        )
        for user_id in user_ids
    ]
    for process in processes:
        process.start()
    start.wait()
    run_began = time.perf_counter()
    collected = [results.get(timeout=600) for _ in processes]
    run_took = time.perf_counter() - run_began
    for process in processes:
        process.join(timeout=60)

    errors = [error for _user, _got, _lat, error in collected if error]
    homes = [home for _user, got, _lat, _err in collected for home in got]
    latencies = [ms for _user, _got, lat, _err in collected for ms in lat]
    print(f"hosts: {args.hosts}")
    print(f"claimers: {args.claimers}")
    print(f"claims: {len(homes)}")
    print(f"double_claims: {len(homes) - len(set(homes))}")
    print(f"claim_p50_ms: {statistics.median(latencies):.1f}")
    print(f"claim_p95_ms: {percentile(latencies, 0.95):.1f}")
    print(f"claim_max_ms: {max(latencies):.1f}")
    print(f"claim_index_used: {index}")
    print(f"claims_per_second: {len(homes) / run_took:.0f}")
    print(f"claim_query_db_ms_before: {db_before:.2f}")
    print(f"claim_query_db_ms_after: {claim_query_ms():.2f}")
    print(f"setup_seconds: {made - began:.1f}" + (" (database created)" if created else ""))
    print(f"data_seconds: {made - migrated:.1f}")
    print(f"errors: {len(errors)}")
    print(f"load_average_before: {load_before:.1f}")
    for error in errors[:5]:
        print(f"  {error}", file=sys.stderr)
    if args.show_plan:
        print("\n".join(plan), file=sys.stderr)
    return 1 if errors or len(homes) != len(set(homes)) else 0


if __name__ == "__main__":
    sys.exit(main())
