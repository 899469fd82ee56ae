from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaysConfig(AppConfig):
    name = "stays"
    verbose_name = _("The stay")

    def ready(self):
        # The evaluations' admin, in a module of its own beside stays/admin.py.
        from . import admin_evaluations  # noqa: F401
