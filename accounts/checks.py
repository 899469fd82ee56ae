"""Deploy checks for what every web process must share."""

from django.conf import settings
from django.core.checks import Warning, register

# Caches whose counters another process (or machine) does not see, or cannot increment safely.
NOT_SHARED = {
    "django.core.cache.backends.locmem.LocMemCache": "keeps its values in one process's memory",
    "django.core.cache.backends.dummy.DummyCache": "keeps nothing",
    "django.core.cache.backends.filebased.FileBasedCache": (
        "keeps its values on one machine's disk and cannot increment a counter atomically"
    ),
    "django.core.cache.backends.db.DatabaseCache": "cannot increment a counter atomically",
}


@register("caches", deploy=True)
def cache_is_shared(app_configs, **kwargs):
    """The rate limits of the public forms (``accounts.throttle``) and the log-in wait
    (``accounts.lockout``) count in the default cache. With several web processes (gunicorn's
    workers, or several machines behind a proxy) every process must count in the same place, and
    a count must be an atomic increment: Redis (``CACHE_URL=redis://…``) or Memcached."""
    if settings.DEBUG:
        return []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    reason = NOT_SHARED.get(backend)
    if reason is None:
        return []
    return [
        Warning(
            f"The default cache ({backend}) {reason}.",
            hint=(
                "Set CACHE_URL to a Redis shared by every web process (e.g. "
                "redis://127.0.0.1:6379/1): otherwise the sign-up and link rate limits and the "
                "log-in wait count per process, and several processes let through several times "
                "the limit."
            ),
            id="accounts.W001",
        )
    ]
