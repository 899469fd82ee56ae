"""The end of a transactional test: empty what the test wrote, keep the reference data (PostgreSQL).

Django's ``TransactionTestCase`` ends every test (pytest-django's ``transactional_db``,
``django_db(transaction=True)``, ``live_server``) with ``flush``: one TRUNCATE of every table
(about a hundred here; two seconds on its own, as each truncated table and index gets new files),
then ``post_migrate``, which makes the content types, permissions and role groups again and
reloads the municipalities and counties, after which the next test's fixtures reload Sweden's
localities: 2-4 s a test, most of a minute and a half in a full run.

Here, instead, once per test process when the session begins the kept tables (``kept_tables``:
the ones migrations fill) are fingerprinted (a count and a hash of each one's rows) and copied
(``COPY ... TO STDOUT``, a few hundred kilobytes in memory). At the end of a transactional test,
in one transaction:

1. one query says which tables hold rows and how each kept table reads now;
2. the rows of the other tables that hold any are deleted (DELETE, not TRUNCATE: a truncated
   table gets new files, and a TRUNCATE would have to take in every table that refers to the ones
   it empties, kept ones among them; Django's foreign keys are checked at commit, so the order
   does not matter);
3. a kept table a test changed (a migration test going back and forth, a test renaming a
   municipality or giving a role group another permission) is emptied and copied back as it was,
   and read again to be sure.

A session that begins with rows outside the kept tables (a run killed in the middle of a
transactional test, whose teardown never ran) is flushed in full first (``begin_session``).

So every transactional test starts from the migrated database, rows and primary keys as the
migrations made them. (A full flush did not quite give that back: ``post_migrate`` numbers the
content types and permissions afresh, leaves out those of models removed since
(``volunteers.followup``), and the localities were the next test's fixtures' to reload.)
Sequences are not reset, as before. If any of it fails (a kept table whose columns a migration
test left changed), Django's own flush with ``post_migrate`` runs as before, with ``refill`` for
the localities, and the next teardown tries the copy again.

``tests/test_fast_flush.py`` checks that the kept tables are the ones that hold rows when a
session begins, that nothing a test wrote is left, that the kept tables are as they were, and how
they differ from what a full flush gives. SQLite, ``serialized_rollback`` and ``available_apps``
keep Django's flush.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

FAST = "fast"  # the kept tables were as they were: the other tables emptied
RESTORED = "kept tables copied back"
FULL = "full flush"


@dataclass
class _Baseline:
    """One database's kept tables as the session found them."""

    database: str  # the connection's NAME when they were taken
    digests: dict[str, str]
    columns: dict[str, str]  # table -> its quoted column names, in the order copied
    copies: dict[str, bytes]  # table -> its rows in COPY's text format
    tables_with_rows: frozenset[str]


@dataclass
class _State:
    baselines: dict[str, _Baseline] = field(default_factory=dict)
    # The tables not kept that held rows when the session began (flushed then, begin_session).
    left_at_start: dict[str, frozenset[str]] = field(default_factory=dict)
    refill: Callable[[str], None] | None = None
    # What each database's last teardown did, and how often each: for the guard test and to
    # count in a run.
    last: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: {FAST: 0, RESTORED: 0, FULL: 0})


STATE = _State()


class _NotRestored(Exception):
    pass


def kept_tables() -> frozenset[str]:
    """The tables a migrated database holds rows in, which every transactional test starts with."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    from matching.models import Place
    from municipalities.models import County, Municipality

    models = [ContentType, Permission, Group, Group.permissions.through, County, Municipality]
    return frozenset(model._meta.db_table for model in [*models, Place])


def applies_to(connection) -> bool:
    return connection.vendor == "postgresql"


def _digests_sql(connection, tables) -> str:
    # A count and a sum of 64-bit hashes of the rows: any row added, removed or changed shows,
    # and nothing needs sorting. (The table names are the models' own, quoted.)
    digest = "count(*) || ':' || coalesce(sum(hashtextextended(t::text, 0)), 0)"
    return ", ".join(
        f"(SELECT {digest} FROM {connection.ops.quote_name(table)} t)"  # noqa: S608
        for table in tables
    )


def _digests(cursor, connection, tables: list[str]) -> dict[str, str]:
    cursor.execute(f"SELECT {_digests_sql(connection, tables)}")
    return dict(zip(tables, cursor.fetchone(), strict=True))


def _look(cursor, connection, kept: list[str]) -> tuple[frozenset[str], dict[str, str]]:
    """One query: the tables a flush would empty that hold rows, and each kept table's digest."""
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with_rows = " UNION ALL ".join(
        f"SELECT %s WHERE EXISTS (SELECT 1 FROM {connection.ops.quote_name(table)})"  # noqa: S608
        for table in tables
    )
    and_digests = f", {_digests_sql(connection, kept)}" if kept else ""
    cursor.execute(f"SELECT ARRAY({with_rows}){and_digests}", list(tables))
    names, *digests = cursor.fetchone()
    return frozenset(names), dict(zip(kept, digests, strict=True))


