"""Every page type of every role, served by Django's test client against PostgreSQL, each against
the floor of a bare view that sends the same number of queries.

    .venv/bin/python bench/pages.py                     # demo scale (migrate + seed_demo)
    .venv/bin/python bench/pages.py --scale national --registrations 200000

PostgreSQL only: ``--database-url`` (or DATABASE_URL; default
postgres://postgres@127.0.0.1:5432/portal_bench_pages, ``..._pages_nat`` at national scale),
created and migrated when missing (``--fresh`` drops it first). At demo scale the bench runs
``seed_demo`` into it (idempotent; it prints the household's and the host's links the bench
opens). At national scale, when the database has no national year yet, it runs ``seed_demo``
and then makes ``bench/report.py``'s national year (``prepare`` and ``grow``:
``--registrations`` homes over ``--municipalities`` municipalities and ``--partnerships``
partnerships, with their calls, visits, matches, stays and placements); a database that has it
is measured as it is, without the seed (so without the host's and the household's pages, whose
links only the seed prints: ``seed_demo`` gives every home without a place one, home by home,
minutes over 200,000 homes). It refreshes the dashboard's stored counts (``reports.daily``:
``stored_counts_refresh_s``, in full the first time) and adds a manager of the national year's
volunteer organisation (``bench-pages-manager``) so that its dashboard and roll-up are among the
pages.

The pages (GET only; a button's POST is an action, measured by the other benches): the
visitor's (start, privacy notice, the sign-up form, "get my link", the volunteer application,
accessibility, log-in), the host's through the self-service link, the household's through its
link, the volunteer's, the volunteer coordinator's and the national coordinator's, the partner
coordinator's (admin pages too: cases, the plan, matches, concerns, homes), the manager's
(reports, the dashboard, its runs, the national roll-up), the housing company's, the placement
supervisor's and the data protection officer's. Ids (a visit, a check-in, a case, ...) are the
first link of their kind on the page that lists them. A page that does not answer 200 is
skipped and named in a ``#`` line.

Each person is signed in as in production: a session, and for those who owe the second factor
the confirmed authenticator in the session (``django_otp``), so ``TWO_FACTOR_REQUIRED`` stays on.
Settings are the project's with ``DEBUG`` off in the process (no query log, no template debug),
``testserver`` allowed, and the cache ``--cache-url`` (default the settings' own).

The floor: a plain function view mounted beside the portal's URLs, served by the same client
through the same middleware (session, user, second factor, CSP ...) with the same signed-in
person, that sends ``SELECT 1`` as often as needed for the request to send as many statements
as the page did (the middleware's own statements included) and returns a few bytes. So the
ratio is what the page's own work costs beyond its statements' round trips and the middleware
every page pays: its ORM, its template, its Python. Page and floor requests alternate, so
both see the same machine.

Per page, ``--repeat`` timed requests after two warm-ups, one ``name: value`` per line:
``<page>_ms`` (median wall time of the request, server side: the test client calls the
handler in process), ``<page>_queries`` (statements sent, counted with an execute wrapper),
``<page>_cpu_ms`` (median ``time.process_time`` of the request: this process's CPU, not
PostgreSQL's), ``<page>_floor_ms`` (median of the floor's requests), ``<page>_floor_cpu_ms``
(their CPU), ``<page>_ratio`` (wall against wall) and ``<page>_cpu_ratio`` (CPU against the
floor's CPU: steadier when other work shares the cores); then ``worst_ratio``, ``worst_page``,
``slowest_ms``, ``slowest_page``, ``pages_over_30_ms``, ``load_average`` (at the start and end),
``pages_over_2x_floor_cpu``, ``cpu_ms_all_pages``, ``worst_cpu_ratio`` and ``worst_cpu_page``.
"""

import argparse
import os
import re
import secrets
import statistics
import sys
import time
import types
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import report  # noqa: E402 (bench/report.py: its database helpers and its national year)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_pages"
NATIONAL_MANAGER = "bench-pages-manager"
FLOOR_PATH = "__bench_floor__/"


# The floor --------------------------------------------------------------------------------------


