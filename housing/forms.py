"""The form of the registration with the Public Employment Service: one form for the step on the
case's page and on the contract's page (the registration is the household's)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matching_portal import formatting
from workflow.admin_tools import StepForm


class RegistrationForm(StepForm):
    """The day the household was registered; ``obj`` is the case, or a contract of the case."""

    registered_on = forms.DateField(
        label=_("Registered with the Public Employment Service on"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def case(self):
        match = getattr(self.obj, "match", None)
        return match.case if match is not None else self.obj

    def clean_registered_on(self):
        day = self.cleaned_data["registered_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day

    def clean(self):
        cleaned = super().clean()
        recorded = getattr(self.case(), "registered_with_employment_service_on", None)
        if recorded is not None:
            raise forms.ValidationError(
                _("The registration was recorded already: %(day)s.")
                % {"day": formatting.day(recorded)}
            )
        return cleaned

    def arguments(self):
        return {"case": self.case(), "registered_on": self.cleaned_data["registered_on"]}
