"""The volunteers' web app (made for a phone), the coordinators' pages, and the public sign-up."""

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import roles
from accounts.access import role_required
from accounts.throttle import over_limit, over_step_limit, too_many_requests
from hosts.models import Home
from privacy.actions import log_hosts_shown
from workflow.engine import TransitionNotAllowed

from . import actions, selectors
from .forms import (
    BookVisitForm,
    CallOutcomeForm,
    CampaignForm,
    CancelVisitForm,
    DeclineForm,
    HandBackForm,
    IntroductionForm,
    MergeForm,
    MoveVisitForm,
    NoteForm,
    ReferForm,
    VisitReportForm,
    VolunteerApplicationForm,
)
from .models import (
    CallAttempt,
    HomeVisit,
    QueueEntry,
)

VOLUNTEERS = (roles.VOLUNTEER, roles.VOLUNTEER_COORDINATOR)
COORDINATORS = (roles.VOLUNTEER_COORDINATOR,)
# The queue entries this browser claimed (so that a volunteer whose time ran out is told so).
CLAIMED_KEY = "volunteers_claimed_entries"


def _shown(request, hosts) -> None:
    """The access log: this page showed these hosts' personal data to this person."""
    log_hosts_shown(user=request.user, hosts=hosts, page=request.resolver_match.view_name)


# Public sign-up ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def join(request):
    if request.method == "POST":
        form = VolunteerApplicationForm(request.POST)
    else:
        form = VolunteerApplicationForm(initial=_join_initial(request))
    status = 200
    if request.method == "POST":
        if over_step_limit(request, group="volunteer-signup-form"):
            return too_many_requests(request)
        if form.is_robot:
            return redirect("volunteers:joined")
        if form.is_valid():
            # Only complete applications count against the limit: someone correcting a mistake
            # in the form is not sending anything yet.
            if over_limit(
                request,
                group="volunteer-signup",
                limits=[
                    ("ip", settings.RATELIMIT_SIGNUP_PER_IP),
                    (form.cleaned_data["email"], settings.RATELIMIT_SIGNUP_PER_EMAIL),
                ],
            ):
                return too_many_requests(request)
            data = form.cleaned_data
            actions.apply_to_volunteer(
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                languages=data["languages"],
                area=data["area"],
                municipality=data["municipality"],
                availability=data["availability"],
                motivation=data["motivation"],
                language=(get_language() or settings.LANGUAGE_CODE)[:2],
                source=data["source"],
            )
            return redirect("volunteers:joined")
        status = 400
    return render(request, "volunteers/join.html", {"form": form}, status=status)


def _join_initial(request) -> dict:
    """What the application form starts with when a link says: the tagged link it was opened
    through (``?source=``, only a live one) and the municipality (``?municipality=<code>``, from
    a group's "volunteers wanted" notice; an unknown code is left out)."""
    from municipalities.models import Municipality
    from outreach.forms import initial_source

    initial = {"source": initial_source(request, target="volunteer")}
    code = request.GET.get("municipality") or ""
    if len(code) == 4 and code.isdigit() and Municipality.objects.filter(code=code).exists():
        initial["municipality"] = code
    return initial


def joined(request):
    return render(request, "volunteers/joined.html")


def privacy_notice(request):
    """The volunteers' privacy notice: what the portal keeps about an applicant and a volunteer,
    why, for how long, and how to use their rights (public: read before applying)."""
    from accounts.models import Organisation

    from .notice import NOTICE_VERSION, retention

    return render(
        request,
        "volunteers/privacy.html",
        {
            "version": NOTICE_VERSION,
            "controllers": Organisation.objects.filter(
                kind=Organisation.Kind.VOLUNTEER_ORGANISATION
            ).order_by("name"),
            "dpo_email": settings.DATA_PROTECTION_OFFICER_EMAIL,
            **retention(),
        },
    )


# The volunteer's day -----------------------------------------------------------------------


