from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.access import has_role
from accounts.models import Organisation
from accounts.scoping import sees_everything
from hosts.languages import LANGUAGE_CHOICES
from privacy.admin_mixins import AccessLoggedAdminMixin
from workflow.admin_tools import (
    ReasonForm,
    ScopedAdminMixin,
    ScopedLinksMixin,
    Step,
    TransitionLogInline,
    WorkflowAdminMixin,
)
from workflow.errors import DomainError

from .actions import (
    close_case,
    open_case,
    record_establishment_outcome,
    reopen_case,
    set_preferred_areas,
)
from .models import CaseTransition, NewcomerCase
from .workflow import CASE_WORKFLOW


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
        help_text=_("Separate with commas, e.g. Krokom, Östersund. Empty means anywhere."),
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
            "needs_months",
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
        from matching.places import resolve_place

        raw = self.cleaned_data["preferred_areas"]
        names = [part.strip() for part in raw.split(",") if part.strip()][:20]
        partner = self.cleaned_data.get("partner") or getattr(self.instance, "partner", None)
        places, unknown = [], []
        for name in names:
            place = resolve_place(name, partner_id=getattr(partner, "pk", None))
            (places.append(place) if place else unknown.append(name))
        if unknown:
            raise forms.ValidationError(
                _(
                    "We do not know where %(names)s is. Check the spelling, or add it as one of "
                    "your partner's districts (Matches › Places)."
                )
                % {"names": ", ".join(unknown)}
            )
        self.resolved_places = places
        return names


class SuggestionsMixin:
    """Ranked, explained homes for a case, and the best plan for all open cases of a partner.
    Proposing goes through ``matching.actions.propose_match`` like everywhere else."""

    def get_urls(self):
        return [
            path(
                "plan/",
                self.admin_site.admin_view(self.plan_view),
                name="newcomers_newcomercase_plan",
            ),
            path(
                "<path:object_id>/propose/<int:home_id>/",
                self.admin_site.admin_view(self.propose_view),
                name="newcomers_newcomercase_propose",
            ),
            *super().get_urls(),
        ]

    def _may_propose(self, request) -> bool:
        return has_role(request.user, roles.PARTNER_COORDINATOR)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from matching.suggestions import suggest_homes

        extra_context = extra_context or {}
        case = self.get_object(request, unquote(object_id))
        if case.status == NewcomerCase.Status.WAITING and not case.matches.live().exists():
            extra_context["suggestions"] = suggest_homes(case)
            extra_context["may_propose"] = self._may_propose(request)
        return super().change_view(request, object_id, form_url, extra_context)

    def propose_view(self, request, object_id, home_id):
        from hosts.models import Home
        from matching import actions as matching_actions

        case = self.get_object(request, unquote(object_id))
        if not self._may_propose(request):
            raise PermissionDenied
        if request.method != "POST":
            return redirect("admin:newcomers_newcomercase_change", case.pk)
        home = get_object_or_404(Home.objects.visible_to(request.user), pk=home_id)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("admin:newcomers_newcomercase_change", args=[case.pk])
        try:
            match = matching_actions.propose_match(home=home, case=case, user=request.user)
        except DomainError as exc:
            # The refusal, once, with its status; the way back is where the person came from.
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("Propose"),
                "message": exc.message,
                "back_url": target,
            }
            return TemplateResponse(
                request, "admin/workflow/refused.html", context, status=exc.status
            )
        messages.success(
            request,
            _("Proposed: %(match)s. Approve it on the match's page.") % {"match": match},
        )
        return redirect(target)

    def plan_view(self, request):
        from hosts.models import Home
        from matching.suggestions import best_plan, open_cases

        partners = Organisation.objects.filter(kind=Organisation.Kind.PARTNER)
        if not sees_everything(request.user):
            partners = partners.filter(pk=request.user.organisation_id)
        chosen = request.GET.get("partner", "")
        chosen = partners.filter(pk=chosen).first() if chosen.isdigit() else None
        partner = chosen or partners.first()
        if partner is None:
            raise Http404
        cases = open_cases(partner.pk)
        plan = best_plan(cases)
        case_by_id = {case.pk: case for case in cases}
        homes = Home.objects.select_related("host").in_bulk(
            [home_id for _c, home_id, _f in plan.pairs]
        )
        items = [
            {"case": case_by_id[case_id], "home": homes[home_id], "fit": fit}
            for case_id, home_id, fit in plan.pairs
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Best plan for all open cases"),
            "partner": partner,
            "partners": partners,
            "items": items,
            "plan": plan,
            "open_cases": len(cases),
            "may_propose": self._may_propose(request),
        }
        return TemplateResponse(request, "admin/newcomers/plan.html", context)


# Fields of a case that only the partner's coordinators see: the household's e-mail address is
# there to send its link, and for nothing else (not for the data protection officer's or a
# manager's reading of the case).
COORDINATOR_ONLY_FIELDS = ("email",)


class NewcomerCaseAdmin(
    AccessLoggedAdminMixin,
    SuggestionsMixin,
    WorkflowAdminMixin,
    ScopedLinksMixin,
    ScopedAdminMixin,
    admin.ModelAdmin,
):
    workflow = CASE_WORKFLOW
    action_object = "case"
    # Step -> its action and the form of its input (None: none needed; also a bulk action).
    # Matching, moving in and ending a stay are the match's steps (matching.admin): a housed
    # household needs housing again when its stay ends, on the match's page, so "rehouse" is
    # not offered here (it would leave the match moved in).
    steps = {
        "close": Step(close_case, ReasonForm),
        "reopen": Step(reopen_case),
    }
    form = NewcomerCaseForm
    change_form_template = "admin/newcomers/newcomercase/change_form.html"
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

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if has_role(request.user, roles.PARTNER_COORDINATOR):
            return fields
        return [name for name in fields if name not in COORDINATOR_ONLY_FIELDS]

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
            self._save_places(obj, form)
            return
        fields = {
            name: form.cleaned_data[name] for name in form.Meta.fields if name in form.cleaned_data
        }
        created = open_case(user=request.user, **fields)
        obj.pk = created.pk
        obj._state.adding = False
        self._save_places(created, form)

    def _save_places(self, case, form):
        if "preferred_areas" in form.cleaned_data:
            set_preferred_areas(
                case=case,
                names=form.cleaned_data["preferred_areas"],
                places=getattr(form, "resolved_places", []),
            )


admin.site.register(NewcomerCase, NewcomerCaseAdmin)
