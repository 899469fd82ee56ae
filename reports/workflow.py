"""The workflow of a report run, declared in one table (see ``workflow.engine``). The steps are
in ``reports.actions`` (``request_report``, ``produce_report``, ``mark_failed``,
``fail_stuck_report_run``, ``requeue_report_run``): the Celery task and the schedule call them,
and nothing else changes a run's status.

queued → running → done, or failed and retried; a run whose worker was lost is failed by the
schedule once past its time limit and queued again (a few times at most); a year-end report that
is done (or failed) can be asked for again.
"""

from django.utils.translation import gettext_lazy as _

from accounts import roles
from workflow.engine import SYSTEM, Transition, Workflow

from .models import ReportRun, ReportRunTransition

S = ReportRun.Status
PORTAL = frozenset({SYSTEM})

REPORT_RUN_WORKFLOW = Workflow(
    name="report_run",
    model=ReportRun,
    log_model=ReportRunTransition,
    log_fk="run",
    states=S,
    initial=S.QUEUED,
    changed_field=None,
    transitions=[
        Transition("start", _("Started"), (S.QUEUED,), S.RUNNING, PORTAL),
        # After a failure the task tries again; a run still "running" is one whose worker was
        # lost, and the task was delivered again.
        Transition("retry", _("Tried again"), (S.FAILED, S.RUNNING), S.RUNNING, PORTAL),
        Transition("finish", _("Finished"), (S.RUNNING,), S.DONE, PORTAL),
        Transition(
            "fail", _("Failed"), (S.QUEUED, S.RUNNING), S.FAILED, PORTAL, reason_required=True
        ),
        # The schedule queues again a run it failed because its worker was lost.
        Transition(
            "requeue", _("Queued again"), (S.FAILED,), S.QUEUED, PORTAL, reason_required=True
        ),
        Transition(
            "request_again",
            _("Asked for again"),
            (S.DONE, S.FAILED),
            S.QUEUED,
            frozenset({roles.MANAGER, SYSTEM}),
        ),
    ],
)
