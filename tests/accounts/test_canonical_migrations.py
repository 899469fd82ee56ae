"""The migrations that bring stored addresses and user names to their canonical forms
(``accounts.emails``), run on rows written before the rule."""

import importlib

import pytest
from django.apps import apps

from accounts.models import User
from hosts.models import Host
from notifications.models import OutboundEmail
from tests.factories import HomeFactory, UserFactory, VolunteerApplicationFactory
from volunteers.models import VolunteerApplication

pytestmark = pytest.mark.django_db


def migration(name):
    return importlib.import_module(name)


def test_stored_addresses_become_canonical_and_refused_ones_stay_as_they_were():
    hosts = [HomeFactory().host for _ in range(4)]
    before = ["Anna@Example.ORG", "anna@BÜCHER.example", "ann\u0131@gmail.example", "x@y.se"]
    for host, email in zip(hosts, before, strict=True):
        Host.objects.filter(pk=host.pk).update(email=email)  # as typed, before the rule
    application = VolunteerApplicationFactory()
    VolunteerApplication.objects.filter(pk=application.pk).update(email="Karin@Example.org")
    OutboundEmail.objects.create(to="x@y.se", subject="s", body="b", language="sv")
    OutboundEmail.objects.update(to="ANNA@example.org")

    migration("hosts.migrations.0008_canonical_email_and_link_version").canonicalise(
        ("hosts", "Host"), "email"
    )(apps, None)
    migration("volunteers.migrations.0006_canonical_application_email").canonicalise(
        ("volunteers", "VolunteerApplication"), "email"
    )(apps, None)
    migration("notifications.migrations.0002_canonical_recipient").canonicalise(
        ("notifications", "OutboundEmail"), "to"
    )(apps, None)

    assert [Host.objects.get(pk=host.pk).email for host in hosts] == [
        "anna@example.org",
        "anna@xn--bcher-kva.example",
        "ann\u0131@gmail.example",  # refused by the rule: kept, and no canonical lookup finds it
        "x@y.se",
    ]
    assert VolunteerApplication.objects.get(pk=application.pk).email == "karin@example.org"
    assert OutboundEmail.objects.get().to == "anna@example.org"


def test_user_names_become_canonical_unless_another_account_has_that_name():
    anna, anna_again, kalle = (UserFactory() for _ in range(3))
    User.objects.filter(pk=anna.pk).update(username="Anna", email="Anna@Example.org")
    User.objects.filter(pk=anna_again.pk).update(username="anna")
    User.objects.filter(pk=kalle.pk).update(username="Kalle.Ek")

    module = migration("accounts.migrations.0011_canonical_user_names_and_emails")
    module.canonical_user_names(apps, None)
    module.canonicalise(("accounts", "User"), "email")(apps, None)

    names = dict(
        User.objects.filter(pk__in=[anna.pk, anna_again.pk, kalle.pk]).values_list("pk", "username")
    )
    assert names == {anna.pk: "Anna", anna_again.pk: "anna", kalle.pk: "kalle.ek"}
    assert User.objects.get(pk=anna.pk).email == "anna@example.org"
