"""Benchmark: explained suggestions for one case among 100,000 referred homes, and the best plan
for 2,000 open cases × 2,000 homes, on PostgreSQL.

    .venv/bin/python bench/suggest.py --homes 100000 --cases 2000

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/portal_bench_suggest) names a database of
its own: it is created and migrated if missing. The data are made with set-based SQL
(``INSERT ... SELECT ... generate_series`` with ``random()``) for two bench partners:

- "Bench: suggestions": ``--homes`` referred homes (one host each) and ``--cases`` waiting cases;
- "Bench: plan": ``--plan-homes`` referred homes and ``--cases`` waiting cases.

Homes get random beds, rent, languages, pets, smoking, step-free access, dates and a place (most
in Jämtland, the rest anywhere in Sweden); cases random needs and 1–3 preferred places in Jämtland.
Data already there with the same sizes are reused (``--fresh`` makes them again); the bench's
tables are vacuumed and analysed either way, as autovacuum would. Prints one ``name: value``
line per figure.

Each figure has its floor, measured in the same run:

- suggestions for one case (``--samples`` cases, each right after its suggestions): the
  candidate query's very statement, captured from ``suggest_homes`` and sent again through a
  plain psycopg cursor, plus the scoring of the arrays it returns in numpy alone (place table
  and weights read before timing; no ORM, no model instance, no reasons in words). The
  floor's top ten must be the portal's (``suggest_floor_agrees``). ``suggest_ratio`` is
  ``suggest_p95_s / suggest_floor_p95_s``;
- the plan (``open_cases`` and ``best_plan``, as the plan page): the assignment solver
  alone (``min_weight_full_bipartite_matching``, what ``best_assignment`` uses) on the same
  graph of the same 2,000 × 2,000 matrix; best of ``--plan-repeats`` each, interleaved.
  ``plan_vs_solver`` is ``plan_s / solver_s``.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_suggest"
SUGGEST_PARTNER = "Bench: suggestions"
PLAN_PARTNER = "Bench: plan"
# Jämtland, roughly: where most homes and every preferred place of the bench are.
JAMTLAND = {"latitude": (62.2, 64.6), "longitude": (12.0, 16.6)}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--homes", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=2_000)
    parser.add_argument("--plan-homes", type=int, default=2_000)
    parser.add_argument("--samples", type=int, default=40, help="cases timed for suggestions")
    parser.add_argument("--plan-repeats", type=int, default=3, help="the plan's best of")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="make the data again")
    parser.add_argument("--explain", action="store_true", help="print the candidate query plan")
    return parser.parse_args()


def ensure_database(url: str) -> None:
    """Create the database if the server does not have it yet."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}", file=sys.stderr)


def columns_and_values(model, exprs: dict):
    """Column names, SQL expressions and their parameters for an INSERT ... SELECT into
    ``model``'s table. ``exprs`` maps field names to SQL, or to (SQL, parameters); other fields
    get NULL when nullable and their default otherwise (as a parameter), so that fields added
    later do not break the bench."""
    from django.db import connection

    columns, values, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.name in exprs:
            expression = exprs[field.name]
            if isinstance(expression, tuple):
                expression, expression_params = expression
                params.extend(expression_params)
        elif field.null:
            continue
        elif field.get_default() is not None:  # the default, or "" for a text field
            expression = "%s"
            params.append(field.get_db_prep_save(field.get_default(), connection))
        else:
            raise SystemExit(f"bench/suggest.py: no value for {model.__name__}.{field.name}")
        columns.append(connection.ops.quote_name(field.column))
        values.append(expression)
    return ", ".join(columns), ", ".join(values), params


def random_array(choices: dict[str, float]) -> str:
    """SQL for a JSON array holding each choice with its own probability (evaluated per row)."""
    items = ", ".join(f"CASE WHEN random() < {p} THEN '{code}' END" for code, p in choices.items())
    return f"to_jsonb(array_remove(ARRAY[{items}]::text[], NULL))"


HOME_LANGUAGES = {"sv": 0.9, "en": 0.6, "de": 0.05, "ar": 0.08, "fa": 0.04, "ti": 0.03, "so": 0.03}
CASE_LANGUAGES = {"ar": 0.4, "ti": 0.2, "so": 0.15, "prs": 0.15, "fa": 0.1, "en": 0.3, "uk": 0.1}


