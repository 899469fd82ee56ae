"""Forms of outreach: the hidden field that carries a tagged link's code through a sign-up, and
the coordinators' forms for tagged links and "volunteers wanted"."""

from django import forms
from django.utils.translation import gettext_lazy as _

from hosts.languages import LANGUAGE_CHOICES

from .models import Source, VolunteersWanted


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
