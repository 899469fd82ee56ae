"""Outreach in the admin.

Information meetings: a partner's coordinators (and a group's volunteer coordinators, who also
have the web app's pages) plan them here, scoped to their own organisation or groups
(``outreach.reach.organiser_filter``): another organiser's meeting is a 404. The add page calls
``plan_meeting``, and every change is a step with its own page calling its action (change,
cancel, record who came); the admin never edits a meeting's record itself. The sign-ups and the
meeting's history are shown read-only.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.access import has_role
from accounts.models import Organisation
from accounts.scoping import organisation_kind, sees_everything
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
from workflow.errors import DomainError, Invalid

from . import actions
from .actions import make_tagged_link, retire_tagged_link
from .forms import AttendanceForm, MeetingForm
from .models import InformationMeeting, MeetingSignup, MeetingTransition, Source
from .reach import may_organise, organiser_filter
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


# Tagged links ----------------------------------------------------------------


class SourceAddForm(forms.ModelForm):
    """A new tagged link in the admin: a partner's coordinators make their partner's (the
    organiser is their organisation); a superuser chooses the local group or the partner."""

    class Meta:
        model = Source
        fields = ["kind", "target", "label", "meeting", "local_group", "partner"]

    def clean(self):
        # The action's rules, said on the form where they can be (the action checks them again).
        cleaned = super().clean()
        kind, meeting = cleaned.get("kind"), cleaned.get("meeting")
        if kind == Source.Kind.MEETING and meeting is None:
            self.add_error("meeting", _("Choose the meeting the link is shown at."))
        elif kind and kind != Source.Kind.MEETING and meeting is not None:
            self.add_error("meeting", _("Only a link for a meeting names a meeting."))
        return cleaned


@admin.register(Source)
class SourceAdmin(ScopedLinksMixin, NotFoundOutsideScopeMixin, admin.ModelAdmin):
    """A partner's tagged links, scoped to the partner: made through ``make_tagged_link``,
    retired through ``retire_tagged_link`` (an action of the list), never edited after."""

    list_display = [
        "label",
        "kind",
        "target",
        "organiser_name",
        "short_address",
        "host_count",
        "volunteer_count",
        "created_at",
        "retired_at",
    ]
    list_filter = ["kind", "target", ("retired_at", admin.EmptyFieldListFilter)]
    search_fields = ["label", "code"]
    actions = ["retire_links"]

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("local_group", "partner", "meeting")
            .annotate(
                host_count=Count("homes", distinct=True),
                volunteer_count=Count("volunteer_applications", distinct=True),
            )
        )
        user = request.user
        if sees_everything(user):
            return queryset
        if has_role(user, roles.PARTNER_COORDINATOR) and user.organisation_id:
            return queryset.filter(partner_id=user.organisation_id)
        return queryset.filter(Q(pk__in=[]))

    # The page --------------------------------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = SourceAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            fields = ["kind", "target", "label", "meeting"]
            return [*fields, "local_group", "partner"] if request.user.is_superuser else fields
        return [
            "label",
            "kind",
            "target",
            "meeting",
            "organiser_name",
            "print_page",
            "host_count",
            "volunteer_count",
            "created_by",
            "created_at",
            "retired_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "meeting":
            # The organiser's own planned meetings (the link is shown there).
            meetings = InformationMeeting.objects.filter(status=InformationMeeting.Status.PLANNED)
            if not request.user.is_superuser:
                meetings = meetings.filter(partner_id=request.user.organisation_id or 0)
            return forms.ModelChoiceField(
                queryset=meetings, required=False, label=db_field.verbose_name
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False  # a link is never edited: it is retired and another one made

    def has_delete_permission(self, request, obj=None):
        return False  # the registrations that came through it keep it

    def has_retire_permission(self, request):
        return has_role(request.user, roles.PARTNER_COORDINATOR)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        partner = data.get("partner") if request.user.is_superuser else None
        local_group = data.get("local_group") if request.user.is_superuser else None
        if not request.user.is_superuser:
            partner = request.user.organisation
        made = make_tagged_link(
            kind=data["kind"],
            target=data["target"],
            label=data["label"],
            meeting=data.get("meeting"),
            local_group=local_group,
            partner=partner,
            user=request.user,
        )
        obj.pk, obj.code = made.pk, made.code

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except DomainError as exc:
            # The action's refusal (a meeting of another organiser, ...): said, not a 500.
            self.message_user(request, exc.message, messages.ERROR)
            from django.shortcuts import redirect

            return redirect(request.path)

    # Columns ---------------------------------------------------------------------------------

    @admin.display(description=_("organiser"))
    def organiser_name(self, obj):
        return str(obj.organiser)

    @admin.display(description=_("short address"))
    def short_address(self, obj):
        return f"/t/{obj.code}/"

    @admin.display(description=_("host registrations"))
    def host_count(self, obj):
        return obj.host_count

    @admin.display(description=_("volunteer applications"))
    def volunteer_count(self, obj):
        return obj.volunteer_count

    @admin.display(description=_("QR code"))
    def print_page(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("outreach_links:link", args=[obj.pk]),
            _("Print the QR code"),
        )

    @admin.action(description=_("Retire the chosen links"), permissions=["retire"])
    def retire_links(self, request, queryset):
        retired = 0
        for source in queryset.filter(retired_at__isnull=True):
            if not may_organise(
                request.user, local_group=source.local_group, partner=source.partner
            ):
                continue
            retire_tagged_link(source=source, user=request.user)
            retired += 1
        self.message_user(request, _("%(count)d links retired.") % {"count": retired})
