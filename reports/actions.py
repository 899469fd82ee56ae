"""Requesting, producing and downloading partnership reports."""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.access import has_role
from accounts.models import User
from notifications.actions import queue_email
from workflow.errors import Conflict, NotAllowed
from workflow.models import ActorKind

from . import documents, metrics
from .models import Partnership, ReportDownload, ReportRun
from .workflow import REPORT_RUN_WORKFLOW

logger = logging.getLogger(__name__)

FOLLOWERS = (roles.MANAGER, roles.PARTNER_COORDINATOR, roles.VOLUNTEER_COORDINATOR)


def may_follow(user, partnership: Partnership) -> bool:
    """Managers and coordinators of the partnership's parties see its dashboard."""
    if not has_role(user, *FOLLOWERS, roles.DATA_PROTECTION_OFFICER):
        return False
    return (
        user.is_superuser
        or user.organisation_id in partnership.party_ids()
        or has_role(user, roles.DATA_PROTECTION_OFFICER)
    )


def may_manage_reports(user, partnership: Partnership) -> bool:
    """Only managers of the partnership's parties request and download its reports."""
    if not has_role(user, roles.MANAGER):
        return False
    return user.is_superuser or user.organisation_id in partnership.party_ids()


def request_report(
    *,
    partnership: Partnership,
    user: User | None,
    kind: str = ReportRun.Kind.INTERIM,
    language: str = settings.LANGUAGE_CODE,
    as_of: date | None = None,
) -> ReportRun:
    """Queue a report. There is one year-end report per partnership: asking again re-runs it.
    ``user`` None is the portal itself (the schedule)."""
    if user is not None and not may_manage_reports(user, partnership):
        raise NotAllowed(_("Only the partnership's managers can request its reports."))
    if kind == ReportRun.Kind.YEAR_END:
        # There is one year-end report: made early, it would stop at the day it was asked for
        # and the schedule would not make it again when the period ends.
        if user is not None and timezone.localdate() <= partnership.period_end:
            raise Conflict(_("The year-end report can be produced once the period has ended."))
        as_of = partnership.period_end
    as_of = as_of or min(timezone.localdate(), partnership.period_end)
    actor = {"user": user, "actor_kind": ActorKind.USER if user else ActorKind.SYSTEM}
    with transaction.atomic():
        run = None
        if kind == ReportRun.Kind.YEAR_END:
            run = (
                ReportRun.objects.select_for_update()
                .filter(partnership=partnership, kind=kind)
                .first()
            )
            if run is not None and run.status in (
                ReportRun.Status.QUEUED,
                ReportRun.Status.RUNNING,
            ):
                return run
        if run is None:
            try:
                with transaction.atomic():
                    run = ReportRun.objects.create(
                        partnership=partnership,
                        kind=kind,
                        language=language,
                        as_of=as_of,
                        requested_by=user,
                    )
                    REPORT_RUN_WORKFLOW.log_created(run, **actor)
            except IntegrityError:  # the schedule made the year-end run at the same moment
                return ReportRun.objects.get(partnership=partnership, kind=kind)
        else:
            REPORT_RUN_WORKFLOW.apply(
                run,
                "request_again",
                **actor,
                changes={
                    "progress": 0,
                    "error": "",
                    "language": language,
                    "requested_by": user or run.requested_by,
                },
            )
        transaction.on_commit(lambda: enqueue_report(run_id=run.pk))
    return run


def enqueue_report(*, run_id: int) -> None:
    from .tasks import produce_report_task

    try:
        produce_report_task.delay(run_id)
    except Exception:
        # The broker is away: the run stays queued and the periodic check queues it again.
        logger.warning("Could not queue report run %s; it will be queued again later.", run_id)


def _set_progress(run: ReportRun, percent: int) -> None:
    ReportRun.objects.filter(pk=run.pk).update(progress=percent)


