"""The sign-up's statements (issue 19): what each of its requests asks the database, and no more.

The sign-up is five of every six requests under load; every statement costs the web process and
PostgreSQL CPU. Counted inside the test's transaction (savepoints instead of BEGIN and COMMIT).
"""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from hosts.models import Home, Host
from tests.factories import local_group, registration_post_data

pytestmark = pytest.mark.django_db


def _statements(call) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        call()
    return [query["sql"] for query in captured.captured_queries]


def _reading(statements: list[str], table: str) -> list[str]:
    return [sql for sql in statements if sql.startswith("SELECT") and f'FROM "{table}"' in sql]


def test_each_step_of_the_sign_up_reads_only_what_it_needs(
    client, organisations, django_capture_on_commit_callbacks
):
    group = local_group(organisations["volunteers"], covers=["2380"])

    sent = _statements(lambda: client.post("/offer/", registration_post_data()))
    # The new session is inserted without first asking whether its random key is taken.
    assert _reading(sent, "django_session") == []
    # The municipality typed is read once: the model's validation does not read it again.
    assert len(_reading(sent, "municipalities_municipality")) == 1

    checked = _statements(lambda: client.get("/offer/check/"))
    # Östersund's postcode is in Östersund: no second read for a postcode note.
    assert len(_reading(checked, "municipalities_municipality")) == 1
    assert len(checked) == 2  # the session, the municipality

    def consent():
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/offer/check/", {"consent": "on"})
        assert response.status_code == 302 and response.url == "/offer/sent/"

    consented = _statements(consent)
    host = Host.objects.get()
    home = Home.objects.get(host=host)
    assert home.local_group == group
    # The new host's link version is known, and the e-mail's "who will call" is the group the
    # home was just routed to: neither is read again.
    assert _reading(consented, "hosts_host") == []
    assert _reading(consented, "accounts_localgroup") == []
    # The session, empty once the offer is sent, ends with one DELETE (not a read first).
    assert len(_reading(consented, "django_session")) == 1  # the request's own read
    assert len([sql for sql in consented if sql.startswith('DELETE FROM "django_session"')]) == 1
    assert len(_reading(consented, "municipalities_municipality")) == 1


def test_the_home_constraint_is_passed_over_only_when_its_fields_are_left_out():
    """``Home.validate_constraints`` passes over "a host or a unit" without building its query
    when the offer forms leave ``host`` and ``unit`` out, as Django would after building it;
    with them in, a home with neither is still refused."""
    home = Home(host=None, unit=None)
    with pytest.raises(ValidationError):
        home.validate_constraints()
    with pytest.raises(ValidationError):
        home.validate_constraints(exclude={"street_address"})
    with mock.patch.object(Q, "check", autospec=True) as check:
        home.validate_constraints(exclude={"host", "unit"})
        home.validate_constraints(exclude={"unit"})
    assert check.call_count == 0
