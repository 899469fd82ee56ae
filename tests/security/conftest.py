"""The people and objects the security tests walk every page with."""

import logging

import pytest
from django.template.base import Template

from accounts import roles
from hosts.actions import make_link_token
from tests.factories import portal_world
from volunteers.actions import claim_next_host


@pytest.fixture
def quick_pages(monkeypatch):
    """Thousands of requests: skip the test client's record of every template rendered, and the
    log line of every expected 403/404."""
    monkeypatch.setattr(Template, "_render", lambda self, context: self.nodelist.render(context))
    for name in ["django.request", "django.security", "axes"]:
        monkeypatch.setattr(logging.getLogger(name), "level", logging.CRITICAL)


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = portal_world()
    # The volunteer holds the host of the world's queue entry: the call page's buttons are theirs.
    held = claim_next_host(volunteer=world.users[roles.VOLUNTEER])
    assert held == world.objects["volunteers.queueentry"]
    confirm_token = make_link_token(world.host_home.host, purpose="confirm")
    open_token = make_link_token(world.host_home.host, purpose="self_service")
    world.tokens = {
        "offer/confirm/<str:token>/": confirm_token,
        "my-offer/open/<str:token>/": open_token,
        "accounts/reset/<uidb64>/<token>/": "set-password",
    }
    return world
