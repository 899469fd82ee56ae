"""Evaluations: the steps that open, lapse and answer them (``stays.actions`` exports them).

- ``open_evaluations`` (a beat task): a stay under way gets the "after the first month" survey for
  both sides ``MONTH_1_AFTER_DAYS`` days after the move-in.
- ``open_end_evaluations``: when a stay ends, both sides get the "end of the stay" survey, and a
  first-month survey still open lapses (one survey at a time is enough).
- ``lapse_evaluations`` (a beat task): a survey not answered ``OPEN_FOR_DAYS`` days after it
  opened lapses.
- ``answer_evaluation``: the host (self-service) or the household (its own page) answers; a score
  below the partnership's threshold on a question that counts opens a concern, whose text names
  neither the score nor the question, so nobody learns the answers from it.

Neither side sees the other's evaluation (the pages look evaluations up by the respondent); staff
see the free text only where they work on the case (``stays.selectors.works_on``).
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from matching.models import Match
from workflow.errors import Conflict, NotAllowed
from workflow.models import ActorKind

from ..models import Evaluation, EvaluationAnswer
from ..surveys import get_survey, survey_key
from ..workflow import EVALUATION_WORKFLOW

# The first-month survey opens this many days after the move-in.
MONTH_1_AFTER_DAYS = 30
# A survey not answered this many days after it opened lapses.
OPEN_FOR_DAYS = 60
# The threshold when no partnership covers the stay (``Partnership.evaluation_concern_below``).
DEFAULT_CONCERN_BELOW = 3

R = Evaluation.Respondent
P = Evaluation.Point
_ACTOR = {R.HOST: ActorKind.HOST, R.HOUSEHOLD: ActorKind.HOUSEHOLD}


def _open(match: Match, respondent: str, point: str, opens_on: date) -> Evaluation | None:
    """A new open evaluation with the first row of its history; None when it exists already
    (the unique constraint on stay, respondent and point makes this idempotent)."""
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                match=match,
                respondent=respondent,
                point=point,
                survey=survey_key(respondent, point),
                opens_on=opens_on,
            )
            EVALUATION_WORKFLOW.log_created(evaluation, actor_kind=ActorKind.SYSTEM)
    except IntegrityError:
        return None
    return evaluation


def respondents(match: Match) -> list[str]:
    """Who answers a stay's surveys: the household, and the host where there is one (a housing
    company's flat has none)."""
    return [R.HOUSEHOLD] if match.home.host_id is None else [R.HOST, R.HOUSEHOLD]


def open_evaluations(*, today: date | None = None) -> int:
    """The beat task's step: stays under way whose first month has passed get the first-month
    survey for the host and for the household. Idempotent; a stay whose survey would lapse at
    once (the move-in long ago, e.g. before evaluations existed) gets none. Returns how many
    opened."""
    today = today or timezone.localdate()
    latest = today - timedelta(days=MONTH_1_AFTER_DAYS)
    earliest = latest - timedelta(days=OPEN_FOR_DAYS)
    due = (
        Match.objects.filter(
            status=Match.Status.MOVED_IN, move_in_date__lte=latest, move_in_date__gt=earliest
        )
        .exclude(
            pk__in=Evaluation.objects.filter(point=P.MONTH_1)
            .values("match_id")
            .annotate(sides=Count("pk"))
            .filter(sides__gte=len(R.values))
            .values("match_id")
        )
        .select_related("home")
    )
    opened = 0
    for match in due:
        opens_on = match.move_in_date + timedelta(days=MONTH_1_AFTER_DAYS)
        for respondent in respondents(match):
            if _open(match, respondent, P.MONTH_1, opens_on) is not None:
                opened += 1
    return opened


def open_end_evaluations(*, match: Match) -> list[Evaluation]:
    """The stay has ended (``matching.actions.end_match`` calls this): the host and the household
    get the end-of-stay survey, and a first-month survey still open lapses. Idempotent; a stay
    that never started (no move-in) gets none. Returns the evaluations opened now."""
    if match.move_in_date is None:
        return []
    opens_on = match.ended_on or timezone.localdate()
    with transaction.atomic():
        for evaluation in Evaluation.objects.open().filter(match=match, point=P.MONTH_1):
            EVALUATION_WORKFLOW.apply(
                evaluation,
                "lapse",
                actor_kind=ActorKind.SYSTEM,
                reason=str(_("The stay ended.")),
            )
        opened = [_open(match, respondent, P.END, opens_on) for respondent in respondents(match)]
    return [evaluation for evaluation in opened if evaluation is not None]


