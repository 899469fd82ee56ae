from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from municipalities.admin import MunicipalityToChooseFilter, municipality_or_as_given
from privacy.admin_mixins import AccessLoggedAdminMixin
from volunteers.actions import (
    book_visit,
    cancel_visit,
    hand_over_home,
    may_hand_over,
    move_visit,
    report_visit,
)
from volunteers.forms import (
    BookVisitForm,
    CancelVisitForm,
    HandOverForm,
    MoveVisitForm,
    VisitReportForm,
    volunteer_choices,
)
from volunteers.models import HandOver, HomeVisit
from workflow.admin_tools import (
    NotFoundOutsideScopeMixin,
    ReasonForm,
    ScopedAdminMixin,
    ScopedLinksMixin,
    Step,
    StepForm,
    StepFormMixin,
    TransitionLogInline,
    WorkflowAdminMixin,
)
from workflow.errors import Conflict

from .actions import (
    choose_municipality,
    close_home,
    mark_home_unreachable,
    municipality_name,
    pause_home,
    refer_home,
    refer_home_again,
    reopen_home,
    resume_home,
    withdraw_home,
)
from .models import ErasureRecord, Home, HomeTransition, Host
from .workflow import HOME_WORKFLOW


class HomeTransitionInline(TransitionLogInline):
    model = HomeTransition


