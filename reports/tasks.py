from celery import shared_task

from . import actions


@shared_task(bind=True, max_retries=3, time_limit=30 * 60, soft_time_limit=28 * 60, acks_late=True)
def produce_report_task(self, run_id: int) -> str:
    """Produce one report run; a failure is written on the run (the page shows why) and retried
    with a growing pause (1, 2, 4 minutes)."""
    try:
        run = actions.produce_report(run_id=run_id)
    except Exception as exc:
        actions.mark_failed(run_id=run_id, reason=f"{type(exc).__name__}: {exc}")
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
    return run.status


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def produce_due_year_end_reports() -> int:
    return len(actions.produce_due_year_end_reports())
