"""Slowing down password guessing without locking the account's owner out.

django-axes locks the pair (user name, address) after five wrong passwords for half an hour
(``AXES_LOCKOUT_PARAMETERS``), so wrong passwords typed from one address never close the account
for its owner elsewhere. On top of that, across all addresses:

- a user name that has had ``FREE_FAILURES`` wrong passwords waits before each further attempt,
  2 s after the next failure, then 4, 8, … up to ``LONGEST_WAIT`` (5 minutes);
- an address that has had ``FREE_FAILURES_PER_ADDRESS`` wrong passwords (for any user names)
  waits the same way, against guessing one common password for many user names.

A log-in tried before its wait is over is refused at once with "try again in N seconds" (429 and
``Retry-After``): nobody sleeps in a web worker, and the refusal does not count as a failure, so
hammering the form does not make the wait longer. A browser in which the person has logged in
before (a signed cookie, ``KNOWN_BROWSER_COOKIE``, kept 180 days) does not wait for that user
name: whoever guesses another person's password from elsewhere cannot keep the owner out.

The counters live in the cache (Redis in production, shared by every web process). If the cache
cannot be reached the wait is skipped and a warning logged; the lock-out of the pair, in the
database, still holds.
"""

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core import signing
from django.core.cache import cache
from django.dispatch import receiver
from django.shortcuts import render

from .emails import canonical_username
from .two_factor import axes_username

logger = logging.getLogger(__name__)

FREE_FAILURES = 5
FREE_FAILURES_PER_ADDRESS = 20
FIRST_WAIT = 2  # seconds, after the first failure beyond the free ones
LONGEST_WAIT = 5 * 60
# A counter is forgotten after an hour without a failure.
MEMORY = 60 * 60

KNOWN_BROWSER_COOKIE = "known_login"
KNOWN_BROWSER_SALT = "accounts.lockout.known-browser"
KNOWN_BROWSER_AGE = 180 * 24 * 60 * 60
KNOWN_BROWSER_MAX_NAMES = 5

LOG_IN_VIEWS = frozenset({"login", "admin:login"})


@dataclass(frozen=True)
class Counter:
    """The wrong passwords counted under one key (a user name or an address): the number, an
    integer the cache increments atomically, and the time of the last one beside it."""

    key: str
    free: int

    @property
    def last_key(self) -> str:
        return f"{self.key}:last"

    def read(self) -> tuple[int, float]:
        values = cache.get_many([self.key, self.last_key])
        return int(values.get(self.key, 0)), float(values.get(self.last_key, 0.0))

    def seconds_to_wait(self, now: float) -> int:
        failures, last = self.read()
        if failures < self.free:
            return 0
        wait = min(LONGEST_WAIT, FIRST_WAIT * 2 ** (failures - self.free))
        return max(0, math.ceil(last + wait - now))

    def count_failure(self, now: float) -> None:
        """Count one more failure. An increment in the cache, not a read and a write: wrong
        passwords sent at the same moment to several web processes (or threads) each count, so
        sending guesses in parallel does not make them free."""
        cache.add(self.key, 0, MEMORY)
        try:
            cache.incr(self.key)
        except ValueError:  # the count expired between the two calls
            cache.add(self.key, 1, MEMORY)
        cache.touch(self.key, MEMORY)  # forgotten an hour after the last failure
        cache.set(self.last_key, now, MEMORY)

    def forget(self) -> None:
        cache.delete_many([self.key, self.last_key])


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def username_key(username: str) -> str:
    """The form a user name is counted under: the canonical one that log-in looks up, so that
    ``Anna``, ``ANNA`` and ``anna`` share one count (and ``annı`` is another name)."""
    return canonical_username(username)


def user_name_counter(username: str) -> Counter:
    return Counter(f"login-failures:user:{_digest(username_key(username))}", FREE_FAILURES)


def address_counter(address: str) -> Counter:
    return Counter(f"login-failures:address:{_digest(address)}", FREE_FAILURES_PER_ADDRESS)


def _known_names(request) -> list[str]:
    try:
        value = request.get_signed_cookie(
            KNOWN_BROWSER_COOKIE, salt=KNOWN_BROWSER_SALT, max_age=KNOWN_BROWSER_AGE
        )
    except (KeyError, signing.BadSignature):
        return []
    return [name for name in value.split(".") if name][:KNOWN_BROWSER_MAX_NAMES]


def is_known_browser(request, username: str) -> bool:
    return _digest(username_key(username)) in _known_names(request)


def seconds_to_wait(request, username: str | None) -> int:
    """How long this log-in must wait before the password is checked (0: not at all). A browser
    in which this user name has logged in before does not wait."""
    if username and is_known_browser(request, username):
        return 0
    now = time.time()
    waits = []
    address = get_client_ip_address(request)
    if address:
        waits.append(address_counter(address).seconds_to_wait(now))
    if username:
        waits.append(user_name_counter(username).seconds_to_wait(now))
    return max(waits, default=0)


def lift_wait(username: str) -> None:
    """Staff lifted the lock-out: the user name's wait goes too."""
    try:
        user_name_counter(username).forget()
    except Exception:
        logger.warning("The log-in wait could not be lifted: the cache cannot be reached.")


@receiver(user_login_failed, dispatch_uid="accounts-count-login-failure")
def count_failure(sender, credentials, request=None, **kwargs):
    # Every attempt that reached the password check counts, the ones axes refused for a locked
    # pair too: each has passed this module's wait first, so none comes faster than the wait.
    if request is None:
        return
    now = time.time()
    try:
        username = axes_username(request, credentials)
        if username:
            user_name_counter(username).count_failure(now)
        address = get_client_ip_address(request)
        if address:
            address_counter(address).count_failure(now)
    except Exception:
        logger.warning("A failed log-in was not counted: the cache cannot be reached.")


@receiver(user_logged_in, dispatch_uid="accounts-remember-browser")
def remember_browser(sender, request, user, **kwargs):
    if request is not None:
        request.known_login_name = user.get_username()


class LogInWaitMiddleware:
    """Refuses a log-in whose wait is not over before the password is checked, and remembers
    the browser of a successful log-in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        name = getattr(request, "known_login_name", None)
        if name:
            names = [_digest(username_key(name))]
            names += [known for known in _known_names(request) if known not in names]
            response.set_signed_cookie(
                KNOWN_BROWSER_COOKIE,
                ".".join(names[:KNOWN_BROWSER_MAX_NAMES]),
                salt=KNOWN_BROWSER_SALT,
                max_age=KNOWN_BROWSER_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.resolver_match.view_name not in LOG_IN_VIEWS:
            return None
        try:
            wait = seconds_to_wait(request, axes_username(request))
        except Exception:
            logger.warning("The log-in wait was skipped: the cache cannot be reached.")
            return None
        if not wait:
            return None
        from privacy.actions import security_event
        from privacy.models import SecurityEvent

        security_event(kind=SecurityEvent.Kind.LOGIN_DELAYED, path=request.path)
        response = render(request, "accounts/log_in_wait.html", {"seconds": wait}, status=429)
        response["Retry-After"] = str(wait)
        response["Cache-Control"] = "no-store"
        return response
