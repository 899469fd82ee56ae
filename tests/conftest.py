"""Shared fixtures: eager Celery, a clean cache, named users, and the skip-unless-CI rule."""

import contextlib
import os
import re
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from matching_portal.celery import app as celery_app

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(available: bool, reason: str) -> None:
    """Skip a test that needs a part this machine lacks, except in CI, where it fails."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


def pytest_configure(config):
    """Hash passwords with MD5 in every test: the real hasher (PBKDF2, a million rounds) takes
    0.4 s of CPU per password here. Set before any test module is imported, so it also holds for
    users made at import time, in session- or module-scoped fixtures, by ``seed_demo`` and in the
    live server's thread. No test tests the production hasher."""
    from django.test import override_settings

    override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]).enable()
    # A transactional test ends by emptying only the tables it wrote to (tests/fast_flush.py).
    from tests import fast_flush

    fast_flush.install(refill=lambda alias: _load_localities())


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_use_migrations,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
    tmp_path_factory,
):
    """pytest-django's set-up of the test databases, except that xdist workers on PostgreSQL
    copy one database migrated once per run instead of each migrating its own
    (tests/cloned_database.py)."""
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    from tests import cloned_database

    if not django_db_use_migrations:
        _disable_migrations()
    keepdb = django_db_keepdb and not django_db_createdb
    verbosity = request.config.option.verbose
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    with django_db_blocker.unblock():
        if worker and django_db_use_migrations and cloned_database.wanted(aliases):
            db_cfg = cloned_database.setup(
                aliases,
                serialized_aliases,
                worker=worker,
                shared=tmp_path_factory.getbasetemp().parent,
                keepdb=keepdb,
                verbosity=verbosity,
            )
        else:
            db_cfg = setup_databases(
                verbosity=verbosity,
                interactive=False,
                aliases=aliases,
                serialized_aliases=serialized_aliases,
                keepdb=keepdb,
            )
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            try:
                teardown_databases(db_cfg, verbosity=verbosity)
            except Exception as exc:  # noqa: BLE001 - as pytest-django: a warning
                request.node.warn(
                    pytest.PytestWarning(f"Error when trying to teardown test databases: {exc!r}")
                )


def pytest_sessionfinish(session):
    """Without --reuse-db nothing of the run's databases is kept: the xdist controller drops the
    template the workers copied (tests/cloned_database.py)."""
    config = session.config
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return
    if config.option.reuse_db:
        return
    from django.db import connections
    from pytest_django.plugin import blocking_manager_key

    from tests import cloned_database

    with config.stash[blocking_manager_key].unblock():
        try:
            cloned_database.drop_templates()
        except Exception as exc:  # noqa: BLE001 - as pytest-django's teardown: a warning
            print(f"\nError when trying to drop the test database template: {exc!r}")
        finally:
            connections.close_all()


@pytest.fixture(autouse=True)
def _eager_celery_and_clean_cache():
    """Tasks run in-process unless a test starts a real worker; rate-limit counters start at zero."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    cache.clear()
    yield
    celery_app.conf.task_always_eager = previous
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request through the test client leaves its language active in the thread (the locale
    middleware activates it and nothing resets it): the next test starts in the default
    language again, whatever order the tests run in."""
    yield
    translation.deactivate()


def make_organisations() -> dict:
    """The volunteer organisation, two partners and the housing company most tests work with."""
    from accounts.models import Organisation
    from tests.factories import OrganisationFactory

    return {
        "volunteers": OrganisationFactory(
            name="Volontärföreningen", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
        ),
        "partner": OrganisationFactory(name="Mottagningsenheten", kind=Organisation.Kind.PARTNER),
        "other_partner": OrganisationFactory(
            name="Grannkommunens mottagning", kind=Organisation.Kind.PARTNER
        ),
        "housing": OrganisationFactory(
            name="Krokomsbostäder", kind=Organisation.Kind.HOUSING_COMPANY
        ),
    }


@pytest.fixture
def organisations(db):
    return make_organisations()


