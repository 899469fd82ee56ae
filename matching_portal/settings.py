"""Settings for the matching portal.

Everything comes from the environment (django-environ). The defaults serve a developer on a fresh
machine: SQLite, Celery running tasks eagerly in-process, e-mail printed to the console. Production
only tightens: with ``DEBUG=False`` a real ``SECRET_KEY`` is required and HTTPS, HSTS and secure
cookies are switched on. See ``.env.example`` and the README for every variable.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.conf import global_settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

DEBUG = env.bool("DEBUG", default=True)

_INSECURE_DEV_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_INSECURE_DEV_KEY)
if not DEBUG and SECRET_KEY == _INSECURE_DEV_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY in the environment when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public address of the portal, used in links that leave the site (e-mails, calendar files,
# the addresses seed_demo prints). Unless it is given, the address ``make run`` serves on: the
# Makefile passes its HOST as SERVED_ON.
SITE_URL = env.str(
    "SITE_URL", default="http://" + env.str("SERVED_ON", default="127.0.0.1:8000")
).rstrip("/")

INSTALLED_APPS = [
    # django.contrib.admin, its menu of models built once a request (matching_portal/admin_site.py).
    "matching_portal.admin_site.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "phonenumber_field",
    "django_celery_beat",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "municipalities",
    "accounts",
    "workflow",
    "outreach",
    "notifications",
    "hosts",
    "newcomers",
    "matching",
    "housing",
    "privacy",
    "volunteers",
    "reports",
    "stays",
    "work",
    "accessibility",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every page but a few public ones is no-store (privacy.middleware has the rule).
    "privacy.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.two_factor.TwoFactorMiddleware",
    # A log-in tried before its wait is over is refused before the password is checked.
    "accounts.lockout.LogInWaitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # A control character in the address (an admin search, a filter) is a 400 page, not a query.
    "workflow.middleware.ControlCharactersInAddressMiddleware",
    # A refused step that no view handled becomes a 403, 400 or 409 page with its message.
    "workflow.middleware.DomainErrorMiddleware",
    # Last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "matching_portal.urls"
WSGI_APPLICATION = "matching_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
            # Dates, numbers and money in the page's language: {{ value|day }}, |number, |money.
            # {% url %} and {% static %} as Django's, their addresses remembered once worked
            # out (matching_portal/templatetags/portal_urls.py). A template that loads Django's
            # static library ({% load static %}) gets Django's own {% static %} instead.
            "builtins": [
                "matching_portal.templatetags.portal_format",
                "matching_portal.templatetags.portal_urls",
            ],
            "libraries": {
                # Form fields with crispy-forms' HTML, written in Python: {{ field|portal_field }}.
                "portal_fields": "matching_portal.templatetags.portal_fields",
                # The admin's list rows written in Python (templates/admin/change_list.html).
                "portal_admin_list": "matching_portal.templatetags.portal_admin_list",
            },
        },
    },
]

# Django's form renderer with its common widget templates written in Python (the same HTML,
# a fraction of the CPU: the admin's lists and forms render hundreds of widgets a page).
FORM_RENDERER = "matching_portal.form_renderer.PortalFormRenderer"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # The same cache, one Redis client per connection pool (matching_portal/cache.py).
    CACHES["default"]["BACKEND"] = "matching_portal.cache.RedisCache"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Staff and managers confirm a code from an authenticator app after the password.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=True)
OTP_TOTP_ISSUER = "Hem för nyanlända"

# Lock-out after repeated failed log-ins (django-axes): the pair (user name, address), for half
# an hour, so that nobody can lock the owner out from elsewhere. Across addresses, a user name
# (and an address) waits a growing short time instead: accounts/lockout.py.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME_HOURS = env.float("AXES_COOLOFF_TIME_HOURS", default=0.5)
AXES_COOLOFF_TIME = AXES_COOLOFF_TIME_HOURS
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A user name of any length can be typed; axes stores it in a column of 255 characters.
AXES_USERNAME_CALLABLE = "accounts.two_factor.axes_username"
AXES_LOCKOUT_TEMPLATE = "lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# An idle session ends after this many seconds (every request renews it).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
# Database sessions that skip the renewal's write when the data is unchanged and was last
# written less than a minute ago (matching_portal/sessions.py).
SESSION_ENGINE = "matching_portal.sessions"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

# Internationalisation: Swedish first, English second. Every string goes through gettext.
# These are the languages of host and staff pages; the household's own pages also speak Arabic,
# Dari, Tigrinya, Somali and Ukrainian (newcomers.models.HOUSEHOLD_LANGUAGES, set up in
# newcomers/household_language.py), never offered here.
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
# Right-to-left languages: Django's list plus Dari ("prs").
LANGUAGES_BIDI = [*global_settings.LANGUAGES_BIDI, "prs"]
LOCALE_PATHS = [BASE_DIR / "locale"]
# A Swedish service's formats in both languages: day before month, a 24-hour clock.
FORMAT_MODULE_PATH = ["matching_portal.formats"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))
MEDIA_URL = "media/"

# E-mail: printed to the console unless EMAIL_URL names an SMTP server.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Hem för nyanlända <noreply@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# Celery: with no broker configured, tasks run eagerly in the web process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Publishing must not hang a web request when the broker is away: fail fast, the outbox catches up.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
# The worker rides out a broker outage: it reconnects forever, waiting 2, 4, 6 … up to 30 s
# between tries (kombu's backoff), and a channel error is retried like a lost connection.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CHANNEL_ERROR_RETRY = True
# A task already running when the connection drops finishes (its work is in the database, and
# every task is idempotent); its acknowledgement is lost with the connection.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# The visibility timeout: a message a worker took and never acknowledged (the whole worker was
# killed) is handed out again after it. It must exceed the longest task's hard time limit (the
# nightly retention, 30 min; a report run has 10 min), or a task still running would be given to
# a second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "socket_keepalive": True,
    "health_check_interval": 10,
    "visibility_timeout": 35 * 60,
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "send-pending-emails": {
        "task": "notifications.tasks.send_pending_emails",
        "schedule": 60.0,
    },
    "apply-retention": {
        "task": "privacy.tasks.apply_retention",
        "schedule": crontab(hour=3, minute=30),
    },
    # A partnership's year-end report is produced once its period has ended.
    "produce-due-year-end-reports": {
        "task": "reports.tasks.produce_due_year_end_reports",
        "schedule": crontab(minute=15),
    },
    # The dashboard's stored counts for finished days (reports.daily), refreshed from the logs.
    "refresh-stored-counts": {
        "task": "reports.tasks.refresh_stored_counts",
        "schedule": crontab(hour=1, minute=20),
    },
    # A report run whose worker was lost fails with the reason and is queued again.
    "sweep-stuck-report-runs": {
        "task": "reports.tasks.sweep_stuck_report_runs",
        "schedule": 60.0,
    },
    # A move-in planned for a later day takes place on that day (the case is housed then).
    "house-planned-move-ins": {
        "task": "matching.tasks.house_planned_move_ins",
        "schedule": crontab(minute=5),
    },
    # A stay under way always has its next check-in planned: when the last comes due, the next.
    "plan-next-check-ins": {
        "task": "stays.tasks.plan_next_check_ins",
        "schedule": crontab(hour=2, minute=45),
    },
    # Evaluations: the first-month surveys open, unanswered ones lapse (stays.actions.evaluations).
    "open-evaluations": {
        "task": "stays.tasks.open_evaluations",
        "schedule": crontab(hour=6, minute=10),
    },
    "lapse-evaluations": {
        "task": "stays.tasks.lapse_evaluations",
        "schedule": crontab(hour=6, minute=20),
    },
    # Information meetings: the reminder to everyone signed up, the day before (once each).
    "send-meeting-reminders": {
        "task": "outreach.tasks.send_meeting_reminders",
        "schedule": crontab(minute=20),
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
PHONENUMBER_DEFAULT_REGION = "SE"
PHONENUMBER_DB_FORMAT = "E164"

# Public forms: requests allowed per address and per e-mail address (django-ratelimit rates).
RATELIMIT_SIGNUP_PER_IP = env.str("RATELIMIT_SIGNUP_PER_IP", default="20/h")
RATELIMIT_SIGNUP_PER_EMAIL = env.str("RATELIMIT_SIGNUP_PER_EMAIL", default="5/d")
RATELIMIT_LINK_PER_IP = env.str("RATELIMIT_LINK_PER_IP", default="20/h")
RATELIMIT_LINK_PER_EMAIL = env.str("RATELIMIT_LINK_PER_EMAIL", default="5/h")
# "Something is wrong": concerns one side of a stay (a host, a household) may raise per hour.
RATELIMIT_CONCERNS_PER_HOUR = env.int("RATELIMIT_CONCERNS_PER_HOUR", default=5)
# Behind a proxy, the client's address is in this header (e.g. HTTP_X_FORWARDED_FOR).
RATELIMIT_IP_META_KEY = env.str("RATELIMIT_IP_META_KEY", default=None)

# Host links: how long a confirmation link and a self-service link stay valid.
HOST_CONFIRM_LINK_MAX_AGE = env.int("HOST_CONFIRM_LINK_MAX_AGE", default=7 * 24 * 3600)
HOST_SELF_SERVICE_LINK_MAX_AGE = env.int("HOST_SELF_SERVICE_LINK_MAX_AGE", default=30 * 24 * 3600)
# The link that confirms a sign-up to an information meeting (outreach): how long it works.
MEETING_CONFIRM_LINK_MAX_AGE = env.int("MEETING_CONFIRM_LINK_MAX_AGE", default=7 * 24 * 3600)
# The household's own link (newcomers.HouseholdLink): how many days a new link works.
HOUSEHOLD_LINK_DAYS = env.int("HOUSEHOLD_LINK_DAYS", default=60)
# The call queue: how long a volunteer holds a host they claimed.
CALL_LEASE_MINUTES = env.int("CALL_LEASE_MINUTES", default=15)

# Retention (days): personal data is anonymised by the scheduled task privacy.tasks.apply_retention.
RETENTION_DAYS = {
    "hosts_after_withdrawal": env.int("RETENTION_HOSTS_DAYS", default=180),
    "declined_volunteers": env.int("RETENTION_DECLINED_VOLUNTEERS_DAYS", default=90),
    "closed_cases": env.int("RETENTION_CLOSED_CASES_DAYS", default=365),
    "call_notes": env.int("RETENTION_CALL_NOTES_DAYS", default=365),
    "visit_reports": env.int("RETENTION_VISIT_REPORTS_DAYS", default=365),
    "accessibility_reports": env.int("RETENTION_ACCESSIBILITY_REPORTS_DAYS", default=730),
    # Information meetings' sign-ups: the name and the address, counted from the meeting's end.
    "meeting_signups": env.int("RETENTION_MEETING_SIGNUPS_DAYS", default=30),
}

# Concerns ("something is wrong"): the first response is late after this many hours (about two
# working days for one that needs attention, four hours for an urgent one); the admin highlights it.
CONCERN_RESPONSE_HOURS = env.int("CONCERN_RESPONSE_HOURS", default=48)
CONCERN_URGENT_RESPONSE_HOURS = env.int("CONCERN_URGENT_RESPONSE_HOURS", default=4)

# Where residents reach the data protection officer (shown in the privacy notice).
DATA_PROTECTION_OFFICER_EMAIL = env.str("DATA_PROTECTION_OFFICER_EMAIL", default="")

# The version of the privacy notice shown today; consents store it.
PRIVACY_NOTICE_VERSION = "2026-11-01"

# Security. Production (DEBUG off) tightens; a developer on 127.0.0.1 gets plain HTTP.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy: nothing inline, nothing from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
