"""Lock-out after repeated wrong passwords (django-axes), and the idle session timeout."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from privacy.models import SecurityEvent
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def volunteer_with_password(organisations):
    return UserFactory(
        roles=["volunteer"],
        organisation=organisations["volunteers"],
        username="volontar_anna",
        email="anna.volontar@example.org",
        password=PASSWORD,
    )


def attempt(client, username, password, *, path="/accounts/login/", address="127.0.0.1"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_wrong_passwords_lock_the_account_out_with_a_clear_page(
    client, volunteer_with_password
):
    for _ in range(4):
        response = attempt(client, volunteer_with_password.username, "wrong password")
        assert response.status_code == 200  # the form again, with its error

    response = attempt(client, volunteer_with_password.username, "wrong password")

    assert response.status_code == 429  # django-axes' answer (AXES_HTTP_RESPONSE_CODE)
    page = response.content.decode()
    assert "Too many failed log-ins" in page or "För många misslyckade inloggningar" in page
    assert "30" in page
    # Even the right password does not help now, from any address.
    response = attempt(client, volunteer_with_password.username, PASSWORD, address="10.1.2.3")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_out_is_logged_without_the_username(client, volunteer_with_password):
    for _ in range(5):
        attempt(client, volunteer_with_password.username, "wrong password")

    kinds = list(SecurityEvent.objects.values_list("kind", flat=True))
    assert kinds.count(SecurityEvent.Kind.LOGIN_FAILED) == 5
    assert kinds.count(SecurityEvent.Kind.LOCKED_OUT) >= 1
    identifying = [
        volunteer_with_password.username,
        volunteer_with_password.email,
        volunteer_with_password.first_name,
        volunteer_with_password.last_name,
        "127.0.0.1",
    ]
    for row in SecurityEvent.objects.values_list("kind", "path"):
        for value in row:
            for secret in identifying:
                assert secret not in value, (row, secret)
    # No column could hold anyone's name, address or account:
    assert {field.name for field in SecurityEvent._meta.concrete_fields} == {
        "id",
        "kind",
        "path",
        "created_at",
    }


def test_the_lock_out_ends_after_half_an_hour(client, volunteer_with_password):
    for _ in range(5):
        attempt(client, volunteer_with_password.username, "wrong password")
    assert attempt(client, volunteer_with_password.username, PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))

    response = attempt(client, volunteer_with_password.username, PASSWORD)
    assert response.status_code == 302 and response.url == "/home/"


def test_many_wrong_passwords_from_one_address_lock_that_address(client, organisations):
    for number in range(5):
        attempt(client, f"guess{number}", "wrong password", address="10.9.9.9")

    other = UserFactory(roles=["volunteer"], username="bertil", password=PASSWORD)
    assert attempt(client, other.username, PASSWORD, address="10.9.9.9").status_code == 429
    assert attempt(client, other.username, PASSWORD, address="10.8.8.8").status_code == 302


def test_the_admin_log_in_counts_too(client, organisations):
    from tests.factories import staff_user

    coordinator = staff_user(
        "partner_coordinator", organisations["partner"], username="samordnare3", password=PASSWORD
    )
    for _ in range(5):
        response = attempt(client, coordinator.username, "wrong", path="/admin/login/")
    assert response.status_code == 429
    assert attempt(client, coordinator.username, PASSWORD).status_code == 429


def test_an_idle_session_ends_after_30_minutes_and_each_request_renews_it(
    client, volunteer_with_password
):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
    response = attempt(client, volunteer_with_password.username, PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == 30 * 60
    assert cookie["httponly"]

    session = Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)
    # 25 minutes later, the volunteer opens a page: the half hour starts again.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(minutes=5))
    response = client.get("/volunteer/")
    assert response.status_code == 200
    assert int(response.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == 30 * 60
    renewed = Session.objects.get(pk=session.pk).expire_date
    assert renewed > timezone.now() + timedelta(minutes=29)

    # Then nothing for more than half an hour: the session is gone.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/volunteer/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_a_hostile_user_name_is_counted_not_a_server_error(client, volunteer_with_password):
    """The log-in form does not check the length of the user name; the lock-out stores it in a
    column of 255 characters (PostgreSQL refuses longer text)."""
    for username in ["x" * 10_000, "a\x00b", volunteer_with_password.username + "\x00"]:
        response = attempt(client, username, "wrong password")
        assert response.status_code == 200, username[:20]
    stored = AccessAttempt.objects.values_list("username", flat=True)
    assert all(len(name) <= 150 and "\x00" not in name for name in stored)
    # The long name counts as its first 150 characters: five tries lock it out.
    for _ in range(4):
        response = attempt(client, "x" * 10_000, "wrong password", address="10.2.2.2")
    assert response.status_code == 429
