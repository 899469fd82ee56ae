"""Lock-out after repeated wrong passwords (django-axes, by user name and address), the growing
wait for a user name across addresses (accounts/lockout.py), lifting a lock-out, and the idle
session timeout."""

import contextlib
import threading
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts import lockout
from accounts.actions import lift_lockouts
from privacy.models import SecurityEvent
from tests.factories import UserFactory, staff_user
from workflow.errors import NotAllowed

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fast_password_hashing", "local_cache"),
]

PASSWORD = "correct horse battery staple"
ATTACKER = "10.66.6.6"
OWNER = "10.1.2.3"


@pytest.fixture
def volunteer_with_password(organisations):
    return UserFactory(
        roles=["volunteer"],
        organisation=organisations["volunteers"],
        username="volontar_anna",
        email="anna.volontar@example.org",
        password=PASSWORD,
    )


class Clock:
    """The time the log-in wait reads, moved by hand."""

    def __init__(self):
        self.now = 1_900_000_000.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(lockout.time, "time", fake)
    return fake


def attempt(client, username, password, *, path="/accounts/login/", address="127.0.0.1"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_wrong_passwords_lock_the_user_name_at_that_address_with_a_clear_page(
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
    # From that address, even the right password does not help now.
    assert attempt(client, volunteer_with_password.username, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out_elsewhere(
    volunteer_with_password, clock
):
    """Finding 5 of issue 13: five wrong passwords from one address used to lock the account
    for every address, renewable at will."""
    owner = Client()
    assert attempt(owner, "volontar_anna", PASSWORD, address=OWNER).status_code == 302
    owner.post("/accounts/logout/")

    attacker = Client()
    for _ in range(5):
        attempt(attacker, "volontar_anna", "wrong password", address=ATTACKER)
    assert attempt(attacker, "volontar_anna", PASSWORD, address=ATTACKER).status_code == 429
    locked = AccessAttempt.objects.get(username="volontar_anna")
    assert locked.ip_address == ATTACKER and locked.failures_since_start >= 5

    # The owner's own browser logs in at once, from their address, right after the attack.
    response = attempt(owner, "volontar_anna", PASSWORD, address=OWNER)
    assert response.status_code == 302 and response.url == "/home/"

    # In a browser never used for this account, the owner waits seconds, not half an hour.
    stranger_browser = Client()
    response = attempt(stranger_browser, "volontar_anna", PASSWORD, address="10.7.7.7")
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert wait <= 2
    clock.advance(wait)
    assert attempt(stranger_browser, "volontar_anna", PASSWORD, address="10.7.7.7").url == "/home/"
    # ... and the pair at the attacker's address stays locked.
    assert attempt(Client(), "volontar_anna", PASSWORD, address=ATTACKER).status_code == 429


def test_a_user_name_waits_longer_after_each_wrong_password_from_any_address(
    english, volunteer_with_password, clock
):
    """Across addresses, the sixth wrong password waits 2 s, then 4, 8, … up to 5 minutes; a try
    during the wait is refused at once, without checking the password and without making the
    wait longer."""
    client = english
    for number in range(5):  # five addresses, one wrong password each: no pair is locked
        response = attempt(client, "volontar_anna", "wrong", address=f"10.0.0.{number}")
        assert response.status_code == 200

    waits = []
    for number in range(12):
        response = attempt(client, "volontar_anna", "wrong", address=f"10.0.1.{number}")
        assert response.status_code == 429
        waits.append(int(response["Retry-After"]))
        assert response["Cache-Control"] == "no-store"
        page = response.content.decode()
        assert f"Try again in {waits[-1]} second" in page
        # Hammering during the wait: refused again, the wait does not grow, nothing counted.
        again = attempt(client, "volontar_anna", PASSWORD, address=f"10.0.2.{number}")
        assert again.status_code == 429 and int(again["Retry-After"]) == waits[-1]
        assert "_auth_user_id" not in client.session
        clock.advance(waits[-1])
        assert attempt(
            client, "volontar_anna", "wrong", address=f"10.0.3.{number}"
        ).status_code == (200)

    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300, 300]
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGIN_DELAYED).count() == 24
    # No web worker slept: the whole test ran on the fake clock.


def test_the_wait_is_forgotten_an_hour_after_the_last_wrong_password(
    volunteer_with_password, clock
):
    for number in range(5):
        attempt(Client(), "volontar_anna", "wrong", address=f"10.0.0.{number}")
    assert attempt(Client(), "volontar_anna", PASSWORD, address=OWNER).status_code == 429
    counter = lockout.user_name_counter("VOLONTAR_anna ")  # the same user name
    assert counter.read()[0] == 5
    counter.forget()  # what the cache does after lockout.MEMORY seconds without a failure
    assert attempt(Client(), "volontar_anna", PASSWORD, address=OWNER).status_code == 302
    assert lockout.MEMORY == 60 * 60


def test_many_wrong_passwords_from_one_address_slow_that_address_down(client, clock):
    """Guessing one common password for many user names from one address: after 20 wrong
    passwords the address waits, whatever user name it tries."""
    for number in range(20):
        assert attempt(client, f"guess{number}", "Sommar2026!", address="10.9.9.9").status_code == (
            200
        )
    other = UserFactory(roles=["volunteer"], username="bertil", password=PASSWORD)
    assert attempt(client, other.username, PASSWORD, address="10.9.9.9").status_code == 429
    assert attempt(Client(), other.username, PASSWORD, address="10.8.8.8").status_code == 302


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


def test_the_lock_out_ends_after_half_an_hour(client, volunteer_with_password, clock):
    for _ in range(5):
        attempt(client, volunteer_with_password.username, "wrong password")
    clock.advance(lockout.LONGEST_WAIT)
    assert attempt(client, volunteer_with_password.username, PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    clock.advance(31 * 60)

    response = attempt(client, volunteer_with_password.username, PASSWORD)
    assert response.status_code == 302 and response.url == "/home/"


def test_the_admin_log_in_counts_too(client, organisations, clock):
    coordinator = staff_user(
        "partner_coordinator", organisations["partner"], username="samordnare3", password=PASSWORD
    )
    for _ in range(5):
        response = attempt(client, coordinator.username, "wrong", path="/admin/login/")
    assert response.status_code == 429
    clock.advance(lockout.LONGEST_WAIT)
    assert attempt(client, coordinator.username, PASSWORD).status_code == 429


def test_a_superuser_lifts_a_lock_out_and_it_is_recorded(volunteer_with_password, clock):
    for _ in range(5):
        attempt(Client(), "volontar_anna", "wrong", address=OWNER)
    clock.advance(lockout.LONGEST_WAIT)
    assert attempt(Client(), "volontar_anna", PASSWORD, address=OWNER).status_code == 429

    administrator = UserFactory(username="admin2", is_staff=True, is_superuser=True)
    staff = Client()
    staff.force_login(administrator)
    changelist = staff.get("/admin/axes/accessattempt/")
    assert changelist.status_code == 200 and "volontar_anna" in changelist.content.decode()
    attempt_ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    detail = staff.get(f"/admin/axes/accessattempt/{attempt_ids[0]}/change/")
    assert detail.status_code == 200 and "post_data" not in detail.content.decode()
    response = staff.post(
        "/admin/axes/accessattempt/",
        {"action": "lift_lockouts", "_selected_action": attempt_ids},
    )
    assert response.status_code == 302

    assert not AccessAttempt.objects.exists()
    assert lockout.user_name_counter("volontar_anna").read()[0] == 0  # the wait went too
    entry = LogEntry.objects.get()
    assert (entry.user, entry.action_flag, entry.object_id) == (
        administrator,
        DELETION,
        str(attempt_ids[0]),
    )
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.UNLOCKED).count() == 1
    response = attempt(Client(), "volontar_anna", PASSWORD, address=OWNER)
    assert response.status_code == 302 and response.url == "/home/"


def test_a_coordinator_cannot_lift_a_lock_out(volunteer_with_password, organisations):
    attempt(Client(), "volontar_anna", "wrong", address=OWNER)
    coordinator = staff_user("volunteer_coordinator", organisations["volunteers"])
    staff = Client()
    staff.force_login(coordinator)
    assert staff.get("/admin/axes/accessattempt/").status_code == 403
    with pytest.raises(NotAllowed):
        lift_lockouts(by=coordinator, attempts=AccessAttempt.objects.all())
    assert AccessAttempt.objects.count() == 1
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.UNLOCKED).exists()


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


