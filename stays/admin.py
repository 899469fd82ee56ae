"""The stay in the admin: concerns with their age and the clock to first response, and the
mediation meetings booked about them. Each step is a button that calls its action
(``stays.actions``); the lists and pages are scoped to the people working on the case
(``Concern.objects.visible_to``), so a concern's own words are read only there."""

from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from privacy.admin_mixins import AccessLoggedAdminMixin
from workflow.admin_tools import (
    NotFoundOutsideScopeMixin,
    ReadOnlyInline,
    ReasonForm,
    ScopedAdminMixin,
    ScopedLinksMixin,
    Step,
    StepForm,
    TransitionLogInline,
    WorkflowAdminMixin,
)
from workflow.engine import roles_of

from . import actions
from .models import Concern, ConcernTransition, Mediation, MediationTransition
from .workflow import CONCERN_WORKFLOW, MEDIATION_WORKFLOW

# The clock to first response ------------------------------------------------------------------


def response_limit(concern: Concern) -> timedelta:
    """How long a first response may take: ``CONCERN_URGENT_RESPONSE_HOURS`` for an urgent
    concern, ``CONCERN_RESPONSE_HOURS`` for one that needs attention."""
    hours = (
        settings.CONCERN_URGENT_RESPONSE_HOURS
        if concern.urgency == Concern.Urgency.URGENT
        else settings.CONCERN_RESPONSE_HOURS
    )
    return timedelta(hours=hours)


def time_to_first_response(concern: Concern, now: datetime | None = None) -> tuple[timedelta, bool]:
    """(the time from the concern to its first response, or until now while there is none;
    whether that is over the limit)."""
    end = concern.first_response_at or now or timezone.now()
    elapsed = max(end - concern.created_at, timedelta(0))
    return elapsed, elapsed > response_limit(concern)


