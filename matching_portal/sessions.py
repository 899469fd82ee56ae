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

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

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
