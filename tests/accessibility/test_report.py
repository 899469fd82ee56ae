"""The form to report an accessibility problem: a report is stored and reaches exactly the
people who work where the problem is, each in their own language; bad input comes back with its
message and everything typed; the form is rate-limited; each report is visible only to those it
went to and the data protection officer; the retention rules delete it."""

from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from accessibility.models import AccessibilityReport
from accounts.models import Organisation
from notifications.models import OutboundEmail
from privacy.actions import apply_retention
from privacy.models import AccessLog
from tests.factories import OrganisationFactory, UserFactory, local_group, municipality, staff_user

pytestmark = pytest.mark.django_db

REPORT = "/accessibility/report/"
KROKOM, MALMO, LUND = "2309", "1280", "1281"
SUBJECT = {
    "sv": "Någon har rapporterat ett problem med tillgängligheten",
    "en": "Someone has reported an accessibility problem",
}


@pytest.fixture
def people(db):
    """Krokom: a partner and a local group; Malmö: the same; Lund: nobody. The national
    coordinator and a superuser; each with a language of their own."""
    volunteers = OrganisationFactory(
        name="Refugees Welcome", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
    )
    krokom_group = local_group(volunteers, name="Jämtland", covers=[KROKOM])
    malmo_group = local_group(volunteers, name="Malmö", covers=[MALMO])
    krokom = OrganisationFactory(
        name="Krokoms kommun", kind=Organisation.Kind.PARTNER, municipality=municipality(KROKOM)
    )
    malmo = OrganisationFactory(
        name="Malmö stad", kind=Organisation.Kind.PARTNER, municipality=municipality(MALMO)
    )
    municipality(LUND)

    def person(role, organisation, name, language, **kwargs):
        return staff_user(role, organisation, username=name, language=language, **kwargs)

    return SimpleNamespace(
        krokom_partner=person("partner_coordinator", krokom, "maria", "en"),
        krokom_manager=person("manager", krokom, "anders", "sv"),
        krokom_group=person(
            "volunteer_coordinator", volunteers, "erik", "sv", local_group=krokom_group
        ),
        krokom_volunteer=person("volunteer", volunteers, "lina", "sv", local_group=krokom_group),
        malmo_partner=person("partner_coordinator", malmo, "leila", "sv"),
        malmo_group=person(
            "volunteer_coordinator", volunteers, "hanna", "en", local_group=malmo_group
        ),
        national=UserFactory(
            username="noor",
            language="en",
            organisation=volunteers,
            local_group=None,
            is_staff=True,
            roles=["volunteer_coordinator", "national_coordinator"],
        ),
        superuser=UserFactory(
            username="root", language="sv", is_superuser=True, is_staff=True, organisation=None
        ),
        officer=person("data_protection_officer", volunteers, "dataskydd", "sv"),
    )


def send(client, django_capture_on_commit_callbacks, extra=None, **overrides):
    data = {
        "text": "Knappen Skicka går inte att nå med tangentbordet.",
        "page": "/volunteer/join/",
        "municipality": "",
        "name": "",
        "email": "",
        "phone": "",
        "website": "",
        **overrides,
    }
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(REPORT, data, **(extra or {}))


def mailed(report=None) -> dict[str, str]:
    """Who got an e-mail, and in which language (by its subject)."""
    languages = {subject: language for language, subject in SUBJECT.items()}
    return {email.to: languages[email.subject] for email in OutboundEmail.objects.all()}


