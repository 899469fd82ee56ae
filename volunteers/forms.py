from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from accounts import roles
from accounts.emails import CanonicalEmailFormField
from accounts.models import LocalGroup, Organisation, User
from hosts.forms import PHONE_MAX_LENGTH
from hosts.languages import LANGUAGE_CHOICES
from hosts.models import Home
from matching_portal.honeypot import HoneypotCheck, honeypot_field
from municipalities.forms import MunicipalityField
from outreach.forms import SourceField

from .models import CallAttempt, HomeVisit


class VolunteerApplicationForm(HoneypotCheck, forms.Form):
    name = forms.CharField(
        label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = CanonicalEmailFormField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = PhoneNumberField(
        label=_("Phone number"),
        max_length=PHONE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"invalid": _("Enter a valid phone number, e.g. 070-123 45 67.")},
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you speak"),
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    municipality = MunicipalityField(
        label=_("Which municipality do you live in?"),
        help_text=_(
            "Start typing and choose from the list, e.g. Malmö or Krokom. The local group there "
            "reads your application."
        ),
        error_messages={"required": _("Please write the municipality you live in.")},
    )
    area = forms.CharField(
        label=_("Where do you live?"),
        max_length=100,
        help_text=_("Your town or part of town, so that we can plan home visits near you."),
    )
    availability = forms.CharField(
        label=_("When can you help?"),
        max_length=300,
        help_text=_("For example: “weekday evenings” or “a few hours on Saturdays”."),
    )
    motivation = forms.CharField(
        label=_("Why would you like to volunteer? (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent = forms.BooleanField(
        label=_(
            "I have read the privacy notice for volunteers and agree that my answers are stored "
            "as it says."
        ),
        error_messages={"required": _("You need to agree to the privacy notice to send.")},
    )
    # The honeypot: hidden from people, filled in by robots.
    website = honeypot_field()
    # The tagged link the application was opened through (``/t/<code>/``); a code that is not
    # live is dropped without a word.
    source = SourceField(target="volunteer")


class CallOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("What came of the call?"),
        choices=CallAttempt.Outcome.choices,
        widget=forms.RadioSelect,
    )
    callback_at = forms.DateTimeField(
        label=_("Call back"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Only when the host asked to be called back."),
    )
    note = forms.CharField(
        label=_("Note for the next volunteer (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, home=None, **kwargs):
        super().__init__(*args, **kwargs)
        if home is not None:
            from .actions import call_outcomes

            # Only the outcomes that fit the home's stage (a campaign may call a visited home).
            self.fields["outcome"].choices = call_outcomes(home)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == CallAttempt.Outcome.NOT_NOW:
            when = cleaned.get("callback_at")
            if not when:
                self.add_error("callback_at", _("Choose when to call back."))
            elif when <= timezone.now():
                self.add_error("callback_at", _("Choose a time in the future to call back."))
        return cleaned


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write a note first.")},
    )


class HandBackForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the next volunteer (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def volunteer_choices(user=None, *, home=None):
    """The people a visit can be booked with: the active volunteers and volunteer coordinators
    of the home's local group (the group whose host it is); for a home no group covers, the
    national coordinators of ``user``'s organisation. Without a home: those of ``user``'s own
    organisation (everyone's for a superuser). Never another group's or organisation's people,
    whose names are not theirs to see."""
    people = User.objects.filter(
        groups__name__in=[roles.VOLUNTEER, roles.VOLUNTEER_COORDINATOR]
    ).filter(is_active=True)
    if home is not None:
        if home.local_group_id is not None:
            people = people.filter(local_group_id=home.local_group_id)
        elif user is not None and user.organisation_id is not None:
            people = people.filter(
                organisation_id=user.organisation_id, groups__name=roles.NATIONAL_COORDINATOR
            )
        else:
            people = people.none()
    elif user is not None and not user.is_superuser:
        if user.organisation_id is None:
            people = people.filter(pk=user.pk)
        else:
            people = people.filter(organisation_id=user.organisation_id)
    return people.distinct().order_by("first_name", "last_name", "username")


class VolunteerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class BookVisitForm(forms.Form):
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    second_volunteer = VolunteerChoiceField(
        label=_("Second volunteer (optional)"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, user=None, home=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        queryset = volunteer_choices(user, home=home)
        if user is not None:
            queryset = queryset.exclude(pk=user.pk)
        self.fields["second_volunteer"].queryset = queryset
        tomorrow = timezone.localdate() + timedelta(days=1)
        self.fields["day"].initial = tomorrow
        self.fields["time"].initial = time(17, 0)

    def clean(self):
        cleaned = super().clean()
        day, at = cleaned.get("day"), cleaned.get("time")
        if day and at:
            starts = timezone.make_aware(datetime.combine(day, at))
            if starts <= timezone.now():
                self.add_error("day", _("Choose a time in the future for the visit."))
            elif starts > timezone.now() + timedelta(days=365):
                self.add_error("day", _("Choose a date within a year."))
            cleaned["starts_at"] = starts
        return cleaned


class MoveVisitForm(BookVisitForm):
    """A new time for a booked visit (the same rules as booking one), and why, if wanted."""

    reason = forms.CharField(
        label=_("Why the visit is moved (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, visit=None, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["second_volunteer"]
        if visit is not None:
            when = timezone.localtime(visit.starts_at)
            self.fields["day"].initial = when.date()
            self.fields["time"].initial = when.time().replace(second=0, microsecond=0)


class CancelVisitForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the visit is cancelled"),
        help_text=_("The host is sent this reason with the cancellation."),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Please give a reason for this step.")},
    )


class VisitReportForm(forms.ModelForm):
    verdict = forms.ChoiceField(
        label=_("Is the home suitable?"),
        choices=HomeVisit.Verdict.choices,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = HomeVisit
        fields = [*HomeVisit.CHECKLIST, "report", "verdict", "reject_reason"]
        widgets = {"report": forms.Textarea(attrs={"rows": 4})}
        labels = {"report": _("What did you see and talk about?")}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("verdict") == HomeVisit.Verdict.NOT_SUITABLE and not cleaned.get(
            "reject_reason"
        ):
            self.add_error("reject_reason", _("Say why the home is not suitable."))
        return cleaned


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    registered_from = forms.DateField(
        label=_("Registered from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    registered_to = forms.DateField(
        label=_("Registered until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    stage = forms.ChoiceField(
        label=_("Only hosts at this stage"),
        choices=[("", _("Any stage before referral"))]
        + [(value, label) for value, label in Home.Status.choices if value in Home.CAMPAIGN_STAGES],
        required=False,
    )

    def __init__(self, *args, groups=None, **kwargs):
        """``groups``: the local groups the person may start a campaign for. With more than one
        (a national coordinator) the form asks which; with one, that group is the campaign's."""
        super().__init__(*args, **kwargs)
        groups = groups if groups is not None else LocalGroup.objects.none()
        self.only_group = None
        if len(groups) == 1:
            self.only_group = groups[0]
        else:
            self.fields["local_group"] = forms.ModelChoiceField(
                label=_("The campaign's local group"),
                queryset=LocalGroup.objects.filter(pk__in=[group.pk for group in groups]),
                help_text=_("The campaign calls this group's hosts."),
            )
            self.order_fields(["name", "local_group"])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("registered_from"), cleaned.get("registered_to")
        if start and end and end < start:
            self.add_error("registered_to", _("The end date must come after the start date."))
        if self.only_group is not None:
            cleaned["local_group"] = self.only_group
        return cleaned


class ReferForm(forms.Form):
    """The partner a visited home is referred to: one of ``partners``, the partners of the
    partnerships covering the home's municipality (``reports.partners.referral_partners``)."""

    partner = forms.ModelChoiceField(
        label=_("Refer to"),
        queryset=Organisation.objects.none(),
        error_messages={"invalid_choice": _("Choose one of the partners offered.")},
    )

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Organisation.objects.filter(
            kind=Organisation.Kind.PARTNER, pk__in=[partner.pk for partner in partners]
        )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (for our records; not sent to the applicant)"),
        max_length=300,
        required=False,
    )


class IntroductionForm(forms.Form):
    """The day a coordinator met an approved volunteer (``actions.record_introduction``)."""

    met_on = forms.DateField(
        label=_("Day of the introduction meeting"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Write the day you met the volunteer."),
            "invalid": _("Write the day as a date, e.g. 2026-12-07."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["met_on"].initial = timezone.localdate()


class MergeForm(forms.Form):
    keep = forms.ModelChoiceField(label=_("Keep"), queryset=Home.objects.none())

    def __init__(self, *args, homes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].queryset = homes if homes is not None else Home.objects.none()


class LocalGroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.organisation.name})"


class HandOverForm(forms.Form):
    """The group a host is handed to (any group of the portal but the host's own) and why."""

    to_group = LocalGroupChoiceField(
        label=_("Hand over to"),
        queryset=LocalGroup.objects.none(),
        error_messages={
            "required": _("Choose the group to hand the host over to."),
            "invalid_choice": _("Choose one of the groups in the list."),
        },
    )
    reason = forms.CharField(
        label=_("Why (the new group reads it)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the host is handed over: the new group reads it.")},
    )

    def __init__(self, *args, home=None, **kwargs):
        from .actions.groups import covering_group

        super().__init__(*args, **kwargs)
        groups = LocalGroup.objects.select_related("organisation").order_by(
            "organisation__name", "name"
        )
        if home is not None and home.local_group_id is not None:
            groups = groups.exclude(pk=home.local_group_id)
        self.fields["to_group"].queryset = groups
        if home is not None and not self.is_bound:
            # The group that covers the home's municipality now, if it is another.
            covering = covering_group(home.municipality_id)
            if covering is not None and covering.pk != home.local_group_id:
                self.fields["to_group"].initial = covering.pk
