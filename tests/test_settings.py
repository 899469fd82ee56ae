"""Production settings pass Django's deploy checks; every page has the CSP header and the language
switch."""

import os
import secrets
import shutil
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from hosts.actions import make_link_token
from tests.factories import HostFactory, registration_post_data

BASE_DIR = Path(__file__).resolve().parent.parent


def test_deploy_check_passes_with_production_settings():
    secret = "".join(
        secrets.choice(string.ascii_letters + string.digits + "!@#%^&*(-_=+)") for _ in range(50)
    )
    env = {
        # The browser tests allow async-unsafe calls in this process; production never does.
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "False",
        "SECRET_KEY": secret,
        "ALLOWED_HOSTS": "portal.example.se",
        # A worker runs the tasks (hosts.W001); the check does not connect to the broker.
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        # Every web process counts the rate limits in one Redis (accounts.W001).
        "CACHE_URL": "redis://127.0.0.1:6379/1",
    }
    result = subprocess.run(  # noqa: S603 (our own manage.py, with a fixed argument list)
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


@pytest.mark.parametrize(
    ("backend", "warned"),
    [
        ("django.core.cache.backends.locmem.LocMemCache", True),
        ("django.core.cache.backends.dummy.DummyCache", True),
        ("django.core.cache.backends.db.DatabaseCache", True),
        ("django.core.cache.backends.redis.RedisCache", False),
        ("django.core.cache.backends.memcached.PyMemcacheCache", False),
    ],
)
def test_deploy_check_warns_when_the_cache_is_not_shared_by_every_process(backend, warned):
    """Rate limits and the log-in wait count in the cache: in production every web process must
    count in one Redis (or Memcached), atomically."""
    from accounts.checks import cache_is_shared

    caches = {"default": {"BACKEND": backend, "LOCATION": "127.0.0.1:6379"}}
    with override_settings(DEBUG=False, CACHES=caches):
        found = [message.id for message in cache_is_shared(None)]
    assert found == (["accounts.W001"] if warned else [])
    with override_settings(DEBUG=True, CACHES=caches):
        assert cache_is_shared(None) == []  # a developer's one process


@pytest.mark.django_db
def test_pages_carry_the_content_security_policy(client):
    for path in ["/", "/offer/", "/no-such-page/"]:
        policy = client.get(path)["Content-Security-Policy"]
        for directive in ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"]:
            assert directive in policy, (path, policy)
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


# Every page of the host side, and how a person reaches it. The test below fails when a page is
# added to hosts/urls.py without being listed here.
NOT_PAGES = {
    "open_link",
    "download_data",
    "leave",
    "language",
}  # a redirect, a JSON file, POST-only buttons


def _host_pages(client, own):
    """``client`` is a new visitor (Swedish); ``own`` a host who opened their link (English)."""
    host = HostFactory(confirmed_at=None)
    confirm = make_link_token(host, purpose="confirm")
    pages = {
        "landing": client.get("/"),
        "privacy": client.get("/privacy/"),
        "register": client.get("/offer/"),
        "register (errors)": client.post("/offer/", {"name": "x"}),
        "sent": client.get("/offer/sent/"),
        "request_link": client.get("/my-offer/link/"),
        "request_link (sent)": client.post("/my-offer/link/", {"email": "a@example.org"}),
        "confirm (bad link)": client.get("/offer/confirm/nonsense/"),
        "404": client.get("/no-such-page/"),
    }
    client.post("/offer/", registration_post_data())
    pages["check"] = client.get("/offer/check/")
    with override_settings(RATELIMIT_SIGNUP_PER_IP="0/h"):
        pages["429"] = client.post("/offer/check/", {"consent": "on"})
    pages["confirm"] = client.get(f"/offer/confirm/{confirm}/")
    for name in ["my_offer", "change_offer", "pause", "resume", "reopen", "withdraw", "erase"]:
        pages[name] = own.get(reverse(f"hosts:{name}"))
    # "Something is wrong" opens during a stay; without one the page says so (or sends the host
    # back to the offer).
    pages["raise_concern"] = own.get(reverse("hosts:raise_concern"), follow=True)
    pages["erase (done)"] = own.post("/my-offer/erase/")
    return pages


@pytest.mark.django_db
def test_every_page_has_the_language_switch(host_session, local_cache):
    pages = _host_pages(Client(), host_session.client)

    from hosts.urls import urlpatterns

    listed = {name.split(" ")[0] for name in pages}
    assert {p.name for p in urlpatterns} - NOT_PAGES <= listed

    for name, response in pages.items():
        assert response.status_code in (200, 400, 404, 429), (name, response.status_code)
        page = response.content.decode()
        # A host's own pages post the choice to hosts:language, which also keeps it on the host.
        assert 'action="/i18n/setlang/"' in page or 'action="/my-offer/language/"' in page, name
        # Swedish pages offer English; the host who opened their link reads English and is
        # offered Swedish.
        offered = "sv" if response.wsgi_request.LANGUAGE_CODE == "en" else "en"
        assert f'name="language" value="{offered}"' in page, name
    assert pages["my_offer"].wsgi_request.LANGUAGE_CODE == "en"
    assert pages["landing"].wsgi_request.LANGUAGE_CODE == "sv"


@pytest.mark.django_db
def test_tests_hash_passwords_quickly_and_production_does_not():
    """Every test hashes with MD5 (``pytest_configure`` in tests/conftest.py); the settings keep
    a slow hasher for production."""
    from django.conf import global_settings
    from django.contrib.auth.hashers import get_hasher

    from matching_portal import settings as production
    from tests.factories import UserFactory

    assert get_hasher().algorithm == "md5"
    assert UserFactory().password.startswith("md5$")
    hashers = getattr(production, "PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS)
    assert "MD5" not in hashers[0]


def _site_url(**environment) -> str:
    env = {
        k: v for k, v in os.environ.items() if k not in ("SITE_URL", "SERVED_ON", "DATABASE_URL")
    }
    result = subprocess.run(  # noqa: S603 (our own manage.py, with a fixed argument list)
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; print(settings.SITE_URL)",
        ],
        cwd=BASE_DIR,
        env={**env, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.skipif((BASE_DIR / ".env").is_file(), reason="a .env file gives its own SITE_URL")
def test_links_follow_the_address_make_run_serves_on_unless_site_url_is_given():
    assert _site_url() == "http://127.0.0.1:8000"
    assert _site_url(SERVED_ON="127.0.0.1:8101") == "http://127.0.0.1:8101"
    assert (
        _site_url(SERVED_ON="127.0.0.1:8101", SITE_URL="https://portal.example.se/")
        == "https://portal.example.se"
    )


def test_make_run_passes_its_host_to_the_seed_and_the_server():
    make = shutil.which("make")
    assert make, "make runs the project's two set-up commands"
    result = subprocess.run(  # noqa: S603 (make, with a fixed argument list)
        [make, "--dry-run", "run", "HOST=127.0.0.1:8101"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    commands = result.stdout.splitlines()
    assert any(
        line.startswith("SERVED_ON=127.0.0.1:8101 ") and "manage.py seed_demo" in line
        for line in commands
    ), commands
    assert any(
        line.startswith("SERVED_ON=127.0.0.1:8101 ") and "runserver 127.0.0.1:8101" in line
        for line in commands
    ), commands


def test_the_redis_cache_keeps_one_client_per_pool():
    """``matching_portal.cache``: Django's Redis cache, without a new ``redis.Redis`` (and its
    table of response callbacks) for every call; the settings choose it for a Redis address."""
    from matching_portal.cache import RedisCache

    cache = RedisCache("redis://127.0.0.1:1/0", {})  # no connection is made to build a client
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=False) is client
    assert client.connection_pool is cache._cache._get_connection_pool(True)
