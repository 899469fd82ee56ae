"""E-mails are plain text: what people typed arrives as typed, never HTML-escaped, and a subject
is one line (a line break would start another header)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation

from notifications.actions import one_line, queue_email, render_plain_text
from reports.actions import notify_managers
from reports.models import ReportRun
from tests.factories import PartnershipFactory, staff_user

EMAIL_TEMPLATES = Path(settings.BASE_DIR) / "templates" / "emails"
SUBJECTS = sorted(EMAIL_TEMPLATES.glob("*_subject.txt"))
NASTY = "Krokom & Östersund <AB> \"Hem\" 'Nu'"


class EveryName(dict):
    """A template context in which every name a template asks for is ``NASTY``."""

    def __contains__(self, key):
        return True

    def __missing__(self, key):
        return NASTY


def test_there_are_subjects_to_check():
    assert len(SUBJECTS) >= 15
    assert EMAIL_TEMPLATES / "report_ready_subject.txt" in SUBJECTS


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("path", SUBJECTS, ids=[p.name for p in SUBJECTS])
def test_every_subject_is_one_line_of_plain_text(path, language):
    with translation.override(language):
        rendered = render_plain_text(f"emails/{path.name}", EveryName())
    subject = one_line(rendered)
    assert subject and "\n" not in subject and "\r" not in subject
    for escaped in ("&amp;", "&lt;", "&gt;", "&quot;", "&#x27;", "&#39;"):
        assert escaped not in subject, (path.name, subject)
    if "{{" in path.read_text():  # a subject with a value in it shows the value as it is
        assert NASTY in subject, (path.name, subject)


def test_a_line_break_in_a_value_does_not_reach_the_subject(db):
    email = queue_email(
        to="chef@example.org",
        template="report_ready",
        context={"name": "Eva", "partnership": "Krokom\r\nBcc: x@example.org\u2028&\u00a0Co"},
        language="en",
    )
    assert email.subject == "The year-end report for Krokom Bcc: x@example.org &\u00a0Co is ready"


@pytest.mark.django_db
def test_the_report_ready_email_names_the_partnership_as_typed(django_capture_on_commit_callbacks):
    partnership = PartnershipFactory(name="Krokom & Östersund <2027>")
    staff_user("manager", partnership.partner, username="chef_en", language="en")
    staff_user("manager", partnership.volunteer_organisation, username="chef_sv", language="sv")

    with django_capture_on_commit_callbacks(execute=True):
        notify_managers(ReportRun(partnership=partnership))

    sent = {message.to[0]: message for message in mail.outbox}
    english, swedish = sent["chef_en@example.org"], sent["chef_sv@example.org"]
    assert english.subject == "The year-end report for Krokom & Östersund <2027> is ready"
    assert "The partnership period for Krokom & Östersund <2027> has ended" in english.body
    assert swedish.subject == "Årsrapporten för Krokom & Östersund <2027> är klar"
    assert "&amp;" not in swedish.subject + swedish.body + english.body
