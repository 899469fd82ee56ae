from celery import shared_task

from . import actions


@shared_task(time_limit=60, soft_time_limit=50)
def send_self_service_link_task(address: str) -> None:
    """The worker's part of "send me my link": look the address up, and write only if a host
    has it. Returns nothing, so the result tells nobody whether the address is known."""
    actions.send_self_service_link(email=address)
