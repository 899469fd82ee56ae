"""The admin's menu of models is written in Python (matching_portal/admin_menu.py): for each
role, in Swedish and English, as the side menu and as the index's list, on the index, a list and
a page of an object, it must be exactly what Django's ``admin/app_list.html`` writes."""

import pytest
from django.contrib import admin
from django.template import Context, RequestContext, engines
from django.test import RequestFactory
from django.utils import translation

from accounts.models import User

ADDRESSES = ["/admin/", "/admin/hosts/", "/admin/hosts/home/", "/admin/hosts/home/1/change/"]


def _templates():
    engine = engines["django"].engine
    ours = engine.get_template("admin/app_list.html")
    djangos, _origin = engine.find_template("admin/app_list.html", skip=[ours.origin])
    assert "matching_portal" not in str(djangos.origin.name)
    return ours, djangos


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_menu_is_written_as_djangos_template_writes_it(
    language, coordinator, volunteer_coordinator, data_protection_officer, company_staff
):
    superuser = User.objects.create_superuser(username="menu", password="x", email="m@x.se")
    ours, djangos = _templates()
    people = (superuser, coordinator, volunteer_coordinator, data_protection_officer)
    compared = 0
    with translation.override(language):
        for user in (*people, company_staff):
            for address in ADDRESSES:
                request = RequestFactory().get(address)
                request.user = user
                app_list = admin.site.get_app_list(request)
                for show_changelinks in (True, False):
                    context = {"app_list": app_list, "show_changelinks": show_changelinks}
                    expected = djangos.render(RequestContext(request, context))
                    assert ours.render(RequestContext(request, context)) == expected
                    compared += 1
        # Nothing to show, and no request in the context.
        request = RequestFactory().get("/admin/")
        request.user = superuser
        for context in ({"app_list": []}, {"app_list": admin.site.get_app_list(request)}):
            assert ours.render(Context(context)) == djangos.render(Context(context))
    assert compared == 5 * len(ADDRESSES) * 2