def make_homes(partner, count: int, near: list[int], anywhere: list[int], tag: str) -> None:
    from django.db import connection

    from hosts.models import Home, Host

    host_cols, host_vals, host_params = columns_and_values(
        Host,
        {
            "name": "'Bench host ' || g",
            "email": f"'bench-{tag}-' || g || '@example.org'",
            "phone": "''",
            "language": "'sv'",
            "created_at": "now()",
            "confirmed_at": "now()",
            "consent_notice_version": "'bench'",
            "consent_given_at": "now()",
            "consent_language": "'sv'",
        },
    )
    home_cols, home_vals, home_params = columns_and_values(
        Home,
        {
            "host": "hosts.id",
            "street_address": "'Benchgatan ' || hosts.id",
            "postcode": "'83130'",
            "municipality": "'2380'",  # Östersund
            "kind": "(ARRAY['room', 'whole_home', 'separate_house'])[1 + floor(random() * 3)::int]",
            "beds": "1 + floor(random() * 6)::int",
            "available_from": "current_date + (floor(random() * 150)::int - 30)",
            "available_months": "(ARRAY[NULL, 3, 6, 12, 24])[1 + floor(random() * 5)::int]",
            "rent_per_month": "2000 + 100 * floor(random() * 71)::int",
            "household_description": "'Bench'",
            "has_pets": "random() < 0.3",
            "smoking": "(ARRAY['no', 'no', 'no', 'no', 'no', 'no', 'outdoors', 'outdoors', "
            "'outdoors', 'indoors'])[1 + floor(random() * 10)::int]",
            "languages": random_array(HOME_LANGUAGES),
            "step_free_access": "random() < 0.4",
            "heard_from": "'friend'",
            "status": "'referred'",
            "status_changed_at": "now() - random() * interval '300 days'",
            "partner": ("%s", [partner.pk]),
            "place": (
                "CASE WHEN random() < 0.85 "
                "THEN (%s::bigint[])[1 + floor(random() * %s)::int] "
                "ELSE (%s::bigint[])[1 + floor(random() * %s)::int] END",
                [near, len(near), anywhere, len(anywhere)],
            ),
            "created_at": "now() - interval '300 days'",
            "updated_at": "now()",
        },
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH hosts AS (
                INSERT INTO {Host._meta.db_table} ({host_cols})
                SELECT {host_vals} FROM generate_series(1, %s) AS g
                RETURNING id
            )
            INSERT INTO {Home._meta.db_table} ({home_cols})
            SELECT {home_vals} FROM hosts
            """,
            [*host_params, count, *home_params],
        )


def make_cases(partner, count: int, near: list[int]) -> None:
    from django.db import connection

    from newcomers.models import NewcomerCase

    exprs = {
        "partner": ("%s", [partner.pk]),
        "reference": "'BENCH-' || g",
        "adults": "1 + floor(random() * 3)::int",
        "children_ages": "to_jsonb(array_remove(ARRAY["
        + ", ".join(["CASE WHEN random() < 0.4 THEN floor(random() * 18)::int END"] * 3)
        + "]::int[], NULL))",
        "languages": random_array(CASE_LANGUAGES),
        "needs_step_free_access": "random() < 0.1",
        "pet_allergy": "random() < 0.15",
        "needs_non_smoking": "random() < 0.3",
        "preferred_areas": "'[]'::jsonb",
        "needs_months": "(ARRAY[NULL, NULL, 6, 12])[1 + floor(random() * 4)::int]",
        "rent_budget": "(ARRAY[NULL, 3500, 4500, 5500, 7000])[1 + floor(random() * 5)::int]",
        "assigned_on": "current_date - floor(random() * 200)::int",
        "housing_needed_by": "current_date + floor(random() * 90)::int",
        "status": "'waiting'",
        "status_changed_at": "now()",
        "created_at": "now()",
        "updated_at": "now()",
    }
    cols, vals, params = columns_and_values(NewcomerCase, exprs)
    through = NewcomerCase.preferred_places.through
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {NewcomerCase._meta.db_table} ({cols}) "
            f"SELECT {vals} FROM generate_series(1, %s) AS g",
            [*params, count],
        )
        # 1–3 preferred places each, among Jämtland's localities.
        cursor.execute(
            f"""
            INSERT INTO {through._meta.db_table} (newcomercase_id, place_id)
            SELECT DISTINCT c.id, (%s::bigint[])[1 + floor(random() * %s)::int]
            FROM {NewcomerCase._meta.db_table} AS c
            CROSS JOIN LATERAL generate_series(1, 1 + floor(random() * 3)::int + 0 * c.id) AS k
            WHERE c.partner_id = %s
            """,
            [near, len(near), partner.pk],
        )
        cursor.execute(
            f"""
            UPDATE {NewcomerCase._meta.db_table} AS c SET preferred_areas = (
                SELECT jsonb_agg(p.name ORDER BY p.name)
                FROM {through._meta.db_table} AS t JOIN matching_place AS p ON p.id = t.place_id
                WHERE t.newcomercase_id = c.id
            )
            WHERE c.partner_id = %s
            """,
            [partner.pk],
        )


def remove_bench_data(partners) -> None:
    from django.db import connection

    ids = [p.pk for p in partners]
    with connection.cursor() as cursor:
        for statement in [
            "DELETE FROM newcomers_newcomercase_preferred_places WHERE newcomercase_id IN "
            "(SELECT id FROM newcomers_newcomercase WHERE partner_id = ANY(%s))",
            "DELETE FROM newcomers_casetransition WHERE case_id IN "
            "(SELECT id FROM newcomers_newcomercase WHERE partner_id = ANY(%s))",
            "DELETE FROM newcomers_newcomercase WHERE partner_id = ANY(%s)",
            "CREATE TEMP TABLE bench_hosts AS SELECT host_id FROM hosts_home "
            "WHERE partner_id = ANY(%s)",
            "DELETE FROM hosts_hometransition WHERE home_id IN "
            "(SELECT id FROM hosts_home WHERE partner_id = ANY(%s))",
            "DELETE FROM hosts_home WHERE partner_id = ANY(%s)",
            "DELETE FROM hosts_host WHERE id IN (SELECT host_id FROM bench_hosts)",
            "DROP TABLE bench_hosts",
        ]:
            cursor.execute(statement, [ids] if "%s" in statement else None)


def prepare(args) -> tuple:
    """The two bench partners with their data, made now unless already there."""
    from django.db import connection, transaction

    from accounts.models import Organisation
    from hosts.models import Home, Host
    from matching.models import Place
    from newcomers.models import NewcomerCase

    suggest_partner, _ = Organisation.objects.get_or_create(
        name=SUGGEST_PARTNER, defaults={"kind": Organisation.Kind.PARTNER}
    )
    plan_partner, _ = Organisation.objects.get_or_create(
        name=PLAN_PARTNER, defaults={"kind": Organisation.Kind.PARTNER}
    )

    def sizes():
        return (
            Home.objects.filter(partner=suggest_partner, status="referred").count(),
            NewcomerCase.objects.filter(partner=suggest_partner, status="waiting").count(),
            Home.objects.filter(partner=plan_partner, status="referred").count(),
            NewcomerCase.objects.filter(partner=plan_partner, status="waiting").count(),
        )

    wanted = (args.homes, args.cases, args.plan_homes, args.cases)
    if args.fresh or sizes() != wanted:
        localities = Place.objects.filter(kind=Place.Kind.LOCALITY, partner__isnull=True)
        lat, lon = JAMTLAND["latitude"], JAMTLAND["longitude"]
        near = list(
            localities.filter(latitude__range=lat, longitude__range=lon).values_list(
                "pk", flat=True
            )
        )
        anywhere = list(localities.values_list("pk", flat=True))
        if len(near) < 5:
            raise SystemExit("bench/suggest.py: the localities are missing (migration 0004)")
        started = time.perf_counter()
        with transaction.atomic():
            remove_bench_data([suggest_partner, plan_partner])
            make_homes(suggest_partner, args.homes, near, anywhere, "s")
            make_cases(suggest_partner, args.cases, near)
            make_homes(plan_partner, args.plan_homes, near, anywhere, "p")
            make_cases(plan_partner, args.cases, near)
        print(f"generate_s: {time.perf_counter() - started:.2f}")
        assert sizes() == wanted, sizes()
    # As autovacuum leaves a table in use (it may be off on a developer's server): rows
    # written in bulk and never vacuumed cost each later scan a visibility check per row, which
    # doubled the candidate query's time here. Quick when there is nothing to do.
    with connection.cursor() as cursor:
        for model in (Home, Host, NewcomerCase, NewcomerCase.preferred_places.through):
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return suggest_partner, plan_partner


def explain_candidates(case) -> None:
    """EXPLAIN ANALYZE of the queries that suggest homes for one case (to stderr)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from matching.suggestions import suggest_homes

    with CaptureQueriesContext(connection) as captured:
        suggest_homes(case)
    slowest = max(captured.captured_queries, key=lambda query: float(query["time"]))
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {slowest['sql']}")
        print("\n".join(row[0] for row in cursor.fetchall()), file=sys.stderr)


def suggest_with_statements(case):
    """``suggest_homes(case)`` and the statements it sent, as (sql, params)."""
    from django.db import connection

    from matching.suggestions import suggest_homes

    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        suggestions = suggest_homes(case)
    return suggestions, statements


def candidate_statement(statements):
    """The candidate query among a suggestion's statements: the one that hands over the numbers
    of every candidate home (joined into one text per column)."""
    found = [(sql, params) for sql, params in statements if "STRING_AGG" in sql]
    if len(found) != 1:
        raise SystemExit(f"bench/suggest.py: {len(found)} candidate queries, expected 1")
    return found[0]


class SuggestFloor:
    """The floor of one case's suggestions: the candidate query's very statement through a plain
    psycopg cursor, then the scoring of the arrays it returns in numpy alone (the place table and
    the weights read once, before timing; no ORM, no model instance, no reasons in words)."""

    def __init__(self):
        import numpy as np
        from django.db import connection

        from matching.models import MatchingWeights, Place

        rows = list(Place.objects.order_by("pk").values_list("pk", "latitude", "longitude"))
        self.place_ids = np.array([r[0] for r in rows], dtype=np.int64)
        self.lat = np.radians(np.array([r[1] for r in rows], dtype=np.float64))
        self.lon = np.radians(np.array([r[2] for r in rows], dtype=np.float64))
        self.weights = MatchingWeights.current()
        connection.ensure_connection()
        self.raw = connection.connection  # the psycopg connection itself

    def case_terms(self, case, today):
        """What the scoring needs of the case (read before timing: the portal reads it too
        before its candidate query)."""
        import numpy as np

        from matching.suggestions import language_mask

        places = list(case.preferred_places.all())
        return {
            "mask": language_mask(case.languages),
            "lat": np.radians(np.array([p.latitude for p in places], dtype=np.float64)),
            "lon": np.radians(np.array([p.longitude for p in places], dtype=np.float64)),
            "budget": float(case.rent_budget or 0),
            "waited": float(max((today - case.assigned_on).days, 0)),
        }

    def run(self, statement, terms, limit=10):
        """Seconds for the statement and the scoring, and the top ``limit`` (home id, score)."""
        from django.utils import timezone

        sql, params = statement
        started = time.perf_counter()
        with self.raw.cursor() as cursor:
            cursor.execute(sql, params)
            names = [column.name for column in cursor.description]
            row = dict(zip(names, cursor.fetchone(), strict=True))
        top = self.score(row, terms, timezone.now().timestamp(), limit)
        return time.perf_counter() - started, top

    def score(self, row, terms, now, limit):
        import numpy as np

        w = self.weights
        if not row["ids"]:
            return []
        ids = np.fromstring(row["ids"], sep=",").astype(np.int64)
        rent = np.fromstring(row["rent"], sep=",")
        place = np.fromstring(row["place"], sep=",").astype(np.int64)
        masks = np.fromstring(row["masks"], sep=",").astype(np.int64)
        changed = np.fromstring(row["changed"], sep=",")
        scale = 100 / ((w.language + w.distance + w.rent + w.case_waiting + w.home_waiting) or 1)
        radius = max(w.area_radius_km, 1)
        long_wait = max(w.long_wait_days, 1)
        # Closeness per place (haversine to the nearest preferred place), then per home.
        if len(terms["lat"]):
            lat, lon = self.lat[:, None], self.lon[:, None]
            a = (
                np.sin((lat - terms["lat"][None, :]) / 2) ** 2
                + np.cos(lat)
                * np.cos(terms["lat"][None, :])
                * np.sin((lon - terms["lon"][None, :]) / 2) ** 2
            )
            km = (2 * 6371.0 * np.arcsin(np.sqrt(a))).min(axis=1)
            per_place = np.append(np.clip(1 - km / radius, 0, 1), 0.0)  # last: no place
        else:
            per_place = np.full(len(self.place_ids) + 1, 0.5)
        position = np.searchsorted(self.place_ids, place).clip(0, max(len(self.place_ids) - 1, 0))
        position = np.where(self.place_ids[position] == place, position, len(self.place_ids))
        score = w.distance * scale * per_place[position]
        score += w.language * scale * ((masks & terms["mask"]) != 0)
        budget = terms["budget"]
        if budget > 0:
            score += w.rent * scale * np.clip(1 - np.maximum(rent - budget, 0) / budget, 0, 1)
        else:
            score += w.rent * scale * 0.5
        score += w.case_waiting * scale * min(terms["waited"] / long_wait, 1.0)
        waited = np.floor((now - changed) / 86400.0)
        score += w.home_waiting * scale * np.clip(waited / long_wait, 0, 1)
        order = np.lexsort((ids, -score))[:limit]
        return [(int(ids[i]), round(float(score[i]), 1)) for i in order]


def main() -> None:
    args = parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench/suggest.py runs on PostgreSQL only (DATABASE_URL=postgres://...)")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matching_portal.settings")
    ensure_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False  # no query log while timing
    call_command("migrate", verbosity=0, interactive=False)

    import numpy as np
    from django.utils import timezone
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    from matching.models import MatchingWeights
    from matching.suggestions import (
        assignment_graph,
        best_plan,
        fit_matrix,
        open_cases,
        suggest_homes,
    )
    from newcomers.models import NewcomerCase

    suggest_partner, plan_partner = prepare(args)
    rng = random.Random(args.seed)

    # Suggestions for one case at a time, as the case page shows them; each followed by its
    # floor (the same candidate statement bare, and the scoring in numpy alone).
    case_ids = list(
        NewcomerCase.objects.filter(partner=suggest_partner).values_list("pk", flat=True)
    )
    sample = rng.sample(case_ids, min(args.samples, len(case_ids)))
    floor = SuggestFloor()
    today = timezone.localdate()
    suggest_homes(NewcomerCase.objects.get(pk=sample[0]))  # warm up
    times, floor_times, found, agree = [], [], [], 0
    for case_id in sample:
        case = NewcomerCase.objects.get(pk=case_id)
        started = time.perf_counter()
        suggestions = suggest_homes(case)
        times.append(time.perf_counter() - started)
        found.append(len(suggestions))
        _again, statements = suggest_with_statements(case)
        statement = candidate_statement(statements)
        floor_s, top = floor.run(statement, floor.case_terms(case, today))
        floor_times.append(floor_s)
        agree += top == [(s.home_id, s.score) for s in suggestions]
    if args.explain:
        explain_candidates(NewcomerCase.objects.get(pk=sample[int(np.argmax(times))]))

    # The plan for all open cases of the plan partner, as the plan page makes it, and the
    # assignment solver alone on the same matrix's graph; best of --plan-repeats, interleaved.
    weights = MatchingWeights.current()
    plan_times, solver_times = [], []
    for _repeat in range(args.plan_repeats):
        started = time.perf_counter()
        cases = open_cases(plan_partner.pk)
        plan = best_plan(cases)
        plan_times.append(time.perf_counter() - started)
        assert plan.total >= plan.greedy_total, (plan.total, plan.greedy_total)
        matrix, _cases, _home_ids = fit_matrix(cases, weights)
        graph = assignment_graph(matrix)
        started = time.perf_counter()
        if graph is not None:
            min_weight_full_bipartite_matching(graph)
        solver_times.append(time.perf_counter() - started)
    plan_s, solver_s = min(plan_times), min(solver_times)
    suggest_p95 = float(np.percentile(times, 95))
    floor_p95 = float(np.percentile(floor_times, 95))

    figures = {
        "homes": args.homes,
        "cases": args.cases,
        "plan_homes": args.plan_homes,
        "suggest_samples": len(times),
        "suggest_one_case_s": f"{statistics.median(times):.4f}",
        "suggest_one_case_p95_s": f"{suggest_p95:.4f}",
        "suggest_one_case_max_s": f"{max(times):.4f}",
        "suggest_p95_s": f"{suggest_p95:.4f}",
        "suggest_floor_s": f"{statistics.median(floor_times):.4f}",
        "suggest_floor_p95_s": f"{floor_p95:.4f}",
        "suggest_ratio": f"{suggest_p95 / floor_p95:.2f}",
        "suggest_floor_agrees": f"{agree}/{len(sample)}",
        "suggestions_found_median": statistics.median(found),
        "plan_s": f"{plan_s:.3f}",
        "solver_s": f"{solver_s:.3f}",
        "plan_vs_solver": f"{plan_s / solver_s:.2f}" if solver_s else "n/a",
        "plan_edges": 0 if graph is None else graph.nnz,
        "plan_fit": plan.total,
        "greedy_fit": plan.greedy_total,
        "plan_pairs": len(plan.pairs),
        "greedy_pairs": len(plan.greedy_pairs),
    }
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
