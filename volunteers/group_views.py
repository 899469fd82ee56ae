"""The coordinators' pages of local groups: handing a host over to another group, and the
national coordinators' list of the hosts no group covers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import role_required
from accounts.models import GroupMunicipality
from workflow.errors import DomainError

from . import actions, selectors
from .forms import HandOverForm
from .views import COORDINATORS, _safe_next, _shown


def _hand_over_page(request, home, form, *, status=200, problem=None):
    _shown(request, [home.host])
    return render(
        request,
        "volunteers/hand_over.html",
        {
            "home": home,
            "form": form,
            "problem": problem,
            "history": list(selectors.hand_overs_of(home)[:20]),
        },
        status=status,
    )


@role_required(*COORDINATORS)
@require_http_methods(["GET", "POST"])
def hand_over(request, home_id):
    """A coordinator hands one of their group's hosts to another group (a national
    coordinator any of the organisation's, and gives an uncovered host to a group)."""
    home = selectors.hand_over_home_for(request.user, home_id)
    if request.method != "POST":
        return _hand_over_page(request, home, HandOverForm(home=home))
    form = HandOverForm(request.POST, home=home)
    if not form.is_valid():
        return _hand_over_page(request, home, form, status=400)
    try:
        record = actions.hand_over_home(
            home=home,
            to_group=form.cleaned_data["to_group"],
            user=request.user,
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        # The page as it is now (someone may have acted first), with what was typed.
        home.refresh_from_db()
        return _hand_over_page(request, home, form, status=exc.status, problem=exc.message)
    messages.success(
        request,
        _("The host is handed over to %(group)s. Their coordinators see the host now.")
        % {"group": record.to_group.name},
    )
    if _safe_next(request):
        return HttpResponseRedirect(request.POST["next"])
    if selectors.takes_uncovered_hosts(request.user):
        return redirect("volunteers:uncovered")
    return redirect("volunteers:start")


@login_required
@require_GET
def uncovered(request):
    """The hosts no local group covers, for the national coordinators of an organisation that
    takes them, each with a form to give the host to a group; everyone else: 404."""
    homes = list(selectors.uncovered_homes_for(request.user)[:200])
    _shown(request, [home.host for home in homes])
    # The groups are read once for every form on the page; a group that has started to cover a
    # home's municipality since the host signed up is suggested for that home.
    groups = list(HandOverForm().fields["to_group"].queryset)
    covering = dict(
        GroupMunicipality.objects.filter(
            municipality_id__in={home.municipality_id for home in homes if home.municipality_id}
        ).values_list("municipality_id", "group_id")
    )
    response = render(
        request,
        "volunteers/uncovered.html",
        {
            "items": [(home, covering.get(home.municipality_id)) for home in homes],
            "groups": groups,
        },
    )
    response["Cache-Control"] = "no-store"
    return response