def floor_view(request, statements):
    """The floor: ``statements`` trivial statements, nothing rendered."""
    from django.db import connection
    from django.http import HttpResponse

    with connection.cursor() as cursor:
        for _ in range(statements):
            cursor.execute("SELECT 1")
            cursor.fetchone()
    return HttpResponse(b"floor", content_type="text/plain")


def install_floor_urlconf() -> None:
    """The portal's URLs with the floor view beside them (the same middleware serves both)."""
    from django.conf import settings
    from django.urls import clear_url_caches, path

    from matching_portal import urls as portal_urls

    module = types.ModuleType("bench_pages_urls")
    module.urlpatterns = [
        path(f"{FLOOR_PATH}<int:statements>/", floor_view, name="bench_floor"),
        *portal_urls.urlpatterns,
    ]
    module.handler403 = portal_urls.handler403
    sys.modules["bench_pages_urls"] = module
    settings.ROOT_URLCONF = "bench_pages_urls"
    clear_url_caches()


# Counting and timing ------------------------------------------------------------------------


class Counter:
    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def timed_get(client, url: str, counter: Counter):
    counter.n = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    response = client.get(url)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return response, wall * 1000, cpu * 1000, counter.n


# Signing in ---------------------------------------------------------------------------------


def staff_client(username: str):
    """A client signed in as ``username``, with the second factor confirmed when owed."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from accounts.two_factor import has_second_factor_duty

    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    if has_second_factor_duty(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def link_client(path: str):
    """A client that opened a signed link (the host's or the household's)."""
    from django.test import Client

    client = Client()
    response = client.get(path)
    if response.status_code != 302:
        raise SystemExit(f"the link {path} answered {response.status_code}")
    return client


def first_link(client, page: str, pattern: str) -> str | None:
    """The first address on ``page`` that matches ``pattern`` (a regex of a path)."""
    response = client.get(page)
    if response.status_code != 200:
        return None
    found = re.search(pattern, response.content.decode())
    return found.group(0) if found else None


# The pages ----------------------------------------------------------------------------------


def demo_pages(printed: str) -> list[tuple[str, object, str]]:
    """(page name, client, path) for every page type of every role, in the demo's data."""
    from django.test import Client

    links = re.findall(r"https?://\S+", printed)
    household_link = next((u for u in links if "/household/open/" in u), None)
    host_link = next((u for u in links if "/my-offer/open/" in u), None)
    strip = re.compile(r"^https?://[^/]+")

    visitor = Client()
    pages = [
        ("visitor_start", visitor, "/"),
        ("visitor_privacy", visitor, "/privacy/"),
        ("visitor_offer", visitor, "/offer/"),
        ("visitor_request_link", visitor, "/my-offer/link/"),
        ("visitor_volunteer_join", visitor, "/volunteer/join/"),
        ("visitor_volunteer_privacy", visitor, "/volunteer/privacy/"),
        ("visitor_accessibility", visitor, "/accessibility/"),
        ("visitor_accessibility_report", visitor, "/accessibility/report/"),
        ("visitor_login", visitor, "/accounts/login/"),
    ]

    if host_link is None or household_link is None:
        print("# the host's and the household's pages: skipped (seed_demo did not run)")
        return pages + staff_pages()
    host = link_client(strip.sub("", host_link))
    pages += [
        ("host_my_offer", host, "/my-offer/"),
        ("host_change_offer", host, "/my-offer/change/"),
        ("host_concern", host, "/my-offer/concern/"),
        ("host_evaluation", host, "/my-offer/evaluation/month-1/"),
        ("host_evaluation_end", host, "/my-offer/evaluation/end/"),
    ]

    household = link_client(strip.sub("", household_link))
    pages += [
        ("household_start", household, "/household/"),
        ("household_proposal", household, "/household/proposal/"),
        ("household_concern", household, "/household/concern/"),
        ("household_evaluation", household, "/household/evaluation/"),
    ]
    return pages + staff_pages()