def test_a_hostile_user_name_is_counted_not_a_server_error(client, volunteer_with_password, clock):
    """The log-in form does not check the length of the user name; the lock-out stores it in a
    column of 255 characters (PostgreSQL refuses longer text)."""
    for username in ["x" * 10_000, "a\x00b", volunteer_with_password.username + "\x00"]:
        response = attempt(client, username, "wrong password")
        assert response.status_code == 200, username[:20]
    stored = AccessAttempt.objects.values_list("username", flat=True)
    assert all(len(name) <= 150 and "\x00" not in name for name in stored)
    # The long name counts as its first 150 characters: five tries lock it out at an address.
    for _ in range(5):
        clock.advance(lockout.LONGEST_WAIT)
        response = attempt(client, "x" * 10_000, "wrong password", address="10.2.2.2")
    assert response.status_code == 429
    assert AccessAttempt.objects.filter(ip_address="10.2.2.2").get().failures_since_start == 5


def test_a_browser_that_logged_in_before_does_not_wait_even_behind_a_busy_address(
    organisations, clock
):
    owner = UserFactory(roles=["volunteer"], username="bertil", password=PASSWORD)
    browser = Client()
    assert attempt(browser, owner.username, PASSWORD, address="10.9.9.9").status_code == 302
    browser.post("/accounts/logout/")
    for number in range(25):  # someone at the same address guesses other people's passwords
        attempt(Client(), f"guess{number}", "Sommar2026!", address="10.9.9.9")
    assert attempt(Client(), owner.username, PASSWORD, address="10.9.9.9").status_code == 429

    assert attempt(browser, owner.username, PASSWORD, address="10.9.9.9").status_code == 302
    # A forged or altered cookie counts for nothing.
    forged = Client()
    forged.cookies[lockout.KNOWN_BROWSER_COOKIE] = browser.cookies[
        lockout.KNOWN_BROWSER_COOKIE
    ].value.replace(":", ";", 1)
    assert attempt(forged, owner.username, PASSWORD, address="10.9.9.9").status_code == 429


