"""The evaluations' surveys, defined once as data: who answers, when, and the questions.

Four surveys: the household and the host, after the first month and at the end of the stay. Each
has a few short questions in plain words, of three kinds:

- ``scale``: a score from 1 to 5, with words for the two ends ("Not at all well" … "Very well");
  the questions marked ``counts`` are the ones the partnership's threshold looks at
  (``reports.Partnership.evaluation_concern_below``): a score below it opens a concern;
- ``yes_no``: yes or no (stored as the score 1 or 0);
- ``text``: free text in the person's own words, always optional.

The texts are ``gettext_lazy`` strings, so every catalogue in ``locale/`` translates them. A
question's ``key`` is what ``stays.EvaluationAnswer.question`` stores: never change or reuse a
key once answers exist (add a new question instead), or old answers change their meaning.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from workflow.errors import Invalid
from workflow.form_input import find_refused_character

SCALE = "scale"
YES_NO = "yes_no"
TEXT = "text"
KINDS = (SCALE, YES_NO, TEXT)

SCALE_MIN, SCALE_MAX = 1, 5
YES, NO = 1, 0
TEXT_MAX_LENGTH = 2000


@dataclass(frozen=True)
class Question:
    key: str
    text: Any
    kind: str
    # A scale's words for its two ends (1 and 5).
    low: Any = None
    high: Any = None
    # A scale question the partnership's threshold looks at.
    counts: bool = False

    @property
    def required(self) -> bool:
        return self.kind != TEXT


@dataclass(frozen=True)
class Survey:
    key: str
    respondent: str  # stays.Evaluation.Respondent
    point: str  # stays.Evaluation.Point
    title: Any
    intro: Any
    questions: tuple[Question, ...]

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)

    @property
    def counted(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.kind == SCALE and q.counts)

    def clean(self, answers: Mapping[str, Any]) -> dict[str, tuple[int | None, str]]:
        """The answers as (score, text) per question key, or ``Invalid`` saying what is wrong.

        A scale takes 1–5 (an int or its digits), a yes/no takes True/False or "yes"/"no", free
        text a string of at most 2,000 characters (empty: no answer). Unknown keys are refused."""
        if not isinstance(answers, Mapping):
            raise Invalid(_("Please answer the questions."))
        unknown = set(answers) - {q.key for q in self.questions}
        if unknown:
            raise Invalid(_("There is no such question in this survey."))
        cleaned: dict[str, tuple[int | None, str]] = {}
        for question in self.questions:
            value = answers.get(question.key)
            if question.kind == TEXT:
                text = "" if value is None else value
                if not isinstance(text, str):
                    raise Invalid(_("Please write your answer as text."))
                text = text.strip()
                if find_refused_character(text) is not None:
                    raise Invalid(_("The text contains characters that cannot be saved."))
                if len(text) > TEXT_MAX_LENGTH:
                    raise Invalid(_("Please keep it to 2,000 characters."))
                if text:
                    cleaned[question.key] = (None, text)
                continue
            if value in (None, ""):
                raise Invalid(_("Please answer every question."))
            if question.kind == SCALE:
                cleaned[question.key] = (_scale_score(value), "")
            else:
                cleaned[question.key] = (_yes_no_score(value), "")
        return cleaned


def _scale_score(value) -> int:
    if isinstance(value, bool):
        raise Invalid(_("Choose a number from 1 to 5."))
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or not SCALE_MIN <= value <= SCALE_MAX:
        raise Invalid(_("Choose a number from 1 to 5."))
    return value


def _yes_no_score(value) -> int:
    if value is True or value == "yes":
        return YES
    if value is False or value == "no":
        return NO
    raise Invalid(_("Choose yes or no."))


# The words at the ends of the scales.
NOT_AT_ALL_WELL, VERY_WELL = _("Not at all well"), _("Very well")
VERY_BADLY, VERY_GOOD = _("Very badly"), _("Very good")
VERY_BAD = _("Very bad")
NOT_SAFE, VERY_SAFE = _("Not safe at all"), _("Very safe")
NOT_AT_ALL, VERY_MUCH = _("Not at all"), _("Very much")

ANYTHING_ELSE = Question(
    "anything_else",
    _("Is there anything else you want to tell us? (You can leave this empty.)"),
    TEXT,
)

SURVEYS: dict[str, Survey] = {
    survey.key: survey
    for survey in (
        Survey(
            key="household_month_1",
            respondent="household",
            point="month_1",
            title=_("How is your first month?"),
            intro=_(
                "You have lived in your new home for about a month. Please tell us how it is. "
                "Your host will not see your answers."
            ),
            questions=(
                Question(
                    "settled",
                    _("How well have you settled in the home?"),
                    SCALE,
                    NOT_AT_ALL_WELL,
                    VERY_WELL,
                    counts=True,
                ),
                Question(
                    "get_on",
                    _("How well do you get on with your host?"),
                    SCALE,
                    NOT_AT_ALL_WELL,
                    VERY_WELL,
                    counts=True,
                ),
                Question(
                    "safe",
                    _("How safe do you feel in the home?"),
                    SCALE,
                    NOT_SAFE,
                    VERY_SAFE,
                    counts=True,
                ),
                Question(
                    "knows_who_to_ask",
                    _("Do you know who to contact if something is wrong?"),
                    YES_NO,
                ),
                ANYTHING_ELSE,
            ),
        ),
        Survey(
            key="household_end",
            respondent="household",
            point="end",
            title=_("How was your stay?"),
            intro=_(
                "Your stay in the home has ended. Please tell us how it was. Your host will not "
                "see your answers."
            ),
            questions=(
                Question(
                    "stay",
                    _("How was the stay, all in all?"),
                    SCALE,
                    VERY_BAD,
                    VERY_GOOD,
                    counts=True,
                ),
                Question(
                    "got_on",
                    _("How well did you get on with your host?"),
                    SCALE,
                    NOT_AT_ALL_WELL,
                    VERY_WELL,
                    counts=True,
                ),
                Question(
                    "helped",
                    _("Did the stay help you start your life here?"),
                    SCALE,
                    NOT_AT_ALL,
                    VERY_MUCH,
                ),
                Question(
                    "recommend",
                    _("Would you tell other newcomers to live with a host?"),
                    YES_NO,
                ),
                ANYTHING_ELSE,
            ),
        ),
        Survey(
            key="host_month_1",
            respondent="host",
            point="month_1",
            title=_("How is the first month going?"),
            intro=_(
                "The household has lived in your home for about a month. Please tell us how it "
                "goes. The household will not see your answers."
            ),
            questions=(
                Question(
                    "going",
                    _("How is the stay going?"),
                    SCALE,
                    VERY_BADLY,
                    VERY_WELL,
                    counts=True,
                ),
                Question(
                    "get_on",
                    _("How well do you get on with the household?"),
                    SCALE,
                    NOT_AT_ALL_WELL,
                    VERY_WELL,
                    counts=True,
                ),
                Question(
                    "support",
                    _("How well do we support you?"),
                    SCALE,
                    NOT_AT_ALL_WELL,
                    VERY_WELL,
                    counts=True,
                ),
                Question(
                    "knows_who_to_ask",
                    _("Do you know who to contact if something is wrong?"),
                    YES_NO,
                ),
                ANYTHING_ELSE,
            ),
        ),
        Survey(
            key="host_end",
            respondent="host",
            point="end",
            title=_("How was it to be a host?"),
            intro=_(
                "The stay in your home has ended. Please tell us how it was. The household will "
                "not see your answers."
            ),
            questions=(
                Question(
                    "stay",
                    _("How was the stay, all in all?"),
                    SCALE,
                    VERY_BAD,
                    VERY_GOOD,
                    counts=True,
                ),
                Question(
                    "support",
                    _("How well did we support you?"),
                    SCALE,
                    NOT_AT_ALL_WELL,
                    VERY_WELL,
                ),
                Question("again", _("Would you be a host again?"), YES_NO),
                ANYTHING_ELSE,
            ),
        ),
    )
}


def survey_key(respondent: str, point: str) -> str:
    return f"{respondent}_{point}"


def survey_for(respondent: str, point: str) -> Survey:
    return SURVEYS[survey_key(respondent, point)]


def get_survey(key: str) -> Survey:
    """The survey an evaluation names (``Evaluation.survey``)."""
    try:
        return SURVEYS[key]
    except KeyError:
        raise Invalid(_("There is no such survey.")) from None
