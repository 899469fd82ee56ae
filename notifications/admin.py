from django.contrib import admin

from .models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "language", "created_at", "sent_at", "attempts"]
    list_filter = ["language", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