class HomeInline(ScopedLinksMixin, admin.TabularInline):
    model = Home
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["kind", "municipality", "beds", "status"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Host)
class HostAdmin(
    AccessLoggedAdminMixin, ScopedLinksMixin, NotFoundOutsideScopeMixin, admin.ModelAdmin
):
    list_display = ["__str__", "email", "phone", "language", "created_at", "confirmed_at"]
    list_filter = ["language", ("confirmed_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "email", "phone"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "created_at",
        "confirmed_at",
        "consent_notice_version",
        "consent_given_at",
        "consent_language",
        "erased_at",
    ]
    inlines = [HomeInline]

    def get_queryset(self, request):
        # A host is visible to whoever may see one of the host's homes.
        visible_homes = Home.objects.visible_to(request.user).values("host_id")
        return super().get_queryset(request).filter(pk__in=visible_homes)


class ReferForm(StepForm):
    """The partners offered are those of the partnerships covering the home's municipality
    (``reports.partners.referral_partners``); ``refer_home`` refuses any other."""

    partner = forms.ModelChoiceField(label=_("Partner"), queryset=Organisation.objects.none())

    def __init__(self, *args, **kwargs):
        from reports.partners import referral_partners

        super().__init__(*args, **kwargs)
        partners = referral_partners(self.obj) if self.obj is not None else []
        self.fields["partner"].queryset = Organisation.objects.filter(
            kind=Organisation.Kind.PARTNER, pk__in=[partner.pk for partner in partners]
        )
        if not partners and self.obj is not None:
            self.fields["partner"].help_text = _(
                "No partnership covers %(municipality)s yet: a partnership naming the "
                "municipality is needed before the home can be referred."
            ) % {"municipality": municipality_name(self.obj) or "–"}


# The home visit's steps, from the admin: the same forms and actions as the volunteers' pages.


def booked_visit(home: Home) -> HomeVisit | None:
    """The home's visit that is booked and not yet reported or cancelled."""
    return home.visits.filter(status=HomeVisit.Status.BOOKED).order_by("starts_at").first()


def visit_can_be_reported(home: Home, user) -> bool:
    """From the visit's start time on (``HomeVisit.has_started``)."""
    visit = booked_visit(home)
    return visit is not None and visit.has_started()


def visit_can_be_changed(home: Home, user) -> bool:
    """Moved or cancelled: before the visit starts."""
    visit = booked_visit(home)
    return visit is not None and not visit.has_started()


def the_booked_visit(home: Home) -> HomeVisit:
    visit = booked_visit(home)
    if visit is None:
        raise Conflict(_("This home has no booked visit."))
    return visit


class BookVisitStepForm(StepFormMixin, BookVisitForm):
    """Date, time and the one or two volunteers who visit (the coordinator books for them)."""

    volunteers = forms.ModelMultipleChoiceField(
        label=_("Volunteers"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("One or two."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["second_volunteer"]
        self.fields["volunteers"].queryset = volunteer_choices(self.user, home=self.obj)
        self.fields["volunteers"].label_from_instance = lambda u: u.get_full_name() or u.username

    def clean_volunteers(self):
        chosen = list(self.cleaned_data["volunteers"])
        if len(chosen) > 2:
            raise forms.ValidationError(_("A visit needs one or two volunteers."))
        return chosen

    def arguments(self):
        return {
            "home": self.obj,
            "starts_at": self.cleaned_data["starts_at"],
            "volunteers": self.cleaned_data["volunteers"],
        }


class VisitReportStepForm(StepFormMixin, VisitReportForm):
    """The visit report of the home's booked visit: the checklist, the verdict and the text."""

    def __init__(self, *args, obj=None, **kwargs):
        kwargs["instance"] = booked_visit(obj) if obj is not None else None
        super().__init__(*args, obj=obj, **kwargs)

    def arguments(self):
        data = self.cleaned_data
        return {
            "visit": the_booked_visit(self.obj),
            "verdict": data["verdict"],
            "checklist": {name: bool(data.get(name)) for name in HomeVisit.CHECKLIST},
            "report": data["report"],
            "reject_reason": data["reject_reason"],
        }


class MoveVisitStepForm(StepFormMixin, MoveVisitForm):
    """A new time for the home's booked visit, and why, if wanted."""

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, visit=booked_visit(obj) if obj else None, **kwargs)

    def arguments(self):
        return {
            "visit": the_booked_visit(self.obj),
            "starts_at": self.cleaned_data["starts_at"],
            "reason": self.cleaned_data["reason"],
        }


class CancelVisitStepForm(StepFormMixin, CancelVisitForm):
    def arguments(self):
        return {"visit": the_booked_visit(self.obj), "reason": self.cleaned_data["reason"]}


class HandOverStepForm(StepFormMixin, HandOverForm):
    """The group the host is handed to and why: the volunteers' hand-over form and action."""

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, home=obj, **kwargs)

    def arguments(self):
        return {
            "home": self.obj,
            "to_group": self.cleaned_data["to_group"],
            "reason": self.cleaned_data["reason"],
        }


def may_be_handed_over(home: Home, user) -> bool:
    return (
        home.host_id is not None
        and home.status not in Home.FINAL_STAGES
        and may_hand_over(user, home)
    )


class HandOverInline(ScopedLinksMixin, admin.TabularInline):
    """The home's moves between local groups (routing at sign-up, hand-overs), read-only."""

    model = HandOver
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "from_group", "to_group", "by", "reason"]
    readonly_fields = fields
    verbose_name_plural = _("moves between local groups")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Whoever sees the home sees which group has it and why.
        return True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("from_group", "to_group", "by")


@admin.register(Home)
class HomeAdmin(
    AccessLoggedAdminMixin,
    WorkflowAdminMixin,
    ScopedLinksMixin,
    ScopedAdminMixin,
    admin.ModelAdmin,
):
    workflow = HOME_WORKFLOW
    action_object = "home"
    # Step -> its action and the form of its input (None: none needed; also a bulk action).
    # The host's first contact is recorded on the volunteers' call page, not here.
    steps = {
        "book_visit": Step(book_visit, BookVisitStepForm),
        "move_visit": Step(
            move_visit,
            MoveVisitStepForm,
            label=_("Move the home visit"),
            transition="cancel_visit",  # the same stage and roles
            offered=visit_can_be_changed,
        ),
        "cancel_visit": Step(cancel_visit, CancelVisitStepForm, offered=visit_can_be_changed),
        "report_visit": Step(
            report_visit,
            VisitReportStepForm,
            label=_("Report the home visit"),
            transition="approve_visit",
            offered=visit_can_be_reported,
        ),
        # The partner is chosen on the step's page: the guard "has a partner" is the form's.
        "refer": Step(refer_home, ReferForm, guarded=False),
        "refer_again": Step(refer_home_again),
        "close": Step(close_home, ReasonForm),
        "mark_unreachable": Step(mark_home_unreachable, ReasonForm),
        "reopen": Step(reopen_home),
        "pause": Step(pause_home),
        "resume": Step(resume_home),
        # Withdrawing cancels a match that is only proposed; the action refuses an approved one.
        "withdraw": Step(withdraw_home, guarded=False),
        # To another local group (a national coordinator also gives an uncovered host to one).
        "hand_over": Step(
            hand_over_home,
            HandOverStepForm,
            label=_("Hand over to another local group"),
            offered=may_be_handed_over,
        ),
    }
    list_display = [
        "__str__",
        "host",
        "status",
        "local_group",
        municipality_or_as_given,
        "partner",
        "beds",
        "available_from",
        "created_at",
    ]
    list_filter = [
        "status",
        "kind",
        "local_group",
        "partner",
        MunicipalityToChooseFilter,
        "municipality",
        "smoking",
        "has_pets",
    ]
    list_select_related = ["host", "partner", "local_group", "municipality"]
    # 290 municipalities: searched by name or code (the municipality's own admin answers).
    autocomplete_fields = ["municipality"]
    search_fields = [
        "host__name",
        "host__email",
        "street_address",
        "postcode",
        "municipality__short_name",
    ]
    date_hierarchy = "created_at"
    # The partner, the place (found from the municipality), the company's unit (a vacancy
    # offered under the quota) and "duplicate of" (a merge) are set by the portal's steps.
    readonly_fields = [
        "status",
        "status_changed_at",
        "local_group",  # routing and hand-overs move it (the hand-over step), never the form
        "partner",
        "unit",
        "place",
        "duplicate_of",
        "municipality_as_given",
        "source",  # the tagged link the host came through, kept as it was (issue 20)
        "created_at",
        "updated_at",
    ]
    raw_id_fields = ["host"]
    inlines = [HomeTransitionInline, HandOverInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "municipality" in form.changed_data and obj.municipality_id:
            # A coordinator chose the municipality (an old registration's free text, or a
            # correction): the place follows, and a home without a group goes to the covering one.
            choose_municipality(home=obj, municipality=obj.municipality)


@admin.register(ErasureRecord)
class ErasureRecordAdmin(ScopedLinksMixin, admin.ModelAdmin):
    list_display = ["erased_at", "subject_kind", "channel"]
    list_filter = ["subject_kind", "channel"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
