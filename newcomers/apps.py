from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewcomersConfig(AppConfig):
    name = "newcomers"
    verbose_name = _("Newcomer cases")

    def ready(self):
        from . import household_language

        # The household's languages: names, right to left, and English as their fallback.
        household_language.install()
