from django import forms
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField


class DataRequestForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), required=False, max_length=254)
    phone = PhoneNumberField(label=_("Phone number"), required=False)
    case_reference = forms.CharField(
        label=_("Or a newcomer case: the partner's case reference"),
        required=False,
        max_length=40,
    )
    note = forms.CharField(
        label=_("Note (how the request came in; no personal data)"), required=False, max_length=300
    )
    action = forms.ChoiceField(
        choices=[("find", _("Find")), ("export", _("Export")), ("erase", _("Erase"))],
        initial="find",
        required=False,
        widget=forms.HiddenInput,
    )

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(name) for name in ("email", "phone", "case_reference")):
            raise forms.ValidationError(
                _("Give an e-mail address, a phone number or a case reference.")
            )
        cleaned["phone"] = str(cleaned["phone"]) if cleaned.get("phone") else ""
        cleaned["action"] = cleaned.get("action") or "find"
        return cleaned
