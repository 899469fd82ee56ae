"""Every admin's steps are declared in its table and each calls an action; no admin form lets a
status be typed in."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from tests.factories import UserFactory
from workflow.admin_tools import ActionAddMixin, StepFormMixin, WorkflowAdminMixin

pytestmark = pytest.mark.django_db

STEP_ADMINS = {
    "hosts.home",
    "newcomers.newcomercase",
    "matching.match",
    "housing.vacancy",
    "housing.contract",
    "stays.concern",
    "stays.mediation",
    "stays.checkin",
    "work.placement",
    "outreach.informationmeeting",
}


def admins():
    return {
        model._meta.label_lower: model_admin for model, model_admin in admin.site._registry.items()
    }


def is_action(function) -> bool:
    module = function.__module__.split(".")
    return module[-1] == "actions" or (len(module) > 2 and module[-2] == "actions")


def test_each_admin_with_steps_maps_them_to_actions():
    found = {
        label
        for label, model_admin in admins().items()
        if isinstance(model_admin, WorkflowAdminMixin)
    }
    assert found == STEP_ADMINS
    for label in STEP_ADMINS:
        model_admin = admins()[label]
        assert model_admin.steps, label
        for name, step in model_admin.steps.items():
            assert is_action(step.action), f"{label} {name}: {step.action.__module__}"
            assert step.form is None or issubclass(step.form, StepFormMixin), (label, name)
            if model_admin.workflow is not None and step.offered is None:
                assert (step.transition or name) in model_admin.workflow.transitions, (label, name)
        if isinstance(model_admin, ActionAddMixin):
            assert is_action(type(model_admin).add_action), label


def test_no_admin_form_takes_a_status():
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True, password=None)
    for label, model_admin in admins().items():
        fields = {f.name for f in model_admin.model._meta.fields}
        if "status" not in fields:
            continue
        if not (
            model_admin.has_change_permission(request) or model_admin.has_add_permission(request)
        ):
            continue  # read-only for everyone
        form = model_admin.get_form(request, None, fields=None)
        editable = set(form.base_fields) - set(model_admin.get_readonly_fields(request))
        assert "status" not in editable, label
        if isinstance(model_admin, ActionAddMixin):
            assert "status" not in model_admin.add_form.base_fields, label
