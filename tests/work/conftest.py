"""The road to work's tests: the role groups are made again only when they are not as the last
``sync_role_groups`` of this test process left them."""

import pytest

# What the role groups and permissions looked like right after this process's last sync.
_AS_SYNCED: list = []


def _state():
    """The role groups, their permissions, and how many permissions there are: three queries."""
    from django.contrib.auth.models import Group, Permission

    from accounts.roles import ROLE_PERMISSIONS

    links = Group.permissions.through.objects.filter(group__name__in=ROLE_PERMISSIONS)
    return (
        frozenset(Group.objects.filter(name__in=ROLE_PERMISSIONS).values_list("pk", "name")),
        frozenset(links.values_list("group__name", "permission_id")),
        Permission.objects.count(),
    )


@pytest.fixture
def role_groups():
    """tests/conftest.py's ``role_groups`` (the groups made again if a transactional test before
    this one flushed them), asking first whether the groups and permissions are still as the last
    sync in this process left them. ``sync_role_groups`` makes every app's permissions and sets
    every group's, hundreds of queries; the question is three."""
    from django.apps import apps

    from accounts.roles import sync_role_groups

    if _AS_SYNCED and _state() == _AS_SYNCED[0]:
        return
    sync_role_groups(apps)
    _AS_SYNCED[:] = [_state()]
