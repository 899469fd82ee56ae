"""Languages that hosts and newcomer households are asked about (ISO 639 codes)."""

from django.utils.translation import gettext_lazy as _

LANGUAGE_CHOICES = [
    ("sv", _("Swedish")),
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("fa", _("Persian (Farsi)")),
    ("prs", _("Dari")),
    ("ps", _("Pashto")),
    ("ti", _("Tigrinya")),
    ("so", _("Somali")),
    ("am", _("Amharic")),
    ("ku", _("Kurdish")),
    ("tr", _("Turkish")),
    ("uk", _("Ukrainian")),
    ("ru", _("Russian")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("de", _("German")),
]
