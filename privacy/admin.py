from django.contrib import admin

from accounts import roles
from accounts.access import has_role
from workflow.admin_tools import ScopedLinksMixin

from .models import AccessLog, DataRequest, RetentionRun, SecurityEvent


class ReadOnly(ScopedLinksMixin, admin.ModelAdmin):
    """The data protection officer's records: the officer reads them, nobody writes them here."""

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        return has_role(request.user, roles.DATA_PROTECTION_OFFICER)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnly):
    list_display = ["created_at", "user", "action", "object_type", "object_id", "where"]
    list_filter = ["action", "object_type", "where"]
    list_select_related = ["user"]
    search_fields = ["user__username", "object_id", "object_type"]
    date_hierarchy = "created_at"


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnly):
    list_display = ["created_at", "kind", "path"]
    list_filter = ["kind"]
    date_hierarchy = "created_at"


@admin.register(DataRequest)
class DataRequestAdmin(ReadOnly):
    list_display = ["handled_at", "kind", "subject", "handled_by", "note"]
    list_filter = ["kind"]
    list_select_related = ["handled_by"]


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnly):
    list_display = ["ran_at", "counts"]