@pytest.mark.parametrize(
    ("code", "route", "recipients"),
    [
        # The partner's coordinators and the local group's volunteer coordinators; not the
        # manager, the volunteer, Malmö's people or the national coordinator.
        (KROKOM, "local", {"maria": "en", "erik": "sv"}),
        (MALMO, "local", {"leila": "sv", "hanna": "en"}),
        # Nobody works in Lund, and "I don't know": the national coordinators.
        (LUND, "national", {"noor": "en"}),
        ("", "national", {"noor": "en"}),
    ],
)
def test_a_report_reaches_exactly_the_people_who_work_there_in_their_language(
    client, django_capture_on_commit_callbacks, people, code, route, recipients
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    response = send(
        client,
        django_capture_on_commit_callbacks,
        municipality=code,
        name="Sam",
        email="Sam@Example.org",
        phone="070-123 45 67",
    )
    assert response.status_code == 302 and response["Location"] == "/accessibility/report/sent/"
    (report,) = AccessibilityReport.objects.all()
    assert report.text == "Knappen Skicka går inte att nå med tangentbordet."
    assert report.page == "/volunteer/join/"
    assert (report.municipality_id or "") == code
    assert (report.name, report.email, str(report.phone)) == (
        "Sam",
        "sam@example.org",
        "+46701234567",
    )
    assert report.language == "sv" and report.routed_to == route
    assert mailed() == {f"{name}@example.org": language for name, language in recipients.items()}
    for email in OutboundEmail.objects.all():
        # The page and a link; neither the text nor the contact details leave the portal.
        assert "/volunteer/join/" in email.body
        assert f"/admin/accessibility/accessibilityreport/{report.pk}/change/" in email.body
        assert "tangentbordet" not in email.body and "example.org" not in email.body
        assert "070" not in email.body
    receipt = client.get(response["Location"]).content.decode()
    assert "Tack för din rapport" in receipt and "inom 10 arbetsdagar" in receipt


def test_without_national_coordinators_the_superusers_hear_of_it(
    client, django_capture_on_commit_callbacks, people
):
    people.national.delete()
    assert send(client, django_capture_on_commit_callbacks, municipality=LUND).status_code == 302
    assert AccessibilityReport.objects.get().routed_to == "administrators"
    assert mailed() == {"root@example.org": "sv"}
    receipt = client.get("/accessibility/report/sent/").content.decode()
    assert "cannot answer you" in receipt or "kan inte svara dig" in receipt


def test_the_page_is_filled_in_from_the_address_or_where_the_person_came_from(client):
    page = client.get(REPORT + "?page=/household/proposal/").content.decode()
    assert 'value="/household/proposal/"' in page
    page = client.get(REPORT, HTTP_REFERER="http://testserver/volunteer/queue/").content.decode()
    assert 'value="/volunteer/queue/"' in page
    # Another site's address is not taken.
    page = client.get(REPORT, HTTP_REFERER="https://elsewhere.example/x/").content.decode()
    assert "elsewhere" not in page


def test_bad_input_comes_back_with_its_messages_and_everything_typed(
    client, django_capture_on_commit_callbacks, people
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    too_long = "Texten är för liten." * 201
    response = send(
        client,
        django_capture_on_commit_callbacks,
        text=too_long,
        page="/hosts/\x00register/",
        municipality=KROKOM,
        name="Sam",
        email="sam@",
        phone="12",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="error-summary"' in page
    assert f"Ensure this value has at most 4000 characters (it has {len(too_long)})." in page
    assert "invisible control character" in page
    assert "Enter a valid email address." in page
    assert "Enter a valid phone number" in page
    assert too_long in page and 'value="Sam"' in page and 'value="sam@"' in page
    assert f'<option value="{KROKOM}" selected>' in page
    empty = send(client, django_capture_on_commit_callbacks, text="   ")
    assert empty.status_code == 400
    assert "Please tell us what the problem is." in empty.content.decode()
    assert not AccessibilityReport.objects.exists() and not OutboundEmail.objects.exists()


def test_a_robot_filling_the_hidden_field_is_thanked_and_nothing_is_kept(
    client, django_capture_on_commit_callbacks, people
):
    response = send(client, django_capture_on_commit_callbacks, website="http://spam.example")
    assert response.status_code == 302
    assert not AccessibilityReport.objects.exists() and not OutboundEmail.objects.exists()


def test_the_form_is_rate_limited(client, django_capture_on_commit_callbacks, local_cache, people):
    with (
        override_settings(RATELIMIT_SIGNUP_PER_IP="2/h"),
        mock.patch("django_ratelimit.core.time", SimpleNamespace(time=lambda: 1_800_000_000)),
    ):
        for _n in range(2):
            assert send(client, django_capture_on_commit_callbacks).status_code == 302
        response = send(client, django_capture_on_commit_callbacks)
        assert response.status_code == 429
        other = send(client, django_capture_on_commit_callbacks, {"REMOTE_ADDR": "127.0.0.2"})
        assert other.status_code == 302
    assert AccessibilityReport.objects.count() == 3


def change_url(report) -> str:
    return f"/admin/accessibility/accessibilityreport/{report.pk}/change/"


def test_each_report_is_read_only_by_those_it_went_to_and_the_officer(
    client, django_capture_on_commit_callbacks, people
):
    for code in [KROKOM, LUND]:
        send(client, django_capture_on_commit_callbacks, municipality=code, email="sam@example.org")
    krokom = AccessibilityReport.objects.get(municipality_id=KROKOM)
    lund = AccessibilityReport.objects.get(municipality_id=LUND)
    readers = {
        people.krokom_partner: {krokom},
        people.krokom_group: {krokom},
        people.malmo_partner: set(),
        people.malmo_group: set(),
        people.krokom_manager: set(),
        people.national: {lund},
        people.officer: {krokom, lund},
        people.superuser: {krokom, lund},
    }
    for user, visible in readers.items():
        assert set(AccessibilityReport.objects.visible_to(user)) == visible, user.username
        client.force_login(user)
        for report in [krokom, lund]:
            response = client.get(change_url(report))
            if report in visible:
                assert response.status_code == 200, user.username
                page = response.content.decode()
                assert "sam@example.org" in page and 'name="_save"' not in page
            elif visible or user.is_superuser:
                assert response.status_code == 404, user.username
            else:
                assert response.status_code in (403, 404), user.username
    opened = AccessLog.objects.filter(object_type="accessibility.accessibilityreport")
    assert opened.filter(user=people.krokom_partner, object_id=str(krokom.pk)).count() == 1
    # Maria, Erik and Noor once each; the officer and the superuser both reports.
    assert opened.count() == 7
    # Nobody changes or deletes a report in the admin.
    client.force_login(people.superuser)
    client.post(change_url(krokom), {"text": "Ändrad"})
    assert client.post(
        f"/admin/accessibility/accessibilityreport/{krokom.pk}/delete/", {"post": "yes"}
    ).status_code in (403, 404)
    krokom.refresh_from_db()
    assert krokom.text.startswith("Knappen")


def test_the_retention_rules_delete_a_report_after_two_years(
    client, django_capture_on_commit_callbacks, people
):
    send(client, django_capture_on_commit_callbacks)
    report = AccessibilityReport.objects.get()
    days = settings.RETENTION_DAYS["accessibility_reports"]
    assert days == 730
    now = timezone.now()
    assert apply_retention(now=now + timedelta(days=days - 1))["accessibility_reports"] == 0
    assert AccessibilityReport.objects.filter(pk=report.pk).exists()
    assert apply_retention(now=now + timedelta(days=days + 1))["accessibility_reports"] == 1
    assert not AccessibilityReport.objects.exists()


def test_a_request_for_access_hands_over_the_report_and_erasure_deletes_it(
    client, django_capture_on_commit_callbacks, people
):
    from privacy.actions import erase_person, export_person

    send(client, django_capture_on_commit_callbacks, email="sam@example.org", phone="070-123 45 67")
    send(client, django_capture_on_commit_callbacks, email="someone.else@example.org")
    report = AccessibilityReport.objects.get(email="sam@example.org")
    for found_by in [{"email": "Sam@example.org"}, {"phone": "070-123 45 67"}]:
        data = export_person(**found_by, handled_by=people.officer)
        (row,) = data["accessibility_reports"]
        assert row["the_problem"] == report.text and row["phone"] == "+46701234567"
    erase_person(email="sam@example.org", handled_by=people.officer)
    assert list(AccessibilityReport.objects.values_list("email", flat=True)) == [
        "someone.else@example.org"
    ]
