"""The volunteers' application form (/volunteer/join/): every text field has a length limit, and
every POST counts against the sender's address, valid or not."""

from types import SimpleNamespace
from unittest import mock

import pytest
from django import forms
from django.test import override_settings

from tests.volunteers.test_signup import application_data
from volunteers.forms import VolunteerApplicationForm
from volunteers.models import VolunteerApplication

pytestmark = pytest.mark.django_db


def test_every_text_field_has_a_length_limit():
    for name, field in VolunteerApplicationForm().fields.items():
        if isinstance(field, forms.CharField):
            assert field.max_length, name
            assert field.widget.attrs.get("maxlength") == str(field.max_length), name


def test_an_answer_longer_than_its_field_is_refused_and_kept(english):
    too_long = "Jag vill hjälpa till." * 100
    response = english.post("/volunteer/join/", application_data(motivation=too_long))
    assert response.status_code == 400
    page = response.content.decode()
    assert f"Ensure this value has at most 2000 characters (it has {len(too_long)})." in page
    assert too_long in page and 'value="Karin Berg"' in page
    assert not VolunteerApplication.objects.exists()


def test_every_post_counts_against_the_address(local_cache, english):
    with (
        override_settings(RATELIMIT_SIGNUP_PER_IP="1/h"),  # three tries of the form per hour
        mock.patch("django_ratelimit.core.time", SimpleNamespace(time=lambda: 1_800_000_000)),
    ):
        for mistake in [{"phone": "12"}, {"area": ""}, {"consent": None}]:
            assert english.post("/volunteer/join/", application_data(**mistake)).status_code == 400
        response = english.post("/volunteer/join/", application_data())
        assert response.status_code == 429
        assert "Too many attempts in a short time" in response.content.decode()
        assert not VolunteerApplication.objects.exists()
        other = english.post("/volunteer/join/", application_data(), REMOTE_ADDR="127.0.0.2")
        assert other.status_code == 302
    assert VolunteerApplication.objects.count() == 1
