"""The volunteers' privacy notice (/volunteer/privacy/): its version, which an application's
consent records (``actions.apply_to_volunteer``), and what the page says about how long data is
kept, read from the retention rules the privacy app applies (``privacy.actions.apply_retention``,
``settings.RETENTION_DAYS``) so that the notice never promises what the portal does not do."""

from django.conf import settings

# The day this notice was last changed: an application records the version its applicant read.
NOTICE_VERSION = "2026-12-07"


def retention() -> dict[str, int]:
    days = settings.RETENTION_DAYS
    return {
        "declined_days": days["declined_volunteers"],
        "call_notes_days": days["call_notes"],
        "visit_reports_days": days["visit_reports"],
        "closed_cases_days": days["closed_cases"],
    }
