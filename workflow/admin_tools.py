"""The admin as a workplace: scoped querysets, and each step as a button that calls its action.

``ScopedAdminMixin`` shows a person only the objects their organisation may see (the model's
``visible_to``) and answers 404 for any other. ``ScopedLinksMixin`` (on every admin and inline
of the portal) offers only those objects as the choices of a form's relations and as the values
of the list's filters: the choices of a relation are what the related model's own admin shows the
person (``linkable``), so that a form cannot link a record to another organisation's.

``WorkflowAdminMixin`` reads a table declared on each ModelAdmin, ``steps``: step name ->
``Step(action, form)``. The step's button opens its own
page: a form for the input the action needs, or a confirmation when it needs none. The page calls
the action, the same function the rest of the portal calls; the admin itself never calls the
engine or writes a status. Steps that need no input are also changelist (bulk) actions, which call
the action once per object and report each refusal with its message. ``ActionAddMixin`` does the
same for an add page whose object is made by an action (a proposed match, a vacancy).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.filters import (
    AllValuesFieldListFilter,
    FieldListFilter,
    RelatedFieldListFilter,
    RelatedOnlyFieldListFilter,
)
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Organisation
from accounts.scoping import own_organisation_filter

from .engine import Workflow, roles_of
from .errors import DomainError


def linkable(request, queryset, *, admin_site=admin.site):
    """The objects of ``queryset`` the person may link a record to: for organisations, their
    own; for any other model, those its admin shows them (its ``get_queryset``, the same scope
    as its list, its change pages and its autocomplete); none of a model without an admin.
    Superusers set any link (they also set a partnership's parties)."""
    user = request.user
    if user.is_superuser:
        return queryset
    model = queryset.model
    if model is Organisation:
        return queryset.filter(own_organisation_filter(user))
    try:
        related_admin = admin_site.get_model_admin(model)
    except NotRegistered:
        return queryset.none()
    return queryset.filter(pk__in=related_admin.get_queryset(request).values("pk"))


class ScopedAllValuesFieldListFilter(AllValuesFieldListFilter):
    """Django's filter of a field's values reads them from every row of a related model (the
    municipality of every home, for the list of matches); this one reads them from the rows the
    list shows the person."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = (
            model_admin.get_queryset(request)
            .order_by(field_path)
            .values_list(field_path, flat=True)
            .distinct()
        )


SCOPED_LIST_FILTERS = {
    RelatedFieldListFilter: RelatedOnlyFieldListFilter,
    AllValuesFieldListFilter: ScopedAllValuesFieldListFilter,
}


def scoped_list_filter(model, entry):
    """``entry`` of a ``list_filter``, with a filter that offers only values of the person's
    rows where Django's default would offer every row's."""
    if not isinstance(entry, str):
        return entry
    field = get_fields_from_path(model, entry)[-1]
    for test, filter_class in FieldListFilter._field_list_filters:
        if test(field):
            scoped = SCOPED_LIST_FILTERS.get(filter_class)
            return (entry, scoped) if scoped else entry
    return entry


class _OnlyValidIdsShown:
    """Django's autocomplete widget looks up the chosen value to show it again on a refused form;
    a value that is not an id of the related model (posted by hand) raised a ValueError there, a
    500. Only values the related key accepts are looked up; the form itself refuses the rest."""

    def optgroups(self, name, value, attr=None):
        key = self.field.target_field  # the related model's key (a foreign key's or a m2m's)
        valid = []
        for item in value:
            try:
                key.run_validators(key.to_python(item))
            except (ValidationError, ValueError, TypeError):
                continue
            valid.append(item)
        return super().optgroups(name, valid, attr)


class ValidAutocompleteSelect(_OnlyValidIdsShown, AutocompleteSelect):
    pass


class ValidAutocompleteSelectMultiple(_OnlyValidIdsShown, AutocompleteSelectMultiple):
    pass


class ScopedLinksMixin:
    """On a ModelAdmin or an inline: a form's relations offer only what the person may link to
    (``linkable``), whatever widget shows them (a list, an autocomplete, a raw id: the form
    refuses any other id), and the list's filters offer only the values of the person's rows."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = ValidAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return self._scoped(super().formfield_for_foreignkey(db_field, request, **kwargs), request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = ValidAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return self._scoped(super().formfield_for_manytomany(db_field, request, **kwargs), request)

    def _scoped(self, formfield, request):
        if formfield is not None and getattr(formfield, "queryset", None) is not None:
            formfield.queryset = linkable(request, formfield.queryset, admin_site=self.admin_site)
        return formfield

    def get_list_filter(self, request):
        return [scoped_list_filter(self.model, entry) for entry in super().get_list_filter(request)]


class NotFoundOutsideScopeMixin:
    """An object outside the person's queryset does not exist for them: 404, not a redirect."""

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("No such object."))
        return obj


