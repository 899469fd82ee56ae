"""Benchmark of the partnership report and the national roll-up at national scale, on PostgreSQL.

    .venv/bin/python bench/report.py --registrations 200000 --municipalities 290 --partnerships 30

Uses DATABASE_URL, or postgres://postgres@127.0.0.1:5432/portal_bench_report; the database is
made afresh and migrated (``--keep`` reuses it and its data as they are). The script makes a
national year (2025) of work set-based (INSERT ... SELECT over generate_series, copying one row
made by the ORM so that it follows new columns): ``--municipalities`` of Sweden's municipalities
spread over ``--partnerships`` local groups of one volunteer organisation, each group with its
partnership (its municipalities, its group, its own partner); homes spread over the
municipalities (routed to the covering group, referred to that partnership's partner or, one in
five, to another partner), volunteers in the groups (one in ten of another organisation), calls
and visits by the home's group. First a quarter of ``--registrations`` hosts with a home each,
then it grows to the full number. Per registration about ten call attempts and five history rows
(homes and matches): at 200,000 registrations some 2 million call attempts and 1 million
transitions, with the home visits, newcomer cases and matches that go with them; 2 % of the homes
are merged away as duplicates and 4 % registered outside the year.

At each scale a fresh process (so that its peak memory is this measurement's own) times, best of
three with PostgreSQL's JIT off, ``reports.metrics.compute_figures`` for the first partnership
and ``reports.metrics.national_rollup`` for the organisation's year (every partnership by
municipality), each against its SQL floor: the very statements it sends, captured and replayed
bare through one cursor in the same run. Then the PDF and the XLSX, the roll-up's XLSX, and the
independent recount of the partnership with ``bench/recount.py`` (SQL written from the
definitions the report prints, not from ``metrics.py``), compared figure by figure. Prints
``machine: ...``, then per scale ``scale: ...`` and one ``name: value`` per line: registrations,
call_attempts, transitions, home_visits, registrations_in_period, generate_s, report_s,
report_floor_s, report_vs_floor, report_queries, rollup_partnerships, rollup_rows, rollup_s,
rollup_floor_s, rollup_vs_floor, rollup_queries, report_python_peak_mb and rollup_python_peak_mb
(tracemalloc), report_jit_default_s, recount_s, pdf_s, xlsx_s, national_xlsx_s,
peak_rss_start_mb (after start-up), peak_rss_figures_mb (after the figures and the roll-up),
peak_rss_mb (after the documents; VmHWM), figures_match, and ``recount_<figure>: value`` for each
recounted figure. Exits non-zero if the figures differ.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_report"
PARTNERSHIP = "Bench: national year 2025"
TZ = "Europe/Stockholm"
STOCKHOLM = ZoneInfo(TZ)
YEAR_START = date(2025, 1, 1)
YEAR_END = date(2025, 12, 31)
REACHED_WITHIN_DAYS = 3


# The database -----------------------------------------------------------------------------


def ensure_database(url: str, *, fresh: bool) -> None:
    """Create the database named in ``url`` (dropping it first if ``fresh``)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        if fresh:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matching_portal.settings")
    sys.path.insert(0, str(ROOT))
    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)