# Hypothesis. The suite (``make test``, locally and in CI alike) runs a few examples of every
# property with a fresh random seed, so each run still tries new hostile input; the depth is
# ``make fuzz`` (the "fuzz" profile: a time budget, tests/fuzz_budget.py), run before an issue is
# called resolved. ``HYPOTHESIS_MAX_EXAMPLES`` overrides the suite's number. No example database:
# every run starts fresh.
_HYPOTHESIS_COMMON = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "print_blob": True,
}
SUITE_EXAMPLES = int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "20"))
hypothesis_settings.register_profile("suite", max_examples=SUITE_EXAMPLES, **_HYPOTHESIS_COMMON)
# `make fuzz` (--hypothesis-profile=fuzz): the budget is time, FUZZ_MINUTES, shared out among the
# tests by tests/fuzz_budget.py; FUZZ_EXAMPLES only caps the examples of each test.
hypothesis_settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "1000000")),
    **_HYPOTHESIS_COMMON,
)
hypothesis_settings.load_profile("suite")


def link_in(message, prefix: str) -> str:
    """The site-relative path of the first link in an e-mail that starts with ``prefix``."""
    match = re.search(re.escape(settings.SITE_URL + prefix) + r"\S+", message.body)
    assert match, f"no link to {prefix} in the e-mail:\n{message.body}"
    return match.group(0).removeprefix(settings.SITE_URL)


@pytest.fixture
def english(client):
    """The test client, reading the site in English (as after pressing "English")."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def sign_up(client, django_capture_on_commit_callbacks):
    """Fill in /offer/, then send it with consent from /offer/check/; returns the last response.

    ``sign_up(email="x@example.org")`` overrides form fields (see ``registration_post_data``).
    E-mails queued on commit are sent (eager Celery), so they land in ``mail.outbox``.
    """
    from tests.factories import registration_post_data

    def _sign_up(**overrides):
        response = client.post("/offer/", registration_post_data(**overrides))
        assert response.status_code == 302, response.content.decode()[:2000]
        assert response.url == "/offer/check/"
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/offer/check/", {"consent": "on"})

    return _sign_up


@pytest.fixture
def volunteer(db):
    from tests.factories import UserFactory

    return UserFactory(roles=["volunteer"])


@pytest.fixture
def host_session(english):
    """A confirmed host with one registered home, who opened their self-service link in English.

    Returns a namespace with ``client``, ``home``, ``host`` and ``link`` (the path they opened).
    """
    from hosts.actions import self_service_url
    from tests.factories import HomeFactory

    home = HomeFactory(host__language="en")
    link = self_service_url(home.host).removeprefix(settings.SITE_URL)
    response = english.get(link)
    assert response.status_code == 302 and response.url == "/my-offer/"
    return SimpleNamespace(client=english, home=home, host=home.host, link=link)


# The people of the coordinators' admin (newcomer cases and matches) ------------------------------


@pytest.fixture
def coordinator(organisations):
    """A coordinator of the partner ``organisations["partner"]``, allowed into the admin."""
    from tests.factories import staff_user

    return staff_user("partner_coordinator", organisations["partner"], username="samordnare")


@pytest.fixture
def other_coordinator(organisations):
    """A coordinator of another partner: the first partner's cases do not exist for them."""
    from tests.factories import staff_user

    return staff_user("partner_coordinator", organisations["other_partner"], username="granne")


@pytest.fixture
def volunteer_coordinator(organisations):
    from tests.factories import staff_user

    return staff_user("volunteer_coordinator", organisations["volunteers"], username="volsam")


@pytest.fixture
def data_protection_officer(organisations):
    from tests.factories import staff_user

    return staff_user("data_protection_officer", organisations["volunteers"], username="dataskydd")


@pytest.fixture
def local_cache():
    """A cache of this test's own. In CI the default cache is one Redis database that every xdist
    worker shares and clears, so tests that count (rate limits) keep their counters here."""
    from django.test import override_settings

    location = f"test-{os.getpid()}"
    backend = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": location}
    with override_settings(CACHES={"default": backend}):
        cache.clear()
        yield


# The volunteers' call queue --------------------------------------------------------------------


@pytest.fixture
def other_volunteer(db):
    """A second volunteer working the same call queue."""
    from tests.factories import UserFactory

    return UserFactory(roles=["volunteer"], username="volontar2")


@pytest.fixture
def volunteer_client(client, volunteer):
    """The test client, logged in as ``volunteer``."""
    client.force_login(volunteer)
    return client


# What the role groups and permissions looked like right after this process's last sync.
_ROLE_GROUPS_AS_SYNCED: list = []


