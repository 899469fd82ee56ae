"""The road to work in the admin: employers and their staff figures, the placements they offer
and the supervisors' check-ins.

Everything is made and changed by ``work.actions``: the add pages are forms whose action makes
the object (``ActionAddMixin``), each step of a placement is a button with its own page
(``WorkflowAdminMixin``), and correcting an offer is the step "Change the offer"
(``work.actions.change_offer``), not an edit of the record. The lists and pages are scoped
(``visible_to``): another employer's placement, or one offered to another integration unit, is a
404. The employer's staff know the participant by the adult's number and the Public Employment
Service's reference only: the newcomer case is shown to the integration unit (and the data
protection officer), never to the employer.
"""

import re

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from accounts.scoping import sees_everything
from hosts.languages import LANGUAGE_CHOICES
from newcomers.models import NewcomerCase
from privacy.admin_mixins import AccessLoggedAdminMixin
from workflow.admin_tools import (
    ActionAddMixin,
    ReadOnlyInline,
    ReasonForm,
    ScopedAdminMixin,
    ScopedLinksMixin,
    Step,
    StepForm,
    TransitionLogInline,
    ValidAutocompleteSelect,
    WorkflowAdminMixin,
)

from . import actions
from .models import (
    Employer,
    Placement,
    PlacementCheckIn,
    PlacementTransition,
    StaffFigures,
    validate_not_identity_number,
)
from .workflow import EMPLOYER, PLACEMENT_WORKFLOW

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def person(user) -> str:
    """A person as the admin shows them: their name, or their user name."""
    if user is None:
        return ""
    return user.get_full_name() or user.username


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return person(obj)


# Language codes -------------------------------------------------------------------------------

# A language code as people type it: "sv", "en", "ar", "fa-AF", "ti".
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


