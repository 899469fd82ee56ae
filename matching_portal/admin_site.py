"""The admin site: Django's, with its menu of models worked out once a request.

Every admin page lists, in its side menu (``available_apps``), each model the person may see,
with the addresses of its list and its "add" page: for each of the about fifty models a
permission check per kind of permission and two ``reverse`` calls. Django builds that list
again each time it is asked (the index asks twice: once for the page, once for the menu).
Here the list is built once per request and the addresses come from
``matching_portal.addresses.remembered_reverse``; the permissions are asked as before, so the
menu is exactly Django's (``tests/test_admin_site.py`` compares them).
"""

from contextlib import suppress

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import NoReverseMatch
from django.utils.text import capfirst

from .addresses import remembered_reverse


class PortalAdminSite(admin.AdminSite):
    def get_app_list(self, request, app_label=None):
        """Django's sorted list of apps and models, built once per request and app label."""
        built = request.__dict__.setdefault("_portal_app_lists", {})
        if app_label not in built:
            built[app_label] = super().get_app_list(request, app_label)
        return built[app_label]

    def _build_app_dict(self, request, label=None):
        """Django's ``AdminSite._build_app_dict`` (5.2), with the addresses remembered and
        Django's module permission asked once per app."""
        app_dict = {}
        if label:
            models = {m: m_a for m, m_a in self._registry.items() if m._meta.app_label == label}
        else:
            models = self._registry

        module_perms = {}
        for model, model_admin in models.items():
            app_label = model._meta.app_label

            if type(model_admin).has_module_permission is admin.ModelAdmin.has_module_permission:
                # Django's own check asks the person about the app, not the model: once an app.
                if app_label not in module_perms:
                    module_perms[app_label] = model_admin.has_module_permission(request)
                has_module_perms = module_perms[app_label]
            else:
                has_module_perms = model_admin.has_module_permission(request)
            if not has_module_perms:
                continue

            perms = model_admin.get_model_perms(request)
            if True not in perms.values():
                continue

            model_name = model._meta.model_name
            model_dict = {
                "model": model,
                "name": capfirst(model._meta.verbose_name_plural),
                "object_name": model._meta.object_name,
                "perms": perms,
                "admin_url": None,
                "add_url": None,
            }
            if perms.get("change") or perms.get("view"):
                model_dict["view_only"] = not perms.get("change")
                with suppress(NoReverseMatch):
                    model_dict["admin_url"] = remembered_reverse(
                        f"admin:{app_label}_{model_name}_changelist", current_app=self.name
                    )
            if perms.get("add"):
                with suppress(NoReverseMatch):
                    model_dict["add_url"] = remembered_reverse(
                        f"admin:{app_label}_{model_name}_add", current_app=self.name
                    )

            if app_label in app_dict:
                app_dict[app_label]["models"].append(model_dict)
            else:
                app_dict[app_label] = {
                    "name": apps.get_app_config(app_label).verbose_name,
                    "app_label": app_label,
                    "app_url": remembered_reverse(
                        "admin:app_list", kwargs={"app_label": app_label}, current_app=self.name
                    ),
                    "has_module_perms": has_module_perms,
                    "models": [model_dict],
                }

        return app_dict


class PortalAdminConfig(AdminConfig):
    """``django.contrib.admin`` with ``PortalAdminSite`` as ``admin.site``."""

    default_site = "matching_portal.admin_site.PortalAdminSite"
