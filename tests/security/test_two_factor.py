"""Two-factor log-in: staff and managers confirm a code from an authenticator app after the
password (set up the first time with a QR code); a wrong code is refused and logged without
personal data; volunteers are not asked. Until the code is confirmed, nothing but the log-in, the
second-factor page, the log-out and the public pages opens (issue 13)."""

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from privacy.models import SecurityEvent
from tests.factories import UserFactory, staff_user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.two_factor,
    pytest.mark.usefixtures("fast_password_hashing"),
]

PASSWORD = "correct horse battery staple"


def code_of(device: TOTPDevice) -> str:
    """The code the authenticator app shows now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def log_in(client, user):
    """The real log-in form (django-axes is in the way of ``client.login``)."""
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


@pytest.fixture
def coordinator_with_password(organisations):
    return staff_user(
        "partner_coordinator", organisations["partner"], username="samordnare2", password=PASSWORD
    )


@pytest.mark.parametrize(
    ("role", "is_staff", "page"),
    [
        ("partner_coordinator", True, "/admin/"),
        ("partner_coordinator", True, "/admin/newcomers/newcomercase/"),
        ("data_protection_officer", True, "/privacy-officer/record/"),
        ("volunteer_coordinator", True, "/volunteer/"),
        ("manager", True, "/reports/"),
        ("manager", False, "/reports/"),
    ],
)
def test_staff_and_managers_without_a_confirmed_code_are_sent_to_the_two_factor_page(
    client, organisations, role, is_staff, page
):
    user = UserFactory(roles=[role], organisation=organisations["partner"], is_staff=is_staff)
    log_in(client, user)

    response = client.get(page)

    assert response.status_code == 302
    assert response.url == f"/accounts/two-factor/?next={page}"


def test_a_volunteer_is_not_asked_for_a_code(client, organisations):
    volunteer = UserFactory(roles=["volunteer"], organisation=organisations["volunteers"])
    response = log_in(client, volunteer)
    assert response.url == "/home/"

    assert client.get("/volunteer/").status_code == 200
    assert client.get("/volunteer/queue/").status_code == 200
    assert not TOTPDevice.objects.exists()


def test_setting_up_the_app_with_the_qr_code_and_a_code_lets_a_coordinator_in(
    client, coordinator_with_password
):
    log_in(client, coordinator_with_password)
    assert client.get("/admin/").url == "/accounts/two-factor/?next=/admin/"

    page = client.get("/accounts/two-factor/?next=/admin/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert "<svg" in html and "<?xml" not in html  # the QR code, inline
    device = TOTPDevice.objects.get(user=coordinator_with_password)
    assert not device.confirmed
    from base64 import b32encode

    assert b32encode(device.bin_key).decode() in html  # the key, for typing in by hand

    response = client.post("/accounts/two-factor/?next=/admin/", {"token": code_of(device)})

    assert response.status_code == 302 and response.url == "/admin/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/newcomers/newcomercase/").status_code == 200


def test_next_time_the_page_asks_for_a_code_without_the_qr_code(client, coordinator_with_password):
    device = TOTPDevice.objects.create(user=coordinator_with_password, name="app", confirmed=True)
    log_in(client, coordinator_with_password)

    page = client.get("/accounts/two-factor/").content.decode()
    assert "<svg" not in page

    response = client.post("/accounts/two-factor/", {"token": code_of(device)})
    assert response.status_code == 302 and response.url == "/home/"
    assert client.get("/admin/").status_code == 200
    assert TOTPDevice.objects.filter(user=coordinator_with_password).count() == 1


def test_a_wrong_code_is_refused_and_logged_without_personal_data(
    english, coordinator_with_password
):
    client = english
    device = TOTPDevice.objects.create(user=coordinator_with_password, name="app", confirmed=True)
    log_in(client, coordinator_with_password)
    right = code_of(device)
    wrong = f"{(int(right) + 1) % 10**6:06d}"

    for token in [wrong, "", "abc", "1" * 8, " "]:
        response = client.post("/accounts/two-factor/?next=/admin/", {"token": token})
        assert response.status_code == 400, token
        assert "That code is not right" in response.content.decode() or token.strip() == ""

    assert client.get("/admin/").status_code == 302  # still not in
    events = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.TWO_FACTOR_FAILED)
    assert events.count() == 5
    for event in events:
        assert event.path == "/accounts/two-factor/"
        for value in (event.kind, event.path):
            assert coordinator_with_password.username not in value
            assert coordinator_with_password.email not in value


def test_a_code_works_once(client, coordinator_with_password):
    """A code overheard or replayed is refused the second time."""
    device = TOTPDevice.objects.create(user=coordinator_with_password, name="app", confirmed=True)
    log_in(client, coordinator_with_password)
    token = code_of(device)
    assert client.post("/accounts/two-factor/", {"token": token}).status_code == 302

    other = type(client)()
    log_in(other, coordinator_with_password)
    assert other.post("/accounts/two-factor/", {"token": token}).status_code == 400


def test_the_page_does_not_send_anyone_off_the_site(client, coordinator_with_password):
    device = TOTPDevice.objects.create(user=coordinator_with_password, name="app", confirmed=True)
    log_in(client, coordinator_with_password)

    response = client.post(
        "/accounts/two-factor/?next=https://evil.example/admin/", {"token": code_of(device)}
    )

    assert response.status_code == 302 and response.url == "/home/"


def test_the_two_factor_page_needs_a_password_first(client):
    response = client.get("/accounts/two-factor/")
    assert response.status_code == 302 and response.url == "/accounts/login/"
    assert client.post("/accounts/two-factor/", {"token": "123456"}).status_code == 302
    assert not SecurityEvent.objects.exists()


def test_a_code_of_another_persons_app_does_not_work(client, organisations):
    first = staff_user("manager", organisations["partner"], username="chef1", password=PASSWORD)
    second = staff_user("manager", organisations["partner"], username="chef2", password=PASSWORD)
    TOTPDevice.objects.create(user=first, name="app", confirmed=True)
    others = TOTPDevice.objects.create(user=second, name="app", confirmed=True)
    log_in(client, first)

    assert client.post("/accounts/two-factor/", {"token": code_of(others)}).status_code == 400
    assert client.get("/reports/").status_code == 302


def test_the_password_cannot_be_changed_before_the_second_factor(client, coordinator_with_password):
    """Finding 4 of issue 13: everything under /accounts/ used to be exempt."""
    log_in(client, coordinator_with_password)
    for page in ["/accounts/password_change/", "/accounts/password_change/done/"]:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response.url == f"/accounts/two-factor/?next={page}"

    new = "a brand new passphrase 2026"
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert response.url.startswith("/accounts/two-factor/")
    coordinator_with_password.refresh_from_db()
    assert coordinator_with_password.check_password(PASSWORD)


def test_before_the_second_factor_only_log_in_log_out_and_public_pages_open(
    client, coordinator_with_password
):
    log_in(client, coordinator_with_password)
    needs_code = ["/home/", "/admin/", "/volunteer/", "/reports/", "/accounts/password_change/"]
    needs_code += ["/privacy-officer/record/", "/admin/password_change/"]
    for page in needs_code:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response.url.startswith("/accounts/two-factor/"), page
    # Public pages, the password reset by e-mail and the language switch need no log-in at all.
    for page in ["/", "/offer/", "/privacy/", "/my-offer/link/", "/volunteer/join/"]:
        assert client.get(page).status_code == 200, page
    assert client.get("/accounts/password_reset/").status_code == 200
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    assert client.get("/accounts/two-factor/").status_code == 200
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response.url == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_after_the_second_factor_the_password_change_opens_and_is_not_cached(
    client, coordinator_with_password
):
    device = TOTPDevice.objects.create(user=coordinator_with_password, name="app", confirmed=True)
    log_in(client, coordinator_with_password)
    assert client.post("/accounts/two-factor/", {"token": code_of(device)}).status_code == 302

    page = client.get("/accounts/password_change/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    new = "a brand new passphrase 2026"
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302 and response.url == "/accounts/password_change/done/"
    done = client.get(response.url)
    assert done.status_code == 200 and "no-store" in done["Cache-Control"]
    coordinator_with_password.refresh_from_db()
    assert coordinator_with_password.check_password(new)


def test_a_volunteer_changes_the_password_without_a_code_and_it_is_not_cached(
    client, organisations
):
    volunteer = UserFactory(
        roles=["volunteer"], organisation=organisations["volunteers"], password=PASSWORD
    )
    log_in(client, volunteer)
    page = client.get("/accounts/password_change/")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]


def test_the_two_factor_page_makes_no_device_for_a_volunteer(client, organisations):
    """Finding 13 of issue 13: visiting the page made an unconfirmed device for anyone."""
    volunteer = UserFactory(
        roles=["volunteer"], organisation=organisations["volunteers"], password=PASSWORD
    )
    log_in(client, volunteer)

    response = client.get("/accounts/two-factor/?next=/volunteer/")
    assert response.status_code == 302 and response.url == "/volunteer/"
    assert client.post("/accounts/two-factor/", {"token": "123456"}).status_code == 302
    assert not TOTPDevice.objects.exists()
    assert not SecurityEvent.objects.exists()


def test_repeated_visits_reuse_one_unconfirmed_device(client, coordinator_with_password):
    log_in(client, coordinator_with_password)
    keys = set()
    for _ in range(3):
        page = client.get("/accounts/two-factor/")
        assert page.status_code == 200 and "no-store" in page["Cache-Control"]
        keys.add(TOTPDevice.objects.get(user=coordinator_with_password).key)
    assert len(keys) == 1
    assert TOTPDevice.objects.filter(user=coordinator_with_password, confirmed=False).count() == 1

    # Once confirmed, the page shows no QR code and makes no new device.
    device = TOTPDevice.objects.get(user=coordinator_with_password)
    assert client.post("/accounts/two-factor/", {"token": code_of(device)}).status_code == 302
    assert "<svg" not in client.get("/accounts/two-factor/?next=/admin/").content.decode()
    assert TOTPDevice.objects.filter(user=coordinator_with_password).count() == 1
