"""The quick end of a transactional test (tests/fast_flush.py): nothing a test wrote is left, and
the reference data every test starts from (content types, permissions, role groups, counties,
municipalities, localities) is there as migrations made it, even when a test changed it. Each test
runs a transactional test's set-up, body and teardown itself, as pytest-django does, and looks at
the database after it (so no check depends on which test runs next, or in which xdist worker)."""

from collections import Counter
from unittest import mock

import pytest
from django.apps import apps
from django.db import DatabaseError, connection
from django.test import TransactionTestCase

from tests import fast_flush
from tests.conftest import require

# Outside any test transaction, as a transactional test is (pytest-django's own teardown of these
# tests then finds nothing to do).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    require(connection.vendor == "postgresql", "the quick teardown is PostgreSQL's")


def a_transactional_test(body) -> str:
    """What pytest-django does around a ``transaction=True`` test, with ``body()`` as the test;
    returns what the teardown did."""

    class Transactional(TransactionTestCase):
        pass

    Transactional.setUpClass()
    case = Transactional(methodName="__init__")
    case._pre_setup()
    try:
        body()
    finally:
        case._post_teardown()
        Transactional.tearDownClass()
        Transactional.doClassCleanups()
    return fast_flush.STATE.last["default"]


def as_migrated() -> None:
    """The database is as the session found it: the kept tables alone hold rows, row for row."""
    tables_with_rows, digests = fast_flush.look()
    assert tables_with_rows == fast_flush.kept_tables(), (
        f"rows left in {sorted(tables_with_rows - fast_flush.kept_tables())}"
    )
    changed = [
        t for t, d in digests.items() if d != fast_flush.STATE.baselines["default"].digests[t]
    ]
    assert not changed, f"kept tables not as migrated: {changed}"


def reference_data() -> dict[str, Counter]:
    """The kept tables' rows, each primary key that a flush numbers afresh replaced by what it
    stands for."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    from matching.models import Place
    from municipalities.models import County, Municipality

    place_fields = [f.attname for f in Place._meta.concrete_fields if not f.primary_key]
    rows = {
        ContentType: ContentType.objects.values_list("app_label", "model"),
        Permission: Permission.objects.values_list(
            "content_type__app_label", "content_type__model", "codename", "name"
        ),
        Group: Group.objects.values_list("name"),
        Group.permissions.through: Group.permissions.through.objects.values_list(
            "group__name", "permission__content_type__app_label", "permission__codename"
        ),
        County: County.objects.values_list(),
        Municipality: Municipality.objects.values_list(),
        Place: Place.objects.values_list(*place_fields),
    }
    assert {model._meta.db_table for model in rows} == fast_flush.kept_tables(), (
        "a kept table is missing here: say what its rows stand for"
    )
    return {model._meta.db_table: Counter(values) for model, values in rows.items()}


def write_a_stay():
    """A stay under way and its people: rows in a score of tables, none of them kept."""
    from tests.factories import moved_in_match

    moved_in_match()
    written = fast_flush.look()[0] - fast_flush.kept_tables()
    assert len(written) >= 10, written


def change_reference_data():
    from django.contrib.auth.models import Group

    from municipalities.models import Municipality
    from tests.factories import district

    Municipality.objects.filter(code="2309").update(name="Krokoms kommun (ändrad)")
    Group.objects.get(name="volunteer").permissions.clear()
    district(None, "Nälden", 63.35, 14.25)


def test_the_tables_kept_are_the_ones_that_held_rows_when_the_session_began():
    left = sorted(fast_flush.STATE.left_at_start.get("default", ()))
    require(
        not left,
        f"the session began with rows in {left}, and flushed them: rows of a killed run, or "
        "reference data a migration loads into a table kept_tables does not name",
    )
    found = fast_flush.STATE.baselines["default"].tables_with_rows
    assert found == fast_flush.kept_tables(), (
        f"held rows, not kept: {sorted(found - fast_flush.kept_tables())}; kept, held none: "
        f"{sorted(fast_flush.kept_tables() - found)}. A migration that loads reference data into "
        "a new table: add it to kept_tables. Rows left by an interrupted run in a kept database: "
        "run with --create-db."
    )


def test_a_test_that_leaves_the_reference_data_alone_ends_quickly_and_leaves_nothing():
    as_migrated()

    assert a_transactional_test(write_a_stay) == fast_flush.FAST

    as_migrated()


def test_a_test_that_changes_reference_data_gets_it_back_row_for_row():
    def body():
        write_a_stay()
        change_reference_data()

    assert a_transactional_test(body) == fast_flush.RESTORED

    as_migrated()


def test_when_the_copy_cannot_be_put_back_the_full_flush_runs_and_the_next_teardown_mends_it():
    """Django's flush with post_migrate, and the localities reloaded: nothing left, and the kept
    tables differ only in rows numbered afresh and in the content types (and their permissions)
    of models removed since their migration (migrations leave them, post_migrate does not make
    them). The next teardown copies the kept tables back as migrated."""
    before = reference_data()

    def body():
        write_a_stay()
        change_reference_data()

    with mock.patch.object(fast_flush, "_empty_and_restore", side_effect=DatabaseError("broken")):
        assert a_transactional_test(body) == fast_flush.FULL

    assert fast_flush.look()[0] == fast_flush.kept_tables(), "rows left behind"
    after_a_full_flush = reference_data()
    removed = {
        (app_label, model)
        for app_label, model in before["django_content_type"]
        if apps.get_app_config(app_label).models.get(model) is None
    }
    for table, rows in before.items():
        if table in ("django_content_type", "auth_permission"):
            rows = Counter({row: n for row, n in rows.items() if row[:2] not in removed})
        assert rows == after_a_full_flush[table], table

    assert a_transactional_test(lambda: None) == fast_flush.RESTORED
    as_migrated()
