"""Requesting, producing and downloading partnership reports."""

import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.access import has_role
from accounts.models import Organisation, User
from notifications.actions import queue_email
from workflow.errors import Conflict, NotAllowed
from workflow.models import ActorKind

from . import documents, metrics
from .models import Partnership, ReportDownload, ReportRun
from .workflow import REPORT_RUN_WORKFLOW

logger = logging.getLogger(__name__)

FOLLOWERS = (roles.MANAGER, roles.PARTNER_COORDINATOR, roles.VOLUNTEER_COORDINATOR)

# Producing a run takes seconds (bench/report.py at national scale: a partnership's figures in about
# 2.5 s, the roll-up of 30 partnerships in about 8 s, the PDF about 10 s); the task is killed
# at this limit (reports.tasks). A run still "running" a minute after it is stuck: its worker was
# lost (killed, out of memory, the machine restarted), and the schedule fails it and queues it again.
PRODUCTION_TIME_LIMIT = timedelta(minutes=10)
STUCK_AFTER = PRODUCTION_TIME_LIMIT + timedelta(minutes=1)
# A run is produced at most this many times per request (a lost worker, a failure, the schedule).
MAX_ATTEMPTS = 3


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


def may_manage_national(user) -> bool:
    """The national roll-up is for the managers of a volunteer organisation (their own
    organisation's, and no other's)."""
    organisation = getattr(user, "organisation", None)
    return (
        has_role(user, roles.MANAGER)
        and organisation is not None
        and organisation.kind == Organisation.Kind.VOLUNTEER_ORGANISATION
    )


def may_manage_run(user, run: ReportRun) -> bool:
    """Who downloads a run's files: the partnership's managers, or for a national roll-up the
    managers of its volunteer organisation."""
    if run.kind == ReportRun.Kind.NATIONAL:
        return may_manage_national(user) and user.organisation_id == run.organisation_id
    return may_manage_reports(user, run.partnership)


def rollup_as_of(year: int) -> date:
    """A roll-up of a year counts up to today, and at most to the year's last day."""
    return min(timezone.localdate(), date(year, 12, 31))


def request_national_report(
    *, user: User, year: int, language: str = settings.LANGUAGE_CODE
) -> ReportRun:
    """Queue the national roll-up of ``year`` for the manager's volunteer organisation. A roll-up
    of the same year already queued or running is the answer (asking twice makes it once)."""
    if not may_manage_national(user):
        raise NotAllowed(_("Only a volunteer organisation's managers can request its roll-up."))
    actor = {"user": user, "actor_kind": ActorKind.USER}
    with transaction.atomic():
        # One request at a time per organisation: the organisation's row is the lock.
        Organisation.objects.select_for_update().filter(pk=user.organisation_id).first()
        pending = ReportRun.objects.filter(
            kind=ReportRun.Kind.NATIONAL,
            organisation_id=user.organisation_id,
            year=year,
            language=language,
            status__in=(ReportRun.Status.QUEUED, ReportRun.Status.RUNNING),
        ).first()
        if pending is not None:
            return pending
        run = ReportRun.objects.create(
            kind=ReportRun.Kind.NATIONAL,
            organisation_id=user.organisation_id,
            year=year,
            language=language,
            as_of=rollup_as_of(year),
            requested_by=user,
        )
        REPORT_RUN_WORKFLOW.log_created(run, **actor)
        transaction.on_commit(lambda: enqueue_report(run_id=run.pk))
    return run


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
            if run is not None and is_stuck(run):
                # Its worker was lost: asking again must not answer with a run that never ends.
                _fail_stuck(run)
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
                    "attempts": 0,
                    "task_id": "",
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
        logger.warning(
            "Could not queue report run %s; it will be queued again later.", run_id, exc_info=True
        )


def _set_progress(run: ReportRun, percent: int) -> None:
    ReportRun.objects.filter(pk=run.pk).update(progress=percent)


