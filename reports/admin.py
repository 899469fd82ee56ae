from django.contrib import admin

from accounts.scoping import sees_everything
from workflow.admin_tools import ScopedLinksMixin, TransitionLogInline
from workflow.form_input import UniqueRowsInlineFormSet

from .models import Partnership, ReportDownload, ReportRun, ReportRunTransition, Target


class TargetInline(ScopedLinksMixin, admin.TabularInline):
    model = Target
    formset = UniqueRowsInlineFormSet  # one target per metric (``target_unique_metric``)
    extra = 1


class PartiesScopedAdmin(ScopedLinksMixin, admin.ModelAdmin):
    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if sees_everything(request.user):
            return qs
        return qs.filter(
            **{f"{self.partnership_path}__in": Partnership.objects.visible_to(request.user)}
        )


@admin.register(Partnership)
class PartnershipAdmin(ScopedLinksMixin, admin.ModelAdmin):
    """The parties and the period of a partnership are set by a superuser: the people of a
    party change its targets. (A party who could name another organisation as a party would
    hand it the partnership's reports.) The parties offered on the add page are the person's own
    organisation (``ScopedLinksMixin``)."""

    list_display = [
        "name",
        "volunteer_organisation",
        "partner",
        "housing_company",
        "period_start",
        "period_end",
    ]
    list_select_related = ["volunteer_organisation", "partner", "housing_company"]
    list_filter = ["partner", "period_end"]
    search_fields = ["name"]
    # 290 municipalities: searched by name or code (the municipality's own admin answers).
    autocomplete_fields = ["municipalities"]
    inlines = [TargetInline]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return self.readonly_fields
        return [
            "name",
            "volunteer_organisation",
            "local_group",
            "partner",
            "municipalities",
            "housing_company",
            "local_group",
            "municipalities",
            "period_start",
            "period_end",
            "created_at",
        ]


class ReportRunTransitionInline(TransitionLogInline):
    model = ReportRunTransition


@admin.register(ReportRun)
class ReportRunAdmin(PartiesScopedAdmin):
    inlines = [ReportRunTransitionInline]
    partnership_path = "partnership"
    list_display = [
        "partnership",
        "organisation",
        "year",
        "kind",
        "language",
        "as_of",
        "status",
        "progress",
        "created_at",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["partnership", "organisation"]
    readonly_fields = [f.name for f in ReportRun._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ReportDownload)
class ReportDownloadAdmin(PartiesScopedAdmin):
    partnership_path = "run__partnership"
    list_display = ["run", "file_kind", "user", "downloaded_at"]
    list_select_related = ["run__partnership", "user"]
    readonly_fields = ["run", "file_kind", "user", "downloaded_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
