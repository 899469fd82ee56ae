from django import forms
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from accounts.emails import CanonicalEmailFormField
from matching_portal.honeypot import HoneypotCheck, honeypot_field
from municipalities.models import Municipality

TEXT_MAX_LENGTH = 4000
PAGE_MAX_LENGTH = 500
PHONE_MAX_LENGTH = 40


class AccessibilityReportForm(HoneypotCheck, forms.Form):
    """What got in the way, where, whom it concerns, and (only if the person wants an answer)
    how to reach them. Control characters are refused by every form (``workflow.form_input``)."""

    text = forms.CharField(
        label=_("What is the problem?"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Tell us what you tried to do and what got in the way. For example: a button you "
            "cannot reach with the keyboard, a text that is hard to read, or a form your screen "
            "reader does not read out."
        ),
        error_messages={"required": _("Please tell us what the problem is.")},
    )
    page = forms.CharField(
        label=_("On which page?"),
        max_length=PAGE_MAX_LENGTH,
        required=False,
        help_text=_(
            "The page's address or name. If we know which page you came from, it is filled in: "
            "change it if it is wrong."
        ),
    )
    municipality = forms.ModelChoiceField(
        label=_("Which municipality does it concern? (optional)"),
        queryset=Municipality.objects.order_by("short_name"),
        required=False,
        empty_label=_("I don't know"),
        help_text=_("Then your report goes to the people who work in that municipality."),
    )
    name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = CanonicalEmailFormField(
        label=_("E-mail address (optional)"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = PhoneNumberField(
        label=_("Phone number (optional)"),
        max_length=PHONE_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"invalid": _("Enter a valid phone number, e.g. 070-123 45 67.")},
    )
    # The honeypot: hidden from people, filled in by robots.
    website = honeypot_field()

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("Please tell us what the problem is."))
        return text

    def clean_page(self):
        # One line: what the person typed or pasted, with its line breaks as spaces.
        return " ".join(self.cleaned_data["page"].split())
