from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from workflow.admin_tools import ScopedLinksMixin
from workflow.form_input import UniqueRowsInlineFormSet

from .actions import lift_lockouts, may_lift_lockouts
from .models import GroupMunicipality, LocalGroup, Organisation, User
from .scoping import colleague_filter, is_national_coordinator


@admin.register(Organisation)
class OrganisationAdmin(ScopedLinksMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "municipality", "contact_email", "takes_uncovered_hosts"]
    list_filter = ["kind"]
    search_fields = ["name"]
    list_select_related = ["municipality"]
    # 290 municipalities: searched by name or code (the municipality's own admin answers).
    autocomplete_fields = ["municipality"]


# Local groups -------------------------------------------------------------------------------


class GroupMunicipalityForm(forms.ModelForm):
    class Meta:
        model = GroupMunicipality
        fields = ["municipality"]

    def clean_municipality(self):
        """One group per municipality in the portal (the database holds it too): say which group
        covers it already, instead of the database's refusal."""
        municipality = self.cleaned_data["municipality"]
        taken = (
            GroupMunicipality.objects.filter(municipality=municipality)
            .exclude(pk=self.instance.pk)
            .select_related("group")
            .first()
        )
        if taken is not None:
            raise forms.ValidationError(
                _(
                    "%(municipality)s is already covered by %(group)s: a municipality has one "
                    "local group. Remove it from that group first."
                ),
                code="unique",
                params={"municipality": municipality, "group": taken.group},
            )
        return municipality


class GroupMunicipalityInline(admin.TabularInline):
    model = GroupMunicipality
    form = GroupMunicipalityForm
    # A municipality once per group's rows too (``GroupMunicipality.municipality`` is unique).
    formset = UniqueRowsInlineFormSet
    extra = 1
    autocomplete_fields = ["municipality"]
    verbose_name = _("municipality covered")
    verbose_name_plural = _("municipalities covered")


@admin.register(LocalGroup)
class LocalGroupAdmin(ScopedLinksMixin, admin.ModelAdmin):
    """Local groups and the municipalities they cover: superusers set them up; a national
    coordinator reads the groups of their own organisation; for anyone else a group does not
    exist (404)."""

    inlines = [GroupMunicipalityInline]
    list_display = ["name", "organisation", "covers", "contact_within_days"]
    list_filter = ["organisation"]
    list_select_related = ["organisation"]
    search_fields = ["name", "coverage__municipality__short_name"]
    fields = ["organisation", "name", "contact_email", "contact_within_days", "covers"]
    readonly_fields = ["covers"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related("coverage__municipality")
        user = request.user
        if user.is_superuser:
            return queryset
        if is_national_coordinator(user):
            return queryset.filter(organisation_id=user.organisation_id)
        return queryset.none()

    def get_object(self, request, object_id, from_field=None):
        from django.http import Http404

        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("No such object."))
        return obj

    @admin.display(description=_("municipalities covered"))
    def covers(self, obj):
        return ", ".join(str(c.municipality) for c in obj.coverage.all())

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class PortalUserChangeForm(UserChangeForm):
    def clean(self):
        cleaned = super().clean()
        group = cleaned.get("local_group")
        organisation = cleaned.get("organisation")
        if group is not None and (organisation is None or group.organisation_id != organisation.pk):
            self.add_error(
                "local_group",
                _("Choose a local group of the person's own organisation (%(organisation)s).")
                % {"organisation": organisation or "–"},
            )
        return cleaned


@admin.register(User)
class UserAdmin(ScopedLinksMixin, BaseUserAdmin):
    form = PortalUserChangeForm
    list_display = [
        "username",
        "first_name",
        "last_name",
        "email",
        "organisation",
        "local_group",
        "is_active",
    ]
    list_filter = ["organisation", "local_group", "groups", "is_active", "is_staff"]
    list_select_related = ["organisation", "local_group"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Organisation"), {"fields": ("organisation", "local_group", "language")}),
    )

    def get_queryset(self, request):
        # The people of the person's own organisation (everyone for the DPO and superusers).
        condition = colleague_filter(request.user)
        queryset = super().get_queryset(request)
        return queryset if condition is None else queryset.filter(condition)


# Log-in lock-outs (django-axes' records of failed log-ins) ----------------------------------

admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    """Failed log-ins by (user name, address). A superuser (or whoever holds the permission to
    delete these records) lifts a lock-out with the action, which records who did it; the
    records are otherwise read-only, and the typed form data is not shown."""

    actions = ["lift_lockouts"]
    fieldsets = (
        (None, {"fields": ("username", "ip_address", "failures_since_start", "attempt_time")}),
    )
    list_display = ["attempt_time", "username", "ip_address", "failures_since_start", "status"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # only through the action below, which records it

    def has_lift_permission(self, request):
        return may_lift_lockouts(request.user)

    @admin.action(description=_("Lift the lock-out"), permissions=["lift"])
    def lift_lockouts(self, request, queryset):
        count = lift_lockouts(by=request.user, attempts=queryset, where=request.path)
        self.message_user(
            request,
            ngettext("Lifted %(count)d lock-out.", "Lifted %(count)d lock-outs.", count)
            % {"count": count},
        )