def staff_pages() -> list[tuple[str, object, str]]:
    """The pages of the people who log in, in the demo's data."""
    volunteer = staff_client("volontar")
    pages = [
        ("volunteer_home", volunteer, "/home/"),
        ("volunteer_start", volunteer, "/volunteer/"),
        ("volunteer_queue", volunteer, "/volunteer/queue/"),
        (
            "volunteer_visit",
            volunteer,
            first_link(volunteer, "/volunteer/", r"/volunteer/visits/\d+/"),
        ),
        (
            "volunteer_check_in",
            volunteer,
            first_link(volunteer, "/volunteer/", r"/volunteer/check-ins/\d+/"),
        ),
    ]

    coordinator = staff_client("volontarsamordnare")
    home_change = first_link(coordinator, "/admin/hosts/home/", r"/admin/hosts/home/\d+/change/")
    home_id = re.search(r"\d+", home_change or "0").group(0)
    pages += [
        ("vcoordinator_start", coordinator, "/volunteer/"),
        ("vcoordinator_applications", coordinator, "/volunteer/applications/"),
        ("vcoordinator_campaigns", coordinator, "/volunteer/campaigns/"),
        (
            "vcoordinator_campaign",
            coordinator,
            first_link(coordinator, "/volunteer/campaigns/", r"/volunteer/campaigns/\d+/"),
        ),
        ("vcoordinator_referrals", coordinator, "/volunteer/referrals/"),
        ("vcoordinator_duplicates", coordinator, f"/volunteer/homes/{home_id}/duplicates/"),
        ("vcoordinator_hand_over", coordinator, f"/volunteer/homes/{home_id}/hand-over/"),
        ("vcoordinator_admin_index", coordinator, "/admin/"),
        ("vcoordinator_admin_homes", coordinator, "/admin/hosts/home/"),
        ("vcoordinator_admin_home", coordinator, home_change),
        ("vcoordinator_admin_hosts", coordinator, "/admin/hosts/host/"),
        ("vcoordinator_admin_applications", coordinator, "/admin/volunteers/volunteerapplication/"),
    ]
    national = staff_client("riks-samordnare")
    pages += [
        ("ncoordinator_uncovered", national, "/volunteer/uncovered/"),
        ("ncoordinator_start", national, "/volunteer/"),
    ]

    partner = staff_client("samordnare")
    case_change = first_link(
        partner, "/admin/newcomers/newcomercase/", r"/admin/newcomers/newcomercase/\d+/change/"
    )
    pages += [
        ("pcoordinator_admin_index", partner, "/admin/"),
        ("pcoordinator_cases", partner, "/admin/newcomers/newcomercase/"),
        ("pcoordinator_case", partner, case_change),
        (
            "pcoordinator_household_letter",
            partner,
            case_change and case_change.replace("/change/", "/household-link/letter/"),
        ),
        ("pcoordinator_plan", partner, "/admin/newcomers/newcomercase/plan/"),
        ("pcoordinator_matches", partner, "/admin/matching/match/"),
        (
            "pcoordinator_match",
            partner,
            first_link(partner, "/admin/matching/match/", r"/admin/matching/match/\d+/change/"),
        ),
        ("pcoordinator_concerns", partner, "/admin/stays/concern/"),
        (
            "pcoordinator_concern",
            partner,
            first_link(partner, "/admin/stays/concern/", r"/admin/stays/concern/\d+/change/"),
        ),
        ("pcoordinator_homes", partner, "/admin/hosts/home/"),
        ("pcoordinator_placements", partner, "/admin/work/placement/"),
        ("pcoordinator_reports", partner, "/reports/"),
    ]

    manager = staff_client("chef")
    dashboard = first_link(manager, "/reports/", r"/reports/\d+/")
    pages += [
        ("manager_reports", manager, "/reports/"),
        ("manager_dashboard", manager, dashboard),
        ("manager_runs", manager, dashboard and f"{dashboard}runs/"),
        ("manager_admin_index", manager, "/admin/"),
    ]
    national_manager = staff_client("riks-chef")
    pages += [
        ("manager_national", national_manager, "/reports/national/"),
        (
            "manager_national_dashboard",
            national_manager,
            first_link(national_manager, "/reports/", r"/reports/\d+/"),
        ),
    ]

    company = staff_client("bostadsbolag")
    pages += [
        ("company_admin_index", company, "/admin/"),
        ("company_units", company, "/admin/housing/unit/"),
        (
            "company_unit",
            company,
            first_link(company, "/admin/housing/unit/", r"/admin/housing/unit/\d+/change/"),
        ),
        ("company_vacancies", company, "/admin/housing/vacancy/"),
        ("company_contracts", company, "/admin/housing/contract/"),
        ("company_allotments", company, "/admin/housing/allotment/"),
        ("company_placements", company, "/admin/work/placement/"),
        ("company_staff_figures", company, "/admin/work/stafffigures/"),
    ]

    supervisor = staff_client("butik")
    pages += [
        ("supervisor_admin_index", supervisor, "/admin/"),
        ("supervisor_placements", supervisor, "/admin/work/placement/"),
        (
            "supervisor_placement",
            supervisor,
            first_link(supervisor, "/admin/work/placement/", r"/admin/work/placement/\d+/change/"),
        ),
    ]

    officer = staff_client("dataskydd")
    pages += [
        ("dpo_record", officer, "/privacy-officer/record/"),
        ("dpo_requests", officer, "/privacy-officer/requests/"),
        ("dpo_admin_index", officer, "/admin/"),
        ("dpo_access_log", officer, "/admin/privacy/accesslog/"),
        ("dpo_reports", officer, "/reports/"),
    ]
    return pages


