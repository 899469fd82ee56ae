"""The form that records a check-in, on the volunteers' page and in the partner's admin."""

from django import forms
from django.utils.translation import gettext_lazy as _

from workflow.admin_tools import StepFormMixin

from .models import CheckIn


class RecordCheckInForm(StepFormMixin, forms.Form):
    """How a check-in went: all well, a concern, or urgent, and a note (needed for a concern).
    The volunteers' page and the partner's admin step both use it."""

    outcome = forms.ChoiceField(
        label=_("How is the stay going?"),
        choices=CheckIn.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how the stay is going: all well, a concern, or urgent.")
        },
    )
    note = forms.CharField(
        label=_("In a few words"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What the host and the household said. For a concern, what is wrong: the partner's "
            "coordinators (and for a private home, your local group) are told."
        ),
    )

    def __init__(self, *args, object_argument: str = "check_in", **kwargs):
        super().__init__(*args, object_argument=object_argument, **kwargs)

    def clean(self):
        cleaned = super().clean()
        outcome, note = cleaned.get("outcome"), (cleaned.get("note") or "").strip()
        if outcome and outcome != CheckIn.Outcome.ALL_WELL and not note:
            self.add_error("note", _("Please write in a few words what the concern is."))
        return cleaned