def look(alias: str = "default") -> tuple[frozenset[str], dict[str, str]]:
    """The tables that hold rows, and the kept tables' digests, as they are now."""
    from django.db import connections

    connection = connections[alias]
    with connection.cursor() as cursor:
        return _look(cursor, connection, sorted(STATE.baselines[alias].digests))


def begin_session(alias: str = "default") -> None:
    """Take the baseline once the session's database is ready. Rows in a table that is not kept
    mean a run ended in the middle of a transactional test (killed), whose teardown never ran and
    which may have changed a kept table too: Django's flush and ``post_migrate`` mend that first,
    as the old teardown did at the first transactional test, so that no damage is taken for the
    migrated state."""
    from django.db import connections

    connection = connections[alias]
    if not applies_to(connection):
        return
    with connection.cursor() as cursor:
        found = _look(cursor, connection, [])[0]
    left = found - kept_tables()
    if left:
        _full_flush(alias)
        STATE.left_at_start[alias] = left
    take_baseline(alias)


def take_baseline(alias: str = "default") -> _Baseline | None:
    """Fingerprint and copy the kept tables of ``alias`` as they are now (the migrated state)."""
    from django.db import connections

    connection = connections[alias]
    if not applies_to(connection):
        return None
    existing = set(connection.introspection.table_names())
    kept = sorted(table for table in kept_tables() if table in existing)
    quote = connection.ops.quote_name
    columns, copies = {}, {}
    with connection.cursor() as cursor:
        tables_with_rows, digests = _look(cursor, connection, kept)
        for table in kept:
            description = connection.introspection.get_table_description(cursor, table)
            columns[table] = ", ".join(quote(column.name) for column in description)
            with cursor.copy(f"COPY {quote(table)} ({columns[table]}) TO STDOUT") as copy:
                copies[table] = b"".join(bytes(block) for block in copy)
    baseline = _Baseline(
        connection.settings_dict["NAME"], digests, columns, copies, tables_with_rows
    )
    STATE.baselines[alias] = baseline
    return baseline


def _empty_and_restore(alias: str) -> str:
    """Steps 1-3 of the module's docstring; FAST or RESTORED. Raises on anything unexpected."""
    from django.db import connections, transaction

    connection = connections[alias]
    baseline = STATE.baselines.get(alias)
    if baseline is None or baseline.database != connection.settings_dict["NAME"]:
        raise _NotRestored(f"no copy of the kept tables of {connection.settings_dict['NAME']}")
    quote = connection.ops.quote_name
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        tables_with_rows, digests = _look(cursor, connection, sorted(baseline.digests))
        changed = sorted(
            table for table, digest in digests.items() if digest != baseline.digests[table]
        )
        for table in sorted((tables_with_rows - baseline.digests.keys()) | set(changed)):
            cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608
        for table in changed:
            with cursor.copy(f"COPY {quote(table)} ({baseline.columns[table]}) FROM STDIN") as copy:
                copy.write(baseline.copies[table])
        if changed and _digests(cursor, connection, changed) != {
            table: baseline.digests[table] for table in changed
        }:
            raise _NotRestored(f"copied back, but not as they were: {changed}")
    return RESTORED if changed else FAST


def _full_flush(alias: str) -> None:
    """Django's flush with ``post_migrate``, as Django's teardown runs it, and the ``refill``."""
    from django.core.management import call_command
    from django.db import connections

    call_command(
        "flush",
        verbosity=0,
        interactive=False,
        database=alias,
        reset_sequences=False,
        allow_cascade=False,
        inhibit_post_migrate=False,
    )
    if applies_to(connections[alias]) and STATE.refill is not None:
        STATE.refill(alias)


def _fixture_teardown(self) -> None:
    """``TransactionTestCase._fixture_teardown``, quick where the module's docstring says."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import DatabaseError, connections

    if self.available_apps is not None or self.serialized_rollback:
        return _django_fixture_teardown(self)
    for alias in self._databases_names(include_mirrors=False):
        done = None
        if applies_to(connections[alias]):
            try:
                done = _empty_and_restore(alias)
            except (DatabaseError, _NotRestored):
                done = None
        if done is None:
            _full_flush(alias)
            done = FULL
        STATE.last[alias] = done
        STATE.counts[done] += 1
    # As post_migrate did: a content type the test made (and the cache kept) is gone.
    ContentType.objects.clear_cache()
    return None


_django_fixture_teardown = None


def install(*, refill: Callable[[str], None]) -> None:
    """Put ``_fixture_teardown`` in Django's place; ``refill(alias)`` runs after a full flush and
    loads what ``post_migrate`` does not."""
    global _django_fixture_teardown
    from django.test import TransactionTestCase

    STATE.refill = refill
    if _django_fixture_teardown is None:
        _django_fixture_teardown = TransactionTestCase._fixture_teardown
        TransactionTestCase._fixture_teardown = _fixture_teardown
