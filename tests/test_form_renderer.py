"""The form renderer (matching_portal/form_renderer.py) writes the widgets it knows in Python:
the HTML must be exactly what Django's widget templates write, for every widget of every admin
form and for widgets in every state (empty, with a value, escaped, safe, lazy, grouped)."""

import datetime

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.test import RequestFactory
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from accounts.models import User
from matching_portal.form_renderer import PortalFormRenderer, widget_html

TEMPLATES = DjangoTemplates()
PORTAL = PortalFormRenderer()

GROUPED = [
    ("Jämtland", [("1", "Östersund & <Krokom>"), ("2", gettext_lazy("Swedish"))]),
    ("", [(3, 3.5)]),
    ("3", "Ensam"),
]


def _widgets():
    """(widget, name, value, attrs) in many states."""
    safe = mark_safe("<b>safe</b>")  # noqa: S308 - the point: a safe value is not escaped
    yield forms.TextInput(), "name", None, None
    yield forms.TextInput({"placeholder": gettext_lazy("Swedish")}), "name", 'a "<b>"', None
    yield forms.TextInput(), "name", safe, {"aria-label": safe, "data-x": '"<i>'}
    yield forms.NumberInput({"min": 0, "step": 0.5}), "n", 12.5, {"required": True}
    yield forms.NumberInput(), "n", 0, {"disabled": False, "readonly": True}
    yield forms.EmailInput(), "e", "a@b.se", {"id": "id_e", "autocomplete": "email"}
    yield forms.PasswordInput(render_value=True), "p", "secret<", None
    yield forms.HiddenInput(), "h", 7, None
    yield forms.DateInput(), "d", datetime.date(2026, 12, 7), None
    yield forms.DateTimeInput(), "dt", datetime.datetime(2026, 12, 7, 18, 5), None
    yield forms.TimeInput(), "t", datetime.time(9, 30), None
    yield forms.URLInput(), "u", "https://example.se/?a=1&b=2", None
    yield forms.CheckboxInput(), "c", True, None
    yield forms.CheckboxInput(), "c", False, {"class": "form-check-input"}
    # The admin list's check box of a row.
    checkbox = forms.CheckboxInput({"class": "action-select"}, lambda value: False)
    label = mark_safe("Select this object for an action - A &amp; B")  # noqa: S308
    yield checkbox, helpers.ACTION_CHECKBOX_NAME, "42", {"aria-label": label}
    yield forms.Textarea(), "text", "", None
    yield forms.Textarea({"rows": 3}), "text", "rad 1\n<rad 2>", None
    yield forms.Textarea(), "text", safe, None
    yield forms.Select(choices=[("", "---------"), ("a", "A & B")]), "s", "a", None
    yield forms.Select(choices=GROUPED), "s", "2", {"id": "id_s"}
    yield forms.Select(choices=[(1, datetime.date(2026, 1, 2)), (2, 1234567)]), "s", 2, None
    yield forms.SelectMultiple(choices=GROUPED), "m", ["1", "3"], None
    yield forms.NullBooleanSelect(), "b", True, None


@pytest.mark.parametrize("language", ["sv", "en"])
def test_each_widget_is_written_as_its_template_writes_it(language):
    with translation.override(language):
        for widget, name, value, attrs in _widgets():
            context = widget.get_context(name, value, attrs)
            # The renderer writes these itself (so this test compares two ways of writing them).
            assert widget_html(widget.template_name, context) is not None, widget
            assert PORTAL.render(widget.template_name, context) == TEMPLATES.render(
                widget.template_name, context
            ), widget


class _Form(forms.Form):
    name = forms.CharField(label=gettext_lazy("Swedish"))
    note = forms.CharField(label=mark_safe("<b>Note</b> & more"), required=False)  # noqa: S308
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_labels_and_empty_error_lists_are_written_as_their_templates_write_them(language):
    with translation.override(language):
        for data in (None, {"name": ""}, {"name": "x"}):
            form, plain = _Form(data), _Form(data, renderer=TEMPLATES)
            assert form.renderer is PORTAL or isinstance(form.renderer, PortalFormRenderer)
            for name in form.fields:
                for kwargs in (
                    {},
                    {"attrs": {"class": "x<"}},
                    {"label_suffix": ":", "tag": "legend"},
                ):
                    assert form[name].label_tag(**kwargs) == plain[name].label_tag(**kwargs)
                assert form[name].legend_tag() == plain[name].legend_tag()
                assert str(form[name].errors) == str(plain[name].errors)
                assert form[name].errors.as_ul() == plain[name].errors.as_ul()
            assert str(form.non_field_errors()) == str(plain.non_field_errors())
        auto_off = _Form(auto_id=False), _Form(auto_id=False, renderer=TEMPLATES)
        assert auto_off[0]["name"].label_tag() == auto_off[1]["name"].label_tag()


def test_other_templates_are_left_to_django():
    widget = forms.RadioSelect(choices=[("a", "A")])
    context = widget.get_context("r", "a", None)
    assert widget_html(widget.template_name, context) is None
    assert PORTAL.render(widget.template_name, context) == TEMPLATES.render(
        widget.template_name, context
    )


@pytest.mark.django_db
def test_every_admin_form_is_written_as_before(settings, organisations):
    """Every field of every add form of the admin, rendered through the portal's renderer and
    through Django's templates only, is the same HTML."""
    user = User.objects.create_superuser(username="renderer", password="x", email="r@x.se")
    request = RequestFactory().get("/admin/")
    request.user = user
    compared = 0
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_add_permission(request):
            continue
        form = model_admin.get_form(request)()  # one form: some defaults are random
        settings.FORM_RENDERER = "django.forms.renderers.DjangoTemplates"
        form.renderer = get_default_renderer()
        expected = [str(field) for field in form]
        settings.FORM_RENDERER = "matching_portal.form_renderer.PortalFormRenderer"
        form.renderer = get_default_renderer()
        assert isinstance(form.renderer, PortalFormRenderer)
        assert [str(field) for field in form] == expected, model
        compared += len(expected)
        # The admin writes each field's label and its (empty) lists of errors.
        settings.FORM_RENDERER = "django.forms.renderers.DjangoTemplates"
        form.renderer = get_default_renderer()
        expected = [(f.label_tag(), f.errors.as_ul(), str(f.errors)) for f in form]
        settings.FORM_RENDERER = "matching_portal.form_renderer.PortalFormRenderer"
        form.renderer = get_default_renderer()
        assert [(f.label_tag(), f.errors.as_ul(), str(f.errors)) for f in form] == expected
    assert compared > 100
