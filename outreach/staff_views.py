"""The organisers' pages of information meetings, in the volunteers' web app (made for a phone):
a volunteer coordinator plans, changes and cancels their group's meetings, sees who signed up,
and records who came. A meeting outside their reach is not found (404), wherever it is asked for.
(A partner's coordinators do the same in the Django admin, ``outreach.admin``.)"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import roles
from accounts.access import role_required
from privacy.actions import log_access
from volunteers.actions import covering_group
from workflow.errors import DomainError

from . import actions, selectors
from .forms import AttendanceForm, CancelMeetingForm, MeetingForm
from .models import MeetingSignup

COORDINATORS = (roles.VOLUNTEER_COORDINATOR,)


@role_required(*COORDINATORS)
@require_GET
def meetings(request):
    """The group's meetings: those to come first, then the last ones held or cancelled."""
    shown = selectors.meetings_for(request.user)
    now = timezone.now()
    return render(
        request,
        "outreach/staff/meetings.html",
        {
            "coming": list(shown.filter(ends_at__gt=now, status="planned").order_by("starts_at")),
            "past": list(
                shown.exclude(ends_at__gt=now, status="planned").order_by("-starts_at")[:20]
            ),
        },
    )


def _meeting_form(request, meeting=None):
    return MeetingForm(
        request.POST if request.method == "POST" else None,
        municipalities=selectors.organiser_municipalities(request.user),
        meeting=meeting,
    )


@role_required(*COORDINATORS)
@require_http_methods(["GET", "POST"])
def plan(request):
    form = _meeting_form(request)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            fields = form.meeting_fields()
            try:
                meeting = actions.plan_meeting(
                    user=request.user,
                    local_group=covering_group(fields["municipality"].pk),
                    **fields,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("The meeting is planned and listed publicly."))
                return redirect("outreach:staff_meeting", meeting_id=meeting.pk)
        else:
            status = 400
    return render(
        request, "outreach/staff/meeting_form.html", {"form": form, "meeting": None}, status=status
    )


def _meeting_page(request, meeting, *, status=200, problem=None, **forms):
    signups = list(selectors.meeting_signups(meeting))
    confirmed = [s for s in signups if s.status == MeetingSignup.Status.CONFIRMED]
    log_access(user=request.user, action="view", obj=meeting, where="meeting sign-ups")
    started = meeting.starts_at <= timezone.now()
    context = {
        "meeting": meeting,
        "signups": signups,
        "problem": problem,
        "started": started,
        "public_url": reverse("outreach:meeting", args=[meeting.pk]),
        "cancel_form": forms.get("cancel_form") or CancelMeetingForm(),
        "attendance_form": forms.get("attendance_form")
        or AttendanceForm(
            signups=confirmed,
            initial={
                "came": [str(s.pk) for s in confirmed if s.attended],
                "walk_ins": meeting.walk_ins or 0,
            },
        ),
    }
    return render(request, "outreach/staff/meeting.html", context, status=status)


@role_required(*COORDINATORS)
@require_GET
def meeting(request, meeting_id):
    return _meeting_page(request, selectors.meeting_for(request.user, meeting_id))


@role_required(*COORDINATORS)
@require_http_methods(["GET", "POST"])
def change(request, meeting_id):
    meeting = selectors.meeting_for(request.user, meeting_id)
    form = _meeting_form(request, meeting)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.change_meeting(meeting=meeting, user=request.user, **form.meeting_fields())
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("The meeting is changed."))
                return redirect("outreach:staff_meeting", meeting_id=meeting.pk)
        else:
            status = 400
    return render(
        request,
        "outreach/staff/meeting_form.html",
        {"form": form, "meeting": meeting},
        status=status,
    )


@role_required(*COORDINATORS)
@require_POST
def cancel(request, meeting_id):
    meeting = selectors.meeting_for(request.user, meeting_id)
    form = CancelMeetingForm(request.POST)
    if form.is_valid():
        try:
            actions.cancel_meeting(
                meeting=meeting, user=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            return _meeting_page(
                request, meeting, status=exc.status, problem=exc.message, cancel_form=form
            )
        messages.success(request, _("The meeting is cancelled; the people signed up are told."))
        return redirect("outreach:staff_meeting", meeting_id=meeting.pk)
    return _meeting_page(request, meeting, status=400, cancel_form=form)


@role_required(*COORDINATORS)
@require_POST
def attendance(request, meeting_id):
    meeting = selectors.meeting_for(request.user, meeting_id)
    confirmed = [
        s for s in selectors.meeting_signups(meeting) if s.status == MeetingSignup.Status.CONFIRMED
    ]
    form = AttendanceForm(request.POST, signups=confirmed)
    if form.is_valid():
        try:
            actions.record_attendance(
                meeting=meeting,
                user=request.user,
                came=[int(pk) for pk in form.cleaned_data["came"]],
                walk_ins=form.cleaned_data["walk_ins"],
            )
        except DomainError as exc:
            return _meeting_page(
                request, meeting, status=exc.status, problem=exc.message, attendance_form=form
            )
        messages.success(request, _("Who came is recorded."))
        return redirect("outreach:staff_meeting", meeting_id=meeting.pk)
    return _meeting_page(request, meeting, status=400, attendance_form=form)