def _role_groups_state():
    """The role groups, their permissions, and how many permissions there are: three queries."""
    from django.contrib.auth.models import Group, Permission

    from accounts.roles import ROLE_PERMISSIONS

    links = Group.permissions.through.objects.filter(group__name__in=ROLE_PERMISSIONS)
    return (
        frozenset(Group.objects.filter(name__in=ROLE_PERMISSIONS).values_list("pk", "name")),
        frozenset(links.values_list("group__name", "permission_id")),
        Permission.objects.count(),
    )


@pytest.fixture
def role_groups():
    """The role groups, made again if a transactional test before this one flushed them.

    Migrations make the groups; on SQLite a ``transaction=True`` test empties every table when it
    ends (on PostgreSQL it keeps the reference data, tests/fast_flush.py), so a later
    transactional test on the same worker would otherwise get users without roles.
    ``sync_role_groups`` makes every app's permissions and sets every group's (hundreds of
    queries), so it runs only when the groups and permissions are not as the last sync in this
    process left them (three queries to ask)."""
    from django.apps import apps

    from accounts.roles import sync_role_groups

    if _ROLE_GROUPS_AS_SYNCED and _role_groups_state() == _ROLE_GROUPS_AS_SYNCED[0]:
        return
    sync_role_groups(apps)
    _ROLE_GROUPS_AS_SYNCED[:] = [_role_groups_state()]


@pytest.fixture(scope="session", autouse=True)
def _role_groups_in_a_reused_database(django_db_setup, django_db_blocker):
    """With --reuse-db (the default here) a PostgreSQL test database is kept between runs; if the
    last run ended with a ``transaction=True`` test, its tables were emptied, the role groups made
    by migrations among them, and every role check of the next run would fail. Make them again
    once per session when they are missing."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    from accounts.roles import ROLE_PERMISSIONS, sync_role_groups
    from municipalities.apps import load_if_missing

    with django_db_blocker.unblock():
        load_if_missing()  # Sweden's municipalities, emptied by the same flush
        if Group.objects.filter(name__in=ROLE_PERMISSIONS).count() < len(ROLE_PERMISSIONS):
            sync_role_groups(apps)


# The housing company ---------------------------------------------------------------------------


@pytest.fixture
def company_staff(organisations):
    """A member of staff of the housing company ``organisations["housing"]`` (Krokomsbostäder)."""
    from tests.factories import staff_user

    return staff_user(
        "housing_company_staff", organisations["housing"], username="bostadsbolag", language="en"
    )


@pytest.fixture
def other_company(db):
    from accounts.models import Organisation
    from tests.factories import OrganisationFactory

    return OrganisationFactory(name="Grannbostäder", kind=Organisation.Kind.HOUSING_COMPANY)


@pytest.fixture
def other_company_staff(other_company):
    from tests.factories import staff_user

    return staff_user("housing_company_staff", other_company, username="grannbostader")


@pytest.fixture
def quota(organisations):
    """Krokomsbostäder offers every 5th vacancy to the partner's integration unit."""
    from tests.factories import QuotaAgreementFactory

    return QuotaAgreementFactory(
        company=organisations["housing"], integration_unit=organisations["partner"]
    )


@pytest.fixture
def fast_password_hashing():
    """Nothing more: every test hashes with MD5 (see ``pytest_configure``). Kept for the modules
    that still ask for it by name."""


# Places and match suggestions ------------------------------------------------------------------


def _load_municipalities() -> None:
    """Sweden's counties and municipalities, loaded again if a flush emptied the tables."""
    from municipalities.apps import load_if_missing

    load_if_missing()


@pytest.fixture(autouse=True)
def _reference_data_in_transactional_tests(request):
    """A ``transaction=True`` test after another one finds every table emptied on SQLite (on
    PostgreSQL the reference data is kept, tests/fast_flush.py): the municipalities and
    localities (reference data from migrations) are put back first."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    _load_localities()


def _load_localities() -> None:
    """Sweden's localities, loaded again as migrations ``matching.0004`` and ``0006`` load them, if a
    ``transaction=True`` test emptied the table (flushes do not re-run data migrations)."""
    from matching.places import load_localities

    _load_municipalities()
    load_localities()


@pytest.fixture(scope="session", autouse=True)
def _localities_in_a_reused_database(django_db_setup, django_db_blocker):
    """With --reuse-db a test database emptied by the last run's transactional test has no
    localities; put them back once per session (see ``_role_groups_in_a_reused_database``)."""
    with django_db_blocker.unblock():
        _load_localities()


@pytest.fixture(scope="session", autouse=True)
def _kept_tables_fingerprinted(
    _role_groups_in_a_reused_database, _localities_in_a_reused_database, django_db_blocker
):
    """The reference data as the session begins, once the fixtures above have mended a reused
    database: what every transactional test's teardown keeps, or restores (tests/fast_flush.py)."""
    from tests import fast_flush

    with django_db_blocker.unblock():
        fast_flush.begin_session()


