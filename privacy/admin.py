from collections.abc import Callable

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

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


class StoredValuesFilter(admin.SimpleListFilter):
    """A filter on a stored value of the access log, each value offered by its name."""

    field: str
    label: Callable[[str], str]

    def lookups(self, request, model_admin):
        values = (
            model_admin.get_queryset(request)
            .order_by()
            .values_list(self.field, flat=True)
            .distinct()
        )
        return sorted(
            ((value, type(self).label(value)) for value in values), key=lambda c: str(c[1])
        )

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.field: self.value()})
        return queryset


class KindOfRecordFilter(StoredValuesFilter):
    title = _("kind of record")
    parameter_name = "object_type"
    field = "object_type"
    label = AccessLog.kind_label


class WhereFilter(StoredValuesFilter):
    title = _("where")
    parameter_name = "where"
    field = "where"
    label = AccessLog.place_label


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnly):
    list_display = ["created_at", "user", "action", "kind_of_record", "object_id", "place"]
    list_filter = ["action", KindOfRecordFilter, WhereFilter]
    fields = ["created_at", "user", "action", "kind_of_record", "object_id", "place"]
    readonly_fields = fields
    list_select_related = ["user"]
    search_fields = ["user__username", "object_id", "object_type"]
    date_hierarchy = "created_at"

    @admin.display(description=_("kind of record"), ordering="object_type")
    def kind_of_record(self, obj):
        return obj.object_type_label()

    @admin.display(description=_("where"), ordering="where")
    def place(self, obj):
        return obj.where_label()


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