@role_required(*VOLUNTEERS)
def start(request):
    """Today's calls, visits and check-ins due for the logged-in volunteer."""
    day = selectors.start_page(user=request.user)
    for name in ("check_ins", "visits", "callbacks"):
        day[name] = list(day[name])
    _shown(
        request,
        [
            *([day["held"].home.host] if day["held"] else []),
            *(check_in.match.home.host for check_in in day["check_ins"]),
            *(attempt.home.host for attempt in day["callbacks"]),
            *(visit.home.host for visit in day["visits"]),
        ],
    )
    context = {**day, "is_coordinator": selectors.is_coordinator(request.user)}
    return render(request, "volunteers/start.html", context)


# The call queue ----------------------------------------------------------------------------


def _call_page(request, entry: QueueEntry, *, status=200, **forms):
    """The call page of the host the volunteer holds; ``forms`` are forms sent back with their
    errors (``outcome_form``, ``hand_back_form``, ``note_form``)."""
    context = {**_call_context(entry, request.user), **forms}
    _shown(request, [entry.home.host, *(other.host for other in context["duplicates"])])
    return render(request, "volunteers/call.html", context, status=status)


def _call_context(entry: QueueEntry, user):
    home = entry.home
    return {
        "entry": entry,
        "home": home,
        "host": home.host,
        **selectors.call_history(home),
        "duplicates": list(selectors.possible_duplicates(home, user=user)[:5]),
        "outcome_form": CallOutcomeForm(home=home),
        "hand_back_form": HandBackForm(),
        "lease_minutes": settings.CALL_LEASE_MINUTES,
        "is_coordinator": selectors.is_coordinator(user),
    }


@role_required(*VOLUNTEERS)
def queue(request):
    entry = selectors.held_entry(volunteer=request.user)
    if entry is None:
        page = selectors.queue_page(user=request.user)
        page["check_ins"] = list(page["check_ins"])
        _shown(request, [check_in.match.home.host for check_in in page["check_ins"]])
        return render(request, "volunteers/queue.html", page)
    return _call_page(request, entry)


@role_required(*VOLUNTEERS)
@require_POST
def claim_next(request):
    if selectors.awaiting_introduction(request.user):
        # The start page says what happens next; there is nothing to claim until then.
        return redirect("volunteers:start")
    entry = actions.claim_next_host(volunteer=request.user)
    if entry is not None:
        claimed = [pk for pk in request.session.get(CLAIMED_KEY, []) if pk != entry.pk]
        request.session[CLAIMED_KEY] = [*claimed[-19:], entry.pk]
    elif request.user.local_group_id is not None:
        # (Without a group, the queue page itself says why there is nothing to claim.)
        messages.info(request, _("Nobody needs a call right now. Thank you!"))
    return redirect("volunteers:queue")


def _held_or_redirect(request, entry_id):
    """The entry if this volunteer holds it; None (with a message) if it was theirs and is no
    longer; any other entry is not found (404), whatever id is sent."""
    entry = selectors.queue_entry_for(
        request.user, entry_id, claimed_here=tuple(request.session.get(CLAIMED_KEY, []))
    )
    if entry is None:
        messages.warning(
            request,
            _("You no longer hold this host: the time ran out or it was handed back."),
        )
        return None
    return entry