class ScopedAdminMixin(NotFoundOutsideScopeMixin):
    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


class StepFormMixin:
    """What a step's form knows and gives: the object and the person, and ``arguments()``, the
    keyword arguments of the step's action (all but ``user``). Mix it into any form, also one
    the rest of the portal uses (the volunteers' visit forms)."""

    def __init__(self, *args, obj=None, user=None, object_argument: str = "obj", **kwargs):
        super().__init__(*args, **kwargs)
        self.obj, self.user, self.object_argument = obj, user, object_argument

    def arguments(self) -> dict[str, Any]:
        """The action's arguments: the object, and every cleaned field by its own name."""
        return {self.object_argument: self.obj, **self.cleaned_data}


class StepForm(StepFormMixin, forms.Form):
    """A step's form; with no fields of its own it is the confirmation of a step that needs no
    input."""


class ReasonForm(StepForm):
    """A step whose only input is its reason (closing, marking unreachable, …)."""

    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


@dataclass(frozen=True)
class Step:
    """One step an admin offers, declared in the ModelAdmin's ``steps`` table.

    ``action`` is the step's action; it is called as ``action(user=…, **form.arguments())``.
    ``form`` is the form that asks for the action's input, or None when it needs none (then the
    step's page is a confirmation and the step is also a changelist action).

    The button shows when the person may take the step now: the workflow's ``transition`` (by
    default the step's own name) is possible from the object's stage for the person's roles
    (with its guard, unless ``guarded`` is False because the action does more than the guard
    sees), and ``offered(obj, user)`` says yes when given. A model without a workflow relies on
    ``offered`` alone. ``url_path`` gives the step an address of its own instead of
    ``step/<name>/``.
    """

    action: Callable[..., Any]
    form: type[forms.BaseForm] | None = None
    label: Any = None
    transition: str | None = None
    guarded: bool = True
    offered: Callable[[Any, Any], bool] | None = None
    url_path: str | None = None


class ReadOnlyInline(ScopedLinksMixin, admin.TabularInline):
    """Rows shown on their parent's page, never added, changed or deleted there (each is made
    by an action); ``related`` are the relations to load with them."""

    extra = 0
    can_delete = False
    related: tuple[str, ...] = ()

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.related)


class TransitionLogInline(ReadOnlyInline):
    """The object's history, read-only, oldest first; stages are shown by their translated names."""

    related = ("actor",)
    fields = ["created_at", "from_stage", "to_stage", "actor", "actor_kind", "reason"]
    readonly_fields = fields
    verbose_name = _("step")
    verbose_name_plural = _("history")

    def stage_label(self, value: str):
        return self.model.state_label(value) or self.get_empty_value_display()

    @admin.display(description=_("from"))
    def from_stage(self, obj):
        return self.stage_label(obj.from_state)

    @admin.display(description=_("to"))
    def to_stage(self, obj):
        return self.stage_label(obj.to_state)


