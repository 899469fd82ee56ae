from django import forms
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField


class DataRequestForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), required=False, max_length=254)
    phone = PhoneNumberField(label=_("Phone number"), required=False)
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
        if not cleaned.get("email") and not cleaned.get("phone"):
            raise forms.ValidationError(_("Give an e-mail address or a phone number."))
        cleaned["phone"] = str(cleaned["phone"]) if cleaned.get("phone") else ""
        cleaned["action"] = cleaned.get("action") or "find"
        return cleaned
