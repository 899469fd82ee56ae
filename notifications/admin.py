from django.contrib import admin
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import PeriodicTask

from workflow.admin_tools import ScopedLinksMixin

from .models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ScopedLinksMixin, admin.ModelAdmin):
    list_display = ["subject", "to", "language", "created_at", "sent_at", "attempts"]
    list_filter = ["language", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PeriodicTaskForm(beat_admin.PeriodicTaskForm):
    """django-celery-beat's form, which raised KeyError (a 500) when the task's name was refused
    (too long, or a control character in it) instead of showing the field's error."""

    def clean(self):
        if "task" not in self.cleaned_data:
            if not self.cleaned_data.get("regtask"):
                return self.cleaned_data  # the task field's own error says what is wrong
            self.cleaned_data["task"] = ""  # the registered task chosen stands in for it
        return super().clean()


# The schedule of beat (the outbox's sweep among its tasks) is edited here; see README.
admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin):
    form = PeriodicTaskForm