class StepPageMixin:
    """The page of one step, and of an add page made by an action: a form, the action called
    when it is sent, and a refusal shown once, on the form, with the error's own status (403,
    400 or 409)."""

    def run_form_page(self, request, *, form, call, template, context, success_url, done):
        """Validate ``form``; when valid, ``call()`` the action. ``done(result)`` says what went
        well (a message), and the person goes on to ``success_url(result)``."""
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    result = call()
                except DomainError as exc:
                    form.add_error(None, exc.message)
                    status = exc.status
                else:
                    done(result)
                    return redirect(success_url(result))
            else:
                status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            # The error summary at the top of a refused form links to each field with an error.
            "field_errors": [field for field in form if field.errors],
            "media": self.media + form.media,
            **context,
        }
        return TemplateResponse(request, template, context, status=status)


class WorkflowAdminMixin(StepPageMixin):
    """Step buttons and bulk actions from the ModelAdmin's ``steps`` table (see ``Step``)."""

    workflow: Workflow | None = None
    steps: dict[str, Step] = {}
    # The keyword by which the actions take the object: ``refer_home(home=…)``.
    action_object: str = "obj"
    change_form_template = "admin/workflow/change_form.html"

    def _transition_of(self, name: str):
        """The workflow's transition step ``name`` takes, or None (a step outside a workflow)."""
        if self.workflow is None:
            return None
        return self.workflow.transitions.get(self.steps[name].transition or name)

    def step_label(self, name: str):
        step = self.steps[name]
        return step.label if step.label is not None else self._transition_of(name).label

    def is_offered(self, request, obj, name: str, *, possible=None) -> bool:
        """May the person take step ``name`` on ``obj`` now? (``possible``: what ``_possible``
        gives, when the caller has it already.)"""
        step, transition = self.steps[name], self._transition_of(name)
        if transition is not None:
            guarded, unguarded = possible or self._possible(request, obj)
            if transition.name not in (guarded if step.guarded else unguarded):
                return False
        return step.offered is None or bool(step.offered(obj, request.user))

    def _possible(self, request, obj) -> tuple[set[str], set[str]]:
        """The workflow's steps the person may take from the object's stage: with their guards
        let through now, and regardless of the guards."""
        if self.workflow is None:
            return set(), set()
        return (
            {t.name for t in self.workflow.available(obj, user=request.user, check_guards=True)},
            {t.name for t in self.workflow.available(obj, user=request.user)},
        )

    def offered_steps(self, request, obj) -> list[str]:
        possible = self._possible(request, obj)
        return [
            name for name in self.steps if self.is_offered(request, obj, name, possible=possible)
        ]

    # Buttons ------------------------------------------------------------------------------

    def get_urls(self):
        app_label, model_name = self.opts.app_label, self.opts.model_name
        urls = []
        for name, step in self.steps.items():
            if step.url_path:
                urls.append(
                    path(
                        f"<path:object_id>/{step.url_path}/",
                        self.admin_site.admin_view(self._step_view_of(name)),
                        name=f"{app_label}_{model_name}_{step.url_path}",
                    )
                )
        if any(not step.url_path for step in self.steps.values()):
            urls.append(
                path(
                    "<path:object_id>/step/<str:step>/",
                    self.admin_site.admin_view(self.step_view),
                    name=f"{app_label}_{model_name}_step",
                )
            )
        return [*urls, *super().get_urls()]

    def _step_view_of(self, name: str):
        def view(request, object_id):
            return self.step_view(request, object_id, name)

        view.__name__ = f"step_{name}"
        return view

    def step_url(self, obj, name: str) -> str:
        app_label, model_name = self.opts.app_label, self.opts.model_name
        step = self.steps[name]
        if step.url_path:
            return reverse(f"admin:{app_label}_{model_name}_{step.url_path}", args=[obj.pk])
        return reverse(f"admin:{app_label}_{model_name}_step", args=[obj.pk, name])

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, unquote(object_id))
        extra_context["workflow_steps"] = [
            {"label": self.step_label(name), "url": self.step_url(obj, name), "name": name}
            for name in self.offered_steps(request, obj)
        ]
        return super().change_view(request, object_id, form_url, extra_context)

    def step_form(self, request, obj, name: str, data=None):
        form_class = self.steps[name].form or StepForm
        return form_class(data, obj=obj, user=request.user, object_argument=self.action_object)

    def step_view(self, request, object_id, step):
        obj = self.get_object(request, unquote(object_id))
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        if step not in self.steps:
            raise Http404(_("No such step."))
        action = self.steps[step].action
        form = self.step_form(
            request, obj, step, data=request.POST if request.method == "POST" else None
        )
        label = self.step_label(step)
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk]
        )
        return self.run_form_page(
            request,
            form=form,
            call=lambda: action(user=request.user, **form.arguments()),
            template="admin/workflow/step.html",
            context={
                "original": obj,
                "spec": {"label": label, "name": step},
                "change_url": change_url,
                "title": label,
            },
            success_url=lambda result: (
                self.step_success_url(request, obj, step, result) or change_url
            ),
            done=lambda result: self.step_done(request, obj, step, result),
        )

    def step_success_url(self, request, obj, name: str, result) -> str | None:
        """Where the person goes after the step (None: back to the object's page)."""
        return None

    def step_done(self, request, obj, name: str, result) -> None:
        """What the person is told after the step; override to say more."""
        messages.success(request, _("Done: %(step)s.") % {"step": self.step_label(name)})

    # Actions ------------------------------------------------------------------------------

    def get_actions(self, request):
        actions = super().get_actions(request)
        held = roles_of(user=request.user)
        for name, step in self.steps.items():
            if step.form is not None:  # a step that needs input has its own page only
                continue
            transition = self._transition_of(name)
            if transition is not None and not transition.roles & held:
                continue
            action = self._make_action(name)
            actions[f"step_{name}"] = (action, f"step_{name}", action.short_description)
        return actions

    def _make_action(self, name: str):
        step, label = self.steps[name], self.step_label(name)

        def action(modeladmin, request, queryset):
            done, refused = 0, []
            for obj in queryset:
                try:
                    step.action(**{modeladmin.action_object: obj}, user=request.user)
                except DomainError as exc:
                    refused.append(f"{obj}: {exc.message}")
                else:
                    done += 1
            if done:
                messages.success(
                    request,
                    ngettext(
                        "%(step)s: done for %(count)d object.",
                        "%(step)s: done for %(count)d objects.",
                        done,
                    )
                    % {"step": label, "count": done},
                )
            for problem in refused:
                messages.error(request, problem)

        action.short_description = label
        return action


