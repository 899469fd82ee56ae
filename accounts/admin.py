from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from workflow.admin_tools import ScopedLinksMixin

from .actions import lift_lockouts, may_lift_lockouts
from .models import Organisation, User
from .scoping import colleague_filter


@admin.register(Organisation)
class OrganisationAdmin(ScopedLinksMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "municipality", "contact_email"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(ScopedLinksMixin, BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "organisation", "is_active"]
    list_filter = ["organisation", "groups", "is_active", "is_staff"]
    list_select_related = ["organisation"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Organisation"), {"fields": ("organisation", "language")}),
    )

    def get_queryset(self, request):
        # The people of the person's own organisation (everyone for the DPO and superusers).
        condition = colleague_filter(request.user)
        queryset = super().get_queryset(request)
        return queryset if condition is None else queryset.filter(condition)


# Log-in lock-outs (django-axes' records of failed log-ins) ----------------------------------

admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    """Failed log-ins by (user name, address). A superuser (or whoever holds the permission to
    delete these records) lifts a lock-out with the action, which records who did it; the
    records are otherwise read-only, and the typed form data is not shown."""

    actions = ["lift_lockouts"]
    fieldsets = (
        (None, {"fields": ("username", "ip_address", "failures_since_start", "attempt_time")}),
    )
    list_display = ["attempt_time", "username", "ip_address", "failures_since_start", "status"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # only through the action below, which records it

    def has_lift_permission(self, request):
        return may_lift_lockouts(request.user)

    @admin.action(description=_("Lift the lock-out"), permissions=["lift"])
    def lift_lockouts(self, request, queryset):
        count = lift_lockouts(by=request.user, attempts=queryset, where=request.path)
        self.message_user(
            request,
            ngettext("Lifted %(count)d lock-out.", "Lifted %(count)d lock-outs.", count)
            % {"count": count},
        )
