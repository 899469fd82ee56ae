"""Public pages for hosts: the sign-up form and self-service through a signed link."""

import json

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language

from accounts.emails import rate_limit_key
from accounts.throttle import over_concern_limit, over_limit, over_step_limit, too_many_requests
from outreach.forms import initial_source
from workflow.errors import DomainError
from workflow.form_input import keep_answers, kept_answers

from . import actions
from .forms import (
    ConcernForm,
    ConsentForm,
    LinkRequestForm,
    OfferChangeForm,
    ReasonForm,
    RegistrationForm,
)
from .models import Home, Host
from .workflow import TRANSITIONS

DRAFT_KEY = "host_registration_draft"
HOST_KEY = "self_service_host_id"


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE)[:2]


def landing(request):
    from outreach.forms import MunicipalityPickerForm

    # The municipality picker leads to the municipality's page (its meetings, volunteers wanted).
    return render(request, "hosts/landing.html", {"picker": MunicipalityPickerForm()})


def privacy_notice(request):
    from accounts.models import Organisation

    controllers = Organisation.objects.filter(
        kind__in=[Organisation.Kind.VOLUNTEER_ORGANISATION, Organisation.Kind.PARTNER]
    )
    return render(
        request,
        "hosts/privacy.html",
        {
            "version": settings.PRIVACY_NOTICE_VERSION,
            "controllers": controllers,
            "dpo_email": settings.DATA_PROTECTION_OFFICER_EMAIL,
        },
    )


# Sign-up ---------------------------------------------------------------------------------------


@never_cache  # the answers come back into the form: personal data
@require_http_methods(["GET", "POST"])
def register(request):
    """Step 1: the form. Valid answers are kept in the session and shown for checking."""
    if request.method == "POST":
        if over_step_limit(request, group="host-signup-form"):
            return too_many_requests(request)
        form = RegistrationForm(request.POST)
        if form.is_robot:
            # Say what a person would see, save nothing.
            return redirect("hosts:sent")
        if form.is_valid() and keep_answers(request, DRAFT_KEY, form, leave_out=["website"]):
            return redirect("hosts:check")
        status = 400
    else:
        draft = kept_answers(request, DRAFT_KEY)
        # Opened through a tagged link (``/t/<code>/``): the form carries its code.
        source = initial_source(request, target="host")
        if draft and source:
            draft.setlist("source", [source])
        form = RegistrationForm(draft) if draft else RegistrationForm(initial={"source": source})
        status = 200
    return render(request, "hosts/register.html", {"form": form}, status=status)


@never_cache  # shows the answers: personal data
@require_http_methods(["GET", "POST"])
def check_answers(request):
    """Step 2: "check your answers", agree to the privacy notice, and send."""
    draft = kept_answers(request, DRAFT_KEY)
    if draft is None:
        return redirect("hosts:register")
    form = RegistrationForm(draft)
    if not form.is_valid():
        return redirect("hosts:register")
    consent_form = ConsentForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        email = form.cleaned_data["email"].lower()
        if over_limit(
            request,
            group="host-signup",
            limits=[
                ("ip", settings.RATELIMIT_SIGNUP_PER_IP),
                (email, settings.RATELIMIT_SIGNUP_PER_EMAIL),
            ],
        ):
            return too_many_requests(request)
        if consent_form.is_valid():
            actions.register_host(
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
                language=_language(),
                offer=form.cleaned_data,
                consent_language=_language(),
                source=form.cleaned_data["source"],
            )
            del request.session[DRAFT_KEY]
            if not request.session.keys():
                # Nothing else was kept: the session ends here rather than being renewed,
                # empty, on each later page.
                request.session.flush()
            return redirect("hosts:sent")
        status = 400
    return render(
        request,
        "hosts/check_answers.html",
        {"form": form, "consent_form": consent_form},
        status=status,
    )


def sent(request):
    return render(request, "hosts/sent.html")


