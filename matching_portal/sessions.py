"""The session store: Django's database sessions, without a write when nothing changed.

``SESSION_SAVE_EVERY_REQUEST`` renews the idle timeout on every request, which costs a
transaction (an UPDATE and a commit) per page for everyone signed in, or with a sign-up's answers
kept. This store skips that write when the session's data is exactly what was read and the
stored expiry is less than ``RENEW_AFTER`` old: the timeout then starts at most that long before
the last request instead of at it (29 to 30 minutes of idleness instead of 30). Any change to the
data is saved as before, also a change made in place (the data is compared, not the ``modified``
flag).
"""

from datetime import timedelta

from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils.crypto import get_random_string

RENEW_AFTER = timedelta(seconds=60)


class SessionStore(DatabaseSessionStore):
    _stored = None  # (the data as serialized when read, its stored expiry)

    def _get_session_from_db(self):
        row = super()._get_session_from_db()
        self._stored = None
        if row is not None:
            self._stored = (row.session_data, row.expire_date)
        return row

    def load(self):
        data = super().load()
        if self._stored is not None:
            self._stored = (self._serialized(data), self._stored[1])
        return data

    def _serialized(self, data) -> bytes | None:
        try:
            return self.serializer().dumps(data)
        except (TypeError, ValueError):
            return None

    def save(self, must_create=False):
        if not must_create and self.session_key is not None:
            current = self._get_session()  # read now if the request never read it
            stored = self._stored
            if (
                stored is not None
                and stored[0] is not None
                and self._serialized(current) == stored[0]
                and self.get_expiry_date() - stored[1] < RENEW_AFTER
            ):
                return
        super().save(must_create=must_create)
        self._stored = None

    def create(self):
        # A new key (32 random characters) is inserted straight away: the INSERT refuses a key
        # already taken, and another is tried, as Django's store does after first asking
        # whether the key is taken (one query less for every new session).
        while True:
            self._session_key = get_random_string(32, VALID_KEY_CHARS)
            try:
                self.save(must_create=True)
            except CreateError:
                continue
            self.modified = True
            return

    def delete(self, session_key=None):
        # One DELETE, where Django's store reads the row first to delete it by its key. Nothing
        # refers to a session row and no signal listens for its deletion, so the row is deleted
        # directly (QuerySet.delete would wrap the same statement in a transaction of its own).
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        queryset = self.model.objects.filter(session_key=session_key)
        queryset._raw_delete(queryset.db)
