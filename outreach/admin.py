"""Outreach in the admin.

Information meetings: a partner's coordinators (and a group's volunteer coordinators, who also
have the web app's pages) plan them here, scoped to their own organisation or groups
(``outreach.reach.organiser_filter``): another organiser's meeting is a 404. The add page calls
``plan_meeting``, and every change is a step with its own page calling its action (change,
cancel, record who came); the admin never edits a meeting's record itself. The sign-ups and the
meeting's history are shown read-only.
"""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from accounts.scoping import organisation_kind
from privacy.admin_mixins import AccessLoggedAdminMixin
from volunteers.actions import covering_group
from workflow.admin_tools import (
    ActionAddMixin,
    NotFoundOutsideScopeMixin,
    ReadOnlyInline,
    ReasonForm,
    ScopedLinksMixin,
    Step,
    StepFormMixin,
    TransitionLogInline,
    WorkflowAdminMixin,
)
from workflow.errors import Invalid

from . import actions
from .forms import AttendanceForm, MeetingForm
from .models import InformationMeeting, MeetingSignup, MeetingTransition
from .reach import organiser_filter
from .selectors import organiser_municipalities
from .workflow import MEETING_WORKFLOW


def _municipalities_for(user):
    """Where the person may list a meeting: a partner's coordinators in the partner's own
    municipality and those of its partnerships; a group's coordinators in their groups'
    municipalities; a superuser anywhere."""
    from django.db.models import Q

    from municipalities.models import Municipality

    if user.is_superuser:
        return None
    if organisation_kind(user) == Organisation.Kind.PARTNER:
        return Municipality.objects.filter(
            Q(organisations=user.organisation_id) | Q(partnerships__partner=user.organisation_id)
        ).distinct()
    return organiser_municipalities(user)


class PlanMeetingForm(StepFormMixin, MeetingForm):
    """The add page: the meeting, organised by the person's partner, or by the local group that
    covers the municipality chosen."""

    def __init__(self, data=None, *, user=None, **kwargs):
        super().__init__(data, municipalities=_municipalities_for(user), **kwargs)
        self.user = user

    def arguments(self):
        fields = self.meeting_fields()
        user = self.user
        if not user.is_superuser and organisation_kind(user) == Organisation.Kind.PARTNER:
            return {"partner": user.organisation, **fields}
        group = covering_group(fields["municipality"].pk)
        if group is None:
            raise Invalid(_("No local group covers this municipality."))
        return {"local_group": group, **fields}


class ChangeMeetingForm(StepFormMixin, MeetingForm):
    def __init__(self, data=None, *, obj=None, user=None, object_argument="meeting", **kwargs):
        super().__init__(
            data,
            municipalities=_municipalities_for(user),
            meeting=obj,
            obj=obj,
            user=user,
            object_argument=object_argument,
            **kwargs,
        )

    def arguments(self):
        return {"meeting": self.obj, **self.meeting_fields()}


class RecordAttendanceForm(StepFormMixin, AttendanceForm):
    def __init__(self, data=None, *, obj=None, user=None, object_argument="meeting", **kwargs):
        confirmed = list(
            obj.signups.filter(status=MeetingSignup.Status.CONFIRMED).order_by("created_at", "pk")
        )
        initial = {
            "came": [str(s.pk) for s in confirmed if s.attended],
            "walk_ins": obj.walk_ins or 0,
        }
        super().__init__(
            data,
            signups=confirmed,
            initial=initial,
            obj=obj,
            user=user,
            object_argument=object_argument,
            **kwargs,
        )

    def arguments(self):
        return {
            "meeting": self.obj,
            "came": [int(pk) for pk in self.cleaned_data["came"]],
            "walk_ins": self.cleaned_data["walk_ins"],
        }


class MeetingSignupInline(ReadOnlyInline):
    model = MeetingSignup
    fields = ["name", "email", "status", "attended", "created_at", "confirmed_at", "erased_at"]
    readonly_fields = fields
    verbose_name_plural = _("sign-ups")


class MeetingTransitionInline(TransitionLogInline):
    model = MeetingTransition


def _not_started(meeting, user) -> bool:
    from django.utils import timezone

    return meeting.starts_at > timezone.now()


def _started(meeting, user) -> bool:
    return not _not_started(meeting, user)


@admin.register(InformationMeeting)
class InformationMeetingAdmin(
    AccessLoggedAdminMixin,
    ActionAddMixin,
    WorkflowAdminMixin,
    ScopedLinksMixin,
    NotFoundOutsideScopeMixin,
    admin.ModelAdmin,
):
    workflow = MEETING_WORKFLOW
    action_object = "meeting"
    steps = {
        "change": Step(actions.change_meeting, ChangeMeetingForm, offered=_not_started),
        "cancel": Step(actions.cancel_meeting, ReasonForm),
        "hold": Step(
            actions.record_attendance,
            RecordAttendanceForm,
            label=_("Record who came"),
            offered=_started,
        ),
    }
    add_form = PlanMeetingForm
    add_action = actions.plan_meeting
    add_title = _("Plan an information meeting")

    list_display = ["title", "starts_at", "municipality", "status", "places", "organised_by"]
    list_filter = ["status", "topic"]
    search_fields = ["title", "place"]
    ordering = ["-starts_at", "pk"]
    inlines = [MeetingSignupInline, MeetingTransitionInline]
    fields = [
        "title",
        "topic",
        "municipality",
        "starts_at",
        "ends_at",
        "place",
        "online_url",
        "language",
        "capacity",
        "description",
        "status",
        "walk_ins",
        "local_group",
        "partner",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("municipality", "local_group", "partner")
            .annotate(
                taken=Count("signups", filter=Q(signups__status=MeetingSignup.Status.CONFIRMED))
            )
        )
        condition = organiser_filter(request.user)
        return queryset if condition is None else queryset.filter(condition)

    @admin.display(description=_("places taken"))
    def places(self, obj):
        return f"{obj.taken} / {obj.capacity}"

    @admin.display(description=_("organised by"))
    def organised_by(self, obj):
        return obj.organiser

    def has_change_permission(self, request, obj=None):
        return False  # a meeting changes only through its steps

    def has_delete_permission(self, request, obj=None):
        return False
