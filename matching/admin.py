from django import forms
from django.contrib import admin
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.access import has_role
from accounts.models import Organisation
from accounts.scoping import partner_filter, sees_everything
from hosts.models import Home
from matching_portal import formatting
from municipalities.admin import MunicipalityToChooseFilter, municipality_or_as_given
from newcomers.models import NewcomerCase
from privacy.admin_mixins import AccessLoggedAdminMixin
from workflow.admin_tools import (
    ActionAddMixin,
    NotFoundOutsideScopeMixin,
    ScopedAdminMixin,
    ScopedLinksMixin,
    Step,
    StepForm,
    StepFormMixin,
    TransitionLogInline,
    WorkflowAdminMixin,
)

from . import actions
from .models import Match, MatchingWeights, MatchReason, MatchTransition, Place


class MatchTransitionInline(TransitionLogInline):
    model = MatchTransition
    fields = ["created_at", "from_stage", "to_stage", "actor", "reason_choice", "reason"]
    readonly_fields = fields


class ReasonStepForm(StepForm):
    """Why a match is rejected, cancelled or ended: a reason from the partner's list, and words."""

    reason_choice = forms.ModelChoiceField(
        label=_("Reason"), queryset=MatchReason.objects.none(), required=False
    )
    note = forms.CharField(
        label=_("In your own words"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.obj is not None:
            self.fields["reason_choice"].queryset = MatchReason.objects.filter(
                partner_id=self.obj.case.partner_id, active=True
            )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("reason_choice") and not cleaned.get("note", "").strip():
            raise forms.ValidationError(_("Choose a reason or write one."))
        return cleaned


class MoveInForm(StepForm):
    move_in_date = forms.DateField(
        label=_("Move-in date"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["move_in_date"].initial = timezone.localdate()


class EndForm(ReasonStepForm):
    ended_on = forms.DateField(label=_("Ended on"), widget=forms.DateInput(attrs={"type": "date"}))
    early_end_reason = forms.ChoiceField(
        label=_("Did the stay end early?"),
        choices=[("", _("No, it ended as planned")), *Match.EarlyEnd.choices],
        required=False,
        help_text=_(
            "If it ended early, say why (counted in the year-end report). A household that "
            "needs housing again then waits with priority."
        ),
    )
    home_next = forms.ChoiceField(
        label=_("The home"),
        choices=[
            (actions.HomeNext.REFERRED, _("Can be offered again (back to referred)")),
            (
                actions.HomeNext.PAUSED,
                _("Is paused for now (the host or a volunteer resumes it)"),
            ),
            (actions.HomeNext.CLOSED, _("Is no longer offered (closed)")),
        ],
        widget=forms.RadioSelect,
        initial=actions.HomeNext.REFERRED,
    )
    case_next = forms.ChoiceField(
        label=_("The household"),
        choices=[
            (actions.CaseNext.WAITING, _("Needs housing again (waiting)")),
            (actions.CaseNext.CLOSED, _("Has housing of its own (close the case)")),
        ],
        widget=forms.RadioSelect,
        initial=actions.CaseNext.WAITING,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].initial = timezone.localdate()
        if self.obj is not None and self.obj.home.unit_id is not None:
            # A housing company's flat has no host or volunteer to resume it.
            self.fields["home_next"].choices = [
                choice
                for choice in self.fields["home_next"].choices
                if choice[0] != actions.HomeNext.PAUSED
            ]


def _case_choice_label(case) -> str:
    from newcomers.admin import priority_text

    priority = priority_text(case)
    return f"{case} – {priority}" if priority else str(case)


class ProposeMatchForm(StepFormMixin, forms.ModelForm):
    """Propose a home referred to the coordinator's partner for one of its waiting cases."""

    class Meta:
        model = Match
        fields = ["case", "home"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.user
        live = Match.objects.live()
        self.fields["case"].queryset = (
            NewcomerCase.objects.visible_to(user)
            .filter(status=NewcomerCase.Status.WAITING)
            .exclude(pk__in=live.values("case_id"))
            .select_related("partner")
            # Households waiting with priority (a stay ended early) first, with their badge.
            .order_by(F("priority_since").asc(nulls_last=True), "housing_needed_by", "pk")
        )
        self.fields["case"].label_from_instance = _case_choice_label
        self.fields["home"].queryset = (
            Home.objects.visible_to(user)
            .filter(status=Home.Status.REFERRED)
            .exclude(pk__in=live.values("home_id"))
            .select_related("host")
        )

    def arguments(self):
        return {"home": self.cleaned_data["home"], "case": self.cleaned_data["case"]}


class HouseholdAnswerForm(StepForm):
    """The household's yes or no, given to the coordinator, and how it was given."""

    answer = forms.ChoiceField(
        label=_("The household's answer"),
        choices=Match.HouseholdAnswer.choices,
        widget=forms.RadioSelect,
    )
    via = forms.ChoiceField(
        label=_("How the household gave it"),
        choices=[
            (value, label)
            for value, label in Match.AnswerGiven.choices
            if value != Match.AnswerGiven.OWN_PAGE
        ],
        widget=forms.RadioSelect,
    )


def _records_answers(match, user) -> bool:
    """A coordinator of the case's partner records the answer while the match is proposed."""
    return (
        match.status == Match.Status.PROPOSED
        and has_role(user, roles.PARTNER_COORDINATOR)
        and user.organisation_id == match.case.partner_id
    )


@admin.register(Match)
class MatchAdmin(
    AccessLoggedAdminMixin,
    ActionAddMixin,
    WorkflowAdminMixin,
    ScopedLinksMixin,
    ScopedAdminMixin,
    admin.ModelAdmin,
):
    workflow = actions.MATCH_WORKFLOW
    action_object = "match"
    # Step -> its action and the form of its input (None: none needed; also a bulk action).
    steps = {
        "approve": Step(actions.approve_match),
        "reject": Step(actions.reject_match, ReasonStepForm),
        "cancel": Step(actions.cancel_match, ReasonStepForm),
        "move_in": Step(actions.record_move_in, MoveInForm),
        "end": Step(actions.end_match, EndForm),
        "household_answer": Step(
            actions.record_household_answer,
            HouseholdAnswerForm,
            label=_("Record the household's answer"),
            offered=_records_answers,
        ),
    }
    # A match is made by proposing it.
    add_form = ProposeMatchForm
    add_action = actions.propose_match
    add_title = _("Propose a match")
    list_display = [
        "__str__",
        "status",
        "case_partner",
        "home_municipality",
        "household_answer_display",
        "move_in_date",
        "created_at",
    ]
    list_filter = [
        "status",
        "household_answer",
        "case__partner",
        "home__municipality",
        "created_at",
        "move_in_date",
    ]
    list_select_related = ["home__municipality", "case", "case__partner"]
    search_fields = ["case__reference", "home__municipality__short_name", "home__host__name"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "home",
        "case",
        "status",
        "status_changed_at",
        "move_in_date",
        "ended_on",
        "early_end_reason",
        "reason",
        "reason_note",
        "household_answer",
        "household_answered_at",
        "household_answer_via",
        "household_answer_recorded_by",
        "created_at",
    ]
    inlines = [MatchTransitionInline]

    @admin.display(description=_("the household's answer"), ordering="household_answered_at")
    def household_answer_display(self, obj):
        if not obj.household_answer:
            return self.get_empty_value_display()
        return _("%(answer)s (%(via)s, %(when)s)") % {
            "answer": _("Yes") if obj.household_answer == Match.HouseholdAnswer.YES else _("No"),
            "via": obj.get_household_answer_via_display(),
            "when": formatting.day(obj.household_answered_at),
        }

    @admin.display(description=_("partner"), ordering="case__partner__name")
    def case_partner(self, obj):
        return obj.case.partner

    @admin.display(description=_("municipality"), ordering="home__municipality__short_name")
    def home_municipality(self, obj):
        return obj.home.municipality_label

    def save_model(self, request, obj, form, change):
        pass  # a match changes only through its steps (and is made by proposing it)


@admin.register(MatchReason)
class MatchReasonAdmin(ScopedLinksMixin, NotFoundOutsideScopeMixin, admin.ModelAdmin):
    list_display = ["label", "partner", "active", "times_given"]
    list_filter = ["active", "partner"]
    list_select_related = ["partner"]
    search_fields = ["label"]

    @admin.display(description=_("times given"), ordering="times")
    def times_given(self, obj):
        return obj.times

    def get_queryset(self, request):
        qs = (
            super()
            .get_queryset(request)
            .annotate(
                times=Count(
                    "matches",
                    filter=Q(matches__status__in=Match.WITH_REASON),
                )
            )
        )
        condition = partner_filter(request.user)
        return qs if condition is None else qs.filter(condition)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "partner" in form.base_fields and not sees_everything(request.user):
            form.base_fields["partner"].queryset = Organisation.objects.filter(
                pk=request.user.organisation_id
            )
            form.base_fields["partner"].initial = request.user.organisation_id
        return form


@admin.register(Place)
class PlaceAdmin(ScopedLinksMixin, admin.ModelAdmin):
    """Localities come from GeoNames and cannot be changed; a partner adds its own districts."""

    list_display = ["name", municipality_or_as_given, "kind", "partner", "latitude", "longitude"]
    list_filter = ["kind", "partner", MunicipalityToChooseFilter]
    list_select_related = ["municipality", "partner"]
    search_fields = ["name", "municipality__short_name", "municipality__code"]
    fields = ["name", "partner", "municipality", "municipality_as_given", "latitude", "longitude"]
    readonly_fields = ["municipality_as_given"]
    # Localities belong to their municipality; a district's is searched by name or code.
    autocomplete_fields = ["municipality"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if sees_everything(request.user):
            return qs
        return qs.filter(Q(partner__isnull=True) | Q(partner_id=request.user.organisation_id))

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.kind == Place.Kind.LOCALITY:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.kind == Place.Kind.LOCALITY:
            return False
        return super().has_delete_permission(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "partner" in form.base_fields and not sees_everything(request.user):
            form.base_fields["partner"].queryset = Organisation.objects.filter(
                pk=request.user.organisation_id
            )
            form.base_fields["partner"].required = True
        return form

    def save_model(self, request, obj, form, change):
        obj.kind = Place.Kind.DISTRICT
        super().save_model(request, obj, form, change)


@admin.register(MatchingWeights)
class MatchingWeightsAdmin(ScopedLinksMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "language",
        "distance",
        "rent",
        "case_waiting",
        "home_waiting",
        "area_radius_km",
        "updated_at",
    ]
