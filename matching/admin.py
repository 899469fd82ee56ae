from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from accounts.scoping import partner_filter, sees_everything
from hosts.models import Home
from newcomers.models import NewcomerCase
from privacy.admin_mixins import AccessLoggedAdminMixin
from workflow.admin_tools import (
    NotFoundOutsideScopeMixin,
    ScopedAdminMixin,
    StepForm,
    TransitionLogInline,
    WorkflowAdminMixin,
)
from workflow.engine import TransitionNotAllowed

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
        self.fields.pop("reason", None)
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
    home_next = forms.ChoiceField(
        label=_("The home"),
        choices=[
            (actions.HomeNext.REFERRED, _("Can be offered again (back to referred)")),
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


class ProposeMatchForm(forms.ModelForm):
    """Propose a home referred to the coordinator's partner for one of its waiting cases."""

    class Meta:
        model = Match
        fields = ["case", "home"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        live = Match.objects.live()
        self.fields["case"].queryset = (
            NewcomerCase.objects.visible_to(user)
            .filter(status=NewcomerCase.Status.WAITING)
            .exclude(pk__in=live.values("case_id"))
            .select_related("partner")
        )
        self.fields["home"].queryset = (
            Home.objects.visible_to(user)
            .filter(status=Home.Status.REFERRED)
            .exclude(pk__in=live.values("home_id"))
            .select_related("host")
        )


@admin.register(Match)
class MatchAdmin(AccessLoggedAdminMixin, WorkflowAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    workflow = actions.MATCH_WORKFLOW
    step_forms = {
        "reject": ReasonStepForm,
        "cancel": ReasonStepForm,
        "move_in": MoveInForm,
        "end": EndForm,
    }
    list_display = [
        "__str__",
        "status",
        "case_partner",
        "home_municipality",
        "move_in_date",
        "created_at",
    ]
    list_filter = ["status", "case__partner", "home__municipality", "created_at", "move_in_date"]
    list_select_related = ["home", "case", "case__partner"]
    search_fields = ["case__reference", "home__municipality", "home__host__name"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "home",
        "case",
        "status",
        "status_changed_at",
        "move_in_date",
        "ended_on",
        "reason",
        "reason_note",
        "created_at",
    ]
    inlines = [MatchTransitionInline]

    @admin.display(description=_("partner"), ordering="case__partner__name")
    def case_partner(self, obj):
        return obj.case.partner

    @admin.display(description=_("municipality"), ordering="home__municipality")
    def home_municipality(self, obj):
        return obj.home.municipality

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            form_class = ProposeMatchForm

            class BoundProposeForm(form_class):
                def __init__(self, *args, **kw):
                    super().__init__(*args, user=request.user, **kw)

            kwargs["form"] = BoundProposeForm
        return super().get_form(request, obj, **kwargs)

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return  # a match changes only through its steps
        try:
            created = actions.propose_match(home=obj.home, case=obj.case, user=request.user)
        except TransitionNotAllowed as exc:
            messages.error(request, exc.message)
            obj.pk = None
            return
        obj.pk = created.pk
        obj._state.adding = False

    def response_add(self, request, obj, post_url_continue=None):
        if obj.pk is None:
            return HttpResponseRedirect(reverse("admin:matching_match_add"))
        return super().response_add(request, obj, post_url_continue)

    def log_addition(self, request, obj, message):
        if obj.pk is not None:
            super().log_addition(request, obj, message)

    def perform_step(self, request, obj, step, data):
        if step == "approve":
            return actions.approve_match(match=obj, user=request.user)
        if step == "reject":
            return actions.reject_match(
                match=obj,
                user=request.user,
                reason_choice=data.get("reason_choice"),
                note=data.get("note", ""),
            )
        if step == "cancel":
            return actions.cancel_match(
                match=obj,
                user=request.user,
                reason_choice=data.get("reason_choice"),
                note=data.get("note", ""),
            )
        if step == "move_in":
            return actions.record_move_in(
                match=obj, user=request.user, move_in_date=data["move_in_date"]
            )
        if step == "end":
            return actions.end_match(
                match=obj,
                user=request.user,
                reason_choice=data.get("reason_choice"),
                note=data.get("note", ""),
                home_next=data["home_next"],
                case_next=data["case_next"],
                ended_on=data["ended_on"],
            )
        raise TransitionNotAllowed(_("There is no such step."))


@admin.register(MatchReason)
class MatchReasonAdmin(NotFoundOutsideScopeMixin, admin.ModelAdmin):
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
                    filter=Q(
                        matches__status__in=[
                            Match.Status.REJECTED,
                            Match.Status.CANCELLED,
                            Match.Status.ENDED,
                        ]
                    ),
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
class PlaceAdmin(admin.ModelAdmin):
    """Localities come from GeoNames and cannot be changed; a partner adds its own districts."""

    list_display = ["name", "municipality", "kind", "partner", "latitude", "longitude"]
    list_filter = ["kind", "partner"]
    search_fields = ["name", "municipality"]
    fields = ["name", "partner", "municipality", "latitude", "longitude"]

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
class MatchingWeightsAdmin(admin.ModelAdmin):
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
