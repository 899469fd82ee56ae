from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import ReportRun


class RequestReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Report"),
        choices=[
            (kind.value, kind.label) for kind in (ReportRun.Kind.INTERIM, ReportRun.Kind.YEAR_END)
        ],
        initial=ReportRun.Kind.INTERIM,
    )
    language = forms.ChoiceField(label=_("Language of the report"), choices=settings.LANGUAGES)


# The years a roll-up may be asked for.
FIRST_YEAR, LAST_YEAR = 2000, 2100


class RollupYearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)


class RequestRollupForm(RollupYearForm):
    language = forms.ChoiceField(label=_("Language of the report"), choices=settings.LANGUAGES)
