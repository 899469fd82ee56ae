from django.contrib import admin

from .models import Municipality


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    """Sweden's municipalities: reference data loaded by a migration, read by everyone who works
    in the admin (the choices of a home's, a unit's or a group's municipality search here)."""

    list_display = ["code", "name", "county"]
    list_filter = ["county"]
    search_fields = ["code", "name", "short_name"]
    ordering = ["name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff
