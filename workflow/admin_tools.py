"""The admin as a workplace: scoped querysets, and workflow steps as buttons and actions.

``ScopedAdminMixin`` shows a person only the objects their organisation may see (the model's
``visible_to``) and answers 404 for any other. ``WorkflowAdminMixin`` puts the steps the person may
take on the change page as buttons, offers the steps that need no input as changelist actions, and
runs every step through the same service functions as the rest of the portal.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .engine import TransitionNotAllowed, Workflow, roles_of


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


class StepForm(forms.Form):
    """The plain confirmation of a step; ``reason`` appears when the step requires one."""

    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, obj=None, user=None, spec=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.obj, self.user, self.spec = obj, user, spec
        if spec is not None and not spec.reason_required:
            del self.fields["reason"]


class TransitionLogInline(admin.TabularInline):
    """The object's history, read-only, oldest first; stages are shown by their translated names."""

    extra = 0
    can_delete = False
    fields = ["created_at", "from_stage", "to_stage", "actor", "actor_kind", "reason"]
    readonly_fields = fields
    verbose_name = _("step")
    verbose_name_plural = _("history")

    def stage_label(self, value: str):
        try:
            choices = dict(self.parent_model._meta.get_field("status").choices or [])
        except FieldDoesNotExist:  # a parent without a ``status`` field shows the stored value
            choices = {}
        return choices.get(value, value) or self.get_empty_value_display()

    @admin.display(description=_("from"))
    def from_stage(self, obj):
        return self.stage_label(obj.from_state)

    @admin.display(description=_("to"))
    def to_stage(self, obj):
        return self.stage_label(obj.to_state)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class WorkflowAdminMixin:
    workflow: Workflow
    # step name -> form class (a StepForm subclass) for steps that need more than a reason.
    step_forms: dict = {}
    change_form_template = "admin/workflow/change_form.html"

    def perform_step(self, request, obj, step: str, data: dict):
        """Run the step through the app's service; override to call richer services."""
        return self.workflow.apply(obj, step, user=request.user, reason=data.get("reason", ""))

    # Buttons ------------------------------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/step/<str:step>/",
                self.admin_site.admin_view(self.step_view),
                name=f"{info[0]}_{info[1]}_step",
            ),
            *super().get_urls(),
        ]

    def step_url(self, obj, step: str) -> str:
        info = self.opts.app_label, self.opts.model_name
        return reverse(f"admin:{info[0]}_{info[1]}_step", args=[obj.pk, step])

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, unquote(object_id))
        extra_context["workflow_steps"] = [
            {"label": spec.label, "url": self.step_url(obj, spec.name), "name": spec.name}
            for spec in self.workflow.available(obj, user=request.user, check_guards=True)
        ]
        return super().change_view(request, object_id, form_url, extra_context)

    def step_view(self, request, object_id, step):
        obj = self.get_object(request, unquote(object_id))
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        spec = self.workflow.transitions.get(step)
        if spec is None:
            raise Http404(_("No such step."))
        form_class = self.step_forms.get(step, StepForm)
        data = request.POST if request.method == "POST" else None
        form = form_class(data, obj=obj, user=request.user, spec=spec)
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk]
        )
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    self.perform_step(request, obj, step, form.cleaned_data)
                except TransitionNotAllowed as exc:
                    messages.error(request, exc.message)
                    status = 409
                else:
                    messages.success(request, _("Done: %(step)s.") % {"step": spec.label})
                    return redirect(change_url)
            else:
                status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "spec": spec,
            "form": form,
            "change_url": change_url,
            "title": spec.label,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/workflow/step.html", context, status=status)

    # Actions ------------------------------------------------------------------------------

    def get_actions(self, request):
        actions = super().get_actions(request)
        held = roles_of(user=request.user)
        for spec in self.workflow.transitions.values():
            if spec.reason_required or spec.name in self.step_forms or not spec.roles & held:
                continue
            action = self._make_action(spec)
            actions[f"step_{spec.name}"] = (action, f"step_{spec.name}", action.short_description)
        return actions

    def _make_action(self, spec):
        def action(modeladmin, request, queryset):
            done, refused = 0, []
            for obj in queryset:
                try:
                    modeladmin.perform_step(request, obj, spec.name, {})
                except TransitionNotAllowed as exc:
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
                    % {"step": spec.label, "count": done},
                )
            for problem in refused:
                messages.error(request, problem)

        action.short_description = spec.label
        return action