def test_a_user_name_in_other_letter_case_is_the_same_name_for_the_lock_out(
    client, volunteer_with_password
):
    """Log-in finds a user by the canonical user name, so the count is kept under it too: five
    wrong passwords typed as VOLONTAR_ANNA, Volontar_Anna ... lock the one name at that address."""
    for spelling in ["VOLONTAR_ANNA", "Volontar_Anna", "volontar_ANNA", "VOLONTAR_anna"]:
        assert attempt(client, spelling, "wrong password").status_code == 200
    assert attempt(client, "volontar_anna", "wrong password").status_code == 429
    assert AccessAttempt.objects.get().username == "volontar_anna"


class ReadTogether:
    """The cache as the log-in wait sees it, except that a read returns only once the other
    thread has read too: two wrong passwords checked at the same moment (two web processes)
    read the counter before either writes it back."""

    def __init__(self, cache, parties):
        self._cache = cache
        self._barrier = threading.Barrier(parties)

    def _together(self):
        with contextlib.suppress(threading.BrokenBarrierError):
            self._barrier.wait(timeout=2)

    def get(self, *args, **kwargs):
        value = self._cache.get(*args, **kwargs)
        self._together()
        return value

    def get_many(self, *args, **kwargs):
        values = self._cache.get_many(*args, **kwargs)
        self._together()
        return values

    def __getattr__(self, name):
        return getattr(self._cache, name)


def test_wrong_passwords_counted_at_the_same_moment_all_count(monkeypatch):
    """The failure count is an increment in the shared cache: guesses sent in parallel to
    several web processes each count (a read and a write back would count them as one)."""
    monkeypatch.setattr(lockout, "cache", ReadTogether(lockout.cache, parties=2))
    counter = lockout.user_name_counter("volontar_anna")
    threads = [
        threading.Thread(target=counter.count_failure, args=(1_900_000_000.0,)) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    monkeypatch.undo()
    assert counter.read() == (2, 1_900_000_000.0)