@role_required(*VOLUNTEERS)
@require_POST
def record_outcome(request, entry_id):
    entry = _held_or_redirect(request, entry_id)
    if entry is None:
        return redirect("volunteers:queue")
    form = CallOutcomeForm(request.POST, home=entry.home)
    if not form.is_valid():
        return _call_page(request, entry, outcome_form=form, status=400)
    data = form.cleaned_data
    try:
        attempt = actions.record_call(
            entry=entry,
            volunteer=request.user,
            outcome=data["outcome"],
            note=data["note"],
            callback_at=data.get("callback_at"),
        )
    except TransitionNotAllowed as exc:
        # The call page again, with what was typed and why it could not be saved (once).
        form.add_error(None, exc.message)
        return _call_page(request, entry, outcome_form=form, status=exc.status)
    messages.success(
        request,
        _("Saved: %(outcome)s.") % {"outcome": attempt.get_outcome_display()},
    )
    # Only a home that has just been contacted needs a visit booked; a host reached at a later
    # stage (in a campaign) keeps their stage and the volunteer goes on with the queue.
    if (
        attempt.outcome == CallAttempt.Outcome.INTERESTED
        and attempt.home.status == Home.Status.CONTACTED
    ):
        return redirect("volunteers:book_visit", home_id=entry.home_id)
    return redirect("volunteers:queue")


@role_required(*VOLUNTEERS)
@require_POST
def hand_back(request, entry_id):
    entry = _held_or_redirect(request, entry_id)
    if entry is not None:
        form = HandBackForm(request.POST)
        if not form.is_valid():  # refused, not dropped: the call page says why
            return _call_page(request, entry, hand_back_form=form, status=400)
        actions.hand_back(entry=entry, volunteer=request.user, note=form.cleaned_data["note"])
        messages.info(request, _("The host is back in the queue."))
    return redirect("volunteers:start")