def execute(sql: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def scalar(sql: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def copy_rows(model, template_pk: int, source: str, overrides: dict[str, str]) -> int:
    """INSERT a copy of row ``template_pk`` of ``model`` once per row of ``source`` (SQL giving
    rows aliased ``p``), with some columns computed (``overrides``: column -> SQL over t and p;
    an ``id`` override sets the primary key)."""
    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    if "id" in overrides:
        columns.insert(0, "id")
    values = [overrides.get(column, f't."{column}"') for column in columns]
    column_list = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table}" ({column_list}) SELECT {", ".join(values)} FROM "{table}" t, {source}'
    return execute(sql.replace("%", "%%") + " WHERE t.id = %s", [template_pk])


# The data ---------------------------------------------------------------------------------


def prepare(n_municipalities: int, n_partnerships: int) -> dict:
    """The organisations, the local groups and the partnerships (the measured one with its
    targets), and one row of each kind that the set-based inserts copy (made in 2019 and never
    in a figure).

    The first ``n_municipalities`` of Sweden's municipalities (by code) are spread over
    ``n_partnerships`` local groups of one volunteer organisation (municipality i to group
    i mod n); partnership j is group j's, with its municipalities and its own partner."""
    from accounts.models import GroupMunicipality, LocalGroup, Organisation, User
    from hosts.models import Home, Host
    from matching.models import Match
    from municipalities.models import Municipality
    from newcomers.models import NewcomerCase
    from reports.models import Metric, Partnership, Target
    from volunteers.models import CallAttempt, HomeVisit

    old = datetime(2019, 6, 1, 12, tzinfo=STOCKHOLM)
    volunteers_org = Organisation.objects.create(
        name="Bench volunteers", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
    )
    partner = Organisation.objects.create(name="Bench partner", kind=Organisation.Kind.PARTNER)
    other = Organisation.objects.create(name="Bench other partner", kind=Organisation.Kind.PARTNER)
    company = Organisation.objects.create(
        name="Bench housing", kind=Organisation.Kind.HOUSING_COMPANY
    )
    codes = list(Municipality.objects.order_by("code").values_list("code", flat=True))
    codes = codes[:n_municipalities]
    groups, partners = [], [partner]
    for j in range(n_partnerships):
        groups.append(
            LocalGroup.objects.create(organisation=volunteers_org, name=f"Bench group {j:02d}")
        )
        if j:
            partners.append(
                Organisation.objects.create(
                    name=f"Bench partner {j:02d}", kind=Organisation.Kind.PARTNER
                )
            )
    GroupMunicipality.objects.bulk_create(
        GroupMunicipality(group=groups[i % n_partnerships], municipality_id=code)
        for i, code in enumerate(codes)
    )
    partnerships = []
    for j in range(n_partnerships):
        partnerships.append(
            Partnership.objects.create(
                name=PARTNERSHIP if j == 0 else f"Bench: partnership {j:02d} 2025",
                volunteer_organisation=volunteers_org,
                local_group=groups[j],
                partner=partners[j],
                housing_company=company if j == 0 else None,
                period_start=YEAR_START,
                period_end=YEAR_END,
            )
        )
        partnerships[j].municipalities.set(codes[j::n_partnerships])
    partnership = partnerships[0]
    execute(
        "CREATE TABLE bench_municipality (idx integer PRIMARY KEY, code text NOT NULL, "
        "group_id bigint NOT NULL, partner_id bigint NOT NULL)"
    )
    for i, code in enumerate(codes):
        j = i % n_partnerships
        execute(
            "INSERT INTO bench_municipality VALUES (%s, %s, %s, %s)",
            [i, code, groups[j].pk, partners[j].pk],
        )
    for metric, goal in (
        (Metric.NEW_REGISTRATIONS, 180_000),
        (Metric.REACHED_WITHIN_DAYS, 100_000),
        (Metric.HOME_VISITS, 90_000),
        (Metric.HOMES_REFERRED, 50_000),
        (Metric.MATCHES_APPROVED, 30_000),
        (Metric.HOUSEHOLDS_HOUSED, 25_000),
        (Metric.ACTIVE_VOLUNTEERS, 1_500),
        (Metric.DAYS_TO_CONTACT, 3),
        (Metric.DAYS_TO_VISIT, 14),
        (Metric.DAYS_TO_MOVE_IN, 60),
    ):
        Target.objects.create(
            partnership=partnership, metric=metric, goal=goal, within_days=REACHED_WITHIN_DAYS
        )
    user = User.objects.create(
        username="bench-template", organisation=other, password="!", date_joined=old
    )
    host = Host.objects.create(
        name="Mall",
        email="template@bench.example",
        phone="+46700000000",
        created_at=old,
        consent_notice_version="2026-11-01",
        consent_given_at=old,
        consent_language="sv",
    )
    home = Home.objects.create(
        host=host,
        street_address="Mallgatan 1",
        postcode="83130",
        municipality_id="2380",
        kind=Home.Kind.ROOM,
        beds=1,
        available_from=old.date(),
        available_months=6,
        rent_per_month=3500,
        household_description="Två vuxna.",
        smoking=Home.Smoking.NO,
        languages=["sv"],
        heard_from=Home.HeardFrom.FRIEND,
        created_at=old,
        status_changed_at=old,
    )
    case = NewcomerCase.objects.create(
        partner=other,
        reference="BENCH-TEMPLATE",
        adults=2,
        assigned_on=old.date(),
        housing_needed_by=old.date() + timedelta(days=90),
        created_at=old,
    )
    match = Match.objects.create(
        home=home, case=case, status=Match.Status.CANCELLED, created_at=old
    )
    attempt = CallAttempt.objects.create(home=home, volunteer=user, outcome="no_answer")
    CallAttempt.objects.filter(pk=attempt.pk).update(created_at=old)
    visit = HomeVisit.objects.create(
        home=home, starts_at=old, status=HomeVisit.Status.CANCELLED, created_at=old
    )
    execute(
        "CREATE TABLE bench_volunteer (idx integer PRIMARY KEY, id bigint NOT NULL); "
        "CREATE TABLE bench_state (key text PRIMARY KEY, value bigint NOT NULL)"
    )
    return {
        "municipalities": len(codes),
        "partnerships": n_partnerships,
        "groups": [group.pk for group in groups],
        "partnership": partnership.pk,
        "volunteers_org": volunteers_org.pk,
        "partner": partner.pk,
        "other": other.pk,
        "user": user.pk,
        "host": host.pk,
        "home": home.pk,
        "case": case.pk,
        "match": match.pk,
        "attempt": attempt.pk,
        "visit": visit.pk,
    }


def grow(ids: dict, lo: int, hi: int) -> None:
    """Registrations lo+1 .. hi: hosts and homes with their history, calls, visits, matches."""
    from accounts.models import User
    from hosts.models import Home, Host
    from matching.models import Match
    from newcomers.models import NewcomerCase
    from volunteers.models import CallAttempt, HomeVisit

    execute("SET synchronous_commit = off")
    base = ids["home"] + 1  # homes and hosts get ids base + n, after the templates
    assert ids["host"] < base

    # Volunteers: one for every hundred registrations, each in a local group (volunteer i in
    # group i mod the number of groups), nine in ten of the volunteer organisation (the tenth of
    # another one, in no group).
    n_groups = ids["partnerships"]
    group_list = ", ".join(str(pk) for pk in ids["groups"])
    have = scalar("SELECT count(*) FROM bench_volunteer")
    want = max(-(-hi // (100 * n_groups)), 1) * n_groups
    copy_rows(
        User,
        ids["user"],
        f"generate_series({have}, {want - 1}) p",
        {
            "username": "'bench-volunteer-' || p",
            "email": "'volunteer' || p || '@bench.example'",
            "first_name": "'Volontär'",
            "last_name": "p::text",
            "organisation_id": f"CASE WHEN (p / {n_groups}) % 10 = 9 THEN {ids['other']} "
            f"ELSE {ids['volunteers_org']} END",
            "local_group_id": f"CASE WHEN (p / {n_groups}) % 10 = 9 THEN NULL "
            f"ELSE (ARRAY[{group_list}])[p % {n_groups} + 1] END",
        },
    )
    execute(
        "INSERT INTO bench_volunteer (idx, id) SELECT substr(username, 17)::int, id "
        "FROM accounts_user WHERE username LIKE 'bench-volunteer-%%' "
        "AND substr(username, 17)::int >= %s",
        [have],
    )
    n_volunteers = want
    per_group = n_volunteers // n_groups

    # The plan: when each home reached each step (NULL: never), drawn at random.
    execute("DROP TABLE IF EXISTS bench_plan")
    execute(
        f"""
        CREATE TABLE bench_plan AS
        WITH g AS (
            SELECT g AS n, {base} + g AS id, random() AS rr,
                   random() AS r1, random() AS r2, random() AS r3, random() AS r4,
                   random() AS r5, random() AS r6, random() AS r7, random() AS r8,
                   random() AS r9, random() AS d1, random() AS d2, random() AS d3,
                   random() AS d4, random() AS d5, random() AS d6, random() AS d7
            FROM generate_series({lo + 1}, {hi}) g
        ), r AS (
            SELECT g.*, CASE
                WHEN rr < 0.02 THEN timestamptz '2024-12-01 00:00+01' + rr / 0.02 * interval '31 days'
                WHEN rr < 0.04 THEN timestamptz '2026-01-01 00:00+01'
                                    + (rr - 0.02) / 0.02 * interval '31 days'
                ELSE timestamptz '2025-01-01 00:00+01' + (rr - 0.04) / 0.96 * interval '365 days'
            END AS reg
            FROM g
        )
        SELECT r.n, r.id, r.reg, bm.code AS municipality, bm.group_id, bm.idx % {n_groups} AS g,
               c.contacted_at, b.booked_at, v.visited_at, f.referred_at,
               m.matched_at, i.moved_in_at, r.d4, r.r8,
               CASE WHEN r.r7 < 0.5 THEN c.contacted_at + interval '2 days' END AS paused_at,
               CASE WHEN c.contacted_at IS NULL THEN r.reg + interval '15 days'
               END AS unreachable_at,
               CASE WHEN r.d6 < 0.4 THEN i.moved_in_at + interval '60 days' END AS ended_at,
               CASE WHEN f.referred_at IS NULL AND r.r7 < 0.3 THEN v.visited_at + interval '20 days'
               END AS withdrawn_at,
               CASE WHEN r.r8 < 0.8 THEN bm.partner_id ELSE {ids["other"]} END AS partner,
               CASE WHEN r.r9 < 0.02 AND r.n > {lo + 1} THEN r.id - 1 END AS duplicate_of,
               4 + floor(r.d7 * 13)::int AS calls
        FROM r
        JOIN bench_municipality bm ON bm.idx = (r.n * 7) % {ids["municipalities"]}
        CROSS JOIN LATERAL (SELECT CASE WHEN r.r1 < 0.85
            THEN r.reg + (0.02 + 12 * r.d1 * r.d1) * interval '1 day' END AS contacted_at) c
        CROSS JOIN LATERAL (SELECT CASE WHEN r.r2 < 0.65  -- after the pause, if one
            THEN c.contacted_at + ((CASE WHEN r.r7 < 0.5 THEN 10 ELSE 0 END) + 0.5 + 6 * r.d2)
                 * interval '1 day' END AS booked_at) b
        CROSS JOIN LATERAL (SELECT CASE WHEN r.r3 < 0.9
            THEN b.booked_at + (1 + 10 * r.d3) * interval '1 day' END AS visited_at) v
        CROSS JOIN LATERAL (SELECT CASE WHEN r.r4 < 0.7
            THEN v.visited_at + (1 + 9 * r.d4) * interval '1 day' END AS referred_at) f
        CROSS JOIN LATERAL (SELECT CASE WHEN r.r5 < 0.5
            THEN f.referred_at + (5 + 40 * r.d5) * interval '1 day' END AS matched_at) m
        CROSS JOIN LATERAL (SELECT CASE WHEN r.r6 < 0.85
            THEN m.matched_at + (3 + 30 * r.d6) * interval '1 day' END AS moved_in_at) i
        """
    )
    execute("CREATE INDEX ON bench_plan (id)")
    execute("ANALYZE bench_plan")

    status = """CASE
        WHEN p.matched_at IS NOT NULL THEN 'matched'
        WHEN p.referred_at IS NOT NULL THEN 'referred'
        WHEN p.withdrawn_at IS NOT NULL THEN 'withdrawn'
        WHEN p.visited_at IS NOT NULL THEN 'visited'
        WHEN p.booked_at IS NOT NULL THEN 'visit_booked'
        WHEN p.contacted_at IS NOT NULL THEN 'contacted'
        WHEN p.unreachable_at IS NOT NULL THEN 'unreachable'
        ELSE 'registered' END"""
    copy_rows(
        Host,
        ids["host"],
        "bench_plan p",
        {
            "id": "p.id",
            "name": "'Värd ' || p.n",
            "email": "'host' || p.n || '@bench.example'",
            "phone": "'+4670' || lpad(p.n::text, 7, '0')",
            "created_at": "p.reg",
            "confirmed_at": "p.reg",
            "consent_given_at": "p.reg",
        },
    )
    copy_rows(
        Home,
        ids["home"],
        "bench_plan p",
        {
            "id": "p.id",
            "host_id": "p.id",
            "street_address": "'Storgatan ' || p.n",
            "status": status,
            "status_changed_at": "p.reg",
            "created_at": "p.reg",
            "updated_at": "now()",
            "partner_id": "CASE WHEN p.referred_at IS NOT NULL THEN p.partner END",
            "duplicate_of_id": "p.duplicate_of",
            "municipality_id": "p.municipality",
            "local_group_id": "p.group_id",
        },
    )
    execute(
        """
        INSERT INTO hosts_hometransition
            (from_state, to_state, actor_kind, reason, created_at, home_id)
        SELECT s.from_state, s.to_state, s.actor_kind, '', s.at, p.id
        FROM bench_plan p CROSS JOIN LATERAL (VALUES
            ('', 'registered', 'host', p.reg),
            ('registered', 'contacted', 'user', p.contacted_at),
            ('contacted', 'visit_booked', 'user', p.booked_at),
            ('visit_booked', 'visited', 'user', p.visited_at),
            ('visited', 'referred', 'user', p.referred_at),
            ('referred', 'matched', 'user', p.matched_at),
            ('contacted', 'paused', 'host', p.paused_at),
            ('paused', 'contacted', 'host', p.paused_at + interval '7 days'),
            ('registered', 'unreachable', 'system', p.unreachable_at),
            ('visited', 'withdrawn', 'host', p.withdrawn_at),
            -- a pause after the referral and the resume: no new referral
            ('referred', 'paused', 'host',
             CASE WHEN p.d4 < 0.2 THEN p.referred_at + interval '1 hour' END),
            ('paused', 'referred', 'host',
             CASE WHEN p.d4 < 0.2 THEN p.referred_at + interval '2 hours' END)
        ) AS s (from_state, to_state, actor_kind, at)
        WHERE s.at IS NOT NULL
        """
    )
    # About ten calls per registration, by the volunteers in turn.
    copy_rows(
        CallAttempt,
        ids["attempt"],
        "bench_plan p CROSS JOIN LATERAL generate_series(1, p.calls) k "
        f"JOIN bench_volunteer v ON v.idx = ((p.n * 31 + k * 7919) % {per_group}) * {n_groups} + p.g",
        {
            "home_id": "p.id",
            "volunteer_id": "v.id",
            "outcome": "CASE WHEN k = p.calls AND p.contacted_at IS NOT NULL THEN 'interested' "
            "WHEN k = 1 AND p.r8 < 0.3 THEN 'not_now' ELSE 'no_answer' END",
            "created_at": "p.reg + (k * 0.6 + random() * 0.5) * interval '1 day'",
        },
    )
    # A visit for every booking: reported when the home was visited, else cancelled.
    first_visit = scalar("SELECT coalesce(max(id), 0) FROM volunteers_homevisit")
    copy_rows(
        HomeVisit,
        ids["visit"],
        "(SELECT * FROM bench_plan WHERE booked_at IS NOT NULL) p",
        {
            "home_id": "p.id",
            "starts_at": "coalesce(p.visited_at - interval '2 hours', p.booked_at + interval '3 days')",
            "status": "CASE WHEN p.visited_at IS NOT NULL THEN 'reported' ELSE 'cancelled' END",
            "verdict": "CASE WHEN p.visited_at IS NOT NULL THEN 'suitable' ELSE '' END",
            "reported_at": "p.visited_at",
            "created_at": "p.booked_at",
        },
    )
    execute(
        f"""
        INSERT INTO volunteers_homevisit_volunteers (homevisit_id, user_id)
        SELECT hv.id, v.id FROM volunteers_homevisit hv
        JOIN bench_plan p ON p.id = hv.home_id
        JOIN bench_volunteer v ON v.idx IN (((p.n * 13) %% {per_group}) * {n_groups} + p.g,
                                            ((p.n * 13 + 1) %% {per_group}) * {n_groups} + p.g)
        WHERE hv.id > %s
        """,
        [first_visit],
    )
    # A newcomer case for every match, and the match with its history.
    copy_rows(
        NewcomerCase,
        ids["case"],
        "(SELECT * FROM bench_plan WHERE matched_at IS NOT NULL) p",
        {
            "partner_id": "p.partner",
            "reference": "'BENCH-' || p.n",
            "assigned_on": "(p.reg - interval '60 days')::date",
            "housing_needed_by": "(p.reg + interval '90 days')::date",
            "status": "CASE WHEN p.moved_in_at IS NOT NULL THEN 'housed' ELSE 'matched' END",
            "establishment_ends_on": "(p.reg + interval '670 days')::date",
            "created_at": "p.reg - interval '60 days'",
            "updated_at": "now()",
        },
    )
    copy_rows(
        Match,
        ids["match"],
        "(SELECT b.*, c.id AS case_id FROM bench_plan b JOIN newcomers_newcomercase c "
        "ON c.partner_id = b.partner AND c.reference = 'BENCH-' || b.n "
        "WHERE b.matched_at IS NOT NULL) p",
        {
            "home_id": "p.id",
            "case_id": "p.case_id",
            "status": "CASE WHEN p.ended_at IS NOT NULL THEN 'ended' "
            "WHEN p.moved_in_at IS NOT NULL THEN 'moved_in' ELSE 'approved' END",
            "status_changed_at": "coalesce(p.moved_in_at, p.matched_at)",
            "move_in_date": f"(p.moved_in_at AT TIME ZONE '{TZ}')::date",
            "created_at": "p.matched_at - interval '2 days'",
            "updated_at": "now()",
        },
    )
    execute(
        """
        INSERT INTO matching_matchtransition
            (from_state, to_state, actor_kind, reason, created_at, match_id)
        SELECT s.from_state, s.to_state, 'user', '', s.at, m.id
        FROM bench_plan p JOIN matching_match m ON m.home_id = p.id
        CROSS JOIN LATERAL (VALUES
            ('', 'proposed', p.matched_at - interval '2 days'),
            ('proposed', 'approved', p.matched_at),
            ('approved', 'moved_in', p.moved_in_at),
            ('moved_in', 'ended', p.ended_at)
        ) AS s (from_state, to_state, at)
        WHERE s.at IS NOT NULL
        """
    )
    # Households whose two-year establishment period ended around the year, with an outcome.
    copy_rows(
        NewcomerCase,
        ids["case"],
        f"generate_series({lo // 100 + 1}, {hi // 100}) p",
        {
            "partner_id": f"CASE WHEN p % 5 = 4 THEN {ids['other']} "
            "ELSE (SELECT partner_id FROM bench_municipality "
            f"WHERE idx = p % {ids['municipalities']}) END",
            "reference": "'BENCH-OLD-' || p",
            "assigned_on": "date '2023-01-01' + (p % 700)",
            "establishment_ends_on": "date '2025-01-01' + (p % 700)",
            "status": "'housed'",
            "outcome": "(ARRAY['in_work', 'in_work', 'in_work', 'in_work', 'in_work', "
            "'in_studies', 'in_studies', 'other', 'other', ''])[p % 10 + 1]",
        },
    )
    execute("DROP TABLE bench_plan")
    for table in ("hosts_host", "hosts_home"):
        execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    execute("ANALYZE")


def counts() -> dict:
    return {
        "registrations": scalar("SELECT count(*) FROM hosts_home") - 1,  # less the template
        "call_attempts": scalar("SELECT count(*) FROM volunteers_callattempt"),
        "transitions": scalar(
            "SELECT (SELECT count(*) FROM hosts_hometransition)"
            " + (SELECT count(*) FROM matching_matchtransition)"
        ),
        "home_visits": scalar("SELECT count(*) FROM volunteers_homevisit"),
    }


# One measurement, in its own process ----------------------------------------------------------


def best_of(n: int, work) -> tuple[float, object]:
    """The shortest of ``n`` runs of ``work()``, and its last result."""
    times, result = [], None
    for _ in range(n):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


def captured_sql(work) -> list[str]:
    """The SQL statements ``work()`` sends, with their parameters filled in."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        work()
    return [query["sql"] for query in captured.captured_queries]


def replay(statements: list[str]) -> None:
    """The SQL floor: the same statements, sent bare through one cursor, rows fetched and
    dropped (no ORM, no Python objects beyond the rows)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)  # no parameters: the statement as it was sent
            cursor.fetchall()


def python_peak_mb(work) -> float:
    """The peak of Python's own allocations (tracemalloc) while ``work()`` runs."""
    import tracemalloc

    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()


def measure() -> dict:
    """Time one partnership's figures and the national roll-up (best of three with PostgreSQL's
    JIT off), each against its SQL floor: the very statements it sends, replayed bare (best of
    three). Then the documents, and the independent recount of the partnership, compared figure
    by figure. Peak memory: Python's own (tracemalloc) for each, and the process's (VmHWM)."""
    from django.utils import translation

    from bench.recount import differences, recount, reported
    from reports import documents, metrics
    from reports.models import Partnership

    partnership = Partnership.objects.get(name=PARTNERSHIP)
    organisation = partnership.volunteer_organisation
    as_of = partnership.period_end
    year = as_of.year
    rss_start = peak_rss_mb()
    within = (REACHED_WITHIN_DAYS, 7)
    with translation.override("sv"):
        execute("SET jit = off")

        def report():
            return metrics.compute_figures(partnership, as_of=as_of)

        def rollup():
            return metrics.national_rollup(organisation, year, as_of=as_of)

        report_s, figures = best_of(3, report)
        report_sql = captured_sql(report)
        report_floor_s, _ = best_of(3, lambda: replay(report_sql))
        rollup_s, national = best_of(3, rollup)
        rollup_sql = captured_sql(rollup)
        rollup_floor_s, _ = best_of(3, lambda: replay(rollup_sql))
        report_py_mb = python_peak_mb(report)
        rollup_py_mb = python_peak_mb(rollup)
        execute("RESET jit")
        jit_s, _ = best_of(2, report)
        rss_figures = peak_rss_mb()
        pdf_s, pdf = best_of(1, lambda: documents.render_pdf(figures))
        xlsx_s, xlsx = best_of(1, lambda: documents.render_xlsx(figures))
        national_xlsx_s, national_xlsx = best_of(
            1, lambda: documents.render_national_xlsx(national)
        )
        rss = peak_rss_mb()
        recount_s, counted = best_of(
            1, lambda: recount(partnership=partnership, as_of=as_of, within_days=within)
        )
        diffs = differences(reported(figures, within_days=within), counted)
    return {
        "report_s": report_s,
        "report_floor_s": report_floor_s,
        "report_queries": len(report_sql),
        "rollup_s": rollup_s,
        "rollup_floor_s": rollup_floor_s,
        "rollup_queries": len(rollup_sql),
        "rollup_rows": sum(len(block["rows"]) for block in national["partnerships"]),
        "rollup_partnerships": len(national["partnerships"]),
        "report_python_peak_mb": report_py_mb,
        "rollup_python_peak_mb": rollup_py_mb,
        "report_jit_default_s": jit_s,
        "peak_rss_start_mb": rss_start,
        "recount_s": recount_s,
        "recount": {
            **counted["totals"],
            **{f"reached_within_{n}_days": counted["within"][n] for n in within},
            **{
                f"funnel_{step}": count
                for step, count in zip(metrics.FUNNEL, counted["funnel"], strict=True)
            },
            **{
                f"{key}_median_days": value["median"]
                for key, value in counted["lead_times"].items()
            },
            "outcomes_share_in_work": counted["outcomes"]["share_in_work"],
        },
        "pdf_s": pdf_s,
        "xlsx_s": xlsx_s,
        "national_xlsx_s": national_xlsx_s,
        "pdf_kb": len(pdf) // 1024,
        "xlsx_kb": len(xlsx) // 1024,
        "national_xlsx_kb": len(national_xlsx) // 1024,
        "peak_rss_figures_mb": rss_figures,
        "peak_rss_mb": rss,
        "differences": diffs,
        "registrations_in_period": figures["totals"]["registrations"],
    }


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike getrusage's ru_maxrss, it does not
    carry over the parent's peak into a process started with vfork and exec)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registrations", type=int, default=200_000)
    parser.add_argument("--municipalities", type=int, default=290)
    parser.add_argument("--partnerships", type=int, default=30)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--keep", action="store_true", help="reuse the database and its data")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        setup_django(args.database_url)
        print(json.dumps(measure()))
        return 0

    ensure_database(args.database_url, fresh=not args.keep)
    setup_django(args.database_url)
    from django.core.management import call_command

    from reports.models import Partnership

    call_command("migrate", verbosity=0)
    if args.keep and Partnership.objects.filter(name=PARTNERSHIP).exists():
        steps = [None]
    else:
        ids = prepare(args.municipalities, args.partnerships)
        steps = [args.registrations // 4, args.registrations]
    print(f"machine: {os.cpu_count()} cores, {_memory_gb():.0f} GiB", flush=True)
    done, ok = 0, True
    for target in steps:
        started = time.perf_counter()
        if target is not None:
            grow(ids, done, target)
            done = target
        generate_s = time.perf_counter() - started
        sizes = counts()
        result = subprocess.run(  # noqa: S603 (this script, measuring in a fresh process)
            [sys.executable, __file__, "--measure", "--database-url", args.database_url],
            capture_output=True,
            text=True,
        )
        if result.returncode:
            print(result.stdout + result.stderr, file=sys.stderr)
            return result.returncode
        measured = json.loads(result.stdout.strip().splitlines()[-1])
        print(f"scale: {sizes['registrations']} registrations", flush=True)
        lines = {
            **sizes,
            "registrations_in_period": measured["registrations_in_period"],
            "generate_s": f"{generate_s:.1f}",
            "report_s": f"{measured['report_s']:.3f}",
            "report_floor_s": f"{measured['report_floor_s']:.3f}",
            "report_vs_floor": f"{measured['report_s'] / measured['report_floor_s']:.2f}",
            "report_queries": measured["report_queries"],
            "rollup_partnerships": measured["rollup_partnerships"],
            "rollup_rows": measured["rollup_rows"],
            "rollup_s": f"{measured['rollup_s']:.3f}",
            "rollup_floor_s": f"{measured['rollup_floor_s']:.3f}",
            "rollup_vs_floor": f"{measured['rollup_s'] / measured['rollup_floor_s']:.2f}",
            "rollup_queries": measured["rollup_queries"],
            "report_python_peak_mb": f"{measured['report_python_peak_mb']:.1f}",
            "rollup_python_peak_mb": f"{measured['rollup_python_peak_mb']:.1f}",
            "report_jit_default_s": f"{measured['report_jit_default_s']:.3f}",
            "recount_s": f"{measured['recount_s']:.3f}",
            "pdf_s": f"{measured['pdf_s']:.2f}",
            "xlsx_s": f"{measured['xlsx_s']:.2f}",
            "national_xlsx_s": f"{measured['national_xlsx_s']:.2f}",
            "peak_rss_start_mb": f"{measured['peak_rss_start_mb']:.0f}",
            "peak_rss_figures_mb": f"{measured['peak_rss_figures_mb']:.0f}",
            "peak_rss_mb": f"{measured['peak_rss_mb']:.0f}",
            "figures_match": "true" if not measured["differences"] else "false",
        }
        for name, value in lines.items():
            print(f"{name}: {value}", flush=True)
        for name, value in measured["recount"].items():
            print(f"recount_{name}: {value}", flush=True)
        for line in measured["differences"]:
            print(f"  difference {line}", flush=True)
        ok = ok and not measured["differences"]
    return 0 if ok else 1


def _memory_gb() -> float:
    with open("/proc/meminfo") as meminfo:
        kb = int(meminfo.readline().split()[1])
    return kb / 1024 / 1024


if __name__ == "__main__":
    sys.exit(main())