@pytest.fixture
def localities(db):
    """The GeoNames localities the suggestions use, by name: ``localities["Krokom"]``."""
    from matching.models import Place

    _load_localities()
    names = ["Krokom", "Östersund", "Brunflo", "Järpen", "Åre", "Stockholm"]
    found = {
        place.name: place
        for place in Place.objects.filter(kind=Place.Kind.LOCALITY, name__in=names).order_by(
            "population"
        )
    }
    assert set(found) == set(names), set(names) - set(found)
    return found


@pytest.fixture(autouse=True)
def _two_factor_only_where_tested(request, settings):
    """Staff log in with a second factor in production; tests of other things use force_login
    and skip it. Tests marked ``two_factor`` (and the permission matrix) keep it on."""
    if request.node.get_closest_marker("two_factor") is None:
        settings.TWO_FACTOR_REQUIRED = False


def _rate_limit_clock_still():
    """django-ratelimit's windows end at a fixed second of the hour for each key; a test that
    ran across that second would see its counts reset half-way. Tests hold that clock still.
    Only django-ratelimit's own reference to the time module is replaced: patching time.time
    itself would stop every clock (two-factor codes among them)."""
    from unittest import mock

    return mock.patch("django_ratelimit.core.time", SimpleNamespace(time=lambda: 1_800_000_000))


@pytest.fixture(autouse=True)
def _rate_limit_clock_held_still():
    with _rate_limit_clock_still():
        yield


# Worlds built once per module ------------------------------------------------------------------


@contextlib.contextmanager
def _eager_tasks():
    """Tasks run in-process while a shared world is built, as in every test (a module-scoped
    fixture is built before the function-scoped ``_eager_celery_and_clean_cache``): nothing may
    reach a real broker's queue, where a later test's worker would find it."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = previous


def built_once_per_module(build):
    """A module-scoped fixture holding ``build()``'s world: built once for the module's tests
    (in each test process that runs them) in a transaction rolled back when the module is done.
    What each test writes is rolled back after it as usual, so every test starts from the world
    as built; a test takes it through ``held_world.fresh(settings)``, a deep copy (so that no
    test sees another's changes to the Python objects either) with MEDIA_ROOT pointing at the
    module's own folder, where the build wrote its files."""

    @pytest.fixture(scope="module")
    def held_world(django_db_setup, django_db_blocker, tmp_path_factory):
        from django.db import transaction
        from django.test import override_settings

        media = tmp_path_factory.mktemp("media")
        # A cache of the build's own, empty: its requests count against no one's rate limits.
        cache_of_its_own = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"world-{os.getpid()}-{media.name}",
            }
        }
        # As for a test: staff skip the second factor, django-ratelimit's clock stands still.
        built_as_in_a_test = override_settings(
            MEDIA_ROOT=media, CACHES=cache_of_its_own, TWO_FACTOR_REQUIRED=False
        )
        with django_db_blocker.unblock(), transaction.atomic():
            with built_as_in_a_test, _eager_tasks(), _rate_limit_clock_still():
                world = build()
            yield _Held(world, media)
            transaction.set_rollback(True)

    return held_world


class _Held:
    def __init__(self, world, media):
        self.world, self.media = world, media

    def fresh(self, settings):
        """The world as built, for one test (see ``built_once_per_module``)."""
        import copy

        settings.MEDIA_ROOT = self.media
        return copy.deepcopy(self.world)


# The demo, seeded once per test process -------------------------------------------------------


