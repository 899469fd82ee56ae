"""The admin site builds its menu of models once a request (matching_portal/admin_site.py): the
menu must be exactly Django's for every kind of person, and a new request builds it again."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.utils import translation

from matching_portal.admin_site import PortalAdminSite


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _djangos(request, label=None):
    """Django's own ``get_app_list`` over the portal's registry."""
    app_dict = admin.AdminSite._build_app_dict(admin.site, request, label)
    app_list = sorted(app_dict.values(), key=lambda x: x["name"].lower())
    for app in app_list:
        app["models"].sort(key=lambda x: x["name"])
    return app_list


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_menu_is_djangos_for_each_person(
    language, coordinator, volunteer_coordinator, data_protection_officer, company_staff
):
    from accounts.models import User

    superuser = User.objects.create_superuser(username="root", password="x", email="r@x.se")
    assert isinstance(admin.site, PortalAdminSite)
    with translation.override(language):
        for user in (coordinator, volunteer_coordinator, data_protection_officer, company_staff):
            request = _request(user)
            assert admin.site.get_app_list(request) == _djangos(_request(user))
            assert admin.site.get_app_list(request, "hosts") == _djangos(_request(user), "hosts")
        request = _request(superuser)
        menu = admin.site.get_app_list(request)
        assert menu == _djangos(_request(superuser))
        assert sum(len(app["models"]) for app in menu) > 30


@pytest.mark.django_db
def test_the_menu_is_built_once_a_request(coordinator):
    request = _request(coordinator)
    assert admin.site.get_app_list(request) is admin.site.get_app_list(request)
    assert admin.site.each_context(request)["available_apps"] is admin.site.get_app_list(request)
    assert admin.site.get_app_list(_request(coordinator)) is not admin.site.get_app_list(request)
