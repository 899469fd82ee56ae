"""The household's own pages, opened through its link (``newcomers.links``).

They run in the household's language (``NewcomerCase.language``), in easy-to-read words, and
show nothing about the case but what the household needs: the home proposed to it (the fields of
``proposal_facts``, never the host's name, address, phone or e-mail), its answer, a way to say
that something is wrong, and its evaluations. The case is always the one of the link opened in
this browser: no page takes an id.
"""

from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.throttle import over_concern_limit
from matching.actions import record_household_answer
from matching.models import Match
from matching_portal import formatting
from workflow.errors import DomainError

from .actions import open_household_link
from .household_forms import AnswerForm, ConcernForm
from .household_language import text_direction
from .links import SESSION_KEY, InvalidLink, household_page, link_from_token, link_named_by
from .models import NewcomerCase

# A page for a household whose language is not known is in both of these.
UNKNOWN_LANGUAGE_FALLBACK = ("sv", "en")


def _context(case: NewcomerCase | None = None, *, signed_in: bool = False, **extra):
    language = case.language if case is not None else translation.get_language()
    return {
        "household_language": language,
        "household_dir": text_direction(language),
        "household_signed_in": signed_in,
        **extra,
    }


def _in_each_language(languages, **texts) -> list[dict[str, str]]:
    """The lazy ``texts`` said in each of ``languages``, with each language's direction: a page
    for a household whose language is not known says it in Swedish and English."""
    parts = []
    for language in languages:
        with translation.override(language):
            parts.append(
                {
                    "language": language,
                    "dir": text_direction(language),
                    **{name: str(text) for name, text in texts.items()},
                }
            )
    return parts


def link_problem(request, message, *, case: NewcomerCase | None = None, status: int = 404):
    """The friendly page of a link that does not work (404: not a link of ours; 410: stopped,
    replaced or expired), in the household's language when the link tells it, else in Swedish
    and English. ``message`` is a lazy translation, said in each language."""
    languages = (case.language,) if case is not None else UNKNOWN_LANGUAGE_FALLBACK
    parts = _in_each_language(
        languages,
        title=_("This link does not work"),
        message=message,
        help=_("Your coordinator can give you a new link. Call or visit your coordinator."),
    )
    with translation.override(languages[0]):
        response = render(
            request,
            "household/link_problem.html",
            {**_context(case), "parts": parts},
            status=status,
        )
    response["Cache-Control"] = "no-store"
    return response


@never_cache  # opens the household's session
def open_link(request, token):
    """The address in the letter or the e-mail: it opens the household's pages in this browser,
    and the token leaves the address bar at once."""
    try:
        link = link_from_token(token)
    except InvalidLink as exc:
        named = link_named_by(token)
        return link_problem(
            request,
            exc.message,
            case=named.case if named is not None else None,
            status=410 if named is not None else 404,
        )
    open_household_link(link=link)
    request.session.cycle_key()
    request.session[SESSION_KEY] = link.pk
    return redirect("household:start")


def _live_match(case: NewcomerCase) -> Match | None:
    return case.matches.live().select_related("home", "home__municipality", "home__place").first()


def _stay(case: NewcomerCase) -> Match | None:
    """The household's stay under way (approved or moved in): what a concern is about."""
    return case.matches.filter(status__in=[Match.Status.APPROVED, Match.Status.MOVED_IN]).first()


def _evaluation_url() -> str | None:
    """The household's evaluations, once the stays app has the page (built separately)."""
    try:
        return reverse("stays:household_evaluation")
    except NoReverseMatch:
        return None


@household_page
@require_http_methods(["GET"])
def start(request, case):
    match = _live_match(case)
    return render(
        request,
        "household/start.html",
        _context(
            case,
            signed_in=True,
            match=match,
            has_stay=_stay(case) is not None,
            evaluation_url=_evaluation_url(),
        ),
    )