class _Demo:
    """``manage.py seed_demo`` in a transaction held open across tests and rolled back when the
    last test that asks for it is done. The tests that ask for ``demo`` run last in each test
    process (``pytest_collection_modifyitems``), so a process seeds it once (a seed takes
    seconds) and no other test ever sees it; what each test writes is rolled back after it as
    usual. The seed's own e-mails and on-commit work never run (nothing commits)."""

    def __init__(self):
        self.atomic = None
        self.printed = ""
        self.connection = None

    def enter(self, blocker) -> str:
        from django.db import connections

        if self.atomic is None:
            from io import StringIO

            from django.core.management import call_command
            from django.db import transaction

            out = StringIO()
            with blocker.unblock(), _eager_tasks():
                atomic = transaction.atomic()
                atomic.__enter__()
                try:
                    call_command("seed_demo", stdout=out)
                except BaseException:
                    transaction.set_rollback(True)
                    atomic.__exit__(None, None, None)
                    raise
            self.atomic, self.printed = atomic, out.getvalue()
            self.connection = connections["default"]
        if connections["default"] is not self.connection:
            raise RuntimeError(
                "The demo was seeded on another database connection than this test's: was "
                "Playwright started after the seed? (see _demo_order)"
            )
        return self.printed

    def leave(self, blocker) -> None:
        if self.atomic is not None:
            from django.db import connections, transaction

            atomic, self.atomic = self.atomic, None
            # On the seed's own connection, whatever Playwright has done to the lookup since.
            current, connections["default"] = connections["default"], self.connection
            try:
                with blocker.unblock():
                    transaction.set_rollback(True)
                    atomic.__exit__(None, None, None)
            finally:
                connections["default"] = current


_DEMO = _Demo()


def _wants_demo(item) -> bool:
    return "demo" in getattr(item, "fixturenames", ())


def _demo_order(item) -> int:
    """0: the tests without the demo; 1: the browser's tests on it; 2: the others on it."""
    if not _wants_demo(item):
        return 0
    return 1 if "tests/browser/" in item.nodeid else 2


def pytest_collection_modifyitems(session, config, items):
    """The tests on the seeded demo go last (in their order), so each test process seeds it once
    and holds it only while they run. Their browser tests go first: once Playwright has started,
    the test thread reaches the database through another connection object (Django keeps
    connections per async context, and Playwright's sync API runs an event loop), so the demo is
    seeded after Chromium has started in a process that will use it."""
    items.sort(key=_demo_order)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield  # the test's own fixtures (its transaction among them) are gone now
    if _wants_demo(item) and nextitem is not None and not _wants_demo(nextitem):
        _DEMO.leave(item.session._demo_blocker)  # (after the last test, ``_demo_held`` does it)


@pytest.fixture(scope="session")
def _demo_held(django_db_setup, django_db_blocker):
    """Rolls the demo back at the end of the session at the latest, before the fixtures set up
    before it (Chromium's, among them) are torn down: the rollback must reach the connection the
    seed used."""
    yield
    _DEMO.leave(django_db_blocker)


@pytest.fixture(scope="module")
def demo(request, _demo_held, django_db_setup, django_db_blocker):
    """The seeded demo (see ``_Demo``). Tests sign in as the demo's people with
    ``demo_user("samordnare")``; the fixture's value is what the seed printed (its log-ins and
    the demo links, see ``demo_links``). Module-scoped, so it is in place before a test's own
    transaction begins."""
    request.session._demo_blocker = django_db_blocker
    return _DEMO.enter(django_db_blocker)


def demo_links(printed: str) -> dict[str, list[str]]:
    """The paths of the links the seed printed: ``{"household": [...], "host": [...]}``, first
    city first."""
    import re
    from urllib.parse import urlsplit

    links = {"household": [], "host": []}
    for url in re.findall(r"https?://\S+", printed):
        path = urlsplit(url).path
        if path.startswith("/household/open/"):
            links["household"].append(path)
        elif path.startswith("/my-offer/open/"):
            links["host"].append(path)
    return links


def demo_user(username: str):
    from accounts.models import User

    return User.objects.get(username=username)


@pytest.fixture
def unrecorded_templates(monkeypatch):
    """Templates render as they do outside tests: without the test client's record of every
    template rendered, which keeps a copy of each one's context (``response.context``). For
    walks of hundreds of pages that read only the content, the status or the view's own
    ``response.context_data``."""
    from django.template.base import Template

    monkeypatch.setattr(Template, "_render", lambda self, context: self.nodelist.render(context))
