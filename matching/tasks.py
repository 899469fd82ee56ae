"""The matching app's scheduled work: planned move-ins take place on their day."""

from celery import shared_task

from . import actions


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def house_planned_move_ins() -> int:
    """Approved matches whose planned move-in day has come move in (idempotent)."""
    return actions.take_planned_move_ins()
