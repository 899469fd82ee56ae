"""matching_portal/sessions.py: the idle timeout's renewal is not written when nothing changed
and the last write is less than a minute old; every change is written, also one made in place."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matching_portal.sessions import RENEW_AFTER, SessionStore

pytestmark = pytest.mark.django_db


def _stored(key):
    return Session.objects.get(session_key=key)


def _new_session(**data):
    store = SessionStore()
    store.update(data)
    store.save(must_create=True)
    return store.session_key


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT"))]


def test_an_unchanged_session_written_a_moment_ago_is_not_written_again():
    key = _new_session(answers={"a": 1})
    store = SessionStore(key)
    assert store["answers"] == {"a": 1}
    with CaptureQueriesContext(connection) as queries:
        store.save()
    assert _writes(queries) == []


def test_an_unchanged_session_is_renewed_once_a_minute_has_passed():
    key = _new_session(answers={"a": 1})
    old = timezone.now() + timedelta(minutes=5)
    Session.objects.filter(pk=key).update(expire_date=old)
    store = SessionStore(key)
    store.load()
    store.save()
    assert _stored(key).expire_date > old + RENEW_AFTER


def test_a_change_is_written_also_when_made_in_place():
    key = _new_session(answers={"a": 1})
    store = SessionStore(key)
    store["answers"]["a"] = 2  # no assignment: the modified flag stays False
    assert not store.modified
    store.save()
    assert SessionStore(key)["answers"] == {"a": 2}


def test_a_session_never_read_in_the_request_is_read_before_deciding():
    key = _new_session(answers={"a": 1})
    with CaptureQueriesContext(connection) as queries:
        SessionStore(key).save()
    assert _writes(queries) == []
    assert SessionStore(key)["answers"] == {"a": 1}
