"""Public pages of information meetings: a municipality's page, a meeting and its sign-up, the
confirmation, the calendar file, and the person's own sign-up (cancel) through its signed link."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.emails import rate_limit_key
from accounts.throttle import over_limit, over_step_limit, too_many_requests
from municipalities.models import Municipality
from workflow.errors import DomainError

from . import actions, selectors
from .forms import MunicipalityPickerForm, SignupForm
from .models import MeetingSignup


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE)[:2]


@require_http_methods(["GET", "POST"])
def pick_municipality(request):
    """The start page's picker sends the municipality typed here (by POST: where a person lives
    stays out of addresses and logs); the page of that municipality opens, or the picker comes
    back with what was typed and what is wrong."""
    form = MunicipalityPickerForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        return redirect("outreach:municipality", municipality_code=form.cleaned_data["kommun"].code)
    return render(
        request,
        "outreach/pick.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


@require_GET
def municipality(request, municipality_code):
    """A municipality's page: its coming information meetings, and the "volunteers wanted"
    notices of the local group that covers it. The code is the official one, four digits
    ("0114"); the address may drop its leading zero."""
    place = get_object_or_404(Municipality, code=f"{municipality_code:04d}")
    meetings = selectors.with_places(selectors.coming_meetings(place)).select_related(
        "municipality"
    )
    return render(
        request,
        "outreach/municipality.html",
        {
            "municipality": place,
            "meetings": meetings,
            "notices": selectors.volunteers_wanted_in(place),
        },
    )


@never_cache  # the form comes back with the name and address typed
@require_http_methods(["GET", "POST"])
def meeting(request, meeting_id):
    """A meeting and its sign-up form (name, e-mail address, consent)."""
    item = selectors.public_meeting(meeting_id)
    form = SignupForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if over_step_limit(request, group="meeting-signup-form"):
            return too_many_requests(request)
        if form.is_robot:
            return redirect("outreach:sent", meeting_id=meeting_id)
        if form.is_valid():
            if over_limit(
                request,
                group="meeting-signup",
                limits=[
                    ("ip", settings.RATELIMIT_SIGNUP_PER_IP),
                    (
                        rate_limit_key(form.cleaned_data["email"]),
                        settings.RATELIMIT_SIGNUP_PER_EMAIL,
                    ),
                ],
            ):
                return too_many_requests(request)
            try:
                actions.sign_up_for_meeting(
                    meeting=item,
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data["email"],
                    language=_language(),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                return redirect("outreach:sent", meeting_id=meeting_id)
        else:
            status = 400
    return render(
        request,
        "outreach/meeting.html",
        {
            "meeting": item,
            "form": form,
            "open": actions.is_open_for_signups(item) and item.left > 0,
        },
        status=status,
    )


@require_GET
def sent(request, meeting_id):
    """ "Check your e-mail": the same page whoever signed up with whatever address."""
    item = selectors.public_meeting(meeting_id)
    return render(
        request,
        "outreach/sent.html",
        {"meeting": item, "days": settings.MEETING_CONFIRM_LINK_MAX_AGE // 86400},
    )


def _path(url: str) -> str:
    """A link of the e-mails as the page's own: the same path, on whatever host serves it."""
    return url.removeprefix(settings.SITE_URL)


def _in_language_of(request, signup: MeetingSignup) -> None:
    """The person's own pages are in the language they signed up in."""
    translation.activate(signup.language)
    request.LANGUAGE_CODE = signup.language


def _link_problem(request, problem):
    return render(request, "outreach/link_problem.html", {"problem": problem}, status=400)


@never_cache  # shows the person's name
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """The link in the first e-mail. Opening it shows the meeting and a button; the button
    (a POST) confirms the address and takes the place, if one is left (a full meeting says so,
    and the same link can take a place freed later). Opening the link takes nothing, so an
    e-mail service that opens links to check them takes no one's place. A place already taken
    is shown as it is, and a cancelled one says so."""
    try:
        signup = actions.signup_from_token(token, purpose="confirm")
    except actions.InvalidLink as exc:
        return _link_problem(request, exc.message)
    _in_language_of(request, signup)
    if request.method == "GET" and signup.status == MeetingSignup.Status.PENDING:
        return render(
            request, "outreach/confirm.html", {"signup": signup, "meeting": signup.meeting}
        )
    try:
        actions.confirm_signup(signup=signup)
    except DomainError as exc:
        return render(
            request,
            "outreach/not_confirmed.html",
            {"signup": signup, "meeting": signup.meeting, "problem": exc.message},
            status=exc.status,
        )
    return render(
        request,
        "outreach/confirmed.html",
        {
            "signup": signup,
            "meeting": signup.meeting,
            "calendar_url": _path(actions.calendar_url(signup)),
            "manage_url": _path(actions.manage_url(signup)),
        },
    )


@never_cache  # shows the person's name
@require_http_methods(["GET", "POST"])
def my_signup(request, token):
    """The person's own sign-up, from the link in their e-mails: see it, download the calendar
    file, cancel it."""
    try:
        signup = actions.signup_from_token(token, purpose="manage")
    except actions.InvalidLink as exc:
        return _link_problem(request, exc.message)
    _in_language_of(request, signup)
    problem = None
    status = 200
    if request.method == "POST":
        try:
            actions.cancel_signup(signup=signup)
        except DomainError as exc:
            problem, status = exc.message, exc.status
        else:
            return render(
                request, "outreach/cancelled.html", {"signup": signup, "meeting": signup.meeting}
            )
    return render(
        request,
        "outreach/my_signup.html",
        {
            "signup": signup,
            "meeting": signup.meeting,
            "problem": problem,
            "can_cancel": signup.status != MeetingSignup.Status.CANCELLED
            and actions.is_open_for_signups(signup.meeting),
            "calendar_url": _path(actions.calendar_url(signup)),
        },
        status=status,
    )


@never_cache
@require_GET
def calendar(request, token):
    """The meeting as a calendar file (.ics), from the person's link."""
    try:
        signup = actions.signup_from_token(token, purpose="manage")
    except actions.InvalidLink as exc:
        return _link_problem(request, exc.message)
    ics = actions.meeting_calendar(signup.meeting, language=signup.language)
    response = HttpResponse(ics["content"], content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{ics["filename"]}"'
    return response