def produce_report(*, run_id: int, task_id: str | None = None) -> ReportRun:
    """Compute the figures and write the PDF and the XLSX of one run. Idempotent: a run that is
    done is left as it is; a run that failed, or whose worker was lost, is tried again, up to
    ``MAX_ATTEMPTS`` times in all.

    ``task_id`` is the Celery task delivering the run. The broker delivers a task again when the
    worker running it was lost (the same id: it is tried again) and, after a whole worker was
    killed, once the visibility timeout has passed (by then the schedule has queued the run again
    under another id, and that delivery owns it: the old copy leaves it alone)."""
    with transaction.atomic():
        run = (
            ReportRun.objects.select_for_update(of=("self",))
            .select_related("partnership", "organisation")
            .get(pk=run_id)
        )
        if run.status == ReportRun.Status.DONE:
            return run
        if (
            run.status == ReportRun.Status.RUNNING
            and task_id
            and run.task_id
            and run.task_id != task_id
        ):
            logger.info(
                "Report run %s is produced by task %s; %s leaves it.", run.pk, run.task_id, task_id
            )
            return run
        if run.attempts >= MAX_ATTEMPTS:
            if run.status == ReportRun.Status.RUNNING:  # the last attempt's worker was lost too
                with translation.override(run.language):
                    reason = str(
                        _(
                            "The report was given up after %(attempts)d attempts: the process "
                            "producing it stopped each time."
                        )
                        % {"attempts": run.attempts}
                    )
                _fail(run, reason=reason)
            return run
        REPORT_RUN_WORKFLOW.apply(
            run,
            "start" if run.status == ReportRun.Status.QUEUED else "retry",
            actor_kind=ActorKind.SYSTEM,
            changes={
                "progress": 5,
                "error": "",
                "started_at": timezone.now(),
                "attempts": run.attempts + 1,
                "task_id": task_id or "",
            },
        )
    with translation.override(run.language):
        if run.kind == ReportRun.Kind.NATIONAL:
            figures = metrics.national_rollup(run.organisation, run.year, as_of=run.as_of)
            render_pdf, render_xlsx = documents.render_national_pdf, documents.render_national_xlsx
            name = f"{run.organisation.name} {run.year}"
        else:
            figures = metrics.compute_figures(run.partnership, as_of=run.as_of)
            render_pdf, render_xlsx = documents.render_pdf, documents.render_xlsx
            name = run.partnership.name
        _set_progress(run, 40)
        pdf = render_pdf(figures, run)
        _set_progress(run, 75)
        xlsx = render_xlsx(figures, run)
        _set_progress(run, 95)
    stem = f"{slugify(name)[:60]}-{run.kind}-{run.as_of:%Y%m%d}-{run.pk}"
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
        _fail(run, reason=reason)


def _fail(run: ReportRun, *, reason: str) -> None:
    REPORT_RUN_WORKFLOW.apply(
        run,
        "fail",
        actor_kind=ActorKind.SYSTEM,
        reason=reason,
        changes={"error": reason, "finished_at": timezone.now()},
    )


def is_stuck(run: ReportRun, *, now: datetime | None = None) -> bool:
    """Running for longer than any production may take: its worker was lost."""
    now = now or timezone.now()
    return run.status == ReportRun.Status.RUNNING and (
        run.started_at is None or run.started_at < now - STUCK_AFTER
    )


def time_limit_reason(run: ReportRun) -> str:
    """Why a run that outlived its time limit failed, in the run's language."""
    with translation.override(run.language):
        return str(
            _(
                "The report was not finished within %(minutes)d minutes: the process producing "
                "it stopped or was stopped (for example when the server ran out of memory)."
            )
            % {"minutes": PRODUCTION_TIME_LIMIT // timedelta(minutes=1)}
        )


def _fail_stuck(run: ReportRun) -> None:
    _fail(run, reason=time_limit_reason(run))


def fail_stuck_report_run(*, run_id: int, now: datetime | None = None) -> ReportRun | None:
    """The schedule: a run still "running" past its time limit failed, and says why. Returns the
    run, or None when it was not stuck (any more)."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or not is_stuck(run, now=now):
            return None
        _fail_stuck(run)
    return run


def requeue_report_run(*, run_id: int) -> ReportRun | None:
    """The schedule: queue again a run that failed, while it has attempts left. Returns the run,
    or None when it is not queued again."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status != ReportRun.Status.FAILED or run.attempts >= MAX_ATTEMPTS:
            return None
        with translation.override(run.language):
            reason = str(
                _("Queued again by the portal: attempt %(attempt)d of %(max)d.")
                % {"attempt": run.attempts + 1, "max": MAX_ATTEMPTS}
            )
        REPORT_RUN_WORKFLOW.apply(
            run,
            "requeue",
            actor_kind=ActorKind.SYSTEM,
            reason=reason,
            changes={"progress": 0, "task_id": ""},
        )
        transaction.on_commit(lambda: enqueue_report(run_id=run.pk))
    return run


def sweep_stuck_report_runs(*, now: datetime | None = None) -> list[ReportRun]:
    """The schedule (every minute): no run stays "running" past its time limit. Each stuck run
    is failed with the reason and queued again while it has attempts left. Returns the runs it
    failed."""
    now = now or timezone.now()
    candidates = ReportRun.objects.filter(
        Q(started_at__lt=now - STUCK_AFTER) | Q(started_at__isnull=True),
        status=ReportRun.Status.RUNNING,
    )
    swept = []
    for run_id in candidates.values_list("pk", flat=True):
        run = fail_stuck_report_run(run_id=run_id, now=now)
        if run is not None:
            requeue_report_run(run_id=run_id)
            swept.append(run)
    return swept


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
    if not may_manage_run(user, run):
        raise NotAllowed(_("Only the partnership's managers can download its reports."))
    return ReportDownload.objects.create(run=run, user=user, file_kind=file_kind)


def refresh_stored_counts(*, full: bool = False):
    """Refresh the counts the dashboard keeps for finished days (``reports.daily``): the nightly
    task and ``manage.py refresh_stored_counts`` call this."""
    from . import daily

    state = daily.refresh(full=full)
    logger.info(
        "Stored counts refreshed: %s days, %s homes, %.1f s", state.days, state.homes, state.seconds
    )
    return state
