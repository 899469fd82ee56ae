from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from accounts.scoping import sees_everything
from workflow.admin_tools import NotFoundOutsideScopeMixin, TransitionLogInline
from workflow.engine import TransitionNotAllowed

from . import actions
from .models import (
    Allotment,
    Contract,
    ContractTransition,
    QuotaAgreement,
    Unit,
    Vacancy,
    VacancyTransition,
)


class CompanyScopedAdmin(NotFoundOutsideScopeMixin, admin.ModelAdmin):
    """Housing company staff see and change only their own company's records."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "company" and not sees_everything(request.user):
            kwargs["queryset"] = Organisation.objects.filter(pk=request.user.organisation_id)
            kwargs["initial"] = request.user.organisation_id
        if db_field.name == "unit" and not sees_everything(request.user):
            kwargs["queryset"] = Unit.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _form_page(self, request, obj, *, form, title, action, on_valid):
        """A small page with one form, for the company's steps that are not plain edits."""
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk]
        )
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    on_valid(form.cleaned_data)
                except TransitionNotAllowed as exc:
                    messages.error(request, exc.message)
                    status = 409
                else:
                    messages.success(request, _("Done: %(step)s.") % {"step": title})
                    return redirect(change_url)
            else:
                status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "spec": {"label": title},
            "form": form,
            "change_url": change_url,
            "title": title,
            "action": action,
        }
        return TemplateResponse(request, "admin/workflow/step.html", context, status=status)


@admin.register(Unit)
class UnitAdmin(CompanyScopedAdmin):
    list_display = [
        "reference",
        "street_address",
        "municipality",
        "kind",
        "rooms",
        "rent_per_month",
    ]
    list_filter = ["kind", "municipality", "rooms"]
    list_select_related = ["company"]
    search_fields = ["reference", "street_address"]


@admin.register(Allotment)
class AllotmentAdmin(CompanyScopedAdmin):
    list_display = ["kind", "description", "count", "in_use", "period_start", "period_end"]
    list_filter = ["kind"]
    list_select_related = ["company"]


@admin.register(QuotaAgreement)
class QuotaAgreementAdmin(CompanyScopedAdmin):
    list_display = [
        "company",
        "integration_unit",
        "every_nth",
        "replace_declined",
        "vacancies_counted",
        "replacements_owed",
    ]
    list_select_related = ["company", "integration_unit"]
    readonly_fields = ["vacancies_counted", "replacements_owed"]


class VacancyForm(forms.ModelForm):
    class Meta:
        model = Vacancy
        fields = ["unit", "notice_given_on", "available_from"]


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the integration unit declines the flat"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class VacancyTransitionInline(TransitionLogInline):
    model = VacancyTransition


@admin.register(Vacancy)
class VacancyAdmin(CompanyScopedAdmin):
    form = VacancyForm
    list_display = ["sequence", "unit", "notice_given_on", "available_from", "offered", "status"]
    list_filter = ["status", "offered", "as_replacement"]
    list_select_related = ["unit", "agreement"]
    search_fields = ["unit__reference", "unit__street_address"]
    inlines = [VacancyTransitionInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "agreement",
            "company",
            "unit",
            "notice_given_on",
            "available_from",
            "sequence",
            "offered",
            "as_replacement",
            "status",
            "decline_reason",
            "home",
            "recorded_by",
            "created_at",
        ]

    def get_fields(self, request, obj=None):
        return (
            self.get_readonly_fields(request, obj)
            if obj
            else ["unit", "notice_given_on", "available_from"]
        )

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            created = actions.record_vacancy(
                unit=form.cleaned_data["unit"],
                notice_given_on=form.cleaned_data["notice_given_on"],
                available_from=form.cleaned_data["available_from"],
                user=request.user,
            )
        except TransitionNotAllowed as exc:
            messages.error(request, exc.message)
            obj.pk = None
            return
        obj.pk = created.pk
        obj._state.adding = False
        if created.offered:
            messages.info(
                request,
                _("Vacancy no. %(n)s is offered to the integration unit under the quota.")
                % {"n": created.sequence},
            )

    def response_add(self, request, obj, post_url_continue=None):
        if obj.pk is None:
            return redirect("admin:housing_vacancy_add")
        return super().response_add(request, obj, post_url_continue)

    def log_addition(self, request, obj, message):
        if obj.pk is not None:
            super().log_addition(request, obj, message)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/decline/",
                self.admin_site.admin_view(self.decline_view),
                name="housing_vacancy_decline",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        steps = []
        if obj.status == Vacancy.Status.OFFERED and actions.may_decline(request.user, obj):
            steps.append(
                {
                    "label": _("Decline the offer"),
                    "url": reverse("admin:housing_vacancy_decline", args=[obj.pk]),
                    "name": "decline",
                }
            )
        extra_context = {**(extra_context or {}), "workflow_steps": steps}
        return super().change_view(request, object_id, form_url, extra_context)

    change_form_template = "admin/workflow/change_form.html"

    def decline_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        form = DeclineForm(request.POST if request.method == "POST" else None)
        return self._form_page(
            request,
            obj,
            form=form,
            title=_("Decline the offer"),
            action="decline",
            on_valid=lambda data: actions.decline_offer(
                vacancy=obj, user=request.user, reason=data["reason"]
            ),
        )


class ContractTransitionInline(TransitionLogInline):
    model = ContractTransition


class RegistrationForm(forms.Form):
    registered_on = forms.DateField(
        label=_("Registered with the Public Employment Service on"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_registered_on(self):
        day = self.cleaned_data["registered_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day


@admin.register(Contract)
class ContractAdmin(CompanyScopedAdmin):
    list_display = [
        "unit",
        "kind",
        "starts_on",
        "registered_with_employment_service_on",
        "converted_at",
    ]
    list_filter = ["kind"]
    list_select_related = ["unit", "match"]
    readonly_fields = [
        "match",
        "company",
        "unit",
        "kind",
        "starts_on",
        "registered_with_employment_service_on",
        "converted_at",
    ]
    inlines = [ContractTransitionInline]
    change_form_template = "admin/workflow/change_form.html"

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        return [
            path(
                "<path:object_id>/registered/",
                self.admin_site.admin_view(self.registered_view),
                name="housing_contract_registered",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        steps = []
        if obj.kind == Contract.Kind.SUBLET and actions.may_record_registration(request.user, obj):
            steps.append(
                {
                    "label": _("Record registration with the Public Employment Service"),
                    "url": reverse("admin:housing_contract_registered", args=[obj.pk]),
                    "name": "registered",
                }
            )
        extra_context = {**(extra_context or {}), "workflow_steps": steps}
        return super().change_view(request, object_id, form_url, extra_context)

    def registered_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        form = RegistrationForm(request.POST if request.method == "POST" else None)
        return self._form_page(
            request,
            obj,
            form=form,
            title=_("Record registration with the Public Employment Service"),
            action="registered",
            on_valid=lambda data: actions.record_employment_service_registration(
                contract=obj, registered_on=data["registered_on"], user=request.user
            ),
        )