class LanguageCodesField(forms.Field):
    """The languages used at work, typed as codes separated by commas or spaces ("sv, en")."""

    widget = forms.TextInput(attrs={"maxlength": 120, "placeholder": "sv, en"})
    default_error_messages = {
        "invalid": _(
            "Give language codes such as sv, en or ar, separated by commas or spaces "
            "(%(code)s is not one)."
        ),
        "too_many": _("Give at most ten language codes."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Languages used at work"))
        kwargs.setdefault(
            "help_text",
            _("Language codes separated by commas or spaces, e.g. sv, en. Leave empty if unsure."),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(code) for code in value)
        return value

    def to_python(self, value):
        text = str(value or "").strip()
        if len(text) > 120:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many")
        codes = [code.lower() for code in re.split(r"[\s,;]+", text) if code]
        for code in codes:
            if not LANGUAGE_CODE.match(code):
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid", params={"code": code[:20]}
                )
        codes = list(dict.fromkeys(codes))
        if len(codes) > actions.MAX_LANGUAGES:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many")
        return codes


class ForTheEmployersStaffMixin:
    """An add page for the employer's side: shown (and its button) only to a person who acts for
    an employer (``work.actions.employers_acted_for``), such as a partner's coordinators only
    where the municipality is itself an employer."""

    def has_add_permission(self, request):
        return super().has_add_permission(request) and acts_for_an_employer(request)


def acts_for_an_employer(request) -> bool:
    """Whether the person acts for any employer (``work.actions.employers_acted_for``), asked
    once per request: the admin's index and every page's menu ask each employer-side model."""
    if not hasattr(request, "_acts_for_an_employer"):
        request._acts_for_an_employer = actions.employers_acted_for(request.user).exists()
    return request._acts_for_an_employer


# Employers and their figures ------------------------------------------------------------------


class AddEmployerForm(StepForm):
    """A partner's coordinator adds an outside organisation that takes their newcomers."""

    name = forms.CharField(label=_("Name of the employer"), max_length=200)
    contact_email = forms.EmailField(
        label=_("Contact e-mail"),
        required=False,
        help_text=_(
            "The employer's own address, for the integration unit to reach it. Its supervisors "
            "get accounts of their own."
        ),
    )

    def arguments(self):
        return dict(self.cleaned_data)


class StaffFiguresForm(StepForm):
    employer = forms.ModelChoiceField(label=_("Employer"), queryset=Employer.objects.none())
    recorded_on = forms.DateField(label=_("As of"), widget=DATE_INPUT)
    employees = forms.IntegerField(label=_("Employees"), min_value=0, max_value=1_000_000)
    came_as_newcomers = forms.IntegerField(
        label=_("Of them came to Sweden as newcomers"),
        min_value=0,
        max_value=1_000_000,
        help_text=_("As the employer knows it; no names."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        employers = actions.employers_acted_for(self.user)
        self.fields["employer"].queryset = employers
        if len(employers) == 1:
            self.fields["employer"].initial = employers[0].pk
        self.fields["recorded_on"].initial = timezone.localdate()

    def arguments(self):
        return dict(self.cleaned_data)


class StaffFiguresInline(ReadOnlyInline):
    model = StaffFigures
    related = ("recorded_by",)
    fields = ["recorded_on", "employees", "came_as_newcomers", "recorded_by_name"]
    readonly_fields = fields
    verbose_name_plural = _("staff figures, as the employer records them")

    @admin.display(description=_("recorded by"))
    def recorded_by_name(self, obj):
        return person(obj.recorded_by)


@admin.register(Employer)
class EmployerAdmin(ActionAddMixin, ScopedLinksMixin, ScopedAdminMixin, admin.ModelAdmin):
    """The employers the person sees (``Employer.objects.visible_to``). A partner's coordinator
    adds an outside employer (``work.actions.add_employer``); its figures are recorded on the
    staff figures' own page."""

    add_form = AddEmployerForm
    add_action = actions.add_employer
    add_title = _("Add an employer")
    list_display = ["organisation", "contact_email", "takes_from", "created_at"]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name"]
    ordering = ["organisation__name"]
    fields = ["organisation", "contact_email", "takes_from", "added_by_name", "created_at"]
    readonly_fields = fields
    inlines = [StaffFiguresInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("integration_units")

    @admin.display(description=_("contact e-mail"))
    def contact_email(self, obj):
        return obj.organisation.contact_email

    @admin.display(description=_("takes newcomers from"))
    def takes_from(self, obj):
        return ", ".join(unit.name for unit in obj.integration_units.all())

    @admin.display(description=_("added by"))
    def added_by_name(self, obj):
        return person(obj.added_by)

    def has_change_permission(self, request, obj=None):
        return False  # made by its action; read here

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StaffFigures)
class StaffFiguresAdmin(
    ForTheEmployersStaffMixin,
    ActionAddMixin,
    ScopedLinksMixin,
    ScopedAdminMixin,
    admin.ModelAdmin,
):
    """The employer's own figures (``work.actions.record_staff_figures``): recording the same
    date again corrects it."""

    add_form = StaffFiguresForm
    add_action = actions.record_staff_figures
    add_title = _("Record the staff figures")
    list_display = ["employer", "recorded_on", "employees", "came_as_newcomers", "recorder"]
    list_filter = ["employer"]
    list_select_related = ["employer__organisation", "recorded_by"]
    ordering = ["employer__organisation__name", "-recorded_on"]
    fields = ["employer", "recorded_on", "employees", "came_as_newcomers", "recorder", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("recorded by"))
    def recorder(self, obj):
        return person(obj.recorded_by)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Placements: the forms ------------------------------------------------------------------------


class OfferDetailsForm(StepForm):
    """The details of an offer, as the employer gives them and may correct them."""

    title = forms.CharField(
        label=_("What the work is"),
        max_length=200,
        help_text=_("For example: caretaker's assistant."),
    )
    place = forms.CharField(label=_("Place of work"), max_length=200)
    starts_on = forms.DateField(label=_("From"), widget=DATE_INPUT)
    ends_on = forms.DateField(label=_("Until"), widget=DATE_INPUT)
    hours_per_week = forms.IntegerField(label=_("Hours per week"), min_value=1, max_value=40)
    languages = LanguageCodesField()
    supervisor = PersonChoiceField(
        label=_("Supervisor"), queryset=User.objects.none(), required=False
    )

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The placement cannot end before it starts."))
        return cleaned


def supervisors_at(organisation_ids):
    """The people who may supervise: the active users of the employers' organisations who work
    with placements there (``work.workflow.EMPLOYER``)."""
    return (
        User.objects.filter(
            organisation_id__in=organisation_ids, is_active=True, groups__name__in=EMPLOYER
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class OfferForm(OfferDetailsForm):
    """The employer offers a placement (``work.actions.offer_placement``)."""

    employer = forms.ModelChoiceField(label=_("Employer"), queryset=Employer.objects.none())
    integration_unit = forms.ModelChoiceField(
        label=_("Offered to"),
        queryset=Organisation.objects.none(),
        help_text=_("The integration unit that proposes a newcomer for this placement."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Placement.Kind.choices)

    field_order = ["employer", "integration_unit", "kind", *actions.OFFER_DETAILS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        employers = actions.employers_acted_for(self.user)
        organisation_ids = [employer.organisation_id for employer in employers]
        self.fields["employer"].queryset = employers
        # The units the employers take newcomers from, and an employer that is itself one.
        self.fields["integration_unit"].queryset = (
            Organisation.objects.filter(kind=Organisation.Kind.PARTNER)
            .filter(Q(employers__in=employers) | Q(pk__in=organisation_ids))
            .distinct()
            .order_by("name")
        )
        self.fields["supervisor"].queryset = supervisors_at(organisation_ids)
        if len(employers) == 1:
            self.fields["employer"].initial = employers[0].pk
        units = list(self.fields["integration_unit"].queryset[:2])
        if len(units) == 1:
            self.fields["integration_unit"].initial = units[0].pk
        if self.user is not None and self.user.organisation_id in organisation_ids:
            self.fields["supervisor"].initial = self.user.pk

    def arguments(self):
        return dict(self.cleaned_data)


class ChangeOfferForm(OfferDetailsForm):
    """Correcting an offer nobody is proposed for (``work.actions.change_offer``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        placement = self.obj
        if placement is not None:
            self.fields["supervisor"].queryset = supervisors_at(
                [placement.employer.organisation_id]
            )
            for name in actions.OFFER_DETAILS:
                self.fields[name].initial = getattr(placement, name)
            self.fields["supervisor"].initial = placement.supervisor_id


class ProposeForm(StepForm):
    """The integration unit proposes an adult of one of its own open cases, with their consent
    (``work.actions.propose_newcomer``)."""

    consent_given_on = forms.DateField(
        label=_("Consent given on"),
        widget=DATE_INPUT,
        help_text=_(
            "Ask the person first: a newcomer is proposed only after they have agreed to it, and "
            "the employer learns nothing but the adult's number and the reference below."
        ),
    )
    consent_given = forms.ChoiceField(
        label=_("Consent given"),
        choices=Placement.ConsentGiven.choices,
        widget=forms.RadioSelect,
    )
    case = forms.ModelChoiceField(label=_("Newcomer case"), queryset=NewcomerCase.objects.none())
    adult_number = forms.IntegerField(
        label=_("Which adult of the household"),
        min_value=1,
        max_value=12,
        initial=1,
        help_text=_("1 for the first adult of the case, 2 for the second, and so on."),
    )
    employment_service_reference = forms.CharField(
        label=_("Public Employment Service reference"),
        max_length=40,
        validators=[validate_not_identity_number],
        help_text=_("The reference of the person's plan. Never a personal identity number."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cases = NewcomerCase.objects.none()
        if self.obj is not None and self.user is not None:
            cases = (
                NewcomerCase.objects.visible_to(self.user)
                .filter(partner_id=self.obj.integration_unit_id)
                .exclude(status=NewcomerCase.Status.CLOSED)
                .order_by("reference")
            )
        self.fields["case"].queryset = cases
        # A partner has hundreds of cases: searched by reference (the cases' own admin answers,
        # with its scope), and the form refuses any other than the unit's own open ones.
        self.fields["case"].widget = ValidAutocompleteSelect(
            Placement._meta.get_field("case"), admin.site, choices=self.fields["case"].choices
        )
        self.fields["consent_given_on"].initial = timezone.localdate()

    def clean_consent_given_on(self):
        day = self.cleaned_data["consent_given_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The consent cannot be given in the future."))
        return day


class DayForm(StepForm):
    """A step whose input is the day it happened (today by default)."""

    day_field = "on"
    day_label = _("Date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.day_field] = forms.DateField(
            label=self.day_label, widget=DATE_INPUT, initial=timezone.localdate()
        )
        self.order_fields([self.day_field])


class StartForm(DayForm):
    day_field, day_label = "started_on", _("Started on")


class CompleteForm(DayForm):
    day_field, day_label = "ended_on", _("Ended on")


class EmployForm(DayForm):
    day_field, day_label = "employed_on", _("Employed from")


class EndEarlyForm(DayForm):
    day_field, day_label = "ended_on", _("Ended on")

    end_reason = forms.ChoiceField(
        label=_("Why it ended early"),
        choices=Placement.EndReason.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("A few words (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The other side is told. About the work only; no health details."),
    )


class DeclineForm(StepForm):
    reason = forms.CharField(
        label=_("Why the proposal is declined"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The integration unit is told. About the work only; no health details."),
    )


class PlacementChoiceField(forms.ModelChoiceField):
    """A placement as its supervisor tells it from the others: the work, the place and the
    Public Employment Service's reference of the person taking it."""

    def label_from_instance(self, obj):
        return " · ".join(
            part for part in (obj.title, obj.place, obj.employment_service_reference) if part
        )


class CheckInForm(StepForm):
    """The supervisor notes how the placement goes (``work.actions.record_placement_check_in``)."""

    placement = PlacementChoiceField(label=_("Placement"), queryset=Placement.objects.none())
    on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    days_expected = forms.IntegerField(
        label=_("Days expected since the last check-in"), min_value=0, max_value=366
    )
    days_present = forms.IntegerField(label=_("Days present"), min_value=0, max_value=366)
    language = forms.ChoiceField(
        label=_("Language"), choices=PlacementCheckIn.Language.choices, widget=forms.RadioSelect
    )
    going = forms.ChoiceField(
        label=_("How it goes"), choices=PlacementCheckIn.Going.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("About the work only. No health details, no personal identity numbers."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        placements = (
            Placement.objects.visible_to(self.user)
            .filter(
                status=Placement.Status.STARTED,
                employer__in=actions.employers_acted_for(self.user),
            )
            .select_related("employer__organisation")
            .order_by("title", "pk")
            if self.user is not None
            else Placement.objects.none()
        )
        self.fields["placement"].queryset = placements
        if len(placements) == 1:
            self.fields["placement"].initial = placements[0].pk
        self.fields["on"].initial = timezone.localdate()

    def clean(self):
        cleaned = super().clean()
        expected, present = cleaned.get("days_expected"), cleaned.get("days_present")
        if expected is not None and present is not None and present > expected:
            self.add_error(
                "days_present", _("The days present cannot be more than the days expected.")
            )
        return cleaned

    def arguments(self):
        return dict(self.cleaned_data)


# Placements: who is offered which step ---------------------------------------------------------


def _for_employer(placement: Placement, user) -> bool:
    return actions.acts_for_employer(user, placement.employer)


def _for_unit(placement: Placement, user) -> bool:
    return actions.acts_for_integration_unit(user, placement.integration_unit_id)


def _for_either(placement: Placement, user) -> bool:
    return _for_employer(placement, user) or _for_unit(placement, user)


def _offer_open(placement: Placement, user) -> bool:
    return placement.status == Placement.Status.OFFERED and _for_employer(placement, user)


def sees_the_case(user, placement: Placement) -> bool:
    """The integration unit (the case's own partner) and the data protection officer see which
    case the participant is of; the employer knows the adult's number and the reference only."""
    return sees_everything(user) or (
        user.organisation_id is not None and user.organisation_id == placement.integration_unit_id
    )


# Placements: the admin ------------------------------------------------------------------------


class PlacementTransitionInline(TransitionLogInline):
    model = PlacementTransition


class PlacementCheckInInline(ReadOnlyInline):
    model = PlacementCheckIn
    related = ("recorded_by",)
    # How it goes and the note first: on a phone the columns further right scroll.
    fields = ["on", "going", "note", "days_present", "days_expected", "language", "recorder"]
    readonly_fields = fields
    verbose_name_plural = _("check-ins")

    @admin.display(description=_("recorded by"))
    def recorder(self, obj):
        return person(obj.recorded_by)


@admin.register(Placement)
class PlacementAdmin(
    AccessLoggedAdminMixin,
    ForTheEmployersStaffMixin,
    ActionAddMixin,
    WorkflowAdminMixin,
    ScopedLinksMixin,
    ScopedAdminMixin,
    admin.ModelAdmin,
):
    """The placements the person sees (``Placement.objects.visible_to``): the employer's staff
    offer them and take the employer's steps; the integration unit's coordinators propose a
    newcomer. Each step's button shows only to the side that takes it."""

    workflow = PLACEMENT_WORKFLOW
    action_object = "placement"
    steps = {
        "change_offer": Step(
            actions.change_offer,
            ChangeOfferForm,
            label=_("Change the offer"),
            offered=_offer_open,
        ),
        # The guard asks for the case and the consent, which the step's own form gives.
        "propose": Step(actions.propose_newcomer, ProposeForm, guarded=False, offered=_for_unit),
        "withdraw_proposal": Step(actions.withdraw_proposal, ReasonForm, offered=_for_unit),
        "decline": Step(actions.decline_proposal, DeclineForm, offered=_for_employer),
        # The buttons say what the person does, not the stage it leads to ("Started").
        "start": Step(
            actions.start_placement,
            StartForm,
            label=_("Start the placement"),
            offered=_for_employer,
        ),
        "complete": Step(
            actions.complete_placement,
            CompleteForm,
            label=_("Record the placement as completed"),
            offered=_for_employer,
        ),
        "end_early": Step(
            actions.end_placement_early,
            EndEarlyForm,
            label=_("End the placement early"),
            offered=_for_either,
        ),
        "employ": Step(
            actions.record_employment,
            EmployForm,
            label=_("Record employment"),
            offered=_for_either,
        ),
        "withdraw": Step(actions.withdraw_offer, ReasonForm, offered=_for_employer),
    }
    add_form = OfferForm
    add_action = actions.offer_placement
    add_title = _("Offer a placement")
    change_form_template = "admin/work/placement/change_form.html"

    # What the work is and where it stands first: on a phone the columns further right scroll.
    list_display = ["title", "status", "period", "kind", "employer", "supervisor_name"]
    list_filter = ["kind", "status", "employer"]
    list_select_related = ["employer__organisation", "supervisor"]
    search_fields = ["title", "place"]
    ordering = ["-starts_on", "pk"]
    inlines = [PlacementCheckInInline, PlacementTransitionInline]

    OFFER = [
        "employer",
        "integration_unit",
        "kind",
        "title",
        "place",
        "supervisor_name",
        "period",
        "hours_per_week",
        "languages_shown",
        "status",
        "status_changed_at",
    ]
    PROPOSAL = [
        "case_shown",
        "adult_number",
        "employment_service_reference",
        "consent_given_on",
        "consent_given",
        "consent_recorder",
    ]
    OUTCOME = ["started_on", "ended_on", "end_reason", "employed_on", "offered_by", "created_at"]
    readonly_fields = [*OFFER, *PROPOSAL, *OUTCOME]

    def get_fieldsets(self, request, obj=None):
        proposal = list(self.PROPOSAL)
        if obj is None or not sees_the_case(request.user, obj):
            proposal.remove("case_shown")  # the employer never learns which case it is
        return [
            (_("The offer"), {"fields": self.OFFER}),
            (_("The proposal"), {"fields": proposal}),
            (_("How it went"), {"fields": self.OUTCOME}),
        ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("employer__organisation", "integration_unit", "supervisor")
        )

    @admin.display(description=_("period"), ordering="starts_on")
    def period(self, obj):
        return _("%(start)s – %(end)s") % {
            "start": date_format(obj.starts_on),
            "end": date_format(obj.ends_on),
        }

    @admin.display(description=_("supervisor"), ordering="supervisor__last_name")
    def supervisor_name(self, obj):
        return person(obj.supervisor) or self.get_empty_value_display()

    @admin.display(description=_("languages used at work"))
    def languages_shown(self, obj):
        # By name where the portal knows the language ("Svenska"), otherwise as typed.
        names = dict(LANGUAGE_CHOICES)
        return (
            ", ".join(str(names.get(code, code)) for code in obj.languages or [])
            or self.get_empty_value_display()
        )

    @admin.display(description=_("newcomer case"))
    def case_shown(self, obj):
        case = obj.case
        if case is None:
            return self.get_empty_value_display()
        url = reverse("admin:newcomers_newcomercase_change", args=[case.pk])
        return format_html('<a href="{}">{}</a>', url, case.reference)

    @admin.display(description=_("consent recorded by"))
    def consent_recorder(self, obj):
        return person(obj.consent_recorded_by) or self.get_empty_value_display()

    @admin.display(description=_("offered by"))
    def offered_by(self, obj):
        return person(obj.created_by) or self.get_empty_value_display()

    def has_change_permission(self, request, obj=None):
        return False  # a placement changes only through its steps

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The supervisor records a check-in from the page of the placement under way.
        extra_context = extra_context or {}
        placement = self.get_object(request, unquote(object_id))
        check_ins = self.admin_site._registry[PlacementCheckIn]
        if (
            placement is not None
            and placement.status == Placement.Status.STARTED
            and _for_employer(placement, request.user)
            and check_ins.has_add_permission(request)
        ):
            extra_context["check_in_url"] = (
                f"{reverse('admin:work_placementcheckin_add')}?placement={placement.pk}"
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def step_done(self, request, obj, name, result):
        super().step_done(request, obj, name, result)
        if name == "change_offer":
            self.log_change(request, obj, [{"changed": {"fields": list(actions.OFFER_DETAILS)}}])


@admin.register(PlacementCheckIn)
class PlacementCheckInAdmin(
    AccessLoggedAdminMixin,
    ForTheEmployersStaffMixin,
    ActionAddMixin,
    ScopedLinksMixin,
    ScopedAdminMixin,
    admin.ModelAdmin,
):
    """The supervisors' check-ins (``work.actions.record_placement_check_in``): recorded by the
    employer's staff on placements under way, read by them and the integration unit."""

    add_form = CheckInForm
    add_action = actions.record_placement_check_in
    add_title = _("Record a check-in")
    # The day and how it goes first: on a phone the columns further right scroll.
    list_display = ["on", "going", "attendance", "placement", "language", "recorder"]
    list_filter = ["going", "language"]
    list_select_related = ["placement__employer__organisation", "recorded_by"]
    ordering = ["-on", "-pk"]
    fields = [
        "placement",
        "on",
        "attendance",
        "language",
        "going",
        "note",
        "recorder",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("days present"))
    def attendance(self, obj):
        return _("%(present)s of %(expected)s") % {
            "present": obj.days_present,
            "expected": obj.days_expected,
        }

    @admin.display(description=_("recorded by"))
    def recorder(self, obj):
        return person(obj.recorded_by)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_form_kwargs(self, request):
        # "Record a check-in" on a placement's page names the placement.
        placement = request.GET.get("placement", "")
        if request.method == "GET" and placement.isdigit():
            return {"initial": {"placement": int(placement)}}
        return {}

    def added(self, request, obj):
        super().added(request, obj)
        if obj.going == PlacementCheckIn.Going.DIFFICULT:
            self.message_user(request, _("The integration unit has been told."))