@role_required(*VOLUNTEERS)
@require_POST
def add_note(request, home_id):
    home = selectors.home_for(request.user, home_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        actions.add_note(home=home, author=request.user, text=form.cleaned_data["text"])
        messages.success(request, _("Note saved."))
    else:
        entry = selectors.held_entry(volunteer=request.user)
        if entry is not None and entry.home_id == home.pk:
            # The call page again, with the note as typed and why it was not saved.
            return _call_page(request, entry, note_form=form, status=400)
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    if _safe_next(request):
        return HttpResponseRedirect(request.POST["next"])
    return redirect("volunteers:queue")


def _safe_next(request) -> bool:
    """A page of this site to go back to (a path, never a view name or another site)."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or ""
    return target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


# Home visits -------------------------------------------------------------------------------


@role_required(*VOLUNTEERS)
@require_http_methods(["GET", "POST"])
def book_visit(request, home_id):
    home = selectors.home_for(request.user, home_id)
    form = BookVisitForm(
        request.POST if request.method == "POST" else None, user=request.user, home=home
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            volunteers = [request.user]
            if form.cleaned_data.get("second_volunteer"):
                volunteers.append(form.cleaned_data["second_volunteer"])
            try:
                visit = actions.book_visit(
                    home=home,
                    starts_at=form.cleaned_data["starts_at"],
                    volunteers=volunteers,
                    user=request.user,
                )
            except TransitionNotAllowed as exc:
                # Shown once, above the form (the template renders the fields without it).
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(
                    request, _("The visit is booked. The host has been sent a calendar invitation.")
                )
                return redirect("volunteers:visit", visit_id=visit.pk)
        else:
            status = 400
    _shown(request, [home.host])
    return render(
        request, "volunteers/book_visit.html", {"home": home, "form": form}, status=status
    )


def _visit_or_404(request, visit_id) -> HomeVisit:
    """The visit, if this person may open it (else 404, before any step is taken)."""
    return selectors.visit_for(request.user, visit_id)


def _visit_page(request, visit, *, status=200, problem=None, **forms):
    """The visit page: before the visit starts, the forms to move or cancel it; from its start
    time on, the report form; once reported or cancelled, what became of it. ``problem`` is a
    refused step's message, shown once."""
    booked = visit.status == HomeVisit.Status.BOOKED
    started = visit.has_started()
    report_form = forms.get("form")
    context = {
        "visit": visit,
        "problem": problem,
        # A report sent with mistakes is shown again with them, whatever the time.
        "can_report": booked and (started or (report_form is not None and report_form.errors)),
        "can_change": booked and not started,
        "form": report_form or VisitReportForm(instance=visit),
        "move_form": forms.get("move_form") or MoveVisitForm(visit=visit, prefix="move"),
        "cancel_form": forms.get("cancel_form") or CancelVisitForm(prefix="cancel"),
    }
    _shown(request, [visit.home.host])
    return render(request, "volunteers/visit.html", context, status=status)


def _refused(request, visit_id, exc):
    """A refused step: the page as it is now (someone may have acted first), with the reason."""
    visit = selectors.visit_for(request.user, visit_id)
    return _visit_page(request, visit, status=exc.status, problem=exc.message)


@role_required(*VOLUNTEERS)
@require_http_methods(["GET", "POST"])
def visit(request, visit_id):
    visit = _visit_or_404(request, visit_id)
    if request.method != "POST":
        return _visit_page(request, visit)
    if visit.status != HomeVisit.Status.BOOKED:
        messages.warning(request, _("This visit has already been reported or cancelled."))
        return redirect("volunteers:visit", visit_id=visit.pk)
    form = VisitReportForm(request.POST, instance=visit)
    if not form.is_valid():
        return _visit_page(request, visit, form=form, status=400)
    data = form.cleaned_data
    try:
        actions.report_visit(
            visit=visit,
            user=request.user,
            verdict=data["verdict"],
            checklist={name: data.get(name) for name in HomeVisit.CHECKLIST},
            report=data["report"],
            reject_reason=data["reject_reason"],
        )
    except TransitionNotAllowed as exc:
        return _refused(request, visit_id, exc)
    messages.success(request, _("Thank you! The visit report is filed."))
    return redirect("volunteers:start")


@role_required(*VOLUNTEERS)
@require_POST
def move_visit(request, visit_id):
    visit = _visit_or_404(request, visit_id)
    form = MoveVisitForm(request.POST, visit=visit, prefix="move")
    if not form.is_valid():
        return _visit_page(request, visit, move_form=form, status=400)
    try:
        actions.move_visit(
            visit=visit,
            starts_at=form.cleaned_data["starts_at"],
            user=request.user,
            reason=form.cleaned_data["reason"],
        )
    except TransitionNotAllowed as exc:
        return _refused(request, visit_id, exc)
    messages.success(
        request, _("The visit is moved. The host and the volunteers have been sent the new time.")
    )
    return redirect("volunteers:visit", visit_id=visit.pk)


@role_required(*VOLUNTEERS)
@require_POST
def cancel_visit(request, visit_id):
    visit = _visit_or_404(request, visit_id)
    form = CancelVisitForm(request.POST, prefix="cancel")
    if not form.is_valid():
        return _visit_page(request, visit, cancel_form=form, status=400)
    try:
        actions.cancel_visit(visit=visit, user=request.user, reason=form.cleaned_data["reason"])
    except TransitionNotAllowed as exc:
        return _refused(request, visit_id, exc)
    messages.success(request, _("The visit is cancelled. The host and the volunteers are told."))
    return redirect("volunteers:visit", visit_id=visit.pk)


# Coordinators ------------------------------------------------------------------------------


@role_required(*COORDINATORS)
def applications(request):
    return _applications_page(request)


def _applications_page(
    request, *, decline_form=None, declining=None, meeting_form=None, meeting=None, status=200
):
    """The applications; ``decline_form`` is the reason for declining application
    ``declining`` sent back with its errors, ``meeting_form`` the introduction meeting of
    application ``meeting``."""
    return render(
        request,
        "volunteers/applications.html",
        {
            **selectors.applications_page(user=request.user),
            "decline_form": decline_form or DeclineForm(),
            "declining": declining,
            "meeting_form": meeting_form or IntroductionForm(),
            "meeting": meeting,
        },
        status=status,
    )


@role_required(*COORDINATORS)
@require_POST
def record_introduction(request, application_id):
    """A coordinator met an approved volunteer: from now on the volunteer reaches hosts."""
    application = selectors.application_for(request.user, application_id)
    if application.user is None:  # not approved (or the account was erased)
        raise Http404
    form = IntroductionForm(request.POST)
    if form.is_valid():
        try:
            actions.record_introduction(
                volunteer=application.user, user=request.user, met_on=form.cleaned_data["met_on"]
            )
        except TransitionNotAllowed as exc:
            form.add_error("met_on", exc.message)
        else:
            messages.success(
                request,
                _("The introduction meeting with %(name)s is recorded: they can start calling.")
                % {"name": application.name},
            )
            return redirect("volunteers:applications")
    return _applications_page(request, meeting_form=form, meeting=application.pk, status=400)


@role_required(*COORDINATORS)
@require_POST
def decide_application(request, application_id, decision):
    application = selectors.application_for(request.user, application_id)
    try:
        if decision == "approve":
            # An application no group covers joins the group the coordinator chose.
            chosen = _int_or_none(request.POST.get("local_group"))
            group = (
                selectors.coordinator_groups(request.user).filter(pk=chosen).first()
                if chosen is not None
                else None
            )
            actions.approve_application(
                application=application, user=request.user, local_group=group
            )
            messages.success(
                request,
                _("%(name)s is approved and has been sent a link to choose a password.")
                % {"name": application.name},
            )
        else:
            form = DeclineForm(request.POST)
            if not form.is_valid():  # refused, not dropped: shown again as typed
                return _applications_page(
                    request, decline_form=form, declining=application.pk, status=400
                )
            reason = form.cleaned_data["reason"]
            actions.decline_application(application=application, user=request.user, reason=reason)
            messages.info(request, _("%(name)s is declined.") % {"name": application.name})
    except TransitionNotAllowed as exc:
        messages.error(request, exc.message)
    return redirect("volunteers:applications")


@role_required(*COORDINATORS)
@require_http_methods(["GET", "POST"])
def campaigns(request):
    form = CampaignForm(
        request.POST if request.method == "POST" else None,
        groups=list(selectors.coordinator_groups(request.user)),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                campaign = actions.start_campaign(
                    name=data["name"],
                    local_group=data["local_group"],
                    user=request.user,
                    registered_from=data["registered_from"],
                    registered_to=data["registered_to"],
                    stage=data["stage"],
                )
            except TransitionNotAllowed as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The campaign has started."))
                return redirect("volunteers:campaign", campaign_id=campaign.pk)
        status = 400
    shown = list(selectors.campaigns_for(request.user)[:20])
    progress = selectors.campaigns_progress(shown)
    items = [(campaign, progress[campaign.pk]) for campaign in shown]
    return render(
        request, "volunteers/campaigns.html", {"form": form, "items": items}, status=status
    )


@role_required(*COORDINATORS)
def campaign(request, campaign_id):
    campaign = selectors.campaign_for(request.user, campaign_id)
    if request.method == "POST" and request.POST.get("end"):
        actions.end_campaign(campaign=campaign)
        messages.info(request, _("The campaign has ended."))
        return redirect("volunteers:campaign", campaign_id=campaign.pk)
    return render(
        request,
        "volunteers/campaign.html",
        {"campaign": campaign, "progress": selectors.campaign_progress(campaign)},
    )


@role_required(*COORDINATORS)
@require_http_methods(["GET", "POST"])
def referrals(request):
    """Visited homes, waiting to be referred to a partner: each offers the partners of the
    partnerships covering its municipality (``reports.partners``), or says that none does yet."""
    from reports.partners import referral_partners, referral_partners_by_home

    homes = (
        selectors.referrals_for(request.user)
        .select_related("host", "municipality", "local_group")
        .prefetch_related(
            Prefetch(
                "visits",
                queryset=HomeVisit.objects.filter(status=HomeVisit.Status.REPORTED),
                to_attr="reported_visits",
            )
        )
        .order_by("status_changed_at")
    )
    if request.method == "POST":
        from hosts.actions import refer_home

        home_id = _int_or_none(request.POST.get("home"))
        # Another group's home (or none) is not found, before anything is done.
        home = selectors.home_for(request.user, home_id) if home_id is not None else None
        form = ReferForm(request.POST, partners=referral_partners(home) if home is not None else [])
        if form.is_valid() and home is not None:
            try:
                refer_home(home=home, partner=form.cleaned_data["partner"], user=request.user)
            except TransitionNotAllowed as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _("The home is referred to %(partner)s.")
                    % {"partner": form.cleaned_data["partner"]},
                )
        else:
            messages.error(request, _("Choose a partner to refer the home to."))
        return redirect("volunteers:referrals")
    shown = list(homes[:100])
    # The partners of all the homes on the page are read at once, not once per home.
    partners = referral_partners_by_home(shown)
    for home in shown:
        home.referral_partners = partners[home.pk]
    _shown(request, [home.host for home in shown])
    return render(request, "volunteers/referrals.html", {"homes": shown})


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@role_required(*COORDINATORS)
@require_http_methods(["GET", "POST"])
def duplicates(request, home_id):
    home = selectors.home_for(request.user, home_id)
    others = list(selectors.possible_duplicates(home, user=request.user))
    candidates = Home.objects.select_related("host", "municipality").filter(
        pk__in=[home.pk, *[o.pk for o in others]]
    )
    form = MergeForm(request.POST if request.method == "POST" else None, homes=candidates)
    if request.method == "POST" and form.is_valid():
        keep = form.cleaned_data["keep"]
        try:
            for duplicate in candidates.exclude(pk=keep.pk):
                actions.merge_duplicate(keep=keep, duplicate=duplicate, user=request.user)
        except TransitionNotAllowed as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The registrations are merged."))
        return redirect("volunteers:start")
    _shown(request, [home.host, *(other.host for other in others)])
    return render(
        request,
        "volunteers/duplicates.html",
        {"home": home, "others": others, "form": form},
    )


# Check-ins during a stay ---------------------------------------------------------------------


@role_required(*VOLUNTEERS)
@require_http_methods(["GET", "POST"])
def check_in(request, check_in_id):
    """A check-in due to the volunteers of the home's group: call, then record how it goes (all
    well, a concern, urgent). A concern goes to the partner's coordinators (``raise_concern``)."""
    from stays.actions import record_check_in
    from stays.check_in_forms import RecordCheckInForm

    check_in = selectors.check_in_for(request.user, check_in_id)
    data = request.POST if request.method == "POST" else None
    form = RecordCheckInForm(data, obj=check_in, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                record_check_in(user=request.user, **form.arguments())
            except TransitionNotAllowed as exc:
                # The page again, with what was typed and why it was not saved.
                form.add_error(None, exc.message)
                status = exc.status
                check_in.refresh_from_db()
            else:
                if check_in.outcome == check_in.Outcome.ALL_WELL:
                    messages.success(request, _("Check-in saved. Thank you!"))
                else:
                    messages.warning(
                        request,
                        _(
                            "Check-in saved. The concern has gone to the partner's coordinators "
                            "and your local group."
                        ),
                    )
                return redirect("volunteers:start")
        else:
            status = 400
    host = check_in.match.home.host
    _shown(request, [host] if host else [])
    context = {"check_in": check_in, "form": form, "today": timezone.localdate()}
    return render(request, "volunteers/check_in.html", context, status=status)


@role_required(*VOLUNTEERS)
@require_POST
def complete_follow_up(request, follow_up_id):
    """The address of a follow-up's "Done" button before check-ins replaced follow-ups (a page
    left open then): the check-in that follow-up became (it kept its number), 404 outside the
    volunteer's reach. A 307 sends what was typed on to it."""
    check_in = selectors.check_in_for(request.user, follow_up_id)
    response = HttpResponseRedirect(reverse("volunteers:check_in", args=[check_in.pk]))
    response.status_code = 307  # the browser posts the note again, to the check-in's page
    return response
