"""The honeypot of the public forms: a field hidden from people (by the templates' CSS and
``tabindex``) that robots fill in. A form that declares it as ``website = honeypot_field()``
and inherits ``HoneypotCheck`` answers ``is_robot``; the view then pretends all went well and
saves nothing."""

from django import forms
from django.utils.translation import gettext_lazy as _

HONEYPOT_FIELD = "website"


def honeypot_field() -> forms.CharField:
    return forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


class HoneypotCheck:
    """``is_robot``: the honeypot field came back filled in."""

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get(HONEYPOT_FIELD))
