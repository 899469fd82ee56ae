"""The accessibility statement (tillgänglighetsredogörelse) and the form to report a problem."""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts.models import Organisation
from accounts.throttle import over_limit, over_step_limit, too_many_requests

from . import actions, statement
from .forms import PAGE_MAX_LENGTH, AccessibilityReportForm

ANSWER_KEY = "accessibility_report_answer"


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE)[:2]


def came_from(request) -> str:
    """The page the person was on: ``?page=`` if given, else the Referer when it is a page of
    this portal outside the accessibility pages; "" when neither says."""
    page = (request.GET.get("page") or "").strip()
    if page:
        return page[:PAGE_MAX_LENGTH]
    referer = request.META.get("HTTP_REFERER") or ""
    try:
        parts = urlsplit(referer)
    except ValueError:
        return ""
    if not parts.path or parts.netloc != request.get_host():
        return ""
    if parts.path.startswith(reverse("accessibility:statement")):
        return ""
    return (parts.path + (f"?{parts.query}" if parts.query else ""))[:PAGE_MAX_LENGTH]


@require_safe
def statement_page(request):
    organisations = Organisation.objects.filter(
        kind__in=[Organisation.Kind.VOLUNTEER_ORGANISATION, Organisation.Kind.PARTNER]
    ).select_related("municipality")
    report_url = reverse("accessibility:report")
    page = came_from(request)
    if page:
        report_url += "?" + urlencode({"page": page})
    return render(
        request,
        "accessibility/statement.html",
        {
            "volunteer_organisations": [
                o for o in organisations if o.kind == Organisation.Kind.VOLUNTEER_ORGANISATION
            ],
            "partners": [o for o in organisations if o.kind == Organisation.Kind.PARTNER],
            "report_url": report_url,
            "published_on": statement.PUBLISHED_ON,
            "reviewed_on": statement.REVIEWED_ON,
            "days": statement.ANSWER_WITHIN_WORKING_DAYS,
            "digg_url": statement.DIGG_COMPLAINT_URL,
        },
    )


@never_cache  # the form comes back with the contact details typed
@require_http_methods(["GET", "POST"])
def report(request):
    status = 200
    if request.method == "POST":
        if over_step_limit(request, group="accessibility-report-form"):
            return too_many_requests(request)
        form = AccessibilityReportForm(request.POST)
        if form.is_robot:
            request.session[ANSWER_KEY] = False
            return redirect("accessibility:report_sent")
        if form.is_valid():
            data = form.cleaned_data
            if over_limit(
                request,
                group="accessibility-report",
                limits=[
                    ("ip", settings.RATELIMIT_SIGNUP_PER_IP),
                    (data["email"], settings.RATELIMIT_SIGNUP_PER_EMAIL),
                ],
            ):
                return too_many_requests(request)
            saved = actions.report_accessibility_problem(
                text=data["text"],
                page=data["page"],
                name=data["name"],
                email=data["email"],
                phone=data["phone"] or "",
                municipality=data["municipality"],
                language=_language(),
            )
            request.session[ANSWER_KEY] = saved.wants_an_answer
            return redirect("accessibility:report_sent")
        status = 400
    else:
        form = AccessibilityReportForm(initial={"page": came_from(request)})
    return render(
        request,
        "accessibility/report.html",
        {
            "form": form,
            "days": statement.ANSWER_WITHIN_WORKING_DAYS,
            "retention_years": settings.RETENTION_DAYS["accessibility_reports"] // 365,
        },
        status=status,
    )


@require_safe
def report_sent(request):
    return render(
        request,
        "accessibility/report_sent.html",
        {
            "wants_an_answer": request.session.pop(ANSWER_KEY, None),
            "days": statement.ANSWER_WITHIN_WORKING_DAYS,
        },
    )
