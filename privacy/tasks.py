from celery import shared_task

from . import actions


@shared_task(time_limit=30 * 60, soft_time_limit=28 * 60)
def apply_retention() -> dict:
    return actions.apply_retention()
