"""The data protection officer's pages, and the refused-page handler that logs refusals."""

import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.access import role_required

from . import actions, processing
from .forms import DataRequestForm
from .models import SecurityEvent


def permission_denied(request, exception=None):
    actions.security_event(kind=SecurityEvent.Kind.PERMISSION_DENIED, path=request.path)
    return render(request, "403.html", status=403)


@role_required(roles.DATA_PROTECTION_OFFICER)
def record_of_processing(request):
    return render(request, "privacy/record_of_processing.html", {"records": processing.records()})


@role_required(roles.DATA_PROTECTION_OFFICER)
@require_http_methods(["GET", "POST"])
def data_request(request):
    """Find a person by e-mail or phone; export all their data in one file, or erase it."""
    form = DataRequestForm(request.POST if request.method == "POST" else None)
    found = None
    meeting_signups = []
    status = 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            if request.method == "POST" and data["action"] == "export":
                export = actions.export_person(
                    email=data["email"],
                    phone=data["phone"],
                    case_reference=data["case_reference"],
                    handled_by=request.user,
                    note=data["note"],
                )
                response = HttpResponse(
                    json.dumps(export, ensure_ascii=False, indent=2, default=str),
                    content_type="application/json; charset=utf-8",
                )
                response["Content-Disposition"] = 'attachment; filename="data-request.json"'
                response["Cache-Control"] = "no-store"
                return response
            if request.method == "POST" and data["action"] == "erase":
                counts = actions.erase_person(
                    email=data["email"],
                    phone=data["phone"],
                    handled_by=request.user,
                    note=data["note"],
                )
                messages.success(
                    request,
                    _("Erased: %(hosts)d hosts, %(applications)d applications, %(users)d accounts.")
                    % counts,
                )
                return redirect("privacy:data_request")
            found = actions.find_people(
                email=data["email"], phone=data["phone"], case_reference=data["case_reference"]
            )
            meeting_signups = actions.find_meeting_signups(email=data["email"])
            # The page ties the address or number typed to the hosts found: logged as opened.
            actions.log_hosts_shown(
                user=request.user, hosts=found["hosts"], page=request.resolver_match.view_name
            )
        else:
            status = 400
    return render(
        request,
        "privacy/data_request.html",
        {"form": form, "found": found, "meeting_signups": meeting_signups},
        status=status,
    )
