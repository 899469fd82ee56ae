"""The follow-up dashboard, report requests and downloads."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import role_required
from privacy.actions import log_access
from privacy.models import AccessLog
from workflow.engine import TransitionNotAllowed

from . import actions, documents, metrics, selectors
from .forms import RequestReportForm, RequestRollupForm, RollupYearForm
from .models import ReportRun

FOLLOWERS = (*actions.FOLLOWERS, roles.DATA_PROTECTION_OFFICER)


def _partnership(request, partnership_id):
    return selectors.partnership_for(request.user, partnership_id)


@role_required(*FOLLOWERS)
def partnerships(request):
    items = selectors.partnerships_for(request.user)
    return render(
        request,
        "reports/partnerships.html",
        {"partnerships": items, "may_roll_up": actions.may_manage_national(request.user)},
    )


def _national_manager(request):
    if not actions.may_manage_national(request.user):
        raise PermissionDenied
    return request.user.organisation


def _year(request) -> int:
    """The year asked for (``?year=``), or this year; a year that is not one says so."""
    form = RollupYearForm(request.GET)
    if "year" in request.GET and not form.is_valid():
        messages.error(request, _("Choose a year from the list."))
    return form.cleaned_data["year"] if form.is_valid() else timezone.localdate().year


def _national_runs_context(request, year):
    runs = list(selectors.national_runs_for(request.user).filter(year=year)[:10])
    return {
        "runs": runs,
        "polling": any(
            run.status in (ReportRun.Status.QUEUED, ReportRun.Status.RUNNING) for run in runs
        ),
        "may_manage": True,
        "runs_url": reverse("reports:national_runs") + f"?year={year}",
    }


@role_required(roles.MANAGER)
def national(request):
    """The year's figures across the organisation's partnerships, one row per partnership and
    municipality, and the roll-up's downloads."""
    organisation = _national_manager(request)
    year = _year(request)
    rollup = metrics.national_rollup(organisation, year)
    this_year = timezone.localdate().year
    context = {
        **documents.national_context(rollup),
        **_national_runs_context(request, year),
        "years": range(this_year + 1, this_year - 6, -1),
        "form": RequestRollupForm(initial={"year": year, "language": (get_language() or "sv")[:2]}),
    }
    return render(request, "reports/national.html", context)


@role_required(roles.MANAGER)
def national_runs(request):
    _national_manager(request)
    return render(request, "reports/_runs.html", _national_runs_context(request, _year(request)))


@role_required(roles.MANAGER)
@require_POST
def request_national(request):
    _national_manager(request)
    form = RequestRollupForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the year and the language of the roll-up."))
        return redirect("reports:national")
    year = form.cleaned_data["year"]
    actions.request_national_report(
        user=request.user, year=year, language=form.cleaned_data["language"]
    )
    messages.success(request, _("The roll-up is being produced. This page shows when it is ready."))
    return redirect(reverse("reports:national") + f"?year={year}")


@role_required(*FOLLOWERS)
def partnership(request, partnership_id):
    partnership = _partnership(request, partnership_id)
    figures = metrics.compute_figures(partnership)
    context = {
        **documents.document_context(figures),
        **_runs_context(request, partnership),
        "form": RequestReportForm(initial={"language": (get_language() or "sv")[:2]}),
    }
    return render(request, "reports/partnership.html", context)


@role_required(*FOLLOWERS)
def runs(request, partnership_id):
    """The list of report runs; htmx polls it while a run is queued or running."""
    partnership = _partnership(request, partnership_id)
    return render(request, "reports/_runs.html", _runs_context(request, partnership))


def _runs_context(request, partnership):
    runs = list(partnership.runs.select_related("requested_by")[:10])
    return {
        "partnership": partnership,
        "runs": runs,
        "polling": any(
            run.status in (ReportRun.Status.QUEUED, ReportRun.Status.RUNNING) for run in runs
        ),
        "may_manage": actions.may_manage_reports(request.user, partnership),
        "runs_url": reverse("reports:runs", args=[partnership.pk]),
    }


@role_required(roles.MANAGER)
@require_POST
def request_report(request, partnership_id):
    partnership = _partnership(request, partnership_id)
    form = RequestReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the report and its language."))
        return redirect("reports:partnership", partnership_id=partnership.pk)
    try:
        actions.request_report(
            partnership=partnership,
            user=request.user,
            kind=form.cleaned_data["kind"],
            language=form.cleaned_data["language"],
        )
    except TransitionNotAllowed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The report is being produced. This page shows when it is ready.")
        )
    return redirect("reports:partnership", partnership_id=partnership.pk)


@role_required(roles.MANAGER)
def download(request, run_id, file_kind):
    run = selectors.finished_run_for(request.user, run_id)
    try:
        actions.record_download(run=run, user=request.user, file_kind=file_kind)
    except TransitionNotAllowed:
        raise Http404 from None
    log_access(user=request.user, action=AccessLog.Action.DOWNLOAD, obj=run, where="reports")
    field = run.pdf if file_kind == "pdf" else run.xlsx
    if not field:
        raise Http404
    response = FileResponse(
        field.open("rb"), as_attachment=True, filename=field.name.split("/")[-1]
    )
    response["Cache-Control"] = "no-store"
    return response
