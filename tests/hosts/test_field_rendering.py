"""The public forms' fields written by ``portal_field`` (matching_portal/templatetags/portal_fields.py) are
crispy-forms' ``as_crispy_field`` HTML, in every state: empty, with errors, with answers, with a
stored offer. Whitespace between tags aside, the two must be the same text."""

import re

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django.utils import translation

from hosts.forms import ConcernForm, ConsentForm, OfferChangeForm, RegistrationForm
from matching_portal.templatetags.portal_fields import portal_field
from tests.factories import HomeFactory, registration_post_data
from volunteers.forms import VolunteerApplicationForm

pytestmark = pytest.mark.django_db


def _normalised(html) -> str:
    html = re.sub(r">\s+<", "><", str(html))
    html = re.sub(r"\s+", " ", html)
    return html.replace("> ", ">").replace(" <", "<")


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
    compared = 0
    with translation.override(language):
        for make in _forms():
            mine, theirs = make(), make()
            if mine.is_bound:
                mine.is_valid()
                theirs.is_valid()
            for name in mine.fields:
                expected = _normalised(as_crispy_field(theirs[name]))
                assert _normalised(portal_field(mine[name])) == expected, name
                compared += 1
    assert compared > 80


def test_the_rendered_field_escapes_what_was_typed():
    form = RegistrationForm(registration_post_data(name='"><script>alert(1)</script>'))
    html = portal_field(form["name"])
    assert "<script>" not in html
    assert "&quot;&gt;&lt;script&gt;" in html