def lapse_evaluations(*, today: date | None = None) -> int:
    """The beat task's step: surveys open for ``OPEN_FOR_DAYS`` days without an answer lapse.
    Returns how many lapsed."""
    today = today or timezone.localdate()
    lapsed = 0
    old = Evaluation.objects.open().filter(opens_on__lte=today - timedelta(days=OPEN_FOR_DAYS))
    for evaluation in old:
        try:
            EVALUATION_WORKFLOW.apply(
                evaluation,
                "lapse",
                actor_kind=ActorKind.SYSTEM,
                reason=str(_("Not answered in time.")),
            )
        except Conflict:  # answered in the meantime
            continue
        lapsed += 1
    return lapsed


def concern_threshold(match: Match, *, on: date | None = None) -> int:
    """The score below which an answer opens a concern: the partnership of the case's partner in
    force on ``on`` (the day the survey opened), where the home is if the partnership names its
    municipalities; ``DEFAULT_CONCERN_BELOW`` when none covers the stay. 0 means never."""
    from reports.models import Partnership

    on = on or timezone.localdate()
    home = match.home
    partnerships = Partnership.objects.filter(
        partner_id=match.case.partner_id, period_start__lte=on, period_end__gte=on
    ).filter(Q(municipalities__isnull=True) | Q(municipalities=home.municipality_id))
    partnership = partnerships.order_by("-period_start", "-pk").first()
    if partnership is None:
        return DEFAULT_CONCERN_BELOW
    return partnership.evaluation_concern_below


def answer_evaluation(
    *, evaluation: Evaluation, answers: dict, respondent: str, language: str = ""
) -> Evaluation:
    """The host or the household answers its own survey (``answers``: question key → a score,
    yes/no or text, see ``stays.surveys.Survey.clean``). Answering twice, or a survey that
    lapsed, is a ``Conflict``; answering another's survey is ``NotAllowed``.

    A score below the partnership's threshold on a question that counts opens a concern
    (``raise_concern`` with ``raised_by="evaluation"``) while the stay goes on; its text says
    only which side's survey it was, never the answers."""
    from . import STAY_STATUSES, raise_concern

    if respondent not in _ACTOR or respondent != evaluation.respondent:
        raise NotAllowed(_("You are not allowed to take this step."))
    survey = get_survey(evaluation.survey)
    cleaned = survey.clean(answers)
    language = (language or "")[:10]
    with transaction.atomic():
        status = (
            Evaluation.objects.select_for_update()
            .values_list("status", flat=True)
            .get(pk=evaluation.pk)
        )
        if status == Evaluation.Status.ANSWERED:
            raise Conflict(_("You have already answered this survey. Thank you!"))
        if status == Evaluation.Status.LAPSED:
            raise Conflict(_("This survey has closed."))
        EVALUATION_WORKFLOW.apply(
            evaluation,
            "answer",
            actor_kind=_ACTOR[respondent],
            changes={"answered_at": timezone.now(), "language": language},
        )
        EvaluationAnswer.objects.bulk_create(
            EvaluationAnswer(evaluation=evaluation, question=key, score=score, text=text)
            for key, (score, text) in cleaned.items()
        )
        threshold = concern_threshold(evaluation.match, on=evaluation.opens_on)
        low = threshold > 0 and any(
            cleaned[q.key][0] is not None and cleaned[q.key][0] < threshold
            for q in survey.counted
            if q.key in cleaned
        )
        match = Match.objects.get(pk=evaluation.match_id)
        if low and match.status in STAY_STATUSES:
            raise_concern(
                match=match,
                raised_by="evaluation",
                evaluation=evaluation,
                text=concern_text(evaluation),
                language=settings.LANGUAGE_CODE,
            )
    return evaluation


def concern_text(evaluation: Evaluation) -> str:
    """The concern's words (in the staff's language): whose survey, when; no scores, questions or
    free text, which stay with the evaluation for the people who work on the case."""
    with translation.override(settings.LANGUAGE_CODE):
        if evaluation.respondent == R.HOST:
            text = _(
                "The host's answers to the survey %(point)s suggest that something may be "
                "wrong. Please contact the host and ask how things are."
            )
        else:
            text = _(
                "The household's answers to the survey %(point)s suggest that something may "
                "be wrong. Please contact the household and ask how things are."
            )
        point = str(evaluation.get_point_display()).lower()
        return str(text) % {"point": f"“{point}”"}


__all__ = [
    "DEFAULT_CONCERN_BELOW",
    "MONTH_1_AFTER_DAYS",
    "OPEN_FOR_DAYS",
    "answer_evaluation",
    "concern_threshold",
    "lapse_evaluations",
    "open_end_evaluations",
    "open_evaluations",
]
