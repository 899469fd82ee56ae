from django.contrib import admin

from .models import ErasureRecord, Home, HomeTransition, Host


class HomeTransitionInline(admin.TabularInline):
    model = HomeTransition
    extra = 0
    can_delete = False
    fields = ["created_at", "from_state", "to_state", "actor", "actor_kind", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class HomeInline(admin.StackedInline):
    model = Home
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["kind", "municipality", "beds", "status"]
    readonly_fields = ["status"]


@admin.register(Host)
class HostAdmin(admin.ModelAdmin):
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


@admin.register(Home)
class HomeAdmin(admin.ModelAdmin):
    list_display = ["__str__", "host", "status", "beds", "available_from", "created_at"]
    list_filter = ["status", "kind", "municipality", "smoking", "has_pets"]
    list_select_related = ["host"]
    search_fields = ["host__name", "host__email", "street_address", "postcode", "municipality"]
    date_hierarchy = "created_at"
    readonly_fields = ["status", "status_changed_at", "created_at", "updated_at"]
    raw_id_fields = ["host"]
    inlines = [HomeTransitionInline]


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
