"""A change form's fieldsets are written in Python (matching_portal/admin_fieldset.py): every
fieldset of every change and add page the demo's people open (their inlines' too), as shown and
after a sending with errors, must be exactly what Django's ``admin/includes/fieldset.html``
writes."""

import contextlib
import re

import pytest
from django.contrib import admin
from django.template import Context, engines
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from tests.conftest import demo_user

pytestmark = pytest.mark.django_db

PEOPLE = ["samordnare", "volontarsamordnare", "bostadsbolag", "handledare", "dataskydd"]
CHANGE = re.compile(r'href="(/admin/[a-z_]+/[a-z_]+/\d+/change/)')


def _templates():
    engine = engines["django"].engine
    ours = engine.get_template("admin/includes/fieldset.html")
    djangos, _origin = engine.find_template("admin/includes/fieldset.html", skip=[ours.origin])
    return ours, djangos


def _compare(response, seen) -> None:
    """Each fieldset of the page's form and inlines, through both templates."""
    ours, djangos = _templates()
    data = response.context_data
    forms = []
    if data.get("adminform") is not None:
        forms.append((data["adminform"], 2, "fieldset", 0))
    for formset in data.get("inline_admin_formsets") or ():
        for counter, inline_form in enumerate(formset):
            forms.append((inline_form, 4, formset.formset.prefix, counter))
    for form, level, prefix, id_prefix in forms:
        for index, fieldset in enumerate(form):
            context = {
                "fieldset": fieldset,
                "heading_level": level,
                "prefix": prefix,
                "id_prefix": id_prefix,
                "id_suffix": index,
            }
            expected = djangos.render(Context(context))
            assert ours.render(Context(context)) == expected
            seen["fieldsets"] += 1
            for marker in (
                'class="readonly"',
                "checkbox-row",
                "errorlist",
                'class="help',
                "fieldBox",
            ):
                seen[marker] = seen.get(marker, 0) + expected.count(marker)


def test_every_fieldset_is_written_as_djangos_template_writes_it(demo, unrecorded_templates):
    from accounts.models import User

    seen = {"fieldsets": 0}
    superuser = User.objects.create_superuser(username="fields", password="x", email="f@x.se")
    people = [demo_user(name) for name in PEOPLE] + [superuser]
    with translation.override("sv"):
        for person in people:
            client = Client()
            client.force_login(person)
            for model in admin.site._registry:
                meta = model._meta
                listing = client.get(
                    reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
                )
                if listing.status_code != 200:
                    continue
                pages = CHANGE.findall(listing.content.decode())[:1]
                with contextlib.suppress(NoReverseMatch):
                    pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
                for url in pages:
                    response = client.get(url)
                    if response.status_code == 200 and response.context_data:
                        _compare(response, seen)
                        if person is superuser and url.endswith("/add/"):
                            sent = client.post(url, {})  # the form again, with its errors
                            if sent.status_code == 200 and sent.context_data:
                                _compare(sent, seen)
    assert seen["fieldsets"] > 100, seen
    # (The portal's fieldsets have one field a line: the lines of several are below.)
    for marker in ('class="readonly"', "checkbox-row", "errorlist", 'class="help'):
        assert seen[marker], (marker, seen)


@pytest.mark.parametrize("data", [None, {"beds": "x", "has_pets": "on"}])
def test_lines_of_several_fields_collapsed_and_described(data, coordinator, rf):
    """A fieldset Django allows and the portal does not use yet: several fields a line (with a
    check box, a read-only field and errors), a description, collapsed."""
    from django.contrib.admin import helpers

    from hosts.models import Home

    model_admin = admin.site._registry[Home]
    request = rf.get("/admin/hosts/home/add/")
    request.user = coordinator
    form = model_admin.get_form(request)(data)
    if data:
        form.is_valid()
    fieldsets = [
        (
            "Bostaden & <värden>",
            {
                "fields": [("beds", "has_pets", "status"), "smoking", ("street_address",)],
                "description": "<b>Fyll i</b>",
                "classes": ["collapse", "wide"],
            },
        ),
        (None, {"fields": [("available_from", "beds")]}),
    ]
    admin_form = helpers.AdminForm(form, fieldsets, {}, ["status"], model_admin=model_admin)
    ours, djangos = _templates()
    for index, fieldset in enumerate(admin_form):
        for level in (None, 3):
            context = {
                "fieldset": fieldset,
                "heading_level": level,
                "prefix": "p",
                "id_suffix": index,
            }
            expected = djangos.render(Context(context))
            assert "fieldBox" in expected
            assert ours.render(Context(context)) == expected
