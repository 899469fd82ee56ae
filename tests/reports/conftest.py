"""The reports' tests count homes by municipality: Sweden's municipalities must be there."""

import importlib

import pytest


@pytest.fixture(autouse=True)
def _municipalities(request):
    """Load the municipalities again (as migration ``municipalities.0002`` does) when a
    ``transaction=True`` test before this one emptied the table (flushes do not re-run data
    migrations). Only for tests that use the database."""
    if not any(name in request.fixturenames for name in ("db", "transactional_db")) and not (
        request.node.get_closest_marker("django_db")
    ):
        return
    request.getfixturevalue("transactional_db" if _transactional(request) else "db")
    from django.apps import apps

    from municipalities.models import Municipality

    if not Municipality.objects.exists():
        importlib.import_module("municipalities.migrations.0002_load_reference_data").load(
            apps, None
        )


def _transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return "transactional_db" in request.fixturenames or bool(
        marker and marker.kwargs.get("transaction")
    )
