from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Organisations and users")

    def ready(self):
        from django.apps import apps as global_apps
        from django.db.models.signals import post_migrate

        from . import checks, lockout  # noqa: F401  (deploy checks; counts failed log-ins)
        from .roles import sync_role_groups

        def keep_roles(sender, using="default", **kwargs):
            # The migrations make the role groups; a flush (e.g. between transactional tests)
            # empties them, and this puts them back as declared.
            if sender.name == self.name and global_apps.is_installed("django.contrib.auth"):
                sync_role_groups(global_apps)

        post_migrate.connect(keep_roles, dispatch_uid="accounts-keep-roles")
