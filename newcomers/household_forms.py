"""The household's forms on its own pages: short, easy-to-read questions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from matching.models import Match
from stays.models import Concern


class AnswerForm(forms.Form):
    """Yes or no to the proposed home (the buttons of the proposal page)."""

    answer = forms.ChoiceField(
        label=_("Do you want this home?"),
        choices=[(Match.HouseholdAnswer.YES, _("Yes")), (Match.HouseholdAnswer.NO, _("No"))],
        error_messages={
            "required": _("Choose yes or no."),
            "invalid_choice": _("Choose yes or no."),
        },
    )


class ConcernForm(forms.Form):
    """ "Something is wrong": how urgent it is, and what happened in the household's own words."""

    urgency = forms.ChoiceField(
        label=_("How urgent is it?"),
        choices=[
            (Concern.Urgency.NORMAL, _("We need help, but it can wait a few days.")),
            (Concern.Urgency.URGENT, _("It is urgent. We need help now.")),
        ],
        widget=forms.RadioSelect,
        initial=Concern.Urgency.NORMAL,
        error_messages={
            "required": _("Say how urgent it is."),
            "invalid_choice": _("Say how urgent it is."),
        },
    )
    text = forms.CharField(
        label=_("What is wrong?"),
        help_text=_("Write in your own words. You can write in your own language."),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Please tell us in your own words what is wrong.")},
    )
