"""One migrated test database per run, copied for each pytest-xdist worker (PostgreSQL).

pytest-django gives every xdist worker a test database of its own (``test_<name>_gw0``,
``test_<name>_gw1``, ...), and each worker used to migrate its own from nothing: well over a
hundred migrations, 30–60 s per worker on two cores, the workers slowing each other down. Here
the first worker to get there migrates one database, ``test_<name>_template``, and every worker
then makes its own as a copy of it (``CREATE DATABASE ... TEMPLATE``: a file copy, a second or
two). A lock file in the run's shared temporary folder keeps the workers from racing; a marker
file there says the template is migrated for this run.

``--reuse-db`` (pyproject's default) keeps its meaning: a worker's database left by an earlier
run is used again and migrated as before, and a missing one is copied from the template (itself
kept and migrated again). ``--create-db`` (CI) makes the template afresh, and every copy.
Without xdist, or on SQLite, pytest-django's own set-up runs unchanged.
"""

import contextlib
import fcntl
from pathlib import Path

TEMPLATE_SUFFIX = "_template"


@contextlib.contextmanager
def _locked(path: Path):
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def wanted(aliases) -> bool:
    """Whether every database the tests use is PostgreSQL (the copy is PostgreSQL's)."""
    from django.db import connections

    return bool(aliases) and all(connections[alias].vendor == "postgresql" for alias in aliases)


def _exists(connection, name: str) -> bool:
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _point_at(connection, name: str) -> None:
    """Connect ``connection`` (and the settings) to the database ``name`` from now on."""
    from django.conf import settings

    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name


def _migrate_template(connection, template: str, *, keepdb: bool, verbosity: int) -> None:
    """Make (or, with ``keepdb``, keep) the template and migrate it, as Django makes a test
    database; then let go of it, as nobody may be connected to a template while it is copied."""
    test_settings = connection.settings_dict["TEST"]
    own_name = test_settings["NAME"]
    test_settings["NAME"] = template
    try:
        connection.creation.create_test_db(
            verbosity=verbosity, autoclobber=True, serialize=False, keepdb=keepdb
        )
    finally:
        test_settings["NAME"] = own_name
    connection.close()


def _copy(connection, template: str, name: str) -> None:
    quote = connection.ops.quote_name
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
        cursor.execute(f"CREATE DATABASE {quote(name)} TEMPLATE {quote(template)}")


def setup(aliases, serialized_aliases, *, worker: str, shared: Path, keepdb: bool, verbosity: int):
    """Give this worker its test databases; returns what ``teardown_databases`` takes."""
    from django.db import connections

    old_config = []
    for alias in sorted(aliases):
        connection = connections[alias]
        creation = connection.creation
        old_name = connection.settings_dict["NAME"]
        own_name = creation._get_test_db_name()  # test_<name>_<worker>, set by pytest-django
        if keepdb and _exists(connection, own_name):
            # As before: the worker's database of an earlier run, migrated if migrations changed.
            creation.create_test_db(
                verbosity=verbosity,
                autoclobber=True,
                serialize=alias in serialized_aliases,
                keepdb=True,
            )
        else:
            template = own_name.removesuffix(f"_{worker}") + TEMPLATE_SUFFIX
            with _locked(shared / f"test-database-{alias}.lock"):
                ready = shared / f"test-database-{alias}.migrated"
                if not ready.exists():
                    _migrate_template(connection, template, keepdb=keepdb, verbosity=verbosity)
                    ready.touch()
                if verbosity >= 1:
                    creation.log(f"Copying test database {template} to {own_name}...")
                _copy(connection, template, own_name)
            _point_at(connection, own_name)
            if alias in serialized_aliases:
                connection._test_serialized_contents = creation.serialize_db_to_string()
            connection.ensure_connection()
        old_config.append((connection, old_name, True))
    return old_config


def drop_templates(verbosity: int = 0) -> None:
    """Drop the templates of this run (without ``--reuse-db``: nothing of the run is kept)."""
    from django.db import connections

    for connection in connections.all():
        if connection.vendor != "postgresql":
            continue
        template = connection.creation._get_test_db_name() + TEMPLATE_SUFFIX
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(template)}")