def area_of(home) -> str:
    """Where the home is, as a place name: the locality and the municipality, never the street
    or the postcode."""
    municipality = home.municipality_label
    place = home.place.name if home.place_id else ""
    if place and municipality and place.casefold() != municipality.casefold():
        return f"{place}, {municipality}"
    return place or municipality


def proposal_facts(home) -> list[tuple[str, str]]:
    """What the household sees of a proposed home, and nothing else: the kind of home, the area,
    the rent, the beds, who lives there, pets, smoking and what the host wrote about it."""
    if home.has_pets:
        pets = (
            _("Yes: %(pets)s") % {"pets": home.pets_description}
            if home.pets_description
            else _("Yes")
        )
    else:
        pets = _("No")
    facts = [
        (_("Kind of home"), home.get_kind_display()),
        (_("Where"), area_of(home)),
        (
            _("Rent per month"),
            _("%(rent)s kronor") % {"rent": formatting.number(home.rent_per_month)},
        ),
        (_("Beds"), str(home.beds)),
        (_("Who lives in the home"), home.household_description),
        (_("Pets"), pets),
        (_("Smoking"), home.get_smoking_display()),
    ]
    if home.hopes.strip():
        facts.append((_("The host wrote"), home.hopes))
    return facts


@household_page
@require_http_methods(["GET", "POST"])
def proposal(request, case):
    """The proposed home, and the household's yes or no. After a coordinator approved it, the
    page shows the same facts: the coordinator gives the address and the host's name in person."""
    match = _live_match(case)
    form = AnswerForm()
    status = 200
    if request.method == "POST" and match is not None:
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                record_household_answer(match=match, answer=form.cleaned_data["answer"])
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                return redirect("household:proposal")
        else:
            status = 400
    elif request.method == "POST":
        status = 409
    return render(
        request,
        "household/proposal.html",
        _context(
            case,
            signed_in=True,
            match=match,
            facts=proposal_facts(match.home) if match is not None else [],
            form=form,
        ),
        status=status,
    )


@household_page
@require_http_methods(["GET", "POST"])
def concern(request, case):
    """ "Something is wrong": how urgent, in the household's own words; the partner's
    coordinators are told (``stays.actions.raise_concern``)."""
    from stays.actions import raise_concern

    stay = _stay(case)
    form = ConcernForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if stay is None:
            status = 409
        elif form.is_valid() and over_concern_limit(request, who=f"case:{case.pk}"):
            # Too many in a short time: a message, and what was typed stays in the form.
            form.add_error(
                None,
                _(
                    "You have sent many messages in a short time. Wait one hour and send again. "
                    "Or call your coordinator."
                ),
            )
            status = 429
        elif form.is_valid():
            try:
                raise_concern(
                    match=stay,
                    raised_by="household",
                    text=form.cleaned_data["text"],
                    urgency=form.cleaned_data["urgency"],
                    language=case.language,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                return redirect("household:concern_sent")
        else:
            status = 400
    return render(
        request,
        "household/concern.html",
        _context(case, signed_in=True, stay=stay, form=form),
        status=status,
    )


@household_page
@require_http_methods(["GET"])
def concern_sent(request, case):
    return render(request, "household/concern_sent.html", _context(case, signed_in=True))


@require_POST
def leave(request):
    """The household leaves its pages on this browser (a shared phone, a library computer)."""
    link_id = request.session.pop(SESSION_KEY, None)
    case = (
        NewcomerCase.objects.filter(links__pk=link_id).first() if isinstance(link_id, int) else None
    )
    languages = (case.language,) if case is not None else UNKNOWN_LANGUAGE_FALLBACK
    parts = _in_each_language(
        languages,
        title=_("You have left your page"),
        message=_("To come back, open the link in your letter or e-mail again."),
    )
    with translation.override(languages[0]):
        response = render(request, "household/left.html", {**_context(case), "parts": parts})
    response["Cache-Control"] = "no-store"
    return response
