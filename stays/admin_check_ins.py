"""Check-ins in the admin: the partner's coordinators see both sides of their own cases and record
the partner's own (company flats); volunteer coordinators see their groups' private homes."""

from datetime import timedelta

from django.contrib import admin, messages
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from accounts.scoping import sees_everything
from privacy.admin_mixins import AccessLoggedAdminMixin
from workflow.admin_tools import (
    ScopedAdminMixin,
    ScopedLinksMixin,
    Step,
    TransitionLogInline,
    WorkflowAdminMixin,
)

from . import actions
from .check_in_forms import RecordCheckInForm
from .models import CheckIn, CheckInTransition
from .workflow import CHECK_IN_WORKFLOW

# Check-ins -------------------------------------------------------------------------------------


class CheckInTransitionInline(TransitionLogInline):
    model = CheckInTransition


def _side_of(user) -> str | None:
    """The side whose check-ins the person makes: the volunteers' or the partner's (None: both,
    for a superuser; neither, for anyone else)."""
    if user.is_superuser:
        return None
    organisation = getattr(user, "organisation", None)
    if organisation is None:
        return ""
    if organisation.kind == Organisation.Kind.VOLUNTEER_ORGANISATION:
        return CheckIn.Responsible.VOLUNTEERS
    if organisation.kind == Organisation.Kind.PARTNER:
        return CheckIn.Responsible.PARTNER
    return ""


def may_record(check_in: CheckIn, user) -> bool:
    """The button shows to the side the check-in is due to, once it is due within the week
    (``stays.actions.record_check_in`` says the same)."""
    side = _side_of(user)
    due_soon = check_in.due_on <= timezone.localdate() + timedelta(days=actions.CHECK_IN_DAYS_AHEAD)
    return due_soon and (side is None or side == check_in.responsible)


class DueFilter(admin.SimpleListFilter):
    """Planned check-ins by when they are due: the partner's coordinators' work list."""

    title = _("due")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Overdue")),
            ("week", _("Due within a week")),
            ("later", _("Later")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        week = today + timedelta(days=actions.CHECK_IN_DAYS_AHEAD)
        planned = Q(status=CheckIn.Status.PLANNED)
        if self.value() == "overdue":
            return queryset.filter(planned, due_on__lt=today)
        if self.value() == "week":
            return queryset.filter(planned, due_on__lte=week)
        if self.value() == "later":
            return queryset.filter(planned, due_on__gt=week)
        return queryset


@admin.register(CheckIn)
class CheckInAdmin(
    AccessLoggedAdminMixin,
    WorkflowAdminMixin,
    ScopedLinksMixin,
    ScopedAdminMixin,
    admin.ModelAdmin,
):
    """The check-ins of the person's side (``CheckIn.objects.visible_to``): a partner's
    coordinators see those of their own cases and record the ones due to the partner (company
    flats) with the step "Record the check-in"; a volunteer coordinator sees the volunteers'
    ones of their groups (recorded on the volunteers' pages); another's is a 404."""

    workflow = CHECK_IN_WORKFLOW
    action_object = "check_in"
    steps = {"record": Step(actions.record_check_in, RecordCheckInForm, offered=may_record)}
    list_display = [
        "label",
        "home",
        "due_on",
        "responsible",
        "status",
        "outcome",
        "done_by",
    ]
    list_filter = [DueFilter, "status", "responsible", "outcome"]
    list_select_related = ["match__home__municipality", "match__case", "done_by"]
    date_hierarchy = "due_on"
    ordering = ["status", "due_on", "pk"]
    readonly_fields = [
        "label",
        "home",
        "case",
        "after_days",
        "due_on",
        "responsible",
        "status",
        "status_changed_at",
        "outcome",
        "done_at",
        "done_by",
        "note",
    ]
    fields = readonly_fields
    inlines = [CheckInTransitionInline]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not self._sees_cases(request.user):
            fields.remove("case")  # a volunteer organisation's people see no newcomer cases
        return fields

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    def _sees_cases(self, user) -> bool:
        return sees_everything(user) or _side_of(user) == CheckIn.Responsible.PARTNER

    @admin.display(description=_("check-in"), ordering="after_days")
    def label(self, obj):
        return obj.label

    @admin.display(description=_("home"))
    def home(self, obj):
        return obj.match.home

    @admin.display(description=_("case"))
    def case(self, obj):
        return obj.match.case.reference

    def has_add_permission(self, request):
        return False  # the portal plans them (``stays.actions.schedule_check_ins``)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        pass  # a check-in changes only through its step

    def step_done(self, request, obj, name, result):
        if result.outcome != CheckIn.Outcome.ALL_WELL:
            messages.warning(
                request, _("Check-in recorded. A concern about the stay has been opened.")
            )
        else:
            messages.success(request, _("Check-in recorded."))
