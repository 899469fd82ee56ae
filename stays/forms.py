"""The survey form of the host's and the household's evaluation pages (the household's strings are
translated into its seven languages: keep staff forms out of this module)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .surveys import SCALE, SCALE_MAX, SCALE_MIN, TEXT, TEXT_MAX_LENGTH, YES_NO, Survey


class EvaluationForm(forms.Form):
    """A survey's questions as a form: a row of radio buttons 1–5 for a scale (the words for the
    ends shown with 1 and 5), yes/no as two radio buttons, free text as an optional text area.
    The template draws each question as a fieldset with the question as its legend.

    ``answers()`` gives what ``stays.actions.answer_evaluation`` takes."""

    def __init__(self, *args, survey: Survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        for question in survey.questions:
            if question.kind == SCALE:
                field = forms.TypedChoiceField(
                    label=question.text,
                    choices=_scale_choices(question),
                    coerce=int,
                    widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                    error_messages={"required": _("Please choose an answer.")},
                )
            elif question.kind == YES_NO:
                field = forms.ChoiceField(
                    label=question.text,
                    choices=[("yes", _("Yes")), ("no", _("No"))],
                    widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                    error_messages={"required": _("Please choose an answer.")},
                )
            else:
                assert question.kind == TEXT
                field = forms.CharField(
                    label=question.text,
                    required=False,
                    max_length=TEXT_MAX_LENGTH,
                    widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
                )
            field.question = question
            self.fields[question.key] = field

    def questions(self):
        """(question, bound field) in the survey's order, for the template."""
        return [(q, self[q.key]) for q in self.survey.questions]

    def answers(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if value not in ("", None)}


def _scale_choices(question):
    choices = []
    for score in range(SCALE_MIN, SCALE_MAX + 1):
        if score == SCALE_MIN and question.low:
            label = _("%(score)d – %(words)s") % {"score": score, "words": question.low}
        elif score == SCALE_MAX and question.high:
            label = _("%(score)d – %(words)s") % {"score": score, "words": question.high}
        else:
            label = str(score)
        choices.append((score, label))
    return choices
