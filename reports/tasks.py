from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from . import actions
from .models import ReportRun

TIME_LIMIT_S = int(actions.PRODUCTION_TIME_LIMIT.total_seconds())


@shared_task(
    bind=True,
    max_retries=actions.MAX_ATTEMPTS - 1,
    time_limit=TIME_LIMIT_S,
    soft_time_limit=TIME_LIMIT_S - 30,
    # The message is acknowledged once the run is produced. If the process producing it is
    # killed (the OOM killer, a deploy), the message goes back to the queue and the run is tried
    # again (``produce_report`` counts the attempts, so a run that kills its worker every time
    # is given up); if the whole worker is lost, the schedule fails and requeues the run.
    acks_late=True,
    reject_on_worker_lost=True,
)
def produce_report_task(self, run_id: int) -> str:
    """Produce one report run; a failure is written on the run (the page shows why) and retried
    with a growing pause (1, then 2 minutes)."""
    try:
        run = actions.produce_report(run_id=run_id, task_id=self.request.id)
    except Exception as exc:
        if isinstance(exc, SoftTimeLimitExceeded):
            run = ReportRun.objects.filter(pk=run_id).first()
            reason = actions.time_limit_reason(run) if run else ""
        else:
            reason = f"{type(exc).__name__}: {exc}"
        actions.mark_failed(run_id=run_id, reason=reason)
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
    return run.status


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def produce_due_year_end_reports() -> int:
    return len(actions.produce_due_year_end_reports())


@shared_task(time_limit=5 * 60, soft_time_limit=4 * 60)
def sweep_stuck_report_runs() -> int:
    """Every minute (beat): a run whose worker was lost fails and is queued again."""
    return len(actions.sweep_stuck_report_runs())


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60)
def refresh_stored_counts() -> int:
    """Every night (beat): the dashboard's stored counts, refreshed from the logs."""
    return actions.refresh_stored_counts().homes
