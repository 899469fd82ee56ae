from celery import shared_task

from . import actions


@shared_task(
    autoretry_for=(actions.EmailDeliveryError,),
    retry_backoff=30,
    # A retry waits in the broker as an unacknowledged message: its wait stays under the
    # visibility timeout (35 minutes), or Redis would hand a second copy to another worker.
    retry_backoff_max=1800,
    max_retries=8,
    time_limit=120,
    soft_time_limit=100,
)
def send_email(email_id: int) -> bool:
    return actions.send_outbound_email(email_id=email_id)


@shared_task(time_limit=600, soft_time_limit=550)
def send_pending_emails() -> int:
    return actions.send_pending_emails()