def national_pages() -> list[tuple[str, object, str]]:
    """The national year's manager: the year's dashboard of the measured partnership, and the
    organisation's roll-up of that year."""
    from reports.models import Partnership

    manager = staff_client(NATIONAL_MANAGER)
    partnership = Partnership.objects.get(name=report.PARTNERSHIP)
    year = partnership.period_start.year
    return [
        ("national_dashboard", manager, f"/reports/{partnership.pk}/"),
        ("national_rollup", manager, f"/reports/national/?year={year}"),
        ("national_reports", manager, "/reports/"),
    ]


def make_national_manager() -> None:
    """A manager of the national year's volunteer organisation (and so a follower of every
    partnership of it), with an authenticator."""
    from django.contrib.auth.models import Group

    from accounts import roles
    from accounts.models import User
    from reports.models import Partnership

    partnership = Partnership.objects.get(name=report.PARTNERSHIP)
    user, _created = User.objects.update_or_create(
        username=NATIONAL_MANAGER,
        defaults={
            "organisation_id": partnership.volunteer_organisation_id,
            "is_staff": True,
            "password": "!",
        },
    )
    user.groups.set([Group.objects.get(name=roles.MANAGER)])


# Measuring ----------------------------------------------------------------------------------


def measure(pages, repeat: int) -> list[dict]:
    from django.db import connection

    counter = Counter()
    rows = []
    with connection.execute_wrapper(counter):
        baselines = {}
        for name, client, url in pages:
            if url is None:
                print(f"# {name}: skipped (no such link in the data)", flush=True)
                continue
            response, *_ = timed_get(client, url, counter)
            if response.status_code != 200:
                print(f"# {name}: skipped ({url} answered {response.status_code})", flush=True)
                continue
            if id(client) not in baselines:
                for _ in range(2):
                    timed_get(client, f"/{FLOOR_PATH}0/", counter)
                baselines[id(client)] = timed_get(client, f"/{FLOOR_PATH}0/", counter)[3]
            timed_get(client, url, counter)
            page_ms, cpu_ms, queries, floor_ms, floor_cpu_ms = [], [], [], [], []
            floor_url = None
            for _ in range(repeat):
                _response, wall, cpu, n = timed_get(client, url, counter)
                page_ms.append(wall)
                cpu_ms.append(cpu)
                queries.append(n)
                if floor_url is None:
                    extra = max(n - baselines[id(client)], 0)
                    floor_url = f"/{FLOOR_PATH}{extra}/"
                    timed_get(client, floor_url, counter)
                _response, wall, cpu, _n = timed_get(client, floor_url, counter)
                floor_ms.append(wall)
                floor_cpu_ms.append(cpu)
            row = {
                "page": name,
                "url": url,
                "ms": statistics.median(page_ms),
                "queries": int(statistics.median(queries)),
                "cpu_ms": statistics.median(cpu_ms),
                "floor_ms": statistics.median(floor_ms),
                "floor_cpu_ms": statistics.median(floor_cpu_ms),
            }
            row["ratio"] = row["ms"] / row["floor_ms"]
            row["cpu_ratio"] = row["cpu_ms"] / row["floor_cpu_ms"]
            rows.append(row)
            print(f"# {name}: {url}", flush=True)
            for key in (
                "ms",
                "queries",
                "cpu_ms",
                "floor_ms",
                "floor_cpu_ms",
                "ratio",
                "cpu_ratio",
            ):
                value = row[key]
                shown = value if isinstance(value, int) else f"{value:.2f}"
                print(f"{name}_{key}: {shown}", flush=True)
    return rows


