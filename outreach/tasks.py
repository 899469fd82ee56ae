"""The meetings' scheduled work (``CELERY_BEAT_SCHEDULE``): the reminder the day before."""

from celery import shared_task

from . import actions


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def send_meeting_reminders() -> int:
    """Remind everyone signed up to a meeting that starts within the next day, once each
    (idempotent: ``outreach.actions.send_meeting_reminders`` claims each sign-up first)."""
    return actions.send_meeting_reminders()
