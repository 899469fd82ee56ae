from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import ReportRun


class RequestReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Report"), choices=ReportRun.Kind.choices, initial=ReportRun.Kind.INTERIM
    )
    language = forms.ChoiceField(label=_("Language of the report"), choices=settings.LANGUAGES)
