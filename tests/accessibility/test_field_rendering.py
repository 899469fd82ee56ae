"""The forms of the log-in, the second factor, the accessibility report, the data requests and
the volunteer's call, visit and hand-over pages write their fields with ``portal_field``
(matching_portal/templatetags/portal_fields.py) rather than crispy-forms: the HTML must be crispy's
``as_crispy_field``, whitespace between tags aside, in every state (empty, with errors, with
answers), labels, error ids and ``aria-describedby`` included."""

import pytest
from django.contrib.auth.forms import AuthenticationForm

from accessibility.forms import AccessibilityReportForm
from accounts.two_factor import TokenForm
from municipalities.models import Municipality
from privacy.forms import DataRequestForm
from tests.field_rendering import fields_compared_with_crispy
from volunteers.forms import (
    BookVisitForm,
    CallOutcomeForm,
    CancelVisitForm,
    HandOverForm,
    MoveVisitForm,
    VisitReportForm,
)

pytestmark = pytest.mark.django_db


def _forms():
    """Pairs of equal forms (one for each renderer: crispy adds classes to the widgets)."""
    code = Municipality.objects.order_by("code").values_list("code", flat=True).first()
    yield lambda: AccessibilityReportForm()
    yield lambda: AccessibilityReportForm({})
    yield lambda: AccessibilityReportForm(
        {"text": "<b>knappen</b>", "municipality": code, "email": "nope", "phone": "x"}
    )
    yield lambda: AccessibilityReportForm({"text": "Hej", "municipality": "9999"})
    yield lambda: AuthenticationForm()
    yield lambda: AuthenticationForm(data={"username": '"><i>', "password": ""})
    yield lambda: TokenForm()
    yield lambda: TokenForm({"token": "12"})
    yield lambda: DataRequestForm()
    yield lambda: DataRequestForm({"email": "x", "note": "<script>"})
    yield lambda: CallOutcomeForm()
    yield lambda: CallOutcomeForm({"outcome": "nope"})
    yield lambda: CancelVisitForm({})
    yield lambda: HandOverForm()
    yield lambda: BookVisitForm()
    yield lambda: BookVisitForm({"day": "2001-01-01", "time": "x"})
    yield lambda: MoveVisitForm({"day": "", "reason": "<b>"})
    yield lambda: VisitReportForm()
    yield lambda: VisitReportForm({"verdict": "not_suitable", "report": "<i>"})


@pytest.mark.parametrize("language", ["sv", "en"])
def test_each_field_is_written_as_crispy_writes_it(language):
    assert fields_compared_with_crispy(_forms(), language) > 30
