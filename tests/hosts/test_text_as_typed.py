"""Text is kept as typed on the public forms (the sign-up and the volunteers' application): the
invisible characters that languages and emoji need are stored as they came; the direction
overrides that make text read in another order are refused with a message, and what was typed in
the other fields stays on the form. One rule for every form: ``workflow.form_input``."""

import pytest
from django import forms
from django.utils.html import escape

from hosts.forms import RegistrationForm
from hosts.models import Home, Host
from tests.factories import registration_post_data
from tests.volunteers.test_signup import application_data
from volunteers.models import VolunteerApplication
from workflow.form_input import find_refused_character

pytestmark = pytest.mark.django_db

ZWNJ, ZWJ, NBSP, RLO = "\u200c", "\u200d", "\u00a0", "\u202e"
# A Dari name with a zero-width non-joiner ("Niknam"), as a keyboard for Persian types it.
DARI_NAME = f"نیک{ZWNJ}نام احمدی"
# "I want to help", in Dari: the non-joiner again, and a right-to-left mark at the end.
DARI_TEXT = f"می{ZWNJ}خواهم کمک کنم\u200f"
FAMILY = f"👨{ZWJ}👩{ZWJ}👧"  # one emoji of three people, joined
DRAFT_KEY = "host_registration_draft"


def test_the_characters_languages_need_are_not_refused():
    for kept in [ZWNJ, ZWJ, NBSP, "\u200e", "\u200f", "\u061c", "\u00ad", "\u202f", "\u2060"]:
        assert find_refused_character(f"a{kept}b") is None, f"U+{ord(kept):04X}"
    assert (
        find_refused_character("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f")
        is None
    )


@pytest.mark.parametrize("code", [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
def test_every_direction_override_and_isolate_is_refused(code):
    form = RegistrationForm(data={"hopes": f"Hej{chr(code)}då"})
    form.is_valid()
    assert [e.code for e in form.errors.as_data()["hopes"]] == ["control_character"]
    assert f"U+{code:04X}" in form.errors["hopes"][0]


def test_the_sign_up_stores_the_answers_as_typed(english, sign_up):
    typed = {
        "name": DARI_NAME,
        "street_address": f"Storgatan{NBSP}12",
        "household_description": f"Vi är {FAMILY} och en katt.",
        "hopes": DARI_TEXT,
        "other_languages": f"دری (Dari){NBSP}och{NBSP}pashto",
        "accessibility_notes": f"Hiss{ZWJ}finns, dörr{chr(0xAD)}öppnare",
    }
    english.post("/offer/", {**registration_post_data(), **typed})
    page = english.get("/offer/check/").content.decode()
    for value in typed.values():
        assert escape(value) in page  # shown for checking as it was typed
    assert sign_up(**typed).url == "/offer/sent/"

    host = Host.objects.get()
    home = Home.objects.get()
    assert host.name == DARI_NAME
    assert {name: getattr(home, name) for name in typed if name != "name"} == {
        name: value for name, value in typed.items() if name != "name"
    }


def test_a_direction_override_is_refused_and_the_other_answers_stay(english):
    data = registration_post_data(name=DARI_NAME, hopes=f"Att lära känna{RLO}någon ny.")
    response = english.post("/offer/", data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "changes the direction of the text (U+202E)" in page
    assert f'value="{DARI_NAME}"' in page and 'value="Storgatan 1"' in page
    assert "Att lära känna" in page  # the refused answer too, for the person to correct
    assert DRAFT_KEY not in english.session
    assert not Host.objects.exists()


def test_a_name_of_nothing_but_invisible_characters_is_no_name(english):
    response = english.post("/offer/", registration_post_data(name=f" {ZWNJ}{ZWJ}\u200b "))
    assert response.status_code == 400
    assert "Please write your name." in response.content.decode()


def test_an_optional_answer_of_invisible_characters_is_empty():
    form = RegistrationForm(registration_post_data(hopes=f"{ZWNJ}\u200b\u200f"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["hopes"] == ""


def test_the_volunteer_application_stores_the_answers_as_typed(english):
    typed = {
        "name": DARI_NAME,
        "area": f"Frösön{NBSP}(Östersund)",
        "availability": f"Kvällar {FAMILY}",
        "motivation": DARI_TEXT,
    }
    response = english.post("/volunteer/join/", application_data(**typed))

    assert response.status_code == 302, response.content.decode()[:3000]
    application = VolunteerApplication.objects.get()
    assert {name: getattr(application, name) for name in typed} == typed


def test_the_volunteer_application_refuses_a_direction_override_and_keeps_the_rest(english):
    data = application_data(name=DARI_NAME, availability="Kvällar\u2067 och helger")
    response = english.post("/volunteer/join/", data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "changes the direction of the text (U+2067)" in page
    assert f'value="{DARI_NAME}"' in page and 'value="Frösön"' in page
    assert "Jag vill hjälpa till." in page
    assert not VolunteerApplication.objects.exists()


def test_a_staff_form_keeps_the_text_as_typed_too():
    class Note(forms.Form):
        text = forms.CharField(max_length=200)

    form = Note({"text": f"Ringde {DARI_NAME}{NBSP}– {FAMILY}"})
    assert form.is_valid()
    assert form.cleaned_data["text"] == f"Ringde {DARI_NAME}{NBSP}– {FAMILY}"
