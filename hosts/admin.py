from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from privacy.admin_mixins import AccessLoggedAdminMixin
from workflow.admin_tools import (
    NotFoundOutsideScopeMixin,
    ScopedAdminMixin,
    StepForm,
    TransitionLogInline,
    WorkflowAdminMixin,
)

from .actions import refer_home, transition_home
from .models import ErasureRecord, Home, HomeTransition, Host
from .workflow import HOME_WORKFLOW


class HomeTransitionInline(TransitionLogInline):
    model = HomeTransition


class HomeInline(admin.TabularInline):
    model = Home
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["kind", "municipality", "beds", "status"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Host)
class HostAdmin(AccessLoggedAdminMixin, NotFoundOutsideScopeMixin, admin.ModelAdmin):
    list_display = ["__str__", "email", "phone", "language", "created_at", "confirmed_at"]
    list_filter = ["language", ("confirmed_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "email", "phone"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "created_at",
        "confirmed_at",
        "consent_notice_version",
        "consent_given_at",
        "consent_language",
        "erased_at",
    ]
    inlines = [HomeInline]

    def get_queryset(self, request):
        # A host is visible to whoever may see one of the host's homes.
        visible_homes = Home.objects.visible_to(request.user).values("host_id")
        return super().get_queryset(request).filter(pk__in=visible_homes)


class ReferForm(StepForm):
    partner = forms.ModelChoiceField(
        label=_("Partner"), queryset=Organisation.objects.filter(kind=Organisation.Kind.PARTNER)
    )


@admin.register(Home)
class HomeAdmin(AccessLoggedAdminMixin, WorkflowAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    workflow = HOME_WORKFLOW
    step_forms = {"refer": ReferForm}
    list_display = [
        "__str__",
        "host",
        "status",
        "partner",
        "beds",
        "available_from",
        "created_at",
    ]
    list_filter = ["status", "kind", "partner", "municipality", "smoking", "has_pets"]
    list_select_related = ["host", "partner"]
    search_fields = ["host__name", "host__email", "street_address", "postcode", "municipality"]
    date_hierarchy = "created_at"
    readonly_fields = ["status", "status_changed_at", "partner", "created_at", "updated_at"]
    raw_id_fields = ["host"]
    inlines = [HomeTransitionInline]

    def perform_step(self, request, obj, step, data):
        if step == "refer":
            return refer_home(home=obj, partner=data["partner"], user=request.user)
        return transition_home(
            home=obj, name=step, user=request.user, reason=data.get("reason", "")
        )


@admin.register(ErasureRecord)
class ErasureRecordAdmin(admin.ModelAdmin):
    list_display = ["erased_at", "subject_kind", "channel"]
    list_filter = ["subject_kind", "channel"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
