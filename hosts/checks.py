"""Deploy checks for the hosts' public pages."""

from django.conf import settings
from django.core.checks import Warning, register


@register("hosts", deploy=True)
def link_requests_are_queued(app_configs, **kwargs):
    """ "Send me my link" answers in the same time for a known and an unknown address only
    because a worker does the looking up (``hosts.actions.request_self_service_link``): with
    Celery running tasks eagerly, in the web process, the time of the answer tells again."""
    if settings.DEBUG or not settings.CELERY_TASK_ALWAYS_EAGER:
        return []
    return [
        Warning(
            "Celery runs tasks eagerly in the web process (no CELERY_BROKER_URL).",
            hint=(
                "Set CELERY_BROKER_URL and run a worker: the 'send me my link' form then takes "
                "as long for an unknown address as for a registered one, and e-mails leave the "
                "request."
            ),
            id="hosts.W001",
        )
    ]
