"""The respondents' own evaluation pages: the host's through self-service, the household's through
its own link. Each looks up only the respondent's own evaluation, so neither side can reach the
other's (a 404, as for anything outside a person's reach)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hosts.views import self_service
from newcomers.links import household_page
from workflow.errors import DomainError

from . import actions
from .forms import EvaluationForm
from .models import Evaluation
from .selectors import host_evaluation as find_host_evaluation
from .selectors import household_evaluation as find_household_evaluation
from .surveys import get_survey


def _answer(request, evaluation: Evaluation, *, respondent: str, language: str):
    """The form and the status of the page: (form, status, done). ``done`` when answered now."""
    survey = get_survey(evaluation.survey)
    if request.method != "POST" or evaluation.status != Evaluation.Status.OPEN:
        return EvaluationForm(survey=survey), 200, False
    form = EvaluationForm(request.POST, survey=survey)
    if not form.is_valid():
        return form, 400, False
    try:
        actions.answer_evaluation(
            evaluation=evaluation, answers=form.answers(), respondent=respondent, language=language
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        evaluation.refresh_from_db()
        return form, exc.status, False
    return form, 200, True


@never_cache  # what was typed comes back into the form
@self_service
@require_http_methods(["GET", "POST"])
def host_evaluation(request, home, point):
    """The host's survey at ``point`` (after the first month, at the end of the stay)."""
    evaluation = find_host_evaluation(home, point)
    if evaluation is None:
        raise Http404
    language = (translation.get_language() or "")[:10]
    form, status, done = _answer(request, evaluation, respondent="host", language=language)
    if done:
        messages.success(request, _("Thank you for your answers!"))
        return redirect("hosts:my_offer")
    return render(
        request,
        "stays/host_evaluation.html",
        {"evaluation": evaluation, "survey": form.survey, "form": form},
        status=status,
    )


@never_cache
@household_page
@require_http_methods(["GET", "POST"])
def household_evaluation(request, case, point=None):
    """The household's survey at ``point`` (without one: the survey open now, the address its
    start page links to), in the household's language (``case.language``)."""
    from newcomers.household_views import _context

    evaluation = find_household_evaluation(case, point)
    if evaluation is None and point is not None:
        raise Http404
    with translation.override(case.language):
        if evaluation is None:  # the start page's link, with no survey yet
            response = render(
                request, "stays/household_evaluation.html", _context(case, signed_in=True)
            )
            response["Content-Language"] = case.language
            return response
        form, status, done = _answer(
            request, evaluation, respondent="household", language=case.language
        )
        if done:
            messages.success(request, _("Thank you for your answers!"))
            return redirect("stays:household_evaluation", point=evaluation.point)
        response = render(
            request,
            "stays/household_evaluation.html",
            _context(case, signed_in=True, evaluation=evaluation, survey=form.survey, form=form),
            status=status,
        )
    response["Content-Language"] = case.language
    return response
