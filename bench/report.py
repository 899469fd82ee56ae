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

The stays of the matches that moved in get their rows the same way (``grow_stay``): four
check-ins each (week 1, month 1, months 4 and 7; most done, those due after an end cancelled), a
concern for about one stay in four (from a check-in's concern or urgent outcome, from a month-1
answer below the partnership's default threshold of 3, or raised directly by the host, the
household or staff; some urgent; first responses spread from minutes to days, a few never; each
with its history), a mediation meeting for one answered concern in five (most held), an early
end for one ended stay in ten (reasons spread over ``Match.EarlyEnd``) with three in five of
those households approved again in another referred home, and evaluations (month 1 for both
sides, the end for both sides of ended stays; most answered, with an ``EvaluationAnswer`` per
question of ``stays.surveys``: scores 1-5, yes/no as 1/0, free text from some).

The road to work (``grow_work``): the housing company and an outside employer, the company's
staff figures (one dated after the year), a company flat offered under the quota and one let
outside it; for the households whose establishment period ends around the year a first move-in
(most with a private host, some in the quota flat or the other company flat, some none; ended
stays of 2023), placements for four in ten of them with their history (some started after the
period ended), staying recorded with the outcome, and offers nobody took.

At each scale a fresh process (so that its peak memory is this measurement's own) times, best of
three with PostgreSQL's JIT off, ``reports.metrics.compute_figures`` for the first partnership
and ``reports.metrics.national_rollup`` for the organisation's year (every partnership by
municipality), each against its SQL floor: the very statements it sends, captured and replayed
bare through one cursor in the same run; the same for ``reports.metrics.stay_figures`` alone (the
report's "The stay"). Then the PDF and the XLSX, the roll-up's XLSX, and the
independent recount of the partnership with ``bench/recount.py`` (SQL written from the
definitions the report prints, not from ``metrics.py``), compared figure by figure. Prints
``machine: ...``, then per scale ``scale: ...`` and one ``name: value`` per line: registrations,
call_attempts, transitions, home_visits, stay_rows (the rows of the stays app's tables, less
the templates), registrations_in_period, generate_s, report_s, report_floor_s, report_vs_floor,
report_queries, stay_s, stay_floor_s, stay_vs_floor, stay_queries, work_s, work_floor_s,
work_vs_floor, work_queries (``reports.metrics.work_figures`` alone), rollup_partnerships,
rollup_rows, rollup_s, rollup_floor_s, rollup_vs_floor, rollup_queries, report_python_peak_mb and
rollup_python_peak_mb
(tracemalloc), report_jit_default_s, recount_s, pdf_s, xlsx_s, national_xlsx_s,
peak_rss_start_mb (after start-up), peak_rss_figures_mb (after the figures and the roll-up),
peak_rss_mb (after the documents; VmHWM), figures_match, and ``recount_<figure>: value`` for each
recounted figure (the stay's totals as ``recount_stay_*``, the road to work's as
``recount_work_*``). Exits non-zero if the figures
differ.
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
    # One group per municipality in the portal: the demo's groups keep those they cover (the
    # bench's homes name their group themselves, so only the routing of new homes differs).
    covered = set(GroupMunicipality.objects.values_list("municipality_id", flat=True))
    GroupMunicipality.objects.bulk_create(
        GroupMunicipality(group=groups[i % n_partnerships], municipality_id=code)
        for i, code in enumerate(codes)
        if code not in covered
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
    stay = stay_templates(match, user, old)
    work = work_templates(company=company, partner=partner, home=home, old=old)
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
        **stay,
        **work,
    }


def grow(ids: dict, lo: int, hi: int) -> None:
    """Registrations lo+1 .. hi: hosts and homes with their history, calls, visits, matches."""
    from accounts.models import User
    from hosts.models import Home, Host
    from matching.models import Match
    from newcomers.models import NewcomerCase
    from volunteers.models import CallAttempt, HomeVisit

    execute("SET synchronous_commit = off")
    # Homes and hosts get ids base + n, after the templates (the company flats included).
    base = max(ids["home"], ids["quota_home"], ids["company_home"]) + 1
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
            "household_answer": "'yes'",
            "household_answered_at": "p.matched_at - interval '1 day'",
            "household_answer_via": "'own_page'",
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
    grow_stay(ids, per_group=per_group, n_groups=n_groups)
    grow_work(ids, lo, hi)
    execute("DROP TABLE bench_plan")
    for table in ("hosts_host", "hosts_home"):
        execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    execute("ANALYZE")


# The stay -----------------------------------------------------------------------------------

# Why stays ended early, with their shares (cumulative bounds over one random number).
EARLY_END_SHARES = (
    ("relationship", 0.30),
    ("host_circumstances", 0.50),
    ("household_circumstances", 0.65),
    ("home_unsuitable", 0.75),
    ("safety", 0.80),
    ("other_housing", 0.95),
    ("other", 1.00),
)
# The check-ins generated per stay, in days after the move-in (the default schedule: week 1,
# month 1, then every 91 days).
CHECK_IN_DAYS = (7, 30, 121, 212)
HOUSEHOLD_LANGUAGES = ("ar", "prs", "ti", "so", "uk", "en", "sv")
EVALUATION_THRESHOLD = 3  # reports.Partnership.evaluation_concern_below's default


def stay_templates(match, user, old) -> dict:
    """One row of each of the stay's kinds, on the 2019 template match (never in a figure)."""
    from stays.models import CheckIn, Concern, Evaluation, EvaluationAnswer, Mediation

    check_in = CheckIn.objects.create(
        match=match,
        after_days=7,
        due_on=old.date(),
        responsible=CheckIn.Responsible.VOLUNTEERS,
        status=CheckIn.Status.CANCELLED,
        status_changed_at=old,
    )
    concern = Concern.objects.create(
        match=match,
        raised_by=Concern.RaisedBy.HOST,
        text="Mall",
        status=Concern.Status.STAY_ENDED,
        status_changed_at=old,
        created_at=old,
    )
    mediation = Mediation.objects.create(
        concern=concern,
        status=Mediation.Status.CANCELLED,
        starts_at=old,
        place="Kommunhuset",
        mediator=user,
        booked_by=user,
        status_changed_at=old,
        created_at=old,
    )
    evaluation = Evaluation.objects.create(
        match=match,
        respondent=Evaluation.Respondent.HOST,
        point=Evaluation.Point.MONTH_1,
        survey="host_month_1",
        status=Evaluation.Status.LAPSED,
        status_changed_at=old,
        opens_on=old.date(),
    )
    answer = EvaluationAnswer.objects.create(evaluation=evaluation, question="going", score=3)
    return {
        "check_in": check_in.pk,
        "concern": concern.pk,
        "mediation": mediation.pk,
        "evaluation": evaluation.pk,
        "evaluation_answer": answer.pk,
    }


def grow_stay(ids: dict, *, per_group: int, n_groups: int) -> None:
    """The stays of this step's matches that moved in (``bench_plan``): check-ins (four per
    stay, most done), evaluations (month 1 for both sides, and the end for ended stays; most
    answered, with their answers), concerns (from check-ins with a concern or urgent outcome,
    from month-1 answers below the threshold, and raised directly by either side or staff:
    about one in four stays), mediations (one in five answered concerns, most held), early ends
    (one in ten ended stays, reasons spread over ``Match.EarlyEnd``) and rematches (three in five
    of those households approved again in a referred home that had no match). Each with its
    history rows."""
    from matching.models import Match
    from stays import surveys
    from stays.models import CheckIn, Concern, Evaluation, EvaluationAnswer, Mediation

    reason = (
        "CASE "
        + " ".join(f"WHEN s.s2 < {bound} THEN '{key}'" for key, bound in EARLY_END_SHARES[:-1])
        + f" ELSE '{EARLY_END_SHARES[-1][0]}' END"
    )
    languages = ", ".join(f"'{code}'" for code in HOUSEHOLD_LANGUAGES)
    execute("DROP TABLE IF EXISTS bench_stay")
    execute(
        f"""
        CREATE TABLE bench_stay AS
        SELECT s.*, s.ended_at IS NOT NULL AND s.s1 < 0.1 AS early,
               CASE WHEN s.ended_at IS NOT NULL AND s.s1 < 0.1 THEN {reason} ELSE '' END
                   AS early_end_reason
        FROM (SELECT m.id AS match_id, m.case_id, p.id AS home_id, p.n, p.g, p.moved_in_at,
                     p.ended_at, random() AS s1, random() AS s2, random() AS s3, random() AS s4,
                     random() AS s5, random() AS s6, random() AS s7, random() AS s8
              FROM bench_plan p JOIN matching_match m ON m.home_id = p.id
              WHERE p.moved_in_at IS NOT NULL) s
        """
    )
    execute("CREATE INDEX ON bench_stay (match_id)")
    execute("ANALYZE bench_stay")

    # Early ends: the reason on the match, and its end day.
    execute(
        f"""
        UPDATE matching_match m SET early_end_reason = s.early_end_reason,
               ended_on = (s.ended_at AT TIME ZONE '{TZ}')::date
        FROM bench_stay s WHERE m.id = s.match_id AND s.early
        """
    )

    # Check-ins: four per stay; those due after the stay ended cancelled at its end; of the
    # others most done (all well, now and then a concern, rarely urgent), some missed.
    after_days = ", ".join(f"({k}, {d})" for k, d in enumerate(CHECK_IN_DAYS))
    execute("DROP TABLE IF EXISTS bench_check_in")
    execute(
        f"""
        CREATE TABLE bench_check_in AS
        SELECT c.*,
               CASE WHEN c.ended_at IS NOT NULL AND c.due_at >= c.ended_at THEN 'cancelled'
                    WHEN c.r < 0.93 THEN 'done' ELSE 'planned' END AS status
        FROM (SELECT s.match_id, s.ended_at, s.moved_in_at, k.after_days,
                     s.moved_in_at + k.after_days * interval '1 day' AS due_at,
                     v.id AS volunteer_id, random() AS r, random() AS q
              FROM bench_stay s CROSS JOIN (VALUES {after_days}) AS k (k, after_days)
              JOIN bench_volunteer v
                ON v.idx = ((s.n * 17 + k.k * 131) % {per_group}) * {n_groups} + s.g) c
        """
    )
    copy_rows(
        CheckIn,
        ids["check_in"],
        "bench_check_in p",
        {
            "match_id": "p.match_id",
            "after_days": "p.after_days",
            "due_on": f"(p.due_at AT TIME ZONE '{TZ}')::date",
            "responsible": "'volunteers'",
            "status": "p.status",
            "status_changed_at": "CASE WHEN p.status = 'done' "
            "THEN p.due_at + p.r * interval '3 days' "
            "WHEN p.status = 'cancelled' THEN p.ended_at ELSE p.moved_in_at END",
            "outcome": "CASE WHEN p.status <> 'done' THEN '' WHEN p.q < 0.025 THEN 'concern' "
            "WHEN p.q < 0.03 THEN 'urgent' ELSE 'all_well' END",
            "done_at": "CASE WHEN p.status = 'done' THEN p.due_at + p.r * interval '3 days' END",
            "done_by_id": "CASE WHEN p.status = 'done' THEN p.volunteer_id END",
            "note": "CASE WHEN p.status = 'done' THEN 'Det går bra.' ELSE '' END",
        },
    )
    execute("DROP TABLE bench_check_in")
    execute(
        """
        INSERT INTO stays_checkintransition
            (from_state, to_state, actor_id, actor_kind, reason, created_at, check_in_id)
        SELECT x.from_state, x.to_state, x.actor_id, x.actor_kind, '', x.at, c.id
        FROM stays_checkin c JOIN bench_stay s ON s.match_id = c.match_id
        CROSS JOIN LATERAL (VALUES
            ('', 'planned', NULL::bigint, 'system', s.moved_in_at),
            ('planned', 'done', c.done_by_id, 'user', c.done_at),
            ('planned', 'cancelled', NULL, 'system',
             CASE WHEN c.status = 'cancelled' THEN c.status_changed_at END)
        ) AS x (from_state, to_state, actor_id, actor_kind, at)
        WHERE x.at IS NOT NULL
        """
    )

    # Evaluations: month 1 for both sides of every stay, the end for both sides of the ended
    # ones; three in four (the end: three in five) answered, the others lapsed after 30 days.
    execute("DROP TABLE IF EXISTS bench_evaluation")
    execute(
        f"""
        CREATE TABLE bench_evaluation AS
        SELECT e.*, CASE WHEN e.r < (CASE WHEN e.point = 'month_1' THEN 0.75 ELSE 0.6 END)
                    THEN e.opens_at + (0.1 + 14 * e.r2 * e.r2) * interval '1 day' END AS answered_at
        FROM (SELECT s.match_id, v.respondent, v.point,
                     CASE WHEN v.point = 'month_1' THEN s.moved_in_at + interval '30 days'
                          ELSE s.ended_at END AS opens_at,
                     CASE WHEN v.respondent = 'host' THEN 'sv'
                          ELSE (ARRAY[{languages}])[s.n % {len(HOUSEHOLD_LANGUAGES)} + 1]
                     END AS language,
                     random() AS r, random() AS r2
              FROM bench_stay s CROSS JOIN (VALUES ('host', 'month_1'), ('household', 'month_1'),
                                                   ('host', 'end'), ('household', 'end'))
                   AS v (respondent, point)
              WHERE v.point = 'month_1' OR s.ended_at IS NOT NULL) e
        """
    )
    copy_rows(
        Evaluation,
        ids["evaluation"],
        "bench_evaluation p",
        {
            "match_id": "p.match_id",
            "respondent": "p.respondent",
            "point": "p.point",
            "survey": "p.respondent || '_' || p.point",
            "status": "CASE WHEN p.answered_at IS NOT NULL THEN 'answered' ELSE 'lapsed' END",
            "status_changed_at": "coalesce(p.answered_at, p.opens_at + interval '30 days')",
            "opens_on": f"(p.opens_at AT TIME ZONE '{TZ}')::date",
            "answered_at": "p.answered_at",
            "language": "CASE WHEN p.answered_at IS NOT NULL THEN p.language ELSE '' END",
        },
    )
    execute("DROP TABLE bench_evaluation")
    execute(
        f"""
        INSERT INTO stays_evaluationtransition
            (from_state, to_state, actor_kind, reason, created_at, evaluation_id)
        SELECT x.from_state, x.to_state, x.actor_kind, '', x.at, e.id
        FROM stays_evaluation e JOIN bench_stay s ON s.match_id = e.match_id
        CROSS JOIN LATERAL (VALUES
            ('', 'open', 'system', e.opens_on::timestamp AT TIME ZONE '{TZ}'),
            ('open', e.status, CASE WHEN e.status = 'lapsed' THEN 'system' ELSE e.respondent END,
             e.status_changed_at)
        ) AS x (from_state, to_state, actor_kind, at)
        """
    )
    # The answers: a mood per evaluation (most content, a few not), each scale question near
    # it (1–5), yes/no as 1/0 (mostly yes), free text from three in ten.
    questions = ", ".join(
        f"('{survey.key}', '{question.key}', '{question.kind}', {str(question.counts).lower()})"
        for survey in surveys.SURVEYS.values()
        for question in survey.questions
    )
    execute("DROP TABLE IF EXISTS bench_answer")
    execute(
        f"""
        CREATE TABLE bench_answer AS
        SELECT a.*, CASE
            WHEN a.kind = 'scale' THEN least(5, greatest(1,
                5 - floor(4.99 * power(a.mood, 12))::int
                  + CASE WHEN a.q < 0.05 THEN -1 WHEN a.q > 0.95 THEN 1 ELSE 0 END))
            WHEN a.kind = 'yes_no' THEN CASE WHEN a.q < 0.88 THEN 1 ELSE 0 END
            END AS score
        FROM (SELECT e.id AS evaluation_id, e.match_id, e.point, e.answered_at, e.respondent,
                     q.question, q.kind, q.counts, m.mood, random() AS q
              FROM stays_evaluation e JOIN bench_stay s ON s.match_id = e.match_id
              CROSS JOIN LATERAL (SELECT random() + e.id * 0 AS mood) m
              JOIN (VALUES {questions}) AS q (survey, question, kind, counts)
                ON q.survey = e.survey
              WHERE e.status = 'answered') a
        WHERE a.kind <> 'text' OR a.q < 0.3
        """
    )
    copy_rows(
        EvaluationAnswer,
        ids["evaluation_answer"],
        "bench_answer p",
        {
            "evaluation_id": "p.evaluation_id",
            "question": "p.question",
            "score": "p.score",
            "text": "CASE WHEN p.kind = 'text' THEN 'Det har fungerat bra, tack.' ELSE '' END",
        },
    )

    # Concerns: from check-ins with a concern or urgent outcome; from month-1 answers below the
    # threshold (while the stay lasts); raised directly by the host, the household or staff.
    execute("DROP TABLE IF EXISTS bench_concern")
    first_concern = scalar("SELECT coalesce(max(id), 0) FROM stays_concern")
    execute(
        f"""
        CREATE TABLE bench_concern AS
        WITH raised AS (
            SELECT c.match_id, 'check_in' AS raised_by,
                   CASE WHEN c.outcome = 'urgent' THEN 'urgent' ELSE 'normal' END AS urgency,
                   c.done_at AS created, c.id AS check_in_id, NULL::bigint AS evaluation_id,
                   c.done_by_id AS user_id
            FROM stays_checkin c JOIN bench_stay s ON s.match_id = c.match_id
            WHERE c.outcome IN ('concern', 'urgent')
            UNION ALL
            SELECT a.match_id, 'evaluation', 'normal', min(a.answered_at), NULL,
                   a.evaluation_id, NULL
            FROM bench_answer a JOIN bench_stay s ON s.match_id = a.match_id
            WHERE a.point = 'month_1' AND a.counts
              AND (s.ended_at IS NULL OR a.answered_at < s.ended_at)
            GROUP BY a.match_id, a.evaluation_id
            HAVING min(a.score) < {EVALUATION_THRESHOLD}
            UNION ALL
            SELECT s.match_id,
                   CASE WHEN s.s4 < 0.45 THEN 'host' WHEN s.s4 < 0.8 THEN 'household'
                        ELSE 'staff' END,
                   CASE WHEN s.s6 < 0.2 THEN 'urgent' ELSE 'normal' END,
                   s.moved_in_at + (2 + 50 * s.s5) * interval '1 day', NULL, NULL, NULL
            FROM bench_stay s WHERE s.s3 < 0.08
        ), timed AS (
            SELECT r.*, s.ended_at, s.early,
                   CASE WHEN x.r1 < 0.03 THEN NULL
                        WHEN r.urgency = 'urgent'
                        THEN r.created + (0.1 + 6 * x.r2 * x.r2) * interval '1 hour'
                        ELSE r.created + (0.5 + 120 * power(x.r2, 3)) * interval '1 hour'
                   END AS responded, x.r3, x.r4, x.r5
            FROM raised r JOIN bench_stay s ON s.match_id = r.match_id
            CROSS JOIN LATERAL (SELECT random() AS r1, random() AS r2, random() AS r3,
                                       random() AS r4, random() AS r5, r.match_id * 0 AS z) x
        ), mediated AS (
            SELECT t.*, t.responded IS NOT NULL AND t.r3 < 0.2 AS has_mediation,
                   t.responded + interval '1 hour' AS booked_at,
                   t.responded + (2 + 12 * t.r5) * interval '1 day' AS starts_at
            FROM timed t
        ), held AS (
            SELECT d.*, CASE WHEN NOT d.has_mediation THEN NULL
                             WHEN d.r4 < 0.85 AND (d.ended_at IS NULL OR d.starts_at < d.ended_at)
                             THEN 'held' ELSE 'cancelled' END AS mediation_status
            FROM mediated d
        ), resolved AS (
            SELECT h.*,
                   CASE WHEN h.mediation_status = 'cancelled'
                        THEN h.starts_at - interval '1 day' END AS mediation_cancelled_at,
                   CASE WHEN h.mediation_status = 'held' THEN h.starts_at + interval '1 day'
                        WHEN h.mediation_status = 'cancelled' THEN h.starts_at + interval '2 days'
                        WHEN h.responded IS NOT NULL AND h.r4 < 0.85
                        THEN h.responded + (1 + 10 * h.r4) * interval '1 day'
                   END AS resolving_at
            FROM held h
        )
        SELECT {first_concern} + row_number() OVER (ORDER BY r.created, r.match_id) AS id, r.*,
               CASE WHEN r.ended_at IS NOT NULL
                     AND (r.resolving_at IS NULL OR r.resolving_at >= r.ended_at)
                    THEN r.ended_at END AS stay_ended_at
        FROM resolved r
        """
    )
    execute("DROP TABLE bench_answer")
    concern_status = """CASE WHEN p.stay_ended_at IS NOT NULL THEN 'stay_ended'
        WHEN p.resolving_at IS NOT NULL THEN 'resolved'
        WHEN p.responded IS NULL THEN 'opened' ELSE 'acknowledged' END"""
    copy_rows(
        Concern,
        ids["concern"],
        "bench_concern p",
        {
            "id": "p.id",
            "match_id": "p.match_id",
            "status": concern_status,
            "status_changed_at": "coalesce(p.stay_ended_at, p.resolving_at, p.responded, p.created)",
            "urgency": "p.urgency",
            "raised_by": "p.raised_by",
            "raised_by_user_id": "p.user_id",
            "text": "'Vi behöver prata om hur det fungerar hemma.'",
            "language": "'sv'",
            "check_in_id": "p.check_in_id",
            "evaluation_id": "p.evaluation_id",
            "first_response_at": "p.responded",
            "first_response_by_id": f"CASE WHEN p.responded IS NOT NULL THEN {ids['user']} END",
            "resolution": "CASE WHEN p.stay_ended_at IS NULL AND p.resolving_at IS NOT NULL "
            "THEN 'Löst efter samtal.' ELSE '' END",
            "created_at": "p.created",
        },
    )
    execute(
        "SELECT setval(pg_get_serial_sequence('stays_concern', 'id'), "
        "(SELECT max(id) FROM stays_concern))"
    )
    # Each concern's history; nothing after the stay's end but the close.
    execute(
        f"""
        INSERT INTO stays_concerntransition
            (from_state, to_state, actor_id, actor_kind, reason, created_at, concern_id)
        SELECT x.from_state, x.to_state, x.actor_id, x.actor_kind, x.reason, x.at, p.id
        FROM bench_concern p CROSS JOIN LATERAL (VALUES
            ('', 'opened', p.user_id,
             CASE WHEN p.raised_by IN ('host', 'household') THEN p.raised_by
                  WHEN p.raised_by = 'evaluation' THEN 'system' ELSE 'user' END, '', p.created),
            ('opened', 'acknowledged', {ids["user"]}::bigint, 'user', '', p.responded),
            ('acknowledged', 'in_mediation', {ids["user"]}, 'user', '',
             CASE WHEN p.has_mediation THEN p.booked_at END),
            ('in_mediation', 'acknowledged', {ids["user"]}, 'user', '', p.mediation_cancelled_at),
            (CASE WHEN p.mediation_status = 'held' THEN 'in_mediation' ELSE 'acknowledged' END,
             'resolved', {ids["user"]}, 'user', 'Löst efter samtal.', p.resolving_at)
        ) AS x (from_state, to_state, actor_id, actor_kind, reason, at)
        WHERE x.at IS NOT NULL AND (p.stay_ended_at IS NULL OR x.at < p.stay_ended_at)
        UNION ALL
        SELECT CASE WHEN p.responded IS NULL OR p.responded >= p.stay_ended_at THEN 'opened'
                    WHEN p.has_mediation AND p.booked_at < p.stay_ended_at
                         AND (p.mediation_cancelled_at IS NULL
                              OR p.mediation_cancelled_at >= p.stay_ended_at)
                    THEN 'in_mediation' ELSE 'acknowledged' END,
               'stay_ended', NULL, 'system', '', p.stay_ended_at, p.id
        FROM bench_concern p WHERE p.stay_ended_at IS NOT NULL
        """
    )
    # Mediation meetings, with their history.
    copy_rows(
        Mediation,
        ids["mediation"],
        "(SELECT * FROM bench_concern WHERE has_mediation) p",
        {
            "concern_id": "p.id",
            "status": "p.mediation_status",
            "status_changed_at": "coalesce(p.mediation_cancelled_at, "
            "p.starts_at + interval '1 hour')",
            "starts_at": "p.starts_at",
            "duration_minutes": "60",
            "place": "'Kommunhuset'",
            "mediator_id": str(ids["user"]),
            "booked_by_id": str(ids["user"]),
            "outcome": "CASE WHEN p.mediation_status = 'held' "
            "THEN 'Vi kom överens om hur köket delas.' ELSE '' END",
            "created_at": "p.booked_at",
        },
    )
    execute(
        """
        INSERT INTO stays_mediationtransition
            (from_state, to_state, actor_id, actor_kind, reason, created_at, mediation_id)
        SELECT x.from_state, x.to_state, d.booked_by_id, 'user', '', x.at, d.id
        FROM stays_mediation d JOIN bench_concern p ON p.id = d.concern_id
        CROSS JOIN LATERAL (VALUES
            ('', 'booked', d.created_at),
            ('booked', d.status, d.status_changed_at)
        ) AS x (from_state, to_state, at)
        """
    )
    execute("DROP TABLE bench_concern")

    # Rematches: three in five of the households whose stay ended early approved again (5 to
    # 40 days later, and after the home's referral) in a referred home that had no match, most
    # moving in; the others wait with priority. The homes of the early ends are referred again,
    # paused or closed.
    execute("DROP TABLE IF EXISTS bench_rematch")
    execute(
        """
        CREATE TABLE bench_rematch AS
        WITH e AS (
            SELECT s.case_id, s.ended_at,
                   row_number() OVER (ORDER BY s.ended_at, s.match_id) AS k
            FROM bench_stay s WHERE s.early AND s.s7 < 0.6
        ), h AS (
            SELECT p.id AS home_id, p.referred_at,
                   row_number() OVER (ORDER BY p.referred_at, p.id) AS k
            FROM bench_plan p
            WHERE p.referred_at IS NOT NULL AND p.matched_at IS NULL AND p.duplicate_of IS NULL
        )
        SELECT a.*, a.approved_at + (3 + 17 * a.r) * interval '1 day' AS moved_in_at
        FROM (SELECT e.case_id, h.home_id,
                     greatest(e.ended_at + (5 + 35 * random()) * interval '1 day',
                              h.referred_at + interval '1 day') AS approved_at,
                     random() AS r
              FROM e JOIN h USING (k)) a
        """
    )
    copy_rows(
        Match,
        ids["match"],
        "bench_rematch p",
        {
            "home_id": "p.home_id",
            "case_id": "p.case_id",
            "status": "CASE WHEN p.r < 0.85 THEN 'moved_in' ELSE 'approved' END",
            "status_changed_at": "CASE WHEN p.r < 0.85 THEN p.moved_in_at ELSE p.approved_at END",
            "move_in_date": f"CASE WHEN p.r < 0.85 THEN (p.moved_in_at AT TIME ZONE '{TZ}')::date END",
            "household_answer": "'yes'",
            "household_answered_at": "p.approved_at - interval '1 day'",
            "household_answer_via": "'phone'",
            "household_answer_recorded_by_id": str(ids["user"]),
            "created_at": "p.approved_at - interval '2 days'",
            "updated_at": "now()",
        },
    )
    execute(
        """
        INSERT INTO matching_matchtransition
            (from_state, to_state, actor_kind, reason, created_at, match_id)
        SELECT x.from_state, x.to_state, 'user', '', x.at, m.id
        FROM bench_rematch p
        JOIN matching_match m ON m.home_id = p.home_id AND m.case_id = p.case_id
        CROSS JOIN LATERAL (VALUES
            ('', 'proposed', p.approved_at - interval '2 days'),
            ('proposed', 'approved', p.approved_at),
            ('approved', 'moved_in', CASE WHEN p.r < 0.85 THEN p.moved_in_at END)
        ) AS x (from_state, to_state, at)
        WHERE x.at IS NOT NULL
        """
    )
    execute(
        """
        UPDATE hosts_home h SET status = 'matched', status_changed_at = p.approved_at
        FROM bench_rematch p WHERE h.id = p.home_id;
        INSERT INTO hosts_hometransition
            (from_state, to_state, actor_kind, reason, created_at, home_id)
        SELECT 'referred', 'matched', 'user', '', p.approved_at, p.home_id FROM bench_rematch p;
        UPDATE newcomers_newcomercase c
        SET status = CASE WHEN p.r < 0.85 THEN 'housed' ELSE 'matched' END
        FROM bench_rematch p WHERE c.id = p.case_id;
        UPDATE newcomers_newcomercase c SET status = 'waiting', priority_since = s.ended_at
        FROM bench_stay s
        WHERE c.id = s.case_id AND s.early
          AND NOT EXISTS (SELECT 1 FROM bench_rematch p WHERE p.case_id = s.case_id);
        """
    )
    execute(
        """
        WITH next AS (
            SELECT s.home_id, s.ended_at + interval '1 day' AS at,
                   CASE WHEN s.s8 < 0.5 THEN 'referred' WHEN s.s8 < 0.8 THEN 'paused'
                        ELSE 'closed' END AS state
            FROM bench_stay s WHERE s.early
        ), moved AS (
            UPDATE hosts_home h SET status = n.state, status_changed_at = n.at
            FROM next n WHERE h.id = n.home_id
        )
        INSERT INTO hosts_hometransition
            (from_state, to_state, actor_kind, reason, created_at, home_id)
        SELECT 'matched', n.state, 'user', '', n.at, n.home_id FROM next n
        """
    )
    execute("DROP TABLE bench_rematch")
    execute("DROP TABLE bench_stay")


# The road to work ---------------------------------------------------------------------------


def work_templates(*, company, partner, home, old) -> dict:
    """The employers (the housing company and one outside employer, each taking every
    partner's newcomers), the company's staff figures (two on or before the year's end, one
    after it), the homes of the housing routes (a company flat offered under the quota and one
    let outside it; the 2019 template home stands for a private host's home) and one placement
    row (2019, withdrawn, never in a figure) that the set-based inserts copy."""
    from accounts.models import Organisation
    from hosts.models import Home
    from housing.models import QuotaAgreement, Unit, Vacancy
    from work.models import Employer, Placement, PlacementTransition, StaffFigures

    outside = Organisation.objects.create(name="Bench employer", kind=Organisation.Kind.EMPLOYER)
    company_employer = Employer.objects.create(organisation=company, created_at=old)
    outside_employer = Employer.objects.create(organisation=outside, created_at=old)
    for day, employees, newcomers in (
        (date(2024, 12, 31), 36, 2),
        (date(2025, 9, 30), 38, 3),
        (date(2026, 3, 31), 41, 4),  # after the year: not read for 2025
    ):
        StaffFigures.objects.create(
            employer=company_employer,
            recorded_on=day,
            employees=employees,
            came_as_newcomers=newcomers,
            created_at=old,
        )
    agreement = QuotaAgreement.objects.create(
        company=company, integration_unit=partner, period_start=old.date()
    )
    flats = {}
    for key, offered in (("quota_home", True), ("company_home", False)):
        unit = Unit.objects.create(
            company=company,
            reference=f"BENCH-{key}",
            rooms=2,
            size_m2=55,
            rent_per_month=6000,
            street_address="Bolagsgatan 1",
            postcode="83130",
            municipality_id="2380",
        )
        flat = Home.objects.create(
            host=None,
            unit=unit,
            street_address="Bolagsgatan 1",
            postcode="83130",
            municipality_id="2380",
            kind=Home.Kind.WHOLE_HOME,
            beds=2,
            available_from=old.date(),
            available_months=0,
            rent_per_month=6000,
            household_description="",
            smoking=Home.Smoking.NO,
            languages=["sv"],
            heard_from=Home.HeardFrom.OTHER,
            created_at=old,
            status_changed_at=old,
        )
        Vacancy.objects.create(
            agreement=agreement,
            company=company,
            unit=unit,
            notice_given_on=old.date(),
            available_from=old.date(),
            sequence=5 if offered else 6,
            offered=offered,
            status=Vacancy.Status.ACCEPTED if offered else Vacancy.Status.LET_NORMALLY,
            home=flat,
            created_at=old,
        )
        flats[key] = flat.pk
    placement = Placement.objects.create(
        employer=outside_employer,
        integration_unit=partner,
        kind=Placement.Kind.WORK_TRAINING,
        title="Mall",
        place="Mallgatan 1",
        starts_on=old.date(),
        ends_on=old.date() + timedelta(days=90),
        hours_per_week=20,
        status=Placement.Status.WITHDRAWN,
        status_changed_at=old,
        created_at=old,
    )
    PlacementTransition.objects.create(
        placement=placement, from_state="", to_state="offered", actor_kind="user", created_at=old
    )
    return {
        "company_employer": company_employer.pk,
        "outside_employer": outside_employer.pk,
        "placement": placement.pk,
        "private_home": home.pk,
        **flats,
    }


# The kinds of placement, in turn.
PLACEMENT_KINDS = ("prao", "work_training", "language_practice", "internship", "employment")


def grow_work(ids: dict, lo: int, hi: int) -> None:
    """The road to work for this step's households whose establishment period ends around the
    year (the cases ``BENCH-OLD-p``): their first move-in through the portal (seven in ten a
    private host's home, two in ten the company's quota flat, one in twenty a company flat let
    outside the quota, the rest none; ended stays of 2023, outside the year's figures), four in
    ten with a placement (kinds in turn, two in three with the housing company), started 150
    days before the establishment period ends (one in six after it), then completed, ended
    early, led to employment or still under way, each with its history; whether the household
    still lives in the municipality and in the matched home; and one offer nobody took for
    every 50 registrations, withdrawn in three cases of ten."""
    from matching.models import Match
    from work.models import Placement

    first, last = lo // 100 + 1, hi // 100
    if first > last:
        return
    execute("DROP TABLE IF EXISTS bench_work")
    execute(
        f"""
        CREATE TABLE bench_work AS
        SELECT c.id AS case_id, c.partner_id, c.establishment_ends_on AS ends_on,
               substr(c.reference, 11)::int AS p,
               -- Spread by a hash of the case's number, not by a modulus (which would follow
               -- the case's partnership and outcome, both drawn by modulus).
               CASE WHEN abs(hashtext('route' || c.reference)) % 20 < 14
                    THEN {ids["private_home"]}
                    WHEN abs(hashtext('route' || c.reference)) % 20 < 18
                    THEN {ids["quota_home"]}
                    WHEN abs(hashtext('route' || c.reference)) % 20 < 19
                    THEN {ids["company_home"]}
               END AS home_id
        FROM newcomers_newcomercase c
        WHERE c.reference LIKE 'BENCH-OLD-%%'
          AND substr(c.reference, 11)::int BETWEEN {first} AND {last}
        """
    )
    # The move-in: an ended stay of 2023 (its rows never fall in the year's figures).
    copy_rows(
        Match,
        ids["match"],
        "(SELECT * FROM bench_work WHERE home_id IS NOT NULL) p",
        {
            "home_id": "p.home_id",
            "case_id": "p.case_id",
            "status": "'ended'",
            "status_changed_at": "timestamptz '2023-09-01 12:00+02'",
            "move_in_date": "date '2023-03-01' + p.p % 60",
            "household_answer": "'yes'",
            "created_at": "timestamptz '2023-02-01 12:00+01'",
            "updated_at": "now()",
        },
    )
    execute(
        """
        INSERT INTO matching_matchtransition
            (from_state, to_state, actor_kind, reason, created_at, match_id)
        SELECT x.from_state, x.to_state, 'user', '', x.at, m.id
        FROM bench_work p JOIN matching_match m ON m.case_id = p.case_id
        CROSS JOIN LATERAL (VALUES
            ('', 'proposed', timestamptz '2023-02-01 12:00+01'),
            ('proposed', 'approved', timestamptz '2023-02-10 12:00+01'),
            ('approved', 'moved_in', timestamptz '2023-03-01 12:00+01' + p.p % 60 * interval '1 day'),
            ('moved_in', 'ended', timestamptz '2023-09-01 12:00+02')
        ) AS x (from_state, to_state, at)
        """
    )
    # Staying, recorded with the outcome.
    execute(
        """
        UPDATE newcomers_newcomercase c SET
            still_in_municipality = CASE WHEN abs(hashtext('stays' || p.p)) % 10 < 8 THEN true
                                         WHEN abs(hashtext('stays' || p.p)) % 10 < 9 THEN false
                                    END,
            still_in_matched_home = CASE WHEN p.home_id IS NULL THEN NULL
                                         WHEN p.p % 7 < 4 THEN true
                                         WHEN p.p % 7 < 6 THEN false END
        FROM bench_work p WHERE c.id = p.case_id AND c.outcome <> ''
        """
    )
    kinds = ", ".join(f"'{kind}'" for kind in PLACEMENT_KINDS)
    # The placements: of four households in ten; those of the remaining offers have no case.
    execute("DROP TABLE IF EXISTS bench_placement")
    execute(
        f"""
        CREATE TABLE bench_placement AS
        SELECT 'BENCH-PL-' || p.p AS title, p.case_id, p.partner_id,
               (ARRAY[{kinds}])[p.p % 5 + 1] AS kind,
               CASE WHEN p.p % 3 < 2 THEN {ids["company_employer"]}
                    ELSE {ids["outside_employer"]} END AS employer_id,
               (p.ends_on - CASE WHEN p.p % 6 = 5 THEN -20 ELSE 150 END) AS started_on,
               CASE p.p % 4 WHEN 0 THEN 'completed' WHEN 1 THEN 'ended_early'
                            WHEN 2 THEN 'employed' ELSE 'started' END AS status
        FROM bench_work p WHERE abs(hashtext('placement' || p.p)) % 10 < 4
        UNION ALL
        SELECT 'BENCH-OFFER-' || g, NULL, bm.partner_id,
               (ARRAY[{kinds}])[g % 5 + 1],
               CASE WHEN g % 2 = 0 THEN {ids["company_employer"]}
                    ELSE {ids["outside_employer"]} END,
               date '2025-01-01' + (g * 37) % 365,
               CASE WHEN g % 10 < 3 THEN 'withdrawn' ELSE 'offered' END
        FROM generate_series({lo // 50 + 1}, {hi // 50}) g
        JOIN bench_municipality bm ON bm.idx = g % {ids["municipalities"]}
        """
    )
    copy_rows(
        Placement,
        ids["placement"],
        "bench_placement p",
        {
            "employer_id": "p.employer_id",
            "integration_unit_id": "p.partner_id",
            "kind": "p.kind",
            "title": "p.title",
            "starts_on": "p.started_on",
            "ends_on": "p.started_on + 120",
            "status": "p.status",
            "status_changed_at": "p.started_on::timestamptz",
            "case_id": "p.case_id",
            "adult_number": "CASE WHEN p.case_id IS NOT NULL THEN 1 END",
            "employment_service_reference": "CASE WHEN p.case_id IS NOT NULL "
            "THEN 'AF-' || p.title ELSE '' END",
            "consent_given_on": "CASE WHEN p.case_id IS NOT NULL THEN p.started_on - 10 END",
            "consent_given": "CASE WHEN p.case_id IS NOT NULL THEN 'in_writing' ELSE '' END",
            "started_on": "CASE WHEN p.case_id IS NOT NULL THEN p.started_on END",
            "ended_on": "CASE WHEN p.status IN ('completed', 'ended_early') "
            "THEN p.started_on + 90 END",
            "end_reason": "CASE WHEN p.status = 'ended_early' THEN 'did_not_work_out' ELSE '' END",
            "employed_on": "CASE WHEN p.status = 'employed' THEN p.started_on + 95 END",
            "created_at": "(p.started_on - 30)::timestamptz",
        },
    )
    # Each placement's history: offered 30 days before the start, proposed 10 days before,
    # started, and its end 90 days (employment 95 days) after the start; an offer nobody took
    # withdrawn 60 days after it was made.
    execute(
        f"""
        INSERT INTO work_placementtransition
            (from_state, to_state, actor_kind, reason, created_at, placement_id)
        SELECT x.from_state, x.to_state, 'user', '', x.at, w.id
        FROM bench_placement p JOIN work_placement w ON w.title = p.title
        CROSS JOIN LATERAL (SELECT (p.started_on::timestamp AT TIME ZONE '{TZ}')
                                   + interval '10 hours' AS s) d
        CROSS JOIN LATERAL (VALUES
            ('', 'offered', d.s - interval '30 days'),
            ('offered', 'proposed', CASE WHEN p.case_id IS NOT NULL THEN d.s - interval '10 days' END),
            ('proposed', 'started', CASE WHEN p.case_id IS NOT NULL THEN d.s END),
            ('started', p.status, CASE WHEN p.status IN ('completed', 'ended_early')
                                       THEN d.s + interval '90 days' END),
            ('started', 'employed', CASE WHEN p.status = 'employed'
                                         THEN d.s + interval '95 days' END),
            ('offered', 'withdrawn', CASE WHEN p.status = 'withdrawn'
                                          THEN d.s + interval '30 days' END)
        ) AS x (from_state, to_state, at)
        WHERE x.at IS NOT NULL
        """
    )
    execute("DROP TABLE bench_placement")
    execute("DROP TABLE bench_work")


STAY_TABLES = (
    "stays_checkin",
    "stays_checkintransition",
    "stays_concern",
    "stays_concerntransition",
    "stays_mediation",
    "stays_mediationtransition",
    "stays_evaluation",
    "stays_evaluationanswer",
    "stays_evaluationtransition",
)


def counts() -> dict:
    return {
        "registrations": scalar("SELECT count(*) FROM hosts_home") - 1,  # less the template
        "call_attempts": scalar("SELECT count(*) FROM volunteers_callattempt"),
        "transitions": scalar(
            "SELECT (SELECT count(*) FROM hosts_hometransition)"
            " + (SELECT count(*) FROM matching_matchtransition)"
        ),
        "home_visits": scalar("SELECT count(*) FROM volunteers_homevisit"),
        # Less the templates (a check-in, a concern, a mediation, an evaluation and an answer).
        "stay_rows": scalar(
            "SELECT " + " + ".join(f"(SELECT count(*) FROM {t})" for t in STAY_TABLES)
        )
        - 5,
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
        period = metrics.Period.of(partnership, as_of)

        def stay():
            return metrics.stay_figures(period, partner_id=partnership.partner_id)

        stay_s, _ = best_of(3, stay)
        stay_sql = captured_sql(stay)
        stay_floor_s, _ = best_of(3, lambda: replay(stay_sql))

        def work():
            return metrics.work_figures(
                period,
                partner_id=partnership.partner_id,
                company_id=partnership.housing_company_id,
            )

        work_s, _ = best_of(3, work)
        work_sql = captured_sql(work)
        work_floor_s, _ = best_of(3, lambda: replay(work_sql))
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
        "stay_s": stay_s,
        "stay_floor_s": stay_floor_s,
        "stay_queries": len(stay_sql),
        "work_s": work_s,
        "work_floor_s": work_floor_s,
        "work_queries": len(work_sql),
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
            **{
                f"stay_{key}": value
                for key, value in counted["stay"].items()
                if isinstance(value, int)
            },
            "stay_first_response_median_hours": counted["stay"]["first_response"]["median"],
            "stay_first_response_p90_hours": counted["stay"]["first_response"]["p90"],
            **{f"stay_ended_early_{key}": n for key, n in counted["stay"]["by_reason"].items()},
            **work_lines(counted["work"]),
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


def work_lines(work: dict) -> dict:
    """The recounted road to work as ``name: value`` lines: the placements by step (over the
    kinds), the households and those in work by route and by placement, staying, the company."""
    lines = {
        f"work_placements_{step}": sum(by_kind.values())
        for step, by_kind in work["placements"].items()
    }
    lines["work_households"] = work["recorded"]
    lines["work_in_work"] = work["in_work"]
    for group in ("by_route", "by_placement"):
        for key, cell in work[group].items():
            lines[f"work_{key}_n"] = cell["n"]
            lines[f"work_{key}_in_work"] = cell["in_work"]
    for key in ("still_in_municipality", "still_in_matched_home"):
        lines[f"work_{key}_known"] = work[key]["known"]
        lines[f"work_{key}_yes"] = work[key]["yes"]
    company = work["company"]
    if company is not None:
        lines["work_company_offered"] = company["offered"]
        lines["work_company_completed"] = company["completed"]
        staff = company["staff"] or {}
        lines["work_company_employees"] = staff.get("employees")
        lines["work_company_came_as_newcomers"] = staff.get("came_as_newcomers")
    return lines


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
            "stay_s": f"{measured['stay_s']:.3f}",
            "stay_floor_s": f"{measured['stay_floor_s']:.3f}",
            "stay_vs_floor": f"{measured['stay_s'] / measured['stay_floor_s']:.2f}",
            "stay_queries": measured["stay_queries"],
            "work_s": f"{measured['work_s']:.3f}",
            "work_floor_s": f"{measured['work_floor_s']:.3f}",
            "work_vs_floor": f"{measured['work_s'] / measured['work_floor_s']:.2f}",
            "work_queries": measured["work_queries"],
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
