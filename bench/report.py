"""Benchmark of the year-end partnership report at national scale, on PostgreSQL.

    .venv/bin/python bench/report.py --registrations 200000

Uses DATABASE_URL, or postgres://postgres@127.0.0.1:5432/portal_bench_report; the database is
made afresh and migrated (``--keep`` reuses it and its data as they are). The script makes a
national year (2025) of work set-based (INSERT ... SELECT over generate_series, copying one row
made by the ORM so that it follows new columns): first a tenth of ``--registrations`` hosts with a
home each, then it grows to the full number. Per registration about ten call attempts and five
history rows (homes and matches): at 200,000 registrations some 2 million call attempts and 1
million transitions, with the home visits, newcomer cases and matches that go with them; 2 % of
the homes are merged away as duplicates and 4 % registered outside the year.

At each scale a fresh process (so that its peak memory is this measurement's own) times
``reports.metrics.compute_figures`` for the partnership and the same figures from ONE hand-written
SQL statement (the floor: no ORM, each table read once), alternating, best of three, both with
PostgreSQL's JIT off (it compiles the big floor statement for longer than it runs); then the
report once more with the server's JIT setting. It checks that both give the same figures and
renders the PDF and the XLSX. Prints ``machine: ...``, then per scale ``scale: ...`` and one
``name: value`` per line: registrations, call_attempts, transitions, home_visits,
registrations_in_period, generate_s, report_s, report_jit_default_s, floor_s, ratio (report_s /
floor_s), pdf_s, xlsx_s, peak_rss_start_mb (after start-up), peak_rss_figures_mb (after the
figures), peak_rss_mb (after the documents too; VmHWM) and figures_match. Exits non-zero if the
figures differ.
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


def prepare() -> dict:
    """The organisations, the partnership with its targets, and one row of each kind that the
    set-based inserts copy (made in 2019 and never in a figure)."""
    from accounts.models import Organisation, User
    from hosts.models import Home, Host
    from matching.models import Match
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
    partnership = Partnership.objects.create(
        name=PARTNERSHIP,
        volunteer_organisation=volunteers_org,
        partner=partner,
        housing_company=company,
        period_start=YEAR_START,
        period_end=YEAR_END,
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
        municipality="Östersund",
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

    # Volunteers: one for every hundred registrations, nine in ten of the volunteer organisation.
    have = scalar("SELECT count(*) FROM bench_volunteer")
    want = max(hi // 100, 10)
    copy_rows(
        User,
        ids["user"],
        f"generate_series({have}, {want - 1}) p",
        {
            "username": "'bench-volunteer-' || p",
            "email": "'volunteer' || p || '@bench.example'",
            "first_name": "'Volontär'",
            "last_name": "p::text",
            "organisation_id": f"CASE WHEN p % 10 = 9 THEN {ids['other']} "
            f"ELSE {ids['volunteers_org']} END",
        },
    )
    execute(
        "INSERT INTO bench_volunteer (idx, id) SELECT substr(username, 17)::int, id "
        "FROM accounts_user WHERE username LIKE 'bench-volunteer-%%' "
        "AND substr(username, 17)::int >= %s",
        [have],
    )
    n_volunteers = want

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
        SELECT r.n, r.id, r.reg, c.contacted_at, b.booked_at, v.visited_at, f.referred_at,
               m.matched_at, i.moved_in_at,
               CASE WHEN r.r7 < 0.5 THEN c.contacted_at + interval '2 days' END AS paused_at,
               CASE WHEN c.contacted_at IS NULL THEN r.reg + interval '15 days'
               END AS unreachable_at,
               CASE WHEN r.d6 < 0.4 THEN i.moved_in_at + interval '60 days' END AS ended_at,
               CASE WHEN f.referred_at IS NULL AND r.r7 < 0.3 THEN v.visited_at + interval '20 days'
               END AS withdrawn_at,
               CASE WHEN r.r8 < 0.8 THEN {ids["partner"]} ELSE {ids["other"]} END AS partner,
               CASE WHEN r.r9 < 0.02 AND r.n > {lo + 1} THEN r.id - 1 END AS duplicate_of,
               4 + floor(r.d7 * 13)::int AS calls
        FROM r
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
            ('visited', 'withdrawn', 'host', p.withdrawn_at)
        ) AS s (from_state, to_state, actor_kind, at)
        WHERE s.at IS NOT NULL
        """
    )
    # About ten calls per registration, by the volunteers in turn.
    copy_rows(
        CallAttempt,
        ids["attempt"],
        "bench_plan p CROSS JOIN LATERAL generate_series(1, p.calls) k "
        f"JOIN bench_volunteer v ON v.idx = (p.n * 31 + k * 7919) % {n_volunteers}",
        {
            "home_id": "p.id",
            "volunteer_id": "v.id",
            "outcome": "CASE WHEN k = p.calls THEN 'interested' ELSE 'no_answer' END",
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
        JOIN bench_volunteer v ON v.idx IN ((p.n * 13) %% {n_volunteers},
                                            (p.n * 13 + 1) %% {n_volunteers})
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
            "partner_id": f"CASE WHEN p % 5 = 4 THEN {ids['other']} ELSE {ids['partner']} END",
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


# The floor: the same figures from one hand-written statement --------------------------------

FLOOR_SQL = """
WITH reg AS (            -- registrations in the period, less duplicates
    SELECT t.home_id, t.created_at AS registered_at
    FROM hosts_hometransition t JOIN hosts_home h ON h.id = t.home_id
    WHERE t.from_state = '' AND t.to_state = 'registered'
      AND t.created_at >= %(start)s AND t.created_at < %(end)s AND h.duplicate_of_id IS NULL
), steps AS (            -- when each of them first reached each step, before the end
    SELECT r.home_id, r.registered_at,
           min(t.created_at) FILTER (WHERE t.to_state = 'contacted') - r.registered_at AS contact,
           min(t.created_at) FILTER (WHERE t.to_state = 'visited') - r.registered_at AS visit,
           bool_or(t.to_state = 'referred') AS referred,
           bool_or(t.to_state = 'matched') AS matched
    FROM reg r JOIN hosts_hometransition t ON t.home_id = r.home_id AND t.created_at < %(end)s
    GROUP BY r.home_id, r.registered_at
), moved AS (
    SELECT r.home_id, min(mt.created_at) - r.registered_at AS move_in
    FROM reg r JOIN matching_match m ON m.home_id = r.home_id
    JOIN matching_matchtransition mt ON mt.match_id = m.id
    WHERE mt.to_state = 'moved_in' AND mt.created_at < %(end)s
    GROUP BY r.home_id, r.registered_at
), lead AS (
    SELECT count(*) AS registered,
           count(contact) AS contacted, count(visit) AS visited,
           count(*) FILTER (WHERE referred) AS referred, count(*) FILTER (WHERE matched) AS matched,
           count(*) FILTER (WHERE contact <= interval '7 days') AS within_7,
           count(*) FILTER (WHERE contact <= %(within)s * interval '1 day') AS within_n,
           extract(epoch FROM percentile_disc(0.5) WITHIN GROUP (ORDER BY contact)) AS contact_p50,
           extract(epoch FROM percentile_disc(0.9) WITHIN GROUP (ORDER BY contact)) AS contact_p90,
           extract(epoch FROM percentile_disc(0.5) WITHIN GROUP (ORDER BY visit)) AS visit_p50,
           extract(epoch FROM percentile_disc(0.9) WITHIN GROUP (ORDER BY visit)) AS visit_p90
    FROM steps
), move AS (
    SELECT count(*) AS moved_in,
           extract(epoch FROM percentile_disc(0.5) WITHIN GROUP (ORDER BY move_in)) AS p50,
           extract(epoch FROM percentile_disc(0.9) WITHIN GROUP (ORDER BY move_in)) AS p90
    FROM moved
), calls AS (
    SELECT ARRAY[{calls}] AS n
    FROM volunteers_callattempt WHERE created_at >= %(start)s AND created_at < %(end)s
), visits AS (
    SELECT ARRAY[{visits}] AS n
    FROM volunteers_homevisit
    WHERE status = 'reported' AND starts_at >= %(start)s AND starts_at < %(end)s
), partner_steps AS (
    SELECT ARRAY[{approved}] AS approved, ARRAY[{moved_in}] AS moved_in
    FROM matching_matchtransition mt
    JOIN matching_match m ON m.id = mt.match_id
    JOIN newcomers_newcomercase c ON c.id = m.case_id
    WHERE c.partner_id = %(partner)s AND mt.created_at >= %(start)s AND mt.created_at < %(end)s
      AND mt.to_state IN ('approved', 'moved_in')
), registrations_by_month AS (
    SELECT ARRAY[{registrations}] AS n FROM reg
), active AS (
    SELECT count(*) AS n FROM accounts_user u
    WHERE u.organisation_id = %(volunteers_org)s AND (
        EXISTS (SELECT 1 FROM volunteers_callattempt a WHERE a.volunteer_id = u.id
                AND a.created_at >= %(start)s AND a.created_at < %(end)s)
        OR EXISTS (SELECT 1 FROM volunteers_homevisit_volunteers hv
                   JOIN volunteers_homevisit v ON v.id = hv.homevisit_id
                   WHERE hv.user_id = u.id AND v.status = 'reported'
                     AND v.starts_at >= %(start)s AND v.starts_at < %(end)s))
), referred AS (
    SELECT count(DISTINCT t.home_id) AS n
    FROM hosts_hometransition t JOIN hosts_home h ON h.id = t.home_id
    WHERE t.to_state = 'referred' AND h.partner_id = %(partner)s
      AND t.created_at >= %(start)s AND t.created_at < %(end)s
), outcomes AS (
    SELECT count(*) FILTER (WHERE outcome <> '') AS recorded,
           count(*) FILTER (WHERE outcome = 'in_work') AS in_work,
           count(*) FILTER (WHERE outcome = 'in_studies') AS in_studies,
           count(*) FILTER (WHERE outcome = 'other') AS other
    FROM newcomers_newcomercase
    WHERE partner_id = %(partner)s AND establishment_ends_on < %(end_date)s
), housing AS (
    SELECT (SELECT count(*) FROM housing_unit WHERE company_id = %(company)s) AS units,
           (SELECT coalesce(sum(count), 0) FROM housing_allotment a
            WHERE a.company_id = %(company)s AND a.period_start <= %(last_day)s
              AND (a.period_end IS NULL OR a.period_end >= %(first_day)s)) AS allotted,
           (SELECT coalesce(sum(in_use), 0) FROM housing_allotment a
            WHERE a.company_id = %(company)s AND a.period_start <= %(last_day)s
              AND (a.period_end IS NULL OR a.period_end >= %(first_day)s)) AS allotted_in_use,
           (SELECT count(*) FROM housing_contracttransition ct
            JOIN housing_contract c ON c.id = ct.contract_id
            WHERE c.company_id = %(company)s AND ct.to_state = 'first_hand'
              AND ct.created_at >= %(start)s AND ct.created_at < %(end)s) AS converted
), vacancies AS (
    SELECT count(*) AS recorded, count(*) FILTER (WHERE offered) AS offered,
           count(*) FILTER (WHERE as_replacement) AS replacements,
           count(*) FILTER (WHERE status = 'accepted') AS accepted,
           count(*) FILTER (WHERE status = 'declined') AS declined,
           count(*) FILTER (WHERE status = 'offered') AS open
    FROM housing_vacancy
    WHERE company_id = %(company)s AND created_at >= %(start)s AND created_at < %(end)s
)
SELECT json_build_object(
    'lead', (SELECT row_to_json(lead) FROM lead),
    'move', (SELECT row_to_json(move) FROM move),
    'registrations_by_month', (SELECT n FROM registrations_by_month),
    'calls_by_month', (SELECT n FROM calls),
    'visits_by_month', (SELECT n FROM visits),
    'approved_by_month', (SELECT approved FROM partner_steps),
    'moved_in_by_month', (SELECT moved_in FROM partner_steps),
    'active_volunteers', (SELECT n FROM active),
    'referred', (SELECT n FROM referred),
    'outcomes', (SELECT row_to_json(outcomes) FROM outcomes),
    'housing', (SELECT row_to_json(housing) FROM housing),
    'vacancies', (SELECT row_to_json(vacancies) FROM vacancies)
)
"""


def floor_figures(partnership, as_of: date) -> dict:
    from django.db import connection

    last_day = max(min(partnership.period_end, as_of), partnership.period_start)
    start = datetime.combine(partnership.period_start, datetime.min.time(), tzinfo=STOCKHOLM)
    end = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), tzinfo=STOCKHOLM)
    params = {
        "start": start,
        "end": end,
        "end_date": last_day + timedelta(days=1),
        "first_day": partnership.period_start,
        "last_day": last_day,
        "tz": TZ,
        "partner": partnership.partner_id,
        "volunteers_org": partnership.volunteer_organisation_id,
        "company": partnership.housing_company_id,
        "within": REACHED_WITHIN_DAYS,
    }
    # Each month by a range of time: count(*) FILTER (WHERE t >= month start AND t < next).
    months, bounds, month = [], [], partnership.period_start.replace(day=1)
    while month <= last_day:
        following = (month + timedelta(days=32)).replace(day=1)
        bounds.append(
            (
                max(start, datetime.combine(month, datetime.min.time(), tzinfo=STOCKHOLM)),
                min(end, datetime.combine(following, datetime.min.time(), tzinfo=STOCKHOLM)),
            )
        )
        months.append(month.isoformat())
        month = following
    for i, (month_start, month_end) in enumerate(bounds):
        params[f"m{i}"], params[f"m{i}_end"] = month_start, month_end

    def by_month(column, condition="TRUE"):
        return ", ".join(
            f"count(*) FILTER (WHERE {condition} AND {column} >= %(m{i})s "
            f"AND {column} < %(m{i}_end)s)"
            for i in range(len(bounds))
        )

    sql = FLOOR_SQL.format(
        calls=by_month("created_at"),
        visits=by_month("starts_at"),
        approved=by_month("mt.created_at", "mt.to_state = 'approved'"),
        moved_in=by_month("mt.created_at", "mt.to_state = 'moved_in'"),
        registrations=by_month("registered_at"),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchone()[0]
    data = raw if isinstance(raw, dict) else json.loads(raw)
    lead, move, outcomes = data["lead"], data["move"], data["outcomes"]

    def days(seconds):
        return None if seconds is None else round(float(seconds) / 86400, 1)

    recorded = outcomes["recorded"]
    housing, vacancies = data["housing"], data["vacancies"]
    series = {
        kind: data[f"{kind}_by_month"]
        for kind in ("registrations", "calls", "visits", "approved", "moved_in")
    }
    return {
        "totals": {
            "registrations": lead["registered"],
            "reached_within_7_days": lead["within_7"],
            "home_visits": sum(series["visits"]),
            "homes_referred": data["referred"],
            "matches_approved": sum(series["approved"]),
            "households_housed": sum(series["moved_in"]),
            "active_volunteers": data["active_volunteers"],
            "call_attempts": sum(series["calls"]),
        },
        "reached_within_n": lead["within_n"],
        "lead_times": {
            "contact": {"median": days(lead["contact_p50"]), "p90": days(lead["contact_p90"])},
            "visit": {"median": days(lead["visit_p50"]), "p90": days(lead["visit_p90"])},
            "move_in": {"median": days(move["p50"]), "p90": days(move["p90"])},
        },
        "funnel": [
            lead["registered"],
            lead["contacted"],
            lead["visited"],
            lead["referred"],
            lead["matched"],
            move["moved_in"],
        ],
        "monthly": [
            (month, *(series[kind][i] for kind in series)) for i, month in enumerate(months)
        ],
        "outcomes": {
            **outcomes,
            "share_in_work": round(100 * outcomes["in_work"] / recorded) if recorded else None,
        },
        "housing": {
            "units": housing["units"],
            "allotted": housing["allotted"],
            "allotted_in_use": housing["allotted_in_use"],
            "contracts_converted": housing["converted"],
            "vacancies": vacancies,
        },
    }


def comparable(figures: dict) -> dict:
    """The figures of ``compute_figures`` in the floor's shape."""
    from reports.models import Metric

    housing = figures["housing"]
    return {
        "totals": dict(figures["totals"]),
        "reached_within_n": next(
            t["value"] for t in figures["targets"] if t["metric"] == Metric.REACHED_WITHIN_DAYS
        ),
        "lead_times": figures["lead_times"],
        "funnel": [step["count"] for step in figures["funnel"]],
        "monthly": [
            (
                row["month"].isoformat(),
                row["registrations"],
                row["calls"],
                row["visits"],
                row["matches_approved"],
                row["moved_in"],
            )
            for row in figures["monthly"]
        ],
        "outcomes": figures["outcomes"],
        "housing": {
            "units": housing["units"],
            "allotted": housing["allotted"],
            "allotted_in_use": housing["allotted_in_use"],
            "contracts_converted": housing["contracts_converted"],
            "vacancies": housing["vacancies"],
        },
    }


def differences(a, b, path="") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            out += differences(a.get(key), b.get(key), f"{path}.{key}")
        return out
    if isinstance(a, list | tuple) and isinstance(b, list | tuple) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += differences(x, y, f"{path}[{i}]")
        return out
    return [] if a == b else [f"{path}: report {a!r} != floor {b!r}"]


# One measurement, in its own process ----------------------------------------------------------


def measure() -> dict:
    """Time the figures and the floor (best of three, alternating), compare them, render the
    documents; peak memory as this process saw it."""
    from django.utils import translation

    from reports import documents, metrics
    from reports.models import Partnership

    partnership = Partnership.objects.get(name=PARTNERSHIP)
    as_of = partnership.period_end
    report_times, floor_times, jit_times = [], [], []
    rss_start = peak_rss_mb()
    with translation.override("sv"):
        # PostgreSQL's JIT compiles the one big floor statement for seconds longer than it
        # runs; both are timed without it, and the report once more with the server's setting.
        execute("SET jit = off")
        for _ in range(3):
            started = time.perf_counter()
            figures = metrics.compute_figures(partnership, as_of=as_of)
            report_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            floor = floor_figures(partnership, as_of)
            floor_times.append(time.perf_counter() - started)
        execute("RESET jit")
        for _ in range(2):
            started = time.perf_counter()
            metrics.compute_figures(partnership, as_of=as_of)
            jit_times.append(time.perf_counter() - started)
        rss_figures = peak_rss_mb()
        diffs = differences(comparable(figures), floor)
        started = time.perf_counter()
        pdf = documents.render_pdf(figures)
        pdf_s = time.perf_counter() - started
        started = time.perf_counter()
        xlsx = documents.render_xlsx(figures)
        xlsx_s = time.perf_counter() - started
    rss = peak_rss_mb()
    return {
        "report_s": min(report_times),
        "report_jit_default_s": min(jit_times),
        "peak_rss_start_mb": rss_start,
        "floor_s": min(floor_times),
        "pdf_s": pdf_s,
        "xlsx_s": xlsx_s,
        "pdf_kb": len(pdf) // 1024,
        "xlsx_kb": len(xlsx) // 1024,
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
        ids = prepare()
        steps = [args.registrations // 10, args.registrations]
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
            "report_jit_default_s": f"{measured['report_jit_default_s']:.3f}",
            "floor_s": f"{measured['floor_s']:.3f}",
            "ratio": f"{measured['report_s'] / measured['floor_s']:.2f}",
            "pdf_s": f"{measured['pdf_s']:.2f}",
            "xlsx_s": f"{measured['xlsx_s']:.2f}",
            "peak_rss_start_mb": f"{measured['peak_rss_start_mb']:.0f}",
            "peak_rss_figures_mb": f"{measured['peak_rss_figures_mb']:.0f}",
            "peak_rss_mb": f"{measured['peak_rss_mb']:.0f}",
            "figures_match": "true" if not measured["differences"] else "false",
        }
        for name, value in lines.items():
            print(f"{name}: {value}", flush=True)
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
