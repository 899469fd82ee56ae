from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from accounts.scoping import sees_everything
from housing.forms import RegistrationForm
from municipalities.admin import MunicipalityToChooseFilter, municipality_or_as_given
from workflow.admin_tools import (
    ActionAddMixin,
    NotFoundOutsideScopeMixin,
    ScopedLinksMixin,
    Step,
    StepForm,
    StepFormMixin,
    TransitionLogInline,
    ValidAutocompleteSelect,
    WorkflowAdminMixin,
)

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


class CompanyScopedAdmin(ScopedLinksMixin, NotFoundOutsideScopeMixin, admin.ModelAdmin):
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


@admin.register(Unit)
class UnitAdmin(CompanyScopedAdmin):
    list_display = [
        "reference",
        "street_address",
        municipality_or_as_given,
        "kind",
        "rooms",
        "rent_per_month",
    ]
    list_filter = ["kind", MunicipalityToChooseFilter, "municipality", "rooms"]
    list_select_related = ["company", "municipality"]
    search_fields = ["reference", "street_address"]
    # 290 municipalities: searched by name or code (the municipality's own admin answers).
    autocomplete_fields = ["municipality"]
    readonly_fields = ["municipality_as_given"]


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


class VacancyForm(StepFormMixin, forms.ModelForm):
    """A tenant's notice: the unit (of the person's own company) and the dates."""

    class Meta:
        model = Vacancy
        fields = ["unit", "notice_given_on", "available_from"]
        widgets = {
            "notice_given_on": forms.DateInput(attrs={"type": "date"}),
            "available_from": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A company has a thousand flats: they are searched (the units' own admin answers the
        # search, with its scope), and the form refuses a unit of another company.
        self.fields["unit"].queryset = Unit.objects.visible_to(self.user)
        self.fields["unit"].widget = ValidAutocompleteSelect(
            Vacancy._meta.get_field("unit"), admin.site, choices=self.fields["unit"].choices
        )

    def arguments(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class DeclineForm(StepForm):
    reason = forms.CharField(
        label=_("Why the integration unit declines the flat"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def may_decline_now(vacancy: Vacancy, user) -> bool:
    return vacancy.status == Vacancy.Status.OFFERED and actions.may_decline(user, vacancy)


class VacancyTransitionInline(TransitionLogInline):
    model = VacancyTransition


@admin.register(Vacancy)
class VacancyAdmin(ActionAddMixin, WorkflowAdminMixin, CompanyScopedAdmin):
    action_object = "vacancy"
    # Step -> its action and the form of its input.
    steps = {
        "decline": Step(
            actions.decline_offer,
            DeclineForm,
            label=_("Decline the offer"),
            offered=may_decline_now,
            url_path="decline",
        ),
    }
    # A vacancy is recorded through the quota, which numbers it and may offer it.
    add_form = VacancyForm
    add_action = actions.record_vacancy
    add_title = _("Record a vacancy")
    # What a person looks for first (the number, the status, offered under the quota) comes
    # first, so that it shows at 1280 px beside the admin's menu and first on a phone.
    list_display = ["sequence", "status", "offered", "unit", "available_from", "notice_given_on"]
    list_display_links = ["sequence"]
    list_filter = ["status", "offered", "as_replacement"]
    list_select_related = ["unit", "agreement"]
    search_fields = ["unit__reference", "unit__street_address"]
    inlines = [VacancyTransitionInline]

    # Recorded through the quota, a vacancy is read here; it changes only through its steps.
    readonly_fields = [
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
    fields = readonly_fields

    def added(self, request, obj):
        super().added(request, obj)
        if obj.offered:
            messages.info(
                request,
                _("Vacancy no. %(n)s is offered to the integration unit under the quota.")
                % {"n": obj.sequence},
            )


class ContractTransitionInline(TransitionLogInline):
    model = ContractTransition


def may_record_registration_now(contract: Contract, user) -> bool:
    return contract.kind == Contract.Kind.SUBLET and actions.may_record_registration(
        user, contract.match.case
    )


@admin.register(Contract)
class ContractAdmin(WorkflowAdminMixin, CompanyScopedAdmin):
    action_object = "contract"
    # Step -> its action and the form of its input.
    steps = {
        "registered": Step(
            actions.record_employment_service_registration,
            RegistrationForm,
            label=_("Record registration with the Public Employment Service"),
            offered=may_record_registration_now,
            url_path="registered",
        ),
    }
    list_display = [
        "unit",
        "kind",
        "starts_on",
        "registered_on",
        "converted_at",
    ]
    list_filter = ["kind"]
    list_select_related = ["unit", "match__case"]
    readonly_fields = [
        "match",
        "company",
        "unit",
        "kind",
        "starts_on",
        "registered_on",
        "converted_at",
    ]
    inlines = [ContractTransitionInline]

    @admin.display(description=_("registered with the Public Employment Service on"))
    def registered_on(self, obj):
        return obj.match.case.registered_with_employment_service_on

    def has_add_permission(self, request):
        return False
