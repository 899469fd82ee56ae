"""The follow-up dashboard, report requests and downloads."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import role_required
from privacy.actions import log_access
from privacy.models import AccessLog
from workflow.engine import TransitionNotAllowed

from . import actions, documents, metrics, selectors
from .forms import RequestReportForm
from .models import ReportRun

FOLLOWERS = (*actions.FOLLOWERS, roles.DATA_PROTECTION_OFFICER)


def _partnership(request, partnership_id):
    return selectors.partnership_for(request.user, partnership_id)


@role_required(*FOLLOWERS)
def partnerships(request):
    items = selectors.partnerships_for(request.user)
    return render(request, "reports/partnerships.html", {"partnerships": items})


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