def profile(pages, top: int) -> None:
    """cProfile of ten requests of each page (after a warm-up), its ``top`` functions by their
    own time and by cumulative time."""
    import cProfile
    import pstats

    for name, client, url in pages:
        if url is None:
            continue
        client.get(url)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(10):
            client.get(url)
        profiler.disable()
        print(f"# profile of {name} ({url}), 10 requests", flush=True)
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(top)


def repeated_queries(pages) -> None:
    """For one request of each page, the statements whose shape (numbers blanked) repeats."""
    from collections import Counter as Tally

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for name, client, url in pages:
        if url is None:
            continue
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        shapes = Tally(re.sub(r"\b\d+\b", "N", query["sql"])[:160] for query in captured)
        repeats = {shape: n for shape, n in shapes.items() if n > 1}
        print(f"# {name}: {len(captured)} statements, {sum(repeats.values())} in repeats")
        for shape, n in sorted(repeats.items(), key=lambda item: -item[1]):
            print(f"#   {n} x {shape}")


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def vacuum_once() -> None:
    """VACUUM (ANALYZE) the database once after it was filled, as autovacuum would in production.

    This machine's PostgreSQL runs with autovacuum off, and a table never vacuumed has no
    visibility map: no index-only scan is worth it to the planner, so the dashboard's counts read
    every heap page (its SQL took twice as long at 200,000 registrations). Skipped once every
    large table has been vacuumed."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_user_tables WHERE n_live_tup > 10000 AND "
            "coalesce(last_vacuum, last_autovacuum) IS NULL"
        )
        if not cursor.fetchone()[0]:
            return
        began = time.perf_counter()
        cursor.execute("VACUUM (ANALYZE)")
    print(f"vacuum_s: {time.perf_counter() - began:.1f}", flush=True)


def refresh_stored_counts() -> None:
    """Refresh the dashboard's stored counts (``reports.daily``) as the nightly task would: in
    full the first time, then the last days and what was written since (``--no-refresh`` skips
    it: the dashboard then reads what is stored, if anything, completed live); then vacuums the
    tables it wrote, as autovacuum would."""
    from django.db import connection

    from reports import daily
    from reports.models import CallDay, HomeFacts, HomeMatchFacts, MemberSnapshot, VisitDay

    began = time.perf_counter()
    state = daily.refresh()
    print(f"stored_counts_refresh_s: {time.perf_counter() - began:.1f}", flush=True)
    print(f"stored_counts_full: {int(state.full)}", flush=True)
    # As autovacuum would after the refresh wrote them (it is off on this machine): their
    # visibility map, so that the dashboard reads them by index only.
    tables = (CallDay, VisitDay, MemberSnapshot, HomeFacts, HomeMatchFacts)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(m._meta.db_table for m in tables)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=("demo", "national"), default="demo")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--fresh", action="store_true", help="drop and re-create the database")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--registrations", type=int, default=200_000)
    parser.add_argument("--municipalities", type=int, default=290)
    parser.add_argument("--partnerships", type=int, default=30)
    parser.add_argument("--cache-url", default=None, help="CACHE_URL for the run")
    parser.add_argument(
        "--no-refresh",
        action="store_true",
        help="national scale: do not refresh the dashboard's stored counts first",
    )
    parser.add_argument("--only", default="", help="measure only pages whose name contains this")
    parser.add_argument(
        "--profile", type=int, default=0, help="print the N costliest functions of each page"
    )
    parser.add_argument(
        "--repeated-queries",
        action="store_true",
        help="print, per page, statements sent more than once in one request (N+1 hints)",
    )
    args = parser.parse_args()
    url = args.database_url or (
        DEFAULT_URL if args.scale == "demo" else DEFAULT_URL.replace("_pages", "_pages_nat")
    )
    if not url.startswith("postgres"):
        raise SystemExit("PostgreSQL only: give a postgres:// --database-url")
    if args.cache_url:
        os.environ["CACHE_URL"] = args.cache_url
    os.environ.setdefault("EMAIL_URL", "memorymail://")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))

    report.ensure_database(url, fresh=args.fresh)
    report.setup_django(url)
    from django.conf import settings
    from django.core.management import call_command

    from reports.models import Partnership

    started = load_average()
    print(f"machine: {os.cpu_count()} cores, {report._memory_gb():.0f} GiB", flush=True)
    print(f"load_average_start: {started}", flush=True)
    call_command("migrate", verbosity=0)
    out = StringIO()
    if args.scale == "national" and not Partnership.objects.filter(name=report.PARTNERSHIP):
        # The demo first: seed_demo gives every home without a place one, home by home, so on
        # top of the national year it would walk all of its homes (minutes at 200,000).
        call_command("seed_demo", stdout=out)
        began = time.perf_counter()
        ids = report.prepare(args.municipalities, args.partnerships)
        report.grow(ids, 0, args.registrations)
        print(f"generate_s: {time.perf_counter() - began:.1f}", flush=True)
    elif args.scale == "demo":
        call_command("seed_demo", stdout=out)
    if args.scale == "national":
        vacuum_once()
        if not args.no_refresh:
            refresh_stored_counts()
        make_national_manager()
        print("# " + ", ".join(f"{k} {v}" for k, v in report.counts().items()), flush=True)

    # DEBUG off in this process: no query log, no template debugging (as in production).
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    install_floor_urlconf()

    from accounts.models import User

    pages = []
    if User.objects.filter(username="volontar").exists():
        pages = demo_pages(out.getvalue())
    else:
        print("# the demo's pages: skipped (no demo in this database)", flush=True)
    if args.scale == "national":
        pages = national_pages() + pages
    if args.only:
        pages = [page for page in pages if args.only in page[0]]
    if args.profile:
        profile(pages, args.profile)
        return 0
    if args.repeated_queries:
        repeated_queries(pages)
        return 0
    rows = measure(pages, args.repeat)
    worst = max(rows, key=lambda row: row["ratio"])
    slowest = max(rows, key=lambda row: row["ms"])
    print(f"pages: {len(rows)}")
    print(f"pages_over_2x_floor: {sum(row['ratio'] > 2 for row in rows)}")
    print(f"pages_over_30_ms: {sum(row['ms'] > 30 for row in rows)}")
    print(f"slowest_ms: {slowest['ms']:.2f}")
    print(f"slowest_page: {slowest['page']}")
    print(f"load_average_end: {load_average()}")
    print(f"worst_ratio: {worst['ratio']:.2f}")
    print(f"worst_page: {worst['page']}")
    # The same against this process's CPU (the page's and the floor's): steadier than the wall
    # time when other work shares the cores, since waiting for them is not counted.
    worst_cpu = max(rows, key=lambda row: row["cpu_ratio"])
    print(f"pages_over_2x_floor_cpu: {sum(row['cpu_ratio'] > 2 for row in rows)}")
    print(f"cpu_ms_all_pages: {sum(row['cpu_ms'] for row in rows):.1f}")
    print(f"worst_cpu_ratio: {worst_cpu['cpu_ratio']:.2f}")
    print(f"worst_cpu_page: {worst_cpu['page']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
