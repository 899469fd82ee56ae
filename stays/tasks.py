"""The stay's scheduled work: the next check-in of each stay under way is planned when the last
one comes due (the rolling rule of ``stays.actions``)."""

from celery import shared_task

from . import actions


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def plan_next_check_ins() -> int:
    """Each stay under way whose last check-in has come due gets its next one (idempotent)."""
    return actions.plan_next_check_ins()
