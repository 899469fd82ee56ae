import re
from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from accounts.emails import CanonicalEmailFormField
from matching_portal import formatting
from matching_portal.honeypot import HoneypotCheck, honeypot_field
from municipalities.forms import MunicipalityField, code_for_postcode
from municipalities.models import Municipality
from outreach.forms import SourceField

from .languages import LANGUAGE_CHOICES
from .models import Home

POSTCODE_RE = re.compile(r"^\d{3}\s?\d{2}$")
# A phone number as people write it, international prefix, spaces and dashes included.
PHONE_MAX_LENGTH = 40

DURATION_CHOICES = [
    ("", _("Until further notice")),
    ("1", _("1 month")),
    ("3", _("3 months")),
    ("6", _("6 months")),
    ("12", _("1 year")),
    ("24", _("2 years")),
]


class OfferFieldsForm(forms.ModelForm):
    """The offer itself: shared by the sign-up form and the host's own change form."""

    sections = [
        (
            "home",
            _("The home"),
            [
                "street_address",
                "postcode",
                "municipality",
                "kind",
                "beds",
                "step_free_access",
                "accessibility_notes",
            ],
        ),
        ("dates", _("Dates and rent"), ["available_from", "available_months", "rent_per_month"]),
        (
            "household",
            _("Your household"),
            [
                "household_description",
                "has_pets",
                "pets_description",
                "smoking",
                "languages",
                "other_languages",
            ],
        ),
        ("more", _("A few more things"), ["hopes", "heard_from"]),
    ]

    available_months = forms.TypedChoiceField(
        label=_("For how long"),
        choices=DURATION_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken in the home"),
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    municipality = MunicipalityField(
        error_messages={"required": _("Please write the municipality the home is in.")},
    )

    class Meta:
        model = Home
        fields = list(Home.OFFER_FIELDS)
        widgets = {
            "kind": forms.RadioSelect,
            "smoking": forms.RadioSelect,
            "available_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "household_description": forms.Textarea(attrs={"rows": 3}),
            "hopes": forms.Textarea(attrs={"rows": 3}),
            "street_address": forms.TextInput(attrs={"autocomplete": "street-address"}),
            "postcode": forms.TextInput(
                attrs={"autocomplete": "postal-code", "inputmode": "numeric"}
            ),
            "beds": forms.NumberInput(attrs={"min": 1, "max": 20}),
            "rent_per_month": forms.NumberInput(attrs={"min": 0, "step": 100}),
        }
        labels = {
            "beds": _("Number of beds for guests"),
            "step_free_access": _("The home can be reached without steps"),
            "accessibility_notes": _("Anything else about accessibility"),
            "has_pets": _("There are pets in the home"),
            "household_description": _("Who lives in the home?"),
            "hopes": _("What do you hope for?"),
            "heard_from": _("How did you hear about us?"),
            "other_languages": _("Other languages"),
        }
        help_texts = {
            "household_description": _("For example: “Me, my partner and our two teenagers.”"),
            "rent_per_month": _("In Swedish kronor. Write 0 if you offer the room for free."),
            "postcode": _("Five digits, e.g. 831 30."),
            "hopes": _("What would make this a good experience for you?"),
        }
        error_messages = {
            "beds": {
                "min_value": _("There must be at least one bed."),
                "max_value": _("Please give at most 20 beds."),
            },
            "rent_per_month": {"max_value": _("Please give a rent of at most 100,000 kr.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A required question shown as radio buttons starts with none ticked; no "---------" choice.
        for name in ("kind", "smoking"):
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0] != ""]
        self.fields["heard_from"].choices = [
            ("", _("Choose one")),
            *[c for c in self.fields["heard_from"].choices if c[0] != ""],
        ]
        home = self.instance
        if not self.is_bound and home.pk and not home.municipality_id:
            # An old registration whose municipality is still to be chosen: show what was
            # typed then, for the host to choose the municipality it stands for.
            self.initial["municipality"] = home.municipality_as_given

    def _get_validation_exclusions(self):
        # The municipality's cleaned value is a row MunicipalityField has just read: the model's
        # own check that it exists would read it again (one query less per validation).
        exclusions = super()._get_validation_exclusions()
        exclusions.add("municipality")
        return exclusions

    def clean_postcode(self):
        postcode = self.cleaned_data["postcode"].strip()
        if not POSTCODE_RE.match(postcode):
            raise forms.ValidationError(_("Write the postcode as five digits, e.g. 831 30."))
        return postcode.replace(" ", "")

    def clean_available_from(self):
        day = self.cleaned_data["available_from"]
        today = timezone.localdate()
        unchanged = self.instance.pk and day == self.instance.available_from
        if day < today and not unchanged:
            raise forms.ValidationError(_("The date cannot be in the past."))
        if day > today + timedelta(days=730):
            raise forms.ValidationError(_("Please give a date within the next two years."))
        return day

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("has_pets") and not cleaned.get("pets_description"):
            self.add_error("pets_description", _("Please tell us which pets live in the home."))
        if not cleaned.get("has_pets"):
            cleaned["pets_description"] = ""
        if "municipality" in self.errors and cleaned.get("postcode"):
            # A hint, never a refusal: the postcode table knows most postcodes' municipality.
            suggested = self.postcode_municipality()
            if suggested is not None:
                self.add_error(
                    "municipality",
                    _("Postcode %(postcode)s is in %(municipality)s.")
                    % {
                        "postcode": self.display_value("postcode"),
                        "municipality": suggested.short_name,
                    },
                )
        return cleaned

    def postcode_municipality(self) -> Municipality | None:
        """The municipality the postcode table places the cleaned postcode in, if it knows it."""
        code = code_for_postcode(self.cleaned_data.get("postcode") or "")
        return Municipality.objects.filter(code=code).first() if code else None

    def postcode_note(self) -> str:
        """For "check your answers": a note when the postcode is usually in another
        municipality than the one chosen (the table can be wrong: it never refuses)."""
        chosen = self.cleaned_data.get("municipality")
        if not chosen or code_for_postcode(self.cleaned_data.get("postcode") or "") == chosen.pk:
            return ""  # no municipality, or the one the table gives: nothing to read
        suggested = self.postcode_municipality()
        if suggested is None or suggested.pk == chosen.pk:
            return ""
        return _(
            "Postcode %(postcode)s is usually in %(suggested)s, and you chose %(chosen)s. "
            "If that is a mistake, change your answers."
        ) % {
            "postcode": self.display_value("postcode"),
            "suggested": suggested.short_name,
            "chosen": chosen.short_name,
        }

    # "Check your answers" ------------------------------------------------------------------

    def display_value(self, name: str) -> str:
        value = self.cleaned_data.get(name)
        field = self.fields[name]
        if isinstance(field, forms.BooleanField):
            return str(_("Yes") if value else _("No"))
        if name == "municipality":
            if value is not None:
                return value.short_name
            return self.instance.municipality_as_given or "–"
        if isinstance(field, forms.MultipleChoiceField):
            labels = dict(field.choices)
            return ", ".join(str(labels[v]) for v in value) if value else "–"
        if name == "available_months":
            return str(dict(DURATION_CHOICES)["" if value is None else str(value)])
        if isinstance(field, forms.ChoiceField):
            return str(dict(field.choices).get(value, value)) if value else "–"
        if name == "postcode" and isinstance(value, str) and len(value) == 5:
            return f"{value[:3]} {value[3:]}"
        if name == "phone" and value:
            return value.as_national if hasattr(value, "as_national") else str(value)
        if name == "rent_per_month":
            return formatting.money(value)
        if hasattr(value, "isoformat"):
            return formatting.day(value)
        if value in (None, ""):
            return "–"
        return str(value)

    def section_fields(self):
        """The bound fields by section, for rendering the form in parts."""
        return [
            (anchor, title, [self[n] for n in names if n in self.fields])
            for anchor, title, names in self.sections
        ]

    def summary(self):
        """The answers by section, for the "check your answers" page."""
        return [
            (anchor, title, [(self.fields[n].label, self.display_value(n)) for n in names])
            for anchor, title, names in self.sections
            if any(n in self.fields for n in names)
        ]


class RegistrationForm(HoneypotCheck, OfferFieldsForm):
    """The public sign-up form (intresseanmälan): contact details, the offer, and a honeypot."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Please write your name.")},
    )
    email = CanonicalEmailFormField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("We send a link to this address that you need to open."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = PhoneNumberField(
        label=_("Phone number"),
        max_length=PHONE_MAX_LENGTH,
        help_text=_("A volunteer will call you on this number."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"invalid": _("Enter a valid phone number, e.g. 070-123 45 67.")},
    )
    # The honeypot: hidden from people, filled in by robots.
    website = honeypot_field()
    # The tagged link the sign-up was opened through (``/t/<code>/``), kept beside the "how did
    # you hear" answer; a code that is not live is dropped without a word.
    source = SourceField(target="host")

    sections = [("contact", _("About you"), ["name", "email", "phone"]), *OfferFieldsForm.sections]

    field_order = ["name", "email", "phone"]

    def clean_email(self):
        return self.cleaned_data["email"].strip()


class ConsentForm(forms.Form):
    consent = forms.BooleanField(
        label=_("I have read the privacy notice and agree that my answers are stored as it says."),
        error_messages={"required": _("You need to agree to the privacy notice to send.")},
    )


class OfferChangeForm(OfferFieldsForm):
    """The host's own change form: the offer, and the name and phone number."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        error_messages={"required": _("Please write your name.")},
    )
    phone = PhoneNumberField(
        label=_("Phone number"),
        max_length=PHONE_MAX_LENGTH,
        error_messages={"invalid": _("Enter a valid phone number, e.g. 070-123 45 67.")},
    )
    sections = [("contact", _("About you"), ["name", "phone"]), *OfferFieldsForm.sections]
    field_order = ["name", "phone"]


class LinkRequestForm(forms.Form):
    email = CanonicalEmailFormField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Would you like to tell us why? (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ConcernForm(forms.Form):
    """ "Something is wrong": how urgent it is, and what, in the host's own words."""

    URGENCY_CHOICES = [
        ("normal", _("It needs attention")),
        ("urgent", _("It is urgent")),
    ]

    urgency = forms.ChoiceField(
        label=_("How urgent is it?"),
        choices=URGENCY_CHOICES,
        widget=forms.RadioSelect,
        initial="normal",
        help_text=_("In an emergency, call 112 first."),
    )
    text = forms.CharField(
        label=_("What is wrong? Tell us in your own words."),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Only the people who work with your home and the household at the municipality "
            "and the volunteer organisation can read this."
        ),
    )

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("Please tell us in your own words what is wrong."))
        return text
