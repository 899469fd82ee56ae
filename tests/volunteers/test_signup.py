"""Joining as a volunteer: the public form, a coordinator's decision, the set-password link, and
who may open which page afterwards."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client, override_settings
from django.utils import translation
from django.utils.translation import gettext

from accounts import roles
from accounts.models import User
from tests.conftest import link_in
from tests.factories import (
    HomeFactory,
    UserFactory,
    VolunteerApplicationFactory,
    queued_home,
    staff_user,
)
from volunteers.models import Campaign, VolunteerApplication, VolunteerProfile
from volunteers.notice import NOTICE_VERSION

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

PASSWORD = "lingonsylt-i-vinterkvallen"


def tr(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def application_data(**overrides) -> dict:
    """What a person types into /volunteer/join/: valid unless overridden (None leaves it out)."""
    data = {
        "name": "Karin Berg",
        "email": "karin.berg@example.org",
        "phone": "070-765 43 21",
        "languages": ["sv", "en"],
        "municipality": "Östersund",
        "area": "Frösön",
        "availability": "Vardagskvällar",
        "motivation": "Jag vill hjälpa till.",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# The public form ---------------------------------------------------------------------------


def test_a_complete_application_waits_for_a_coordinator(english):
    assert english.get("/volunteer/join/").status_code == 200

    response = english.post("/volunteer/join/", application_data())

    assert response.status_code == 302 and response.url == "/volunteer/join/thanks/"
    assert english.get(response.url).status_code == 200
    application = VolunteerApplication.objects.get()
    assert application.status == VolunteerApplication.Status.PENDING
    assert (application.name, application.email, application.area) == (
        "Karin Berg",
        "karin.berg@example.org",
        "Frösön",
    )
    assert application.phone.as_e164 == "+46707654321"
    assert application.languages == ["sv", "en"]
    assert application.language == "en"  # the language the form was filled in
    # The volunteers' own notice (/volunteer/privacy/), not the hosts'.
    assert application.consent_notice_version == NOTICE_VERSION != settings.PRIVACY_NOTICE_VERSION
    assert application.consent_given_at is not None
    assert application.user is None  # no account before a coordinator approves


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "   "}, "name", "This field is required."),
        ({"email": "karin.example.org"}, "email", "Enter a valid email address."),
        ({"phone": "12"}, "phone", "Enter a valid phone number, e.g. 070-123 45 67."),
        ({"area": None}, "area", "This field is required."),
        (
            {"consent": None},
            "consent",
            "You need to agree to the privacy notice to send.",
        ),
    ],
)
def test_a_form_with_a_mistake_answers_400_with_the_reason_and_keeps_what_was_typed(
    english, overrides, field, message
):
    data = application_data(**overrides)
    response = english.post("/volunteer/join/", data)

    assert response.status_code == 400
    page = response.content.decode()
    assert tr("en", message) in page
    assert f'id="id_{field}"' in page
    # What the person typed in the other fields is still there.
    for name in ("name", "email", "area", "availability"):
        if name != field and name in data:
            assert f'value="{data[name]}"' in page, name
    assert "Jag vill hjälpa till." in page
    assert not VolunteerApplication.objects.exists()


def test_the_form_is_swedish_by_default(client):
    response = client.post("/volunteer/join/", application_data(consent=None))
    assert response.status_code == 400
    page = response.content.decode()
    assert '<html lang="sv">' in page
    assert tr("sv", "You need to agree to the privacy notice to send.") in page


def test_a_filled_honeypot_looks_sent_but_stores_nothing(english):
    response = english.post("/volunteer/join/", application_data(website="http://spam.example"))
    assert response.status_code == 302 and response.url == "/volunteer/join/thanks/"
    assert not VolunteerApplication.objects.exists()


@pytest.mark.parametrize(
    ("setting", "emails", "other_email_passes"),
    [
        ("RATELIMIT_SIGNUP_PER_EMAIL", ["same@example.org"] * 3, True),
        ("RATELIMIT_SIGNUP_PER_IP", ["a@example.org", "b@example.org", "c@example.org"], False),
    ],
)
def test_too_many_applications_answer_429(
    local_cache, english, setting, emails, other_email_passes
):
    with override_settings(**{setting: "2/h"}):
        for email in emails[:2]:
            assert (
                english.post("/volunteer/join/", application_data(email=email)).status_code == 302
            )
        response = english.post("/volunteer/join/", application_data(email=emails[2]))
        assert response.status_code == 429
        assert VolunteerApplication.objects.count() == 2
        other = english.post("/volunteer/join/", application_data(email="other@example.org"))
        assert (other.status_code == 302) is other_email_passes


def test_mistakes_being_corrected_do_not_count_against_the_limit(local_cache, english):
    with override_settings(RATELIMIT_SIGNUP_PER_EMAIL="2/h"):
        for mistake in [{"consent": None}, {"phone": "12"}, {"area": ""}]:
            response = english.post("/volunteer/join/", application_data(**mistake))
            assert response.status_code == 400
        assert english.post("/volunteer/join/", application_data()).status_code == 302
        assert english.post("/volunteer/join/", application_data()).status_code == 302
        assert english.post("/volunteer/join/", application_data()).status_code == 429
    assert VolunteerApplication.objects.count() == 2


# A coordinator decides ---------------------------------------------------------------------


@pytest.fixture
def coordinator_client(volunteer_coordinator):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(volunteer_coordinator)
    return client


@pytest.mark.parametrize("language", ["sv", "en"])
def test_approval_creates_a_volunteer_account_that_sets_its_password_and_logs_in(
    coordinator_client, django_capture_on_commit_callbacks, language
):
    application = VolunteerApplicationFactory(
        name="Karin Berg", email="karin.berg@example.org", language=language
    )
    page = coordinator_client.get("/volunteer/applications/").content.decode()
    assert "Karin Berg" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(f"/volunteer/applications/{application.pk}/approve/")
    assert response.status_code == 302 and response.url == "/volunteer/applications/"

    application.refresh_from_db()
    assert application.status == VolunteerApplication.Status.APPROVED
    account = application.user
    assert account.email == "karin.berg@example.org"
    # The user name is a random handle, not the e-mail's local part (issue 13, finding 5).
    assert re.fullmatch(r"v-[a-z2-9]{4}-[a-z2-9]{4}", account.username)
    assert "karin" not in account.username and "berg" not in account.username
    assert (account.first_name, account.last_name) == ("Karin", "Berg")
    assert set(account.groups.values_list("name", flat=True)) == {roles.VOLUNTEER}
    assert not account.has_usable_password()
    assert not account.is_staff and not account.is_superuser
    assert account.language == language
    profile = VolunteerProfile.objects.get(user=account)
    assert profile.area == application.area and profile.languages == application.languages

    # One e-mail, to the applicant, in the language they applied in, with a set-password link.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["karin.berg@example.org"]
    assert tr(language, "Welcome! Your application to volunteer has been approved.") in message.body
    assert account.username in message.body
    link = link_in(message, "/accounts/reset/")

    # The new volunteer follows the link in a browser of their own.
    browser = Client()
    response = browser.get(link)
    assert response.status_code == 302
    form_url = response.url
    assert browser.get(form_url).status_code == 200
    too_short = browser.post(form_url, {"new_password1": "kort", "new_password2": "kort"})
    assert too_short.status_code == 200
    assert not User.objects.get(pk=account.pk).has_usable_password()
    response = browser.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302 and response.url == "/accounts/reset/done/"

    # The link works once.
    used = Client().get(link, follow=True)
    assert used.context["validlink"] is False

    # Logging in with the new password leads to the volunteer's day.
    browser = Client()
    response = browser.post(
        "/accounts/login/", {"username": account.username, "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/volunteer/"
    assert browser.get("/volunteer/").status_code == 200
    assert browser.get("/volunteer/queue/").status_code == 200
    # ... but not into the coordinators' pages, nor the admin.
    assert browser.get("/volunteer/applications/").status_code == 403
    admin = browser.get("/admin/")
    assert admin.status_code == 302 and admin.url.startswith("/admin/login/")


def test_a_volunteer_whose_link_ran_out_can_ask_for_a_new_one(
    coordinator_client, django_capture_on_commit_callbacks
):
    application = VolunteerApplicationFactory(email="late@example.org", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        coordinator_client.post(f"/volunteer/applications/{application.pk}/approve/")
        response = Client().post("/accounts/password_reset/", {"email": "late@example.org"})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["late@example.org"]] * 2
    link_in(mail.outbox[1], "/accounts/reset/")


def test_a_wrong_password_does_not_log_in(volunteer):
    volunteer.set_password(PASSWORD)
    volunteer.save()
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": volunteer.username, "password": "fel-lösenord-123"}
    )
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_two_applicants_with_the_same_mailbox_name_get_different_user_names(
    coordinator_client, django_capture_on_commit_callbacks
):
    first = VolunteerApplicationFactory(email="kim@example.org")
    second = VolunteerApplicationFactory(email="kim@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        coordinator_client.post(f"/volunteer/applications/{first.pk}/approve/")
        coordinator_client.post(f"/volunteer/applications/{second.pk}/approve/")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.user.username != second.user.username
    assert "kim" not in first.user.username + second.user.username
    assert second.user.username in mail.outbox[1].body


def test_declining_sends_a_kind_e_mail_and_creates_no_account(
    coordinator_client, django_capture_on_commit_callbacks
):
    application = VolunteerApplicationFactory(email="sara@example.org", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(
            f"/volunteer/applications/{application.pk}/decline/",
            {"reason": "No volunteers needed in Frösön"},
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == VolunteerApplication.Status.DECLINED
    assert application.decline_reason == "No volunteers needed in Frösön"
    assert application.user is None
    assert not User.objects.filter(email="sara@example.org").exists()
    assert [m.to for m in mail.outbox] == [["sara@example.org"]]
    # The reason stays in our records: the applicant is not told it.
    assert "Frösön" not in mail.outbox[0].body


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("approve", "approve"),
        ("approve", "decline"),
        ("decline", "approve"),
        ("decline", "decline"),
    ],
)
def test_an_application_is_decided_once(
    coordinator_client, django_capture_on_commit_callbacks, first, second
):
    application = VolunteerApplicationFactory(language="en")
    with django_capture_on_commit_callbacks(execute=True):
        coordinator_client.post(f"/volunteer/applications/{application.pk}/{first}/")
        response = coordinator_client.post(
            f"/volunteer/applications/{application.pk}/{second}/", follow=True
        )
    assert response.status_code == 200
    assert "This application has already been decided." in response.content.decode()
    application.refresh_from_db()
    assert application.status == ("approved" if first == "approve" else "declined")
    assert User.objects.filter(email=application.email).count() == (first == "approve")
    assert len(mail.outbox) == 1


def test_a_pending_application_is_listed_and_a_decided_one_moves_down(
    coordinator_client, volunteer_coordinator
):
    pending = VolunteerApplicationFactory(name="Väntande Person")
    decided = VolunteerApplicationFactory(
        name="Beslutad Person",
        status=VolunteerApplication.Status.DECLINED,
        reviewed_by=volunteer_coordinator,
    )
    page = coordinator_client.get("/volunteer/applications/").content.decode()
    assert pending.name in page and decided.name in page
    assert page.index(pending.name) < page.index("Recently decided") < page.index(decided.name)
    assert f"/volunteer/applications/{decided.pk}/approve/" not in page


# Who may open which page -------------------------------------------------------------------


def coordinator_pages(organisation=None):
    """The coordinators' pages, with a campaign of ``organisation`` (the coordinator's own)."""
    organisation = organisation or UserFactory().organisation
    campaign = Campaign.objects.create(
        name="Vinter",
        organisation=organisation,
        local_group=organisation.local_groups.order_by("pk").first(),
        created_by=None,
    )
    home = HomeFactory()
    return [
        "/volunteer/applications/",
        "/volunteer/campaigns/",
        f"/volunteer/campaigns/{campaign.pk}/",
        "/volunteer/referrals/",
        f"/volunteer/homes/{home.pk}/duplicates/",
    ]


def volunteer_pages():
    home = queued_home()
    return ["/volunteer/", "/volunteer/queue/", f"/volunteer/homes/{home.pk}/visit/"]


def test_volunteers_cannot_open_the_coordinators_pages(volunteer_client):
    for url in coordinator_pages():
        assert volunteer_client.get(url).status_code == 403, url
    application = VolunteerApplicationFactory()
    response = volunteer_client.post(f"/volunteer/applications/{application.pk}/approve/")
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == VolunteerApplication.Status.PENDING


def test_a_coordinator_opens_the_volunteer_pages_too(coordinator_client, volunteer_coordinator):
    for url in coordinator_pages(volunteer_coordinator.organisation) + volunteer_pages():
        assert coordinator_client.get(url).status_code == 200, url


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in coordinator_pages() + volunteer_pages():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == f"/accounts/login/?next={url}", url
    # The log-in page and the public form are open to everyone.
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/volunteer/join/").status_code == 200


def test_people_without_a_volunteer_role_are_refused(client, organisations):
    partner_coordinator = staff_user("partner_coordinator", organisations["partner"])
    client.force_login(partner_coordinator)
    for url in volunteer_pages() + coordinator_pages():
        assert client.get(url).status_code == 403, url


def test_volunteers_are_not_staff_and_cannot_open_the_admin(volunteer_client, volunteer):
    assert not volunteer.is_staff
    response = volunteer_client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    assert volunteer_client.get("/admin/hosts/home/").status_code == 302


def test_the_queue_steps_take_only_post(volunteer_client):
    assert volunteer_client.get("/volunteer/queue/next/").status_code == 405
    html = volunteer_client.get("/volunteer/").content.decode()
    assert re.search(r'<form method="post" action="/volunteer/queue/next/">', html)
