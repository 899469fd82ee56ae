from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = _("Workflow")

    def ready(self):
        from . import form_input

        # Every form field of the portal, the admin's included, refuses control characters.
        form_input.install()
