"""A new volunteer's user name is a random handle, never derived from their e-mail address, and
never one that is taken (issue 13, finding 5: user names were the e-mail's local part)."""

import itertools
import re

import pytest

from tests.factories import UserFactory
from volunteers.actions import applications

pytestmark = pytest.mark.django_db


def test_the_handle_is_random_readable_and_free(monkeypatch):
    UserFactory(username="v-abcd-efgh")
    letters = itertools.chain("nisseabc", "ABCDEFGH".lower(), "k7mq3xtd")
    monkeypatch.setattr(applications.secrets, "choice", lambda alphabet: next(letters))

    username = applications._new_username("nisse@example.org")

    # "v-niss-eabc" holds the mailbox name, "v-abcd-efgh" is taken: the third draw is used.
    assert username == "v-k7mq-3xtd"


def test_handles_differ_and_hold_nothing_of_the_address():
    names = {applications._new_username("karin.berg@example.org") for _ in range(50)}
    assert len(names) == 50
    for name in names:
        assert re.fullmatch(r"v-[a-hj-km-np-z2-9]{4}-[a-hj-km-np-z2-9]{4}", name)
        assert "karin" not in name and "berg" not in name
