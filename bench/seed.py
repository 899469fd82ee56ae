"""``manage.py seed_demo`` into a fresh, migrated PostgreSQL database: its time, CPU and
statements, against the floor of the same number of ``SELECT 1`` round trips.

    .venv/bin/python bench/seed.py --database-url postgres://postgres@127.0.0.1:5432/portal_bench_seed

The database is dropped, created and migrated first (the migration is not timed). Prints
``seed_demo_s`` (wall), ``seed_demo_cpu_s`` (this process's CPU), ``seed_demo_queries``,
``floor_s`` (as many ``SELECT 1`` as the seed sent statements, from this process, in the same
run), ``ratio`` and the load average. ``--top N`` lists the N statements sent most often, with
where in the project they came from.
"""

import argparse
import io
import os
import re
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def fresh_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_seed"
        ),
    )
    parser.add_argument("--top", type=int, default=0)
    args = parser.parse_args()
    fresh_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matching_portal.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    sent = Counter()
    here = str(ROOT) + "/"

    def count(execute, sql, params, many, context):
        if args.top:
            frames = [
                f"{Path(f.filename).name}:{f.lineno}"
                for f in traceback.extract_stack()[:-1]
                if f.filename.startswith(here)
                and "/.venv/" not in f.filename
                and not f.filename.endswith("bench/seed.py")
            ]
            sent[(re.sub(r"\d+", "N", sql)[:70], " < ".join(frames[-3:]))] += 1
        else:
            sent[""] += 1
        return execute(sql, params, many, context)

    print(f"load_average_start: {os.getloadavg()[0]:.2f}")
    with connection.execute_wrapper(count):
        wall, cpu = time.perf_counter(), time.process_time()
        call_command("seed_demo", stdout=io.StringIO())
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    queries = sum(sent.values())
    with connection.cursor() as cursor:
        floor = time.perf_counter()
        for _ in range(queries):
            cursor.execute("SELECT 1")
        floor = time.perf_counter() - floor
    print(f"seed_demo_s: {wall:.2f}")
    print(f"seed_demo_cpu_s: {cpu:.2f}")
    print(f"seed_demo_queries: {queries}")
    print(f"floor_s: {floor:.2f}")
    print(f"ratio: {wall / floor:.2f}")
    print(f"load_average_end: {os.getloadavg()[0]:.2f}")
    for (sql, origin), n in sent.most_common(args.top):
        print(f"# {n} {sql} @ {origin}")


if __name__ == "__main__":
    main()
