"""The forms of information meetings: the public sign-up, the municipality picker, and the
organiser's meeting and attendance forms."""

from datetime import datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.emails import CanonicalEmailFormField
from hosts.languages import LANGUAGE_CHOICES
from matching_portal.honeypot import HoneypotCheck, honeypot_field
from municipalities.forms import MunicipalityField
from municipalities.models import Municipality

from .models import InformationMeeting, Source, VolunteersWanted


class MunicipalityPickerForm(forms.Form):
    """The start page's "meetings and news where you live": a municipality, typed."""

    kommun = MunicipalityField(
        label=_("Your municipality"),
        error_messages={"required": _("Write the name of your municipality.")},
    )


class SignupForm(HoneypotCheck, forms.Form):
    """A place at a meeting: a name, an e-mail address and consent; a honeypot for robots."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Please write your name.")},
    )
    email = CanonicalEmailFormField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("We send you a link to confirm your place, and a reminder the day before."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Please write your e-mail address."),
            "invalid": _("Enter an e-mail address like name@example.se."),
        },
    )
    consent = forms.BooleanField(
        label=_(
            "I have read the privacy notice and agree that my name and e-mail address are "
            "stored for this meeting as it says."
        ),
        error_messages={"required": _("You need to agree to the privacy notice to sign up.")},
    )
    # The honeypot: hidden from people, filled in by robots.
    website = honeypot_field()


class MeetingForm(forms.Form):
    """Plan or change a meeting (the organiser's form, on a phone)."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("E.g. “Become a host: an evening at the library”."),
        error_messages={"required": _("Give the meeting a title.")},
    )
    topic = forms.ChoiceField(
        label=_("What is the meeting about?"),
        choices=InformationMeeting.Topic.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the meeting is about.")},
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.none(),
        help_text=_("The meeting is listed on this municipality's page."),
        error_messages={"required": _("Choose the municipality where the meeting is listed.")},
    )
    day = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Give the date of the meeting."),
            "invalid": _("Give a date like 2026-12-24."),
        },
    )
    starts = forms.TimeField(
        label=_("Starts"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": _("Give the time the meeting starts."),
            "invalid": _("Give a time like 18:00."),
        },
    )
    ends = forms.TimeField(
        label=_("Ends"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": _("Give the time the meeting ends."),
            "invalid": _("Give a time like 19:30."),
        },
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=300,
        required=False,
        help_text=_("Address and room, for a meeting on site."),
    )
    online_url = forms.URLField(
        label=_("Online link"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_("For a meeting held online."),
        error_messages={"invalid": _("Enter a web address like https://meet.example.se/abc.")},
    )
    language = forms.ChoiceField(
        label=_("Language of the meeting"), choices=LANGUAGE_CHOICES, initial="sv"
    )
    capacity = forms.IntegerField(
        label=_("Places"),
        min_value=1,
        max_value=10000,
        initial=30,
        error_messages={
            "required": _("Give the number of places."),
            "min_value": _("A meeting needs at least one place."),
            "max_value": _("At most 10 000 places."),
            "invalid": _("Give the number of places as a whole number."),
        },
    )
    description = forms.CharField(
        label=_("What the meeting is about (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(
        self, data=None, *, municipalities=None, meeting: InformationMeeting | None = None, **kwargs
    ):
        if meeting is not None and "initial" not in kwargs:
            starts = timezone.localtime(meeting.starts_at)
            kwargs["initial"] = {
                "title": meeting.title,
                "topic": meeting.topic,
                "municipality": meeting.municipality_id,
                "day": starts.date(),
                "starts": starts.time().replace(second=0, microsecond=0),
                "ends": timezone.localtime(meeting.ends_at).time().replace(second=0, microsecond=0),
                "place": meeting.place,
                "online_url": meeting.online_url,
                "language": meeting.language,
                "capacity": meeting.capacity,
                "description": meeting.description,
            }
        super().__init__(data, **kwargs)
        self.fields["municipality"].queryset = (
            municipalities if municipalities is not None else Municipality.objects.all()
        ).order_by("name")

    def clean(self):
        cleaned = super().clean()
        day, starts, ends = cleaned.get("day"), cleaned.get("starts"), cleaned.get("ends")
        if day and starts and ends:
            starts_at = timezone.make_aware(datetime.combine(day, starts))
            ends_at = timezone.make_aware(datetime.combine(day, ends))
            if starts_at <= timezone.now():
                self.add_error("day", _("Choose a time in the future for the meeting."))
            elif starts_at > timezone.now() + timedelta(days=366):
                self.add_error("day", _("Choose a date within a year."))
            if ends_at <= starts_at:
                self.add_error("ends", _("The meeting must end after it starts."))
            cleaned["starts_at"], cleaned["ends_at"] = starts_at, ends_at
        if (
            not cleaned.get("place", "").strip()
            and not cleaned.get("online_url")
            and not (self.has_error("online_url"))
        ):
            self.add_error(
                "place", _("Give the place of the meeting, or its online link (or both).")
            )
        return cleaned

    def meeting_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"].strip(),
            "topic": data["topic"],
            "municipality": data["municipality"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "place": data["place"].strip(),
            "online_url": data["online_url"],
            "language": data["language"],
            "capacity": data["capacity"],
            "description": data["description"].strip(),
        }


class CancelMeetingForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the meeting is cancelled"),
        help_text=_(
            "Kept in the meeting's history; the people signed up are told it is cancelled."
        ),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Please give a reason for this step.")},
    )


class AttendanceForm(forms.Form):
    """Who came (ticked from the confirmed sign-ups) and how many came without signing up."""

    came = forms.MultipleChoiceField(
        label=_("Who came"), required=False, widget=forms.CheckboxSelectMultiple
    )
    walk_ins = forms.IntegerField(
        label=_("Came without signing up"),
        min_value=0,
        max_value=10000,
        initial=0,
        error_messages={
            "required": _("Give the number of people who came without signing up (0 or more)."),
            "min_value": _("Give the number of people who came without signing up (0 or more)."),
            "max_value": _("At most 10 000."),
            "invalid": _("Give the number as a whole number."),
        },
    )

    def __init__(self, *args, signups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["came"].choices = [
            (str(signup.pk), signup.name or _("Erased sign-up #%(id)s") % {"id": signup.pk})
            for signup in signups
        ]


# Tagged links and "volunteers wanted" -------------------------------------


class CodeInput(forms.HiddenInput):
    """A hidden input that reads a short code only: letters and digits, at most 16. Anything
    else sent in its place (a forged value, control characters, a long text) is read as no code
    at all, so it is never looked up, kept, refused or shown back."""

    def value_from_datadict(self, data, files, name):
        from .selectors import as_code

        return as_code(super().value_from_datadict(data, files, name)) or ""


class SourceField(forms.Field):
    """The code of the tagged link a sign-up was opened through, carried as a hidden field.

    Its cleaned value is the live ``Source`` of that code for this sign-up (``target``), or None.
    It never refuses anything: a code that is unknown, retired, for the other sign-up, or forged
    is dropped silently, and the sign-up goes through without a source (the widget reads only
    what can be a code: ``CodeInput``).
    """

    widget = CodeInput

    def __init__(self, *, target: str, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Came through"))
        super().__init__(**kwargs)
        self.target = target

    def clean(self, value):
        from .selectors import live_source

        return live_source(value or "", target=self.target)

    def prepare_value(self, value):
        # Shown back only as a live link's code.
        if isinstance(value, Source):
            return value.code
        if isinstance(value, str):
            from .selectors import live_source

            found = live_source(value, target=self.target)
            return found.code if found else ""
        return ""


def initial_source(request, *, target: str) -> str:
    """The live code a sign-up page was opened with (``?source=``), or "" (none, or not live)."""
    from .selectors import live_source

    found = live_source(request.GET.get("source") or "", target=target)
    return found.code if found else ""


class GroupChoiceMixin:
    """``groups``: the local groups the person organises for. With one, that group is the
    form's; with more (a national coordinator) the form asks which."""

    group_label = _("Local group")

    def _group_field(self, groups) -> None:
        from accounts.models import LocalGroup

        groups = list(groups)
        self.only_group = groups[0] if len(groups) == 1 else None
        if self.only_group is None:
            self.fields["local_group"] = forms.ModelChoiceField(
                label=self.group_label,
                queryset=LocalGroup.objects.filter(pk__in=[group.pk for group in groups]),
            )
            self.order_fields(["local_group"])

    def _clean_group(self, cleaned: dict) -> None:
        if self.only_group is not None:
            cleaned["local_group"] = self.only_group


class TaggedLinkForm(GroupChoiceMixin, forms.Form):
    """A new tagged link: what it is for, which sign-up it opens, its name, and (for a meeting)
    which meeting."""

    group_label = _("The link's local group")

    kind = forms.ChoiceField(
        label=_("What is the link for?"),
        choices=Source.Kind.choices,
        widget=forms.RadioSelect,
    )
    target = forms.ChoiceField(
        label=_("Which sign-up does it open?"),
        choices=Source.Target.choices,
        widget=forms.RadioSelect,
    )
    label = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_(
            "For example “Poster at the library, March”. The people who sign up through the link "
            "see this name when they download their data."
        ),
    )
    meeting = forms.ModelChoiceField(
        label=_("Meeting"),
        queryset=None,
        required=False,
        help_text=_("Only for a link shown at an information meeting."),
    )

    def __init__(self, *args, groups=(), meetings=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import InformationMeeting

        self.fields["meeting"].queryset = (
            meetings if meetings is not None else InformationMeeting.objects.none()
        )
        self._group_field(groups)

    def clean(self):
        cleaned = super().clean()
        self._clean_group(cleaned)
        kind, meeting = cleaned.get("kind"), cleaned.get("meeting")
        if kind == Source.Kind.MEETING and meeting is None:
            self.add_error("meeting", _("Choose the meeting the link is shown at."))
        elif kind and kind != Source.Kind.MEETING and meeting is not None:
            self.add_error("meeting", _("Only a link for a meeting names a meeting."))
        group = cleaned.get("local_group")
        if meeting is not None and group is not None and meeting.local_group_id != group.pk:
            self.add_error("meeting", _("Choose one of the local group's own meetings."))
        return cleaned


class VolunteersWantedForm(GroupChoiceMixin, forms.Form):
    """A group's public notice that it needs volunteers: for what, which languages, a message,
    and (optionally) its last day."""

    group_label = _("The notice's local group")

    needs = forms.MultipleChoiceField(
        label=_("What do you need volunteers for?"),
        choices=VolunteersWanted.Need.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one thing volunteers are needed for.")},
    )
    languages = forms.MultipleChoiceField(
        label=_("Which languages?"),
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Only when you need volunteers who speak a language."),
    )
    message = forms.CharField(
        label=_("A short message (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    shown_until = forms.DateField(
        label=_("Last day shown (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to show it until you take it down."),
    )

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._group_field(groups)

    def clean(self):
        cleaned = super().clean()
        self._clean_group(cleaned)
        needs = cleaned.get("needs") or []
        if VolunteersWanted.Need.LANGUAGES in needs and not cleaned.get("languages"):
            self.add_error("languages", _("Choose the languages the group needs."))
        return cleaned
