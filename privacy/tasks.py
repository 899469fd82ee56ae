from celery import shared_task

from . import services


@shared_task(time_limit=30 * 60, soft_time_limit=28 * 60)
def apply_retention() -> dict:
    return services.apply_retention()