def produce_report(*, run_id: int) -> ReportRun:
    """Compute the figures and write the PDF and the XLSX of one run. Idempotent: a run that is
    done is left as it is; a run that failed, or whose worker was lost, is tried again."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().select_related("partnership").get(pk=run_id)
        if run.status == ReportRun.Status.DONE:
            return run
        REPORT_RUN_WORKFLOW.apply(
            run,
            "start" if run.status == ReportRun.Status.QUEUED else "retry",
            actor_kind=ActorKind.SYSTEM,
            changes={"progress": 5, "error": "", "started_at": timezone.now()},
        )
    partnership = run.partnership
    with translation.override(run.language):
        figures = metrics.compute_figures(partnership, as_of=run.as_of)
        _set_progress(run, 40)
        pdf = documents.render_pdf(figures, run)
        _set_progress(run, 75)
        xlsx = documents.render_xlsx(figures, run)
        _set_progress(run, 95)
    stem = f"{slugify(partnership.name)[:60]}-{run.kind}-{run.as_of:%Y%m%d}-{run.pk}"
    run.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    run.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
    REPORT_RUN_WORKFLOW.apply(
        run,
        "finish",
        actor_kind=ActorKind.SYSTEM,
        changes={
            "pdf": run.pdf.name,
            "xlsx": run.xlsx.name,
            "progress": 100,
            "finished_at": timezone.now(),
        },
    )
    if run.kind == ReportRun.Kind.YEAR_END:
        notify_managers(run)
    return run


def mark_failed(*, run_id: int, reason: str) -> None:
    """The task failed: the run says why (the page shows it) until it is tried again. A run that
    is done, already failed or gone is left as it is."""
    reason = (reason or "").strip()[:2000] or "Unknown error"
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in REPORT_RUN_WORKFLOW["fail"].sources:
            return
        REPORT_RUN_WORKFLOW.apply(
            run,
            "fail",
            actor_kind=ActorKind.SYSTEM,
            reason=reason,
            changes={"error": reason, "finished_at": timezone.now()},
        )


def managers_of(partnership: Partnership):
    return User.objects.filter(
        is_active=True,
        groups__name=roles.MANAGER,
        organisation_id__in=partnership.party_ids(),
    ).distinct()


def notify_managers(run: ReportRun) -> None:
    """E-mail the partnership's managers, each in their own language, that the report is ready."""
    url = settings.SITE_URL + reverse("reports:partnership", args=[run.partnership_id])
    for manager in managers_of(run.partnership):
        if manager.email:
            queue_email(
                to=manager.email,
                template="report_ready",
                context={
                    "name": manager.get_full_name() or manager.username,
                    "partnership": run.partnership.name,
                    "url": url,
                },
                language=manager.language,
            )


def produce_due_year_end_reports(*, today: date | None = None) -> list[ReportRun]:
    """The schedule: when a partnership's period has ended, its year-end report is produced.
    Runs that were queued while the broker was away are queued again here too."""
    today = today or timezone.localdate()
    runs = []
    ended = Partnership.objects.filter(period_end__lt=today).exclude(
        runs__kind=ReportRun.Kind.YEAR_END
    )
    for partnership in ended:
        runs.append(
            request_report(
                partnership=partnership,
                user=None,
                kind=ReportRun.Kind.YEAR_END,
                language=settings.LANGUAGE_CODE,
            )
        )
    stale = ReportRun.objects.filter(
        status=ReportRun.Status.QUEUED, created_at__lt=timezone.now() - timedelta(minutes=10)
    )
    for run in stale:
        enqueue_report(run_id=run.pk)
    return runs


def record_download(*, run: ReportRun, user: User, file_kind: str) -> ReportDownload:
    if not may_manage_reports(user, run.partnership):
        raise NotAllowed(_("Only the partnership's managers can download its reports."))
    return ReportDownload.objects.create(run=run, user=user, file_kind=file_kind)
