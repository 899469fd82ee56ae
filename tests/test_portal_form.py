"""The campaign form, the password forms, the host's link, step and concern forms and the
report request forms are written whole by ``portal_form``
(matching_portal/templatetags/portal_fields.py) rather than crispy-forms' ``{{ form|crispy }}``:
the same HTML, whitespace between tags aside, with the form's own errors and every field's, in
every state."""

import pytest
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm

from accounts.forms import PasswordLinkForm
from accounts.models import Organisation
from hosts.forms import ConcernForm, LinkRequestForm, ReasonForm
from reports.forms import RequestReportForm, RequestRollupForm
from tests.factories import OrganisationFactory, UserFactory, local_group
from tests.field_rendering import forms_compared_with_crispy
from volunteers.forms import CampaignForm

pytestmark = pytest.mark.django_db


def _forms():
    user = UserFactory()
    user.set_password("an old password of some length")
    organisation = OrganisationFactory(kind=Organisation.Kind.VOLUNTEER_ORGANISATION)
    groups = [local_group(organisation, name="Norr"), local_group(organisation, name="Söder")]
    yield lambda: CampaignForm(groups=groups[:1])
    yield lambda: CampaignForm(groups=groups)
    yield lambda: CampaignForm(
        {"name": "", "registered_from": "2026-02-01", "registered_to": "2026-01-01"},
        groups=groups,
    )

    def refused():
        form = CampaignForm({"name": "<b>Jul</b>"}, groups=groups[:1])
        form.is_valid()
        form.add_error(None, "The campaign <i>cannot</i> start.")
        return form

    yield refused
    yield lambda: PasswordLinkForm()
    yield lambda: PasswordLinkForm({"email": "not an address"})
    yield lambda: SetPasswordForm(user)
    yield lambda: SetPasswordForm(user, {"new_password1": "short", "new_password2": "other"})
    yield lambda: PasswordChangeForm(user)
    yield lambda: PasswordChangeForm(user, {"old_password": "wrong"})
    yield lambda: LinkRequestForm()
    yield lambda: LinkRequestForm({"email": "<x>"})
    yield lambda: ReasonForm()
    yield lambda: ReasonForm({"reason": "x" * 5000})
    yield lambda: ConcernForm()
    yield lambda: ConcernForm({"text": " "})
    yield lambda: RequestReportForm(initial={"language": "sv"})
    yield lambda: RequestReportForm({"language": "xx"})
    yield lambda: RequestRollupForm(initial={"year": 2026, "language": "en"})


@pytest.mark.parametrize("language", ["sv", "en"])
def test_each_form_is_written_as_crispy_writes_it(language):
    assert forms_compared_with_crispy(_forms(), language) == 19