class ActionAddMixin(StepPageMixin):
    """An add page whose object is made by an action, not saved by the admin: ``add_form``
    (a ``StepFormMixin`` form, given the person as ``user``) asks for the input and
    ``add_action(user=…, **form.arguments())`` makes the object. A refusal is shown on the form,
    with the typed values, and the error's status."""

    add_form: type[forms.BaseForm]
    add_action: Callable[..., Any]
    add_title: Any = _("Add")

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = self.add_form(
            request.POST if request.method == "POST" else None,
            user=request.user,
            **self.add_form_kwargs(request),
        )
        create = type(self).add_action
        return self.run_form_page(
            request,
            form=form,
            call=lambda: create(user=request.user, **form.arguments()),
            template="admin/workflow/add.html",
            context={"title": self.add_title, "add": True, **(extra_context or {})},
            success_url=lambda obj: reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk]
            ),
            done=lambda obj: self.added(request, obj),
        )

    def add_form_kwargs(self, request) -> dict[str, Any]:
        """More keyword arguments for ``add_form`` (such as ``initial`` from a link)."""
        return {}

    def added(self, request, obj) -> None:
        """The object was made: it goes into the admin's log, and the person is told."""
        self.log_addition(request, obj, [{"added": {}}])
        messages.success(request, _("Added: %(obj)s.") % {"obj": obj})
