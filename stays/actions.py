"""The steps of the stay: the only code that changes the status of a check-in, a concern, a
mediation meeting or an evaluation (``stays.workflow``)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matching.models import Match
from workflow.errors import Conflict, Invalid
from workflow.models import ActorKind

from .models import Concern
from .workflow import CONCERN_WORKFLOW

# Who raised a concern -> the kind of actor its first history row names.
_RAISER_ACTOR = {
    Concern.RaisedBy.HOST: ActorKind.HOST,
    Concern.RaisedBy.HOUSEHOLD: ActorKind.HOUSEHOLD,
    Concern.RaisedBy.CHECK_IN: ActorKind.USER,
    Concern.RaisedBy.STAFF: ActorKind.USER,
}

# A concern is about a stay that is agreed or under way.
STAY_STATUSES = (Match.Status.APPROVED, Match.Status.MOVED_IN)


def raise_concern(
    *,
    match: Match,
    raised_by: str,
    text: str = "",
    urgency: str = Concern.Urgency.NORMAL,
    user=None,
    language: str = "",
    check_in=None,
    evaluation=None,
) -> Concern:
    """ "Something is wrong": open a concern about a stay, in the raiser's own words.

    The host raises it through self-service, the household through its own page (``user`` is
    None for both), a volunteer or coordinator through a check-in, and the portal through an
    evaluation answered below the partnership's threshold (the evaluation's respondent is the
    actor). The partner's coordinators and, for a private home, the home's local group are told
    (``stays.notifications``)."""
    if raised_by not in Concern.RaisedBy.values:
        raise Invalid(_("There is no such step."))
    if urgency not in Concern.Urgency.values:
        raise Invalid(_("Say how urgent it is."))
    text = (text or "").strip()
    if len(text) > 4000:
        raise Invalid(_("Please keep it to 4,000 characters."))
    if raised_by in (Concern.RaisedBy.HOST, Concern.RaisedBy.HOUSEHOLD) and not text:
        raise Invalid(_("Please tell us in your own words what is wrong."))
    if raised_by == Concern.RaisedBy.EVALUATION:
        actor_kind = (
            ActorKind.HOST
            if evaluation is not None and evaluation.respondent == "host"
            else ActorKind.HOUSEHOLD
        )
    else:
        actor_kind = _RAISER_ACTOR[raised_by]
    with transaction.atomic():
        locked = Match.objects.select_for_update().get(pk=match.pk)
        if locked.status not in STAY_STATUSES:
            raise Conflict(_("This stay has ended, so a concern can no longer be raised about it."))
        concern = Concern.objects.create(
            match=locked,
            raised_by=raised_by,
            raised_by_user=user if actor_kind == ActorKind.USER else None,
            urgency=urgency,
            text=text,
            language=language,
            check_in=check_in,
            evaluation=evaluation,
            created_at=timezone.now(),
        )
        CONCERN_WORKFLOW.log_created(
            concern, user=user if actor_kind == ActorKind.USER else None, actor_kind=actor_kind
        )
    return concern


# Evaluations (issue 16, helper "evaluations"): the steps live in ``stays.evaluations`` -------------

from .evaluations import (  # noqa: E402, F401
    answer_evaluation,
    lapse_evaluations,
    open_end_evaluations,
    open_evaluations,
)
