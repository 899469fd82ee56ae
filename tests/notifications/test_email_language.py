"""An e-mail to a household is in the household's language: the outbox knows all seven, so the
row is valid and the admin names the language."""

import pytest
from django.utils import translation

from newcomers.actions import give_household_link
from newcomers.models import HOUSEHOLD_LANGUAGES
from notifications.models import OutboundEmail
from tests.factories import NewcomerCaseFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "name"), [("ar", "Arabic"), ("prs", "Dari"), ("sv", "Swedish")]
)
def test_a_households_e_mail_names_its_language(organisations, coordinator, language, name):
    case = NewcomerCaseFactory(
        partner=organisations["partner"], language=language, email="hushall@example.org"
    )
    give_household_link(case=case, user=coordinator, delivery="email")
    email = OutboundEmail.objects.get(to="hushall@example.org")
    assert email.language == language
    email.full_clean()  # one of the field's choices
    with translation.override("en"):
        assert email.get_language_display() == name


def test_the_outbox_knows_every_household_language_and_no_other():
    field = OutboundEmail._meta.get_field("language")
    assert [code for code, _name in field.choices] == [code for code, _ in HOUSEHOLD_LANGUAGES]
    with pytest.raises(Exception, match="language"):
        OutboundEmail(to="a@b.se", subject="s", body="b", language="de").full_clean()


def test_the_admin_lists_the_languages_name(admin_client, organisations, coordinator):
    case = NewcomerCaseFactory(
        partner=organisations["partner"], language="ti", email="t@example.org"
    )
    give_household_link(case=case, user=coordinator, delivery="email")
    with translation.override("en"):
        html = admin_client.get(
            "/admin/notifications/outboundemail/", HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    assert "Tigrinya" in html
