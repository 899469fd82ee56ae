from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from workflow.admin_tools import ScopedLinksMixin

from .models import Organisation, User
from .scoping import colleague_filter


@admin.register(Organisation)
class OrganisationAdmin(ScopedLinksMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "contact_email"]
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
