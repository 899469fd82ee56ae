"""Rate limits for the public forms, on django-ratelimit's counters in the cache.

If the cache cannot be reached the limit is not applied (and a warning is logged): a resident who
wants to offer a room must never meet an error page because the cache is down.
"""

import logging

from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited

logger = logging.getLogger(__name__)


def over_limit(request, *, group: str, limits: list[tuple[str, str]]) -> bool:
    """True if any (value, rate) pair in ``limits`` is used up; counts this request against each.

    A value of ``"ip"`` counts per client address; any other value is counted as it is (e.g. an
    e-mail address). Empty values are not counted.
    """
    try:
        for value, rate in limits:
            if not value:
                continue
            key = "ip" if value == "ip" else (lambda _group, _request, v=value: v)
            if is_ratelimited(
                request,
                group=f"{group}:{'ip' if value == 'ip' else 'value'}",
                key=key,
                rate=rate,
                increment=True,
            ):
                return True
    except Exception:
        logger.warning("Rate limit skipped for %s: the cache cannot be reached.", group)
    return False


def too_many_requests(request):
    return render(request, "429.html", status=429)


# A person may send a step of a sign-up form again and again while correcting it.
STEPS_PER_SIGN_UP = 3


def over_step_limit(request, *, group: str) -> bool:
    """True if this address has sent the step ``group`` of a public sign-up form too often;
    counts it. Every POST of the step counts, valid or not (each one may keep answers in a
    session): up to ``STEPS_PER_SIGN_UP`` times the sign-ups allowed per address
    (``RATELIMIT_SIGNUP_PER_IP``) in the same time."""
    count, _slash, period = settings.RATELIMIT_SIGNUP_PER_IP.partition("/")
    rate = f"{int(count) * STEPS_PER_SIGN_UP}/{period}"
    return over_limit(request, group=group, limits=[("ip", rate)])


def over_concern_limit(request, *, who: str) -> bool:
    """True if ``who`` (one side of a stay: ``"home:<pk>"`` for the host, ``"case:<pk>"`` for the
    household) has raised ``RATELIMIT_CONCERNS_PER_HOUR`` concerns this hour; counts this one.
    Counted when a concern is about to be raised (a form with errors does not count), so that a
    person correcting the form is never stopped, and nobody can flood the coordinators' inboxes."""
    rate = f"{settings.RATELIMIT_CONCERNS_PER_HOUR}/h"
    return over_limit(request, group="concern", limits=[(who, rate)])
