from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.access import has_role
from privacy.admin_mixins import AccessLoggedAdminMixin
from workflow.admin_tools import ScopedAdminMixin, ScopedLinksMixin

from .models import AccessibilityReport

# Those a report can go to (``accessibility.routing``), and the data protection officer.
READERS = (
    roles.PARTNER_COORDINATOR,
    roles.VOLUNTEER_COORDINATOR,
    roles.DATA_PROTECTION_OFFICER,
)


@admin.register(AccessibilityReport)
class AccessibilityReportAdmin(
    AccessLoggedAdminMixin, ScopedAdminMixin, ScopedLinksMixin, admin.ModelAdmin
):
    """Read-only: the people a report went to read it (and answer the person outside the
    portal); the data protection officer reads every report. Nobody changes or deletes one here:
    the retention rules delete them."""

    list_display = ["created_at", "short_text", "page", "municipality", "routed_to", "answer"]
    list_filter = ["routed_to", "municipality"]
    list_select_related = ["municipality"]
    search_fields = ["text", "page"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "text",
        "page",
        "municipality",
        "name",
        "email",
        "phone",
        "language",
        "routed_to",
    ]
    readonly_fields = fields

    @admin.display(description=_("the problem"))
    def short_text(self, obj):
        return Truncator(obj.text).chars(80)

    @admin.display(description=_("wants an answer"), boolean=True)
    def answer(self, obj):
        return obj.wants_an_answer

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff and has_role(request.user, *READERS)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
