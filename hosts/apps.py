from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HostsConfig(AppConfig):
    name = "hosts"
    verbose_name = _("Hosts and homes")

    def ready(self):
        from . import checks  # noqa: F401 (registers the deploy checks)