@never_cache  # opens a host session and shows the host's name
def confirm(request, token):
    try:
        host = actions.host_from_token(token, purpose="confirm")
    except actions.InvalidLink as exc:
        return render(
            request,
            "hosts/link_request.html",
            {"form": LinkRequestForm(), "problem": exc.message},
            status=400,
        )
    actions.confirm_registration(host=host)
    request.session.cycle_key()
    request.session[HOST_KEY] = host.pk
    _in_host_language(request, host)
    response = render(
        request, "hosts/confirmed.html", {"host": host, "contact": _first_contact(host)}
    )
    return _keep_language(response, host.language)


def _in_host_language(request, host: Host) -> None:
    """A host's own pages are in the language the host chose (``Host.language``: the language
    they signed up in, or last chose on their own pages), whatever the browser asks for."""
    translation.activate(host.language)
    request.LANGUAGE_CODE = host.language


def _keep_language(response, language: str):
    """The language cookie, as Django's own language switch sets it, so that the public pages
    the host goes on to (the privacy notice, the start page) are in the same language."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def _first_contact(host: Host) -> dict | None:
    """Who will contact the host about their newest offer still waiting for its first call,
    and when (``volunteers.selectors.first_contact``); None when no offer waits for one."""
    from volunteers.selectors import first_contact

    home = host.homes.filter(status=Home.Status.REGISTERED).order_by("-created_at").first()
    return first_contact(home) if home is not None else None


# Self-service ----------------------------------------------------------------------------------


@never_cache  # the form comes back with the address typed
@require_http_methods(["GET", "POST"])
def request_link(request):
    """ "Send me my link": the answer is the same, and takes the same time, whether or not the
    address is known (``actions.request_self_service_link``). The limits count the address in
    its canonical form, so no other spelling of it gets a limit of its own."""
    form = LinkRequestForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        email = rate_limit_key(request.POST.get("email") or "")
        if over_limit(
            request,
            group="host-link",
            limits=[
                ("ip", settings.RATELIMIT_LINK_PER_IP),
                (email, settings.RATELIMIT_LINK_PER_EMAIL),
            ],
        ):
            return too_many_requests(request)
        if form.is_valid():
            actions.request_self_service_link(email=form.cleaned_data["email"])
            return render(
                request,
                "hosts/link_sent.html",
                {"days": settings.HOST_SELF_SERVICE_LINK_MAX_AGE // 86400},
            )
        status = 400
    return render(request, "hosts/link_request.html", {"form": form}, status=status)


@never_cache  # opens a host session
def open_link(request, token):
    try:
        host = actions.host_from_token(token, purpose="self_service")
    except actions.InvalidLink as exc:
        return render(
            request,
            "hosts/link_request.html",
            {"form": LinkRequestForm(), "problem": exc.message},
            status=400,
        )
    actions.open_self_service(host=host)
    request.session.cycle_key()
    request.session[HOST_KEY] = host.pk
    # The token leaves the address bar at once.
    return _keep_language(redirect("hosts:my_offer"), host.language)


def _session_host(request) -> Host | None:
    host_id = request.session.get(HOST_KEY)
    if host_id is None:
        return None
    return Host.objects.filter(pk=host_id, erased_at__isnull=True).first()


def _session_home(request) -> Home | None:
    host = _session_host(request)
    if host is None:
        return None
    return host.homes.select_related("host").order_by("-created_at").first()


def self_service(view):
    """The page needs a host who opened a self-service link in this browser."""

    def wrapped(request, *args, **kwargs):
        home = _session_home(request)
        if home is None:
            messages.info(request, _("Open the link we e-mailed you, or ask for a new one here."))
            return redirect("hosts:request_link")
        _in_host_language(request, home.host)
        response = view(request, home, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != home.host.language:
            _keep_language(response, home.host.language)
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


# Where the offer stands, in the words a host would use.
STATUS_FOR_HOST = {
    Home.Status.REGISTERED: gettext_lazy(
        "We have your offer. A volunteer will call you to talk about it."
    ),
    Home.Status.CONTACTED: gettext_lazy(
        "A volunteer has talked to you. The next step is a visit to your home."
    ),
    Home.Status.VISIT_BOOKED: gettext_lazy(
        "A home visit is booked. We look forward to meeting you."
    ),
    Home.Status.VISITED: gettext_lazy(
        "Thank you for the visit. Your offer will soon go to the municipality."
    ),
    Home.Status.REFERRED: gettext_lazy(
        "The municipality has your offer and is looking for a household that suits your home."
    ),
    Home.Status.MATCHED: gettext_lazy("A household has been matched with your home."),
    Home.Status.ENDED: gettext_lazy("The stay in your home has ended. Thank you!"),
    Home.Status.CLOSED: gettext_lazy("Your offer is closed. Thank you for taking part."),
    Home.Status.UNREACHABLE: gettext_lazy(
        "We tried to call you but could not reach you. Tell us if you are still interested."
    ),
    Home.Status.WITHDRAWN: gettext_lazy(
        "You have withdrawn your offer. Nobody will contact you about it."
    ),
    Home.Status.REJECTED: gettext_lazy(
        "After the visit, we found that the home does not suit the programme this time."
    ),
    Home.Status.PAUSED: gettext_lazy(
        "Your offer is paused. Nobody will contact you about it until you resume it."
    ),
}


@self_service
def my_offer(request, home):
    steps = {
        name: home.status in TRANSITIONS[name].sources
        for name in ("pause", "resume", "withdraw", "reopen")
    }
    return render(
        request,
        "hosts/my_offer.html",
        {
            "home": home,
            "host": home.host,
            "status_text": STATUS_FOR_HOST[home.status],
            "contact": _first_contact_of(home),
            "steps": steps,
            "can_change": actions.can_change_offer(home),
            "summary": _offer_summary(home),
            "stay": _current_stay(home),
        },
    )


def _current_stay(home: Home):
    """The home's stay that is agreed or under way, if any: what a concern is about."""
    from stays.actions import STAY_STATUSES

    return home.matches.filter(status__in=STAY_STATUSES).order_by("-created_at").first()


