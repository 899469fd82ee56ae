"""Roles are groups made by migrations; people log in as ``accounts.User``."""

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models

from accounts import roles
from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROJECT_APPS = {
    "accounts",
    "notifications",
    "hosts",
    "newcomers",
    "matching",
    "volunteers",
    "reports",
    "stays",
    "work",
}


def test_migrations_make_the_eight_role_groups_with_exactly_their_permissions():
    # The national coordinator (issue 15), made by accounts/0013, is held together with the
    # volunteer coordinator; the placement supervisor (issue 17) by accounts/0014.
    assert len(roles.ROLE_LABELS) == 8
    assert set(roles.ROLE_PERMISSIONS) == set(roles.ROLE_LABELS)
    for role, declared in roles.ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        held = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        # Every permission named in accounts.roles exists by the last migration, and no other.
        assert held == set(declared), role


def test_a_role_gives_its_permissions_and_no_more():
    volunteer = UserFactory(roles=[roles.VOLUNTEER])
    assert volunteer.has_role(roles.VOLUNTEER)
    assert volunteer.has_perm("hosts.view_home")
    assert not volunteer.has_perm("hosts.change_home")
    assert not volunteer.has_perm("hosts.view_erasurerecord")

    officer = UserFactory(roles=[roles.DATA_PROTECTION_OFFICER])
    assert officer.has_perm("hosts.view_erasurerecord")
    assert officer.has_perm("notifications.view_outboundemail")
    held = officer.get_all_permissions()
    assert held and all(".view_" in name for name in held), "the officer only reads"

    supervisor = UserFactory(roles=[roles.PLACEMENT_SUPERVISOR])
    assert supervisor.has_perm("work.add_placementcheckin")
    assert supervisor.has_perm("work.change_placement")
    assert not supervisor.has_perm("work.add_employer")
    assert not supervisor.has_perm("newcomers.view_newcomercase")


def test_people_are_accounts_users_with_big_integer_ids():
    assert get_user_model() is User
    assert User._meta.label == "accounts.User"
    assert isinstance(User._meta.pk, models.BigAutoField)
    for model in apps.get_models():
        if model._meta.app_label in PROJECT_APPS and model._meta.pk.auto_created:
            assert isinstance(model._meta.pk, models.BigAutoField), model._meta.label
    assert UserFactory().pk > 0
