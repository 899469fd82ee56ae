from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "contact_email"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "organisation", "is_active"]
    list_filter = ["organisation", "groups", "is_active", "is_staff"]
    list_select_related = ["organisation"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Organisation"), {"fields": ("organisation", "language")}),
    )
