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


# Every step of a public form, valid or not, from one address (sign-up answers kept in a session
# are one row each): RATELIMIT_SIGNUP_STEP_PER_IP in the settings, or this.
SIGNUP_STEP_RATE = "60/h"


def over_step_limit(request, *, group: str) -> bool:
    """True if this address has sent the step ``group`` of a public form too often; counts it."""
    rate = getattr(settings, "RATELIMIT_SIGNUP_STEP_PER_IP", SIGNUP_STEP_RATE)
    return over_limit(request, group=group, limits=[("ip", rate)])
