"""The public forms' fields written by ``portal_field`` (matching_portal/templatetags/portal_fields.py) are
crispy-forms' ``as_crispy_field`` HTML, in every state: empty, with errors, with answers, with a
stored offer. Whitespace between tags aside, the two must be the same text."""

import pytest

from hosts.forms import ConcernForm, ConsentForm, OfferChangeForm, RegistrationForm
from matching_portal.templatetags.portal_fields import portal_field
from tests.factories import HomeFactory, registration_post_data
from tests.field_rendering import fields_compared_with_crispy
from volunteers.forms import VolunteerApplicationForm

pytestmark = pytest.mark.django_db


def _forms():
    """Pairs of equal forms (one for each renderer: crispy adds classes to the widgets)."""
    bad = registration_post_data(
        postcode="12", has_pets="on", municipality="Nowhere <b>", beds="0", name=""
    )
    yield lambda: RegistrationForm()
    yield lambda: RegistrationForm({})
    yield lambda: RegistrationForm(bad)
    yield lambda: RegistrationForm(registration_post_data())
    yield lambda: ConsentForm({})
    yield lambda: ConsentForm({"consent": "on"})
    yield lambda: ConcernForm({"text": " "})
    yield lambda: VolunteerApplicationForm()
    yield lambda: VolunteerApplicationForm({"name": "<script>"})
    home = HomeFactory()
    yield lambda: OfferChangeForm(instance=home, initial={"name": home.host.name})
    yield lambda: OfferChangeForm({"beds": "x"}, instance=home)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_each_field_is_written_as_crispy_writes_it(language):
    assert fields_compared_with_crispy(_forms(), language) > 80


def test_the_rendered_field_escapes_what_was_typed():
    form = RegistrationForm(registration_post_data(name='"><script>alert(1)</script>'))
    html = portal_field(form["name"])
    assert "<script>" not in html
    assert "&quot;&gt;&lt;script&gt;" in html
