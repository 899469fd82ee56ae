from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from accounts.scoping import sees_everything
from hosts.languages import LANGUAGE_CHOICES
from workflow.admin_tools import ScopedAdminMixin, TransitionLogInline, WorkflowAdminMixin

from .models import CaseTransition, NewcomerCase
from .workflow import CASE_WORKFLOW, open_case, record_establishment_outcome, transition_case


class CaseTransitionInline(TransitionLogInline):
    model = CaseTransition


class NewcomerCaseForm(forms.ModelForm):
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    children_ages = forms.CharField(
        label=_("Children's ages"),
        required=False,
        help_text=_("Separate with commas, e.g. 4, 9. Leave empty if there are no children."),
    )
    preferred_areas = forms.CharField(
        label=_("Preferred areas"),
        required=False,
        help_text=_("Separate with commas, e.g. Krokom, Nälden. Empty means anywhere."),
    )

    class Meta:
        model = NewcomerCase
        fields = [
            "partner",
            "reference",
            "adults",
            "children_ages",
            "languages",
            "needs_step_free_access",
            "pet_allergy",
            "needs_non_smoking",
            "preferred_areas",
            "rent_budget",
            "assigned_on",
            "housing_needed_by",
            "establishment_ends_on",
            "outcome",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["children_ages"] = ", ".join(str(a) for a in self.instance.children_ages)
            self.initial["preferred_areas"] = ", ".join(self.instance.preferred_areas)

    def clean_children_ages(self):
        raw = self.cleaned_data["children_ages"].strip()
        if not raw:
            return []
        try:
            ages = [int(part) for part in raw.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(
                _("Give the children's ages as whole numbers from 0 to 17, separated by commas.")
            ) from None
        return ages

    def clean_preferred_areas(self):
        raw = self.cleaned_data["preferred_areas"]
        return [part.strip() for part in raw.split(",") if part.strip()][:20]


@admin.register(NewcomerCase)
class NewcomerCaseAdmin(WorkflowAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    workflow = CASE_WORKFLOW
    form = NewcomerCaseForm
    list_display = [
        "reference",
        "partner",
        "household_size_display",
        "status",
        "assigned_on",
        "housing_needed_by",
    ]
    list_filter = [
        "status",
        "partner",
        "outcome",
        "needs_step_free_access",
        "pet_allergy",
        "assigned_on",
    ]
    list_select_related = ["partner"]
    search_fields = ["reference", "notes"]
    date_hierarchy = "housing_needed_by"
    readonly_fields = [
        "status",
        "status_changed_at",
        "outcome_recorded_at",
        "created_at",
        "updated_at",
    ]
    inlines = [CaseTransitionInline]

    @admin.display(description=_("household"))
    def household_size_display(self, obj):
        return obj.household_size

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        partner_field = form.base_fields.get("partner")
        if partner_field is not None:
            if sees_everything(request.user):
                partner_field.queryset = Organisation.objects.filter(kind=Organisation.Kind.PARTNER)
            else:
                partner_field.queryset = Organisation.objects.filter(
                    pk=request.user.organisation_id, kind=Organisation.Kind.PARTNER
                )
                partner_field.initial = request.user.organisation_id
        return form

    def save_model(self, request, obj, form, change):
        if change:
            outcome_changed = "outcome" in form.changed_data and obj.outcome
            obj.save()
            if outcome_changed:
                record_establishment_outcome(case=obj, outcome=obj.outcome, user=request.user)
            return
        fields = {
            name: form.cleaned_data[name] for name in form.Meta.fields if name in form.cleaned_data
        }
        created = open_case(user=request.user, **fields)
        obj.pk = created.pk
        obj._state.adding = False

    def perform_step(self, request, obj, step, data):
        return transition_case(
            case=obj, name=step, user=request.user, reason=data.get("reason", "")
        )
