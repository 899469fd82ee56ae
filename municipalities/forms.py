"""The municipality as a form asks for it: typed, on a phone, and read as one of Sweden's 290.

``MunicipalityField`` shows a text input with a ``<datalist>`` of the municipalities' names (the
browser offers them as the person types; nothing needs JavaScript or another site). What is sent
is read with ``municipalities.names``: the name people say ("Malmö"), the official name ("Malmö
kommun"), the code ("1280"), in any case and with or without diacritics ("malmo"), or the name of
a locality that lies in one municipality only ("Föllinge" is in Krokom). Anything else is refused
with a message, and the form comes back with what was typed. The cleaned value is the
``Municipality``: no free text is stored.
"""

import html
from functools import lru_cache

from django import forms
from django.core.exceptions import ValidationError
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .models import Municipality
from .names import default_index, find_code, read_rows

# Longer than any municipality's or locality's name: more is not a name, and is not looked up.
MAX_TYPED_LENGTH = 100


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    # Read-only reference data shipped with the code (the same files the migration loads):
    # the same in every process, so keeping it in memory loses nothing.
    return default_index()


@lru_cache(maxsize=1)
def _postcodes() -> dict[str, str]:
    return {
        r["postal_code"]: r["municipality_code"] for r in read_rows("postal_to_municipality.csv")
    }


def code_for_text(text: str) -> str | None:
    """The municipality code a typed text stands for, or None (unknown or ambiguous)."""
    if not text or len(text) > MAX_TYPED_LENGTH:
        return None
    return find_code(text, _index())


def code_for_postcode(postcode: str) -> str | None:
    """The municipality a postcode lies in, from the postcode table; None when the table does
    not have it (about a fifth of Sweden's postcodes are missing: never a reason to refuse)."""
    digits = "".join(ch for ch in (postcode or "") if ch.isdigit())
    return _postcodes().get(digits) if len(digits) == 5 else None


class MunicipalityInput(forms.TextInput):
    """A text input offering the 290 names as the person types (a ``<datalist>``)."""

    template_name = "municipalities/widgets/municipality_input.html"

    def __init__(self, attrs=None):
        super().__init__(
            {
                "autocomplete": "address-level2",
                "autocapitalize": "words",
                "spellcheck": "false",
                "maxlength": MAX_TYPED_LENGTH,
                **(attrs or {}),
            }
        )

    def format_value(self, value):
        # An unbound form shows the stored municipality (its code, or the object) by its name;
        # a bound one shows what was typed, as typed.
        if isinstance(value, Municipality):
            return value.short_name
        if isinstance(value, str) and len(value) == 4 and value.isdigit():
            found = Municipality.objects.filter(code=value).values_list("short_name", flat=True)
            return found.first() or value
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        list_id = f"{context['widget']['attrs'].get('id') or name}_choices"
        context["widget"]["attrs"]["list"] = list_id
        context["list_id"] = list_id
        names = tuple(
            Municipality.objects.order_by("short_name").values_list("short_name", flat=True)
        )
        context["names"] = names
        context["options"] = _options(names)
        return context


@lru_cache(maxsize=4)
def _options(names: tuple[str, ...]) -> str:
    # The 290 options built here rather than by a loop in the template: on the public sign-up
    # form that loop cost more CPU than the rest of the field. Built once for the names as read
    # (the names are still read on every render: a changed name gives other options).
    options = "".join(f'<option value="{html.escape(name)}"></option>' for name in names)
    return mark_safe(options)  # noqa: S308 - each name is escaped


class MunicipalityField(forms.ModelChoiceField):
    """One of Sweden's municipalities, typed (see the module's docstring)."""

    widget = MunicipalityInput
    default_error_messages = {
        "invalid_choice": _(
            "We cannot find “%(value)s” among Sweden's municipalities. Start typing the name "
            "of your municipality and choose it from the list, e.g. Malmö or Krokom."
        ),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Municipality.objects.all())
        kwargs.setdefault("label", _("Municipality"))
        kwargs.setdefault(
            "help_text", _("Start typing and choose from the list, e.g. Malmö or Krokom.")
        )
        kwargs.setdefault("empty_label", None)
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, Municipality):
            return value
        text = str(value or "").strip()
        if text in self.empty_values:
            return None
        code = code_for_text(text)
        municipality = self.queryset.filter(code=code).first() if code else None
        if municipality is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": text[:MAX_TYPED_LENGTH]},
            )
        return municipality

    def has_changed(self, initial, data):
        if self.disabled:
            return False
        initial_code = initial.pk if isinstance(initial, Municipality) else (initial or None)
        return initial_code != code_for_text(str(data or "").strip())
