"""The stay's scheduled work (``CELERY_BEAT_SCHEDULE``): the next check-in of each stay under way
is planned when the last one comes due (the rolling rule of ``stays.actions``); the first-month
surveys open and unanswered ones lapse (``stays.actions.evaluations``)."""

from celery import shared_task

from . import actions


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def plan_next_check_ins() -> int:
    """Each stay under way whose last check-in has come due gets its next one (idempotent)."""
    return actions.plan_next_check_ins()


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def open_evaluations() -> int:
    """Stays a month after their move-in get the first-month survey for both sides
    (idempotent)."""
    return actions.open_evaluations()


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def lapse_evaluations() -> int:
    """Surveys left unanswered for too long lapse (idempotent)."""
    return actions.lapse_evaluations()