@self_service
@require_http_methods(["GET", "POST"])
def raise_concern(request, home):
    """ "Something is wrong": the host tells the people working on the stay, in their own
    words, and how urgent it is. What was typed stays on the page when something is missing."""
    from stays.actions import raise_concern as raise_it
    from stays.models import Concern

    stay = _current_stay(home)
    if stay is None:
        messages.info(
            request,
            _(
                "There is no stay in your home right now. Contact us if you need to tell us something."
            ),
        )
        return redirect("hosts:my_offer")
    form = ConcernForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and over_concern_limit(request, who=f"home:{home.pk}"):
            # Too many in a short time: a message, and what was typed stays in the form.
            form.add_error(
                None,
                _(
                    "You have sent many messages in a short time. Wait an hour and send it "
                    "again. If it cannot wait, call the people who work with your home, or 112 "
                    "in an emergency."
                ),
            )
            status = 429
        elif form.is_valid():
            try:
                raise_it(
                    match=stay,
                    raised_by=Concern.RaisedBy.HOST,
                    text=form.cleaned_data["text"],
                    urgency=form.cleaned_data["urgency"],
                    language=_language(),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(
                    request,
                    _(
                        "Thank you for telling us. The people who work with your home have been "
                        "told and will contact you."
                    ),
                )
                return redirect("hosts:my_offer")
        else:
            status = 400
    return render(request, "hosts/concern.html", {"form": form}, status=status)


def _first_contact_of(home: Home) -> dict | None:
    """Who will make the first call, while the home waits for it."""
    from volunteers.selectors import first_contact

    return first_contact(home) if home.status == Home.Status.REGISTERED else None


def _offer_summary(home: Home):
    form = OfferChangeForm(instance=home)
    form.cleaned_data = {
        **{name: getattr(home, name) for name in actions.OFFER_FIELDS},
        "name": home.host.name,
        "phone": home.host.phone,
    }
    return form.summary()


@self_service
@require_http_methods(["GET", "POST"])
def change_offer(request, home):
    if not actions.can_change_offer(home):
        messages.warning(request, _("This offer can no longer be changed here."))
        return redirect("hosts:my_offer")
    initial = {"name": home.host.name, "phone": home.host.phone}
    data = request.POST if request.method == "POST" else None
    form = OfferChangeForm(data, instance=home, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.change_offer(
                    home=home,
                    offer=form.cleaned_data,
                    name=form.cleaned_data["name"],
                    phone=form.cleaned_data["phone"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect("hosts:my_offer")
        else:
            status = 400
    return render(request, "hosts/change_offer.html", {"form": form}, status=status)


STEP_TEXTS = {
    "pause": {
        "title": gettext_lazy("Pause your offer"),
        "lead": gettext_lazy(
            "While your offer is paused, nobody will contact you about it. You can resume it "
            "whenever you like."
        ),
        "button": gettext_lazy("Pause my offer"),
        "done": gettext_lazy("Your offer is paused."),
    },
    "resume": {
        "title": gettext_lazy("Resume your offer"),
        "lead": gettext_lazy("Your offer will continue from where it was paused."),
        "button": gettext_lazy("Resume my offer"),
        "done": gettext_lazy("Your offer is active again."),
    },
    "reopen": {
        "title": gettext_lazy("I am still interested"),
        "lead": gettext_lazy(
            "We could not reach you by phone. Tell us you are still interested and a "
            "volunteer will call you again."
        ),
        "button": gettext_lazy("I am still interested"),
        "done": gettext_lazy("Thank you! A volunteer will call you."),
    },
    "withdraw": {
        "title": gettext_lazy("Withdraw your offer"),
        "lead": gettext_lazy(
            "If you withdraw, we stop working with your offer. Your answers are kept as the "
            "privacy notice says; you can also have them erased."
        ),
        "button": gettext_lazy("Withdraw my offer"),
        "done": gettext_lazy("Your offer is withdrawn. Thank you for offering to help."),
    },
}


@self_service
@require_http_methods(["GET", "POST"])
def host_step(request, home, step):
    texts = STEP_TEXTS[step]
    form = ReasonForm(request.POST if request.method == "POST" else None)
    status, refusal = 200, None
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.host_step(home=home, name=step, reason=form.cleaned_data["reason"])
            except DomainError as exc:
                # The page again, with what was typed and why the step cannot be taken.
                status, refusal = exc.status, exc.message
            else:
                messages.success(request, texts["done"])
                return redirect("hosts:my_offer")
        else:
            status = 400
    return render(
        request,
        "hosts/step.html",
        {
            "home": home,
            "form": form,
            "texts": texts,
            "ask_reason": step == "withdraw",
            "refusal": refusal,
        },
        status=status,
    )


@self_service
def download_data(request, home):
    data = actions.export_host_data(host=home.host)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response


@self_service
@require_http_methods(["GET", "POST"])
def erase(request, home):
    if request.method == "POST":
        actions.erase_host(host=home.host)
        request.session.flush()
        return render(request, "hosts/erased.html")
    return render(request, "hosts/erase.html", {"home": home})


@require_POST
def set_language(request):
    """The language button on a host's own pages: the host's choice is kept on the host too, so
    that their pages and the e-mails about their offer follow it (``actions.set_host_language``);
    then Django's own switch sets the cookie and goes back to the page."""
    host = _session_host(request)
    language = request.POST.get("language", "")
    if host is not None and language in dict(settings.LANGUAGES):
        actions.set_host_language(host=host, language=language)
    return django_set_language(request)


@require_POST
def leave(request):
    request.session.pop(HOST_KEY, None)
    return redirect("hosts:landing")
