from django.contrib import admin

from accounts.models import Organisation, User
from accounts.scoping import colleague_filter, sees_everything, volunteer_work_filter
from workflow.admin_tools import NotFoundOutsideScopeMixin, ScopedLinksMixin, TransitionLogInline

from . import selectors
from .models import (
    ApplicationTransition,
    CallAttempt,
    Campaign,
    HomeVisit,
    HomeVisitTransition,
    HostNote,
    QueueEntry,
    VolunteerApplication,
    VolunteerProfile,
)


class ReadOnlyAdmin(ScopedLinksMixin, admin.ModelAdmin):
    """Volunteers' records change only through the web app's services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrganisationWorkAdmin(NotFoundOutsideScopeMixin, ReadOnlyAdmin):
    """Records of the volunteers' work on a home: a volunteer coordinator sees those of the local
    groups they reach (``accounts.scoping.volunteer_work_filter``, as on the homes' own admin),
    the data protection officer and superusers all of them; another organisation's record, and
    every record for the people of a partner or a company, is a 404."""

    home_path = "home"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        user = request.user
        if sees_everything(user):
            return queryset
        organisation = getattr(user, "organisation", None)
        if organisation is None or organisation.kind != Organisation.Kind.VOLUNTEER_ORGANISATION:
            return queryset.none()  # a partner's or a company's people: none of these
        return queryset.filter(volunteer_work_filter(user, path=f"{self.home_path}__"))


class ApplicationTransitionInline(TransitionLogInline):
    model = ApplicationTransition


@admin.register(VolunteerApplication)
class VolunteerApplicationAdmin(NotFoundOutsideScopeMixin, ReadOnlyAdmin):
    inlines = [ApplicationTransitionInline]
    list_display = [
        "name",
        "email",
        "municipality",
        "local_group",
        "status",
        "created_at",
        "reviewed_by",
    ]
    list_filter = ["status"]
    list_select_related = ["reviewed_by", "municipality", "local_group"]
    search_fields = ["name", "email"]

    def get_queryset(self, request):
        # As on the applications page: the pending ones, and those decided by the organisation.
        queryset = super().get_queryset(request)
        if sees_everything(request.user):
            return queryset
        return queryset.filter(pk__in=selectors.applications_for(request.user).values("pk"))


@admin.register(VolunteerProfile)
class VolunteerProfileAdmin(ScopedLinksMixin, NotFoundOutsideScopeMixin, admin.ModelAdmin):
    list_display = ["__str__", "phone", "area", "availability", "met_on"]
    list_select_related = ["user"]
    search_fields = ["user__first_name", "user__last_name", "user__username", "area"]
    raw_id_fields = ["user"]
    # Recorded on the applications page (``actions.record_introduction``), never typed here.
    readonly_fields = ["met_on", "met_by"]

    def get_queryset(self, request):
        # The volunteers of the person's own organisation (all for the officer and superusers).
        queryset = super().get_queryset(request)
        condition = colleague_filter(request.user)
        if condition is None:
            return queryset
        return queryset.filter(user__in=User.objects.filter(condition))


@admin.register(CallAttempt)
class CallAttemptAdmin(OrganisationWorkAdmin):
    list_display = ["home", "volunteer", "outcome", "created_at", "campaign"]
    list_filter = ["outcome", "campaign", "created_at"]
    list_select_related = ["home", "volunteer", "campaign"]
    date_hierarchy = "created_at"


@admin.register(QueueEntry)
class QueueEntryAdmin(OrganisationWorkAdmin):
    list_display = ["home", "needs_call", "rank", "next_call_at", "unanswered", "claimed_by"]
    list_filter = ["needs_call", "rank"]
    list_select_related = ["home", "claimed_by"]


@admin.register(Campaign)
class CampaignAdmin(NotFoundOutsideScopeMixin, ReadOnlyAdmin):
    list_display = ["name", "organisation", "local_group", "started_at", "ended_at"]
    list_select_related = ["organisation", "local_group"]

    def get_queryset(self, request):
        # A volunteer organisation's own campaigns (all for the officer and superusers).
        queryset = super().get_queryset(request)
        if sees_everything(request.user):
            return queryset
        return queryset.filter(pk__in=selectors.campaigns_for(request.user).values("pk"))


class HomeVisitTransitionInline(TransitionLogInline):
    model = HomeVisitTransition
    fields = [*TransitionLogInline.fields, "starts_at"]
    readonly_fields = fields


@admin.register(HomeVisit)
class HomeVisitAdmin(OrganisationWorkAdmin):
    inlines = [HomeVisitTransitionInline]
    list_display = ["home", "starts_at", "status", "verdict"]
    list_filter = ["status", "verdict"]
    list_select_related = ["home"]
    date_hierarchy = "starts_at"


@admin.register(HostNote)
class HostNoteAdmin(OrganisationWorkAdmin):
    list_display = ["home", "author", "created_at"]
    list_select_related = ["home", "author"]