def duration_text(elapsed: timedelta) -> str:
    minutes = int(elapsed.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


class FirstResponseFilter(admin.SimpleListFilter):
    title = _("first response")
    parameter_name = "response"

    def lookups(self, request, model_admin):
        return [
            ("waiting", _("Waiting for a first response")),
            ("late", _("Waiting, over the time limit")),
            ("answered", _("Responded to")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "answered":
            return queryset.filter(first_response_at__isnull=False)
        if value in ("waiting", "late"):
            waiting = queryset.filter(first_response_at__isnull=True, status__in=Concern.OPEN)
            if value == "late":
                now = timezone.now()
                waiting = waiting.filter(
                    Q(
                        urgency=Concern.Urgency.URGENT,
                        created_at__lt=now
                        - timedelta(hours=settings.CONCERN_URGENT_RESPONSE_HOURS),
                    )
                    | Q(
                        urgency=Concern.Urgency.NORMAL,
                        created_at__lt=now - timedelta(hours=settings.CONCERN_RESPONSE_HOURS),
                    )
                )
            return waiting
        return queryset


# Forms of the steps ----------------------------------------------------------------------------


class ResolveForm(StepForm):
    resolution = forms.CharField(
        label=_("How was it resolved?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class MeetingTimeMixin(forms.Form):
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    place = forms.CharField(
        label=_("Where"),
        max_length=200,
        help_text=_("A neutral place, e.g. the municipality's office, or a video call."),
    )

    def clean(self):
        cleaned = super().clean()
        day, at = cleaned.get("day"), cleaned.get("time")
        if day and at:
            starts = timezone.make_aware(datetime.combine(day, at))
            if starts <= timezone.now():
                self.add_error("day", _("Choose a time in the future for the meeting."))
            elif starts > timezone.now() + timedelta(days=365):
                self.add_error("day", _("Choose a date within a year."))
            cleaned["starts_at"] = starts
        return cleaned


class MediatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class BookMediationForm(MeetingTimeMixin, StepForm):
    duration_minutes = forms.IntegerField(
        label=_("Length (minutes)"),
        initial=60,
        min_value=actions.MEDIATION_MIN_MINUTES,
        max_value=actions.MEDIATION_MAX_MINUTES,
    )
    mediator = MediatorChoiceField(label=_("Mediator"), queryset=Concern.objects.none())

    field_order = ["day", "time", "duration_minutes", "place", "mediator"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["day"].initial = timezone.localdate() + timedelta(days=1)
        self.fields["time"].initial = time(10, 0)
        if self.obj is not None:
            self.fields["mediator"].queryset = actions.mediators_for(self.obj)
            if self.user is not None:
                self.fields["mediator"].initial = self.user.pk

    def arguments(self):
        data = self.cleaned_data
        return {
            "concern": self.obj,
            "starts_at": data["starts_at"],
            "duration_minutes": data["duration_minutes"],
            "place": data["place"],
            "mediator": data["mediator"],
        }


class MoveMediationForm(MeetingTimeMixin, StepForm):
    reason = forms.CharField(
        label=_("Why (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.obj is not None:
            when = timezone.localtime(self.obj.starts_at)
            self.fields["day"].initial = when.date()
            self.fields["time"].initial = when.time().replace(second=0, microsecond=0)
            self.fields["place"].initial = self.obj.place

    def arguments(self):
        data = self.cleaned_data
        return {
            "mediation": self.obj,
            "starts_at": data["starts_at"],
            "place": data["place"],
            "reason": data["reason"],
        }


class RecordMediationForm(StepForm):
    outcome = forms.CharField(
        label=_("What was agreed"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


def _may_book_again(obj: Concern, user) -> bool:
    """A concern whose meeting was held can have another one booked (the partner's step)."""
    return (
        obj.status == Concern.Status.IN_MEDIATION
        and not obj.mediations.filter(status=Mediation.Status.BOOKED).exists()
        and bool(CONCERN_WORKFLOW["mediate"].roles & roles_of(user=user))
    )


# Inlines ---------------------------------------------------------------------------------------


class ConcernTransitionInline(TransitionLogInline):
    model = ConcernTransition


class MediationTransitionInline(TransitionLogInline):
    model = MediationTransition


class MediationInline(ReadOnlyInline):
    model = Mediation
    related = ("mediator",)
    show_change_link = True
    fields = ["starts_at", "duration_minutes", "place", "mediator_name", "status"]
    readonly_fields = fields
    verbose_name_plural = _("mediation meetings")

    @admin.display(description=_("mediator"))
    def mediator_name(self, obj):
        return obj.mediator.get_full_name() or obj.mediator.username


# The admins ------------------------------------------------------------------------------------


@admin.register(Concern)
class ConcernAdmin(
    AccessLoggedAdminMixin,
    WorkflowAdminMixin,
    ScopedLinksMixin,
    ScopedAdminMixin,
    admin.ModelAdmin,
):
    workflow = CONCERN_WORKFLOW
    action_object = "concern"
    steps = {
        "acknowledge": Step(actions.acknowledge_concern),
        "mediate": Step(actions.book_mediation, BookMediationForm),
        "mediate_again": Step(
            actions.book_mediation,
            BookMediationForm,
            label=_("Book another mediation meeting"),
            transition="mediate_again",
            offered=_may_book_again,
        ),
        "resolve": Step(actions.resolve_concern, ResolveForm),
    }
    list_display = [
        "__str__",
        "urgency_shown",
        "status",
        "raised_by",
        "age",
        "first_response",
        "created_at",
    ]
    list_filter = [FirstResponseFilter, "status", "urgency", "raised_by", "created_at"]
    list_select_related = ["match__case"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    fields = [
        "match",
        "status",
        "urgency",
        "raised_by",
        "raised_by_user",
        "created_at",
        "age",
        "first_response",
        "first_response_at",
        "first_response_by",
        "text",
        "language",
        "check_in",
        "evaluation",
        "resolution",
        "status_changed_at",
    ]
    readonly_fields = [*fields, "home_of_stay"]
    inlines = [MediationInline, ConcernTransitionInline]

    def get_fields(self, request, obj=None):
        """The volunteers' coordinators work with the home, not the case: they see which home
        the stay is in, not the case's reference."""
        if request.user.has_perm("matching.view_match"):
            return self.fields
        return ["home_of_stay" if name == "match" else name for name in self.fields]

    @admin.display(description=_("home"))
    def home_of_stay(self, obj):
        return obj.match.home

    @admin.display(description=_("how urgent"), ordering="urgency")
    def urgency_shown(self, obj):
        if obj.urgency == Concern.Urgency.URGENT:
            return format_html(
                '<strong class="concern-urgent">{}</strong>', obj.get_urgency_display()
            )
        return obj.get_urgency_display()

    @admin.display(description=_("age"), ordering="created_at")
    def age(self, obj):
        return duration_text(timezone.now() - obj.created_at)

    @admin.display(description=_("time to first response"))
    def first_response(self, obj):
        elapsed, late = time_to_first_response(obj)
        text = duration_text(elapsed)
        if obj.first_response_at is None:
            if obj.status not in Concern.OPEN:
                return self.get_empty_value_display()
            text = _("waiting %(time)s") % {"time": text}
        if late:
            return format_html(
                '<strong class="clock-late">{} ({})</strong>', text, _("over the time limit")
            )
        return text

    def has_add_permission(self, request):
        return False  # a concern is raised (stays.actions.raise_concern)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        pass  # a concern changes only through its steps

    def step_done(self, request, obj, name, result):
        super().step_done(request, obj, name, result)
        if name in ("mediate", "mediate_again"):
            self.message_user(request, _("The invitations have been sent to everyone taking part."))


@admin.register(Mediation)
class MediationAdmin(
    AccessLoggedAdminMixin,
    WorkflowAdminMixin,
    ScopedLinksMixin,
    NotFoundOutsideScopeMixin,
    admin.ModelAdmin,
):
    workflow = MEDIATION_WORKFLOW
    action_object = "mediation"
    steps = {
        "move": Step(actions.move_mediation, MoveMediationForm),
        "hold": Step(actions.record_mediation, RecordMediationForm),
        "cancel": Step(actions.cancel_mediation, ReasonForm),
    }
    list_display = ["__str__", "concern_link", "status", "starts_at", "place", "mediator"]
    list_filter = ["status", "starts_at"]
    list_select_related = ["concern", "mediator"]
    ordering = ["-starts_at"]
    fields = [
        "concern_link",
        "status",
        "starts_at",
        "duration_minutes",
        "place",
        "mediator",
        "booked_by",
        "outcome",
        "created_at",
        "status_changed_at",
    ]
    readonly_fields = fields
    inlines = [MediationTransitionInline]

    @admin.display(description=_("concern"))
    def concern_link(self, obj):
        url = reverse("admin:stays_concern_change", args=[obj.concern_id])
        return format_html('<a href="{}">{}</a>', url, obj.concern)

    def get_queryset(self, request):
        visible = Concern.objects.visible_to(request.user)
        return super().get_queryset(request).filter(concern__in=visible.values("pk"))

    def has_add_permission(self, request):
        return False  # booked from the concern (its step "Book a mediation meeting")

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        pass  # a meeting changes only through its steps


# The check-ins' admin lives in its own module; importing it registers it.
from . import admin_check_ins  # noqa: E402, F401
