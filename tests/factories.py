"""factory_boy factories for the whole suite."""

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import Organisation, User
from hosts.models import Home, HomeTransition, Host


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.PARTNER


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="sv_SE")
    last_name = factory.Faker("last_name", locale="sv_SE")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")
    organisation = factory.SubFactory(OrganisationFactory)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        """``UserFactory(roles=["volunteer"])`` puts the user in those role groups."""
        if not create or not extracted:
            return
        from django.contrib.auth.models import Group

        self.groups.add(*Group.objects.filter(name__in=extracted))


class HostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Host

    name = factory.Faker("name", locale="sv_SE")
    email = factory.Sequence(lambda n: f"host{n}@example.org")
    phone = factory.Sequence(lambda n: f"+4670{n % 10_000_000:07d}")
    language = "sv"
    confirmed_at = factory.LazyFunction(timezone.now)
    consent_notice_version = "2026-11-01"
    consent_given_at = factory.LazyFunction(timezone.now)
    consent_language = "sv"


class HomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Home

    host = factory.SubFactory(HostFactory)
    street_address = factory.Faker("street_address", locale="sv_SE")
    postcode = "83130"
    municipality = "Östersund"
    kind = Home.Kind.ROOM
    beds = 1
    available_from = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=14))
    available_months = 6
    rent_per_month = 3500
    household_description = "Jag och min sambo."
    smoking = Home.Smoking.NO
    languages = factory.LazyFunction(lambda: ["sv", "en"])
    heard_from = Home.HeardFrom.FRIEND

    @factory.post_generation
    def registered(self, create, extracted, **kwargs):
        if create:
            HomeTransition.objects.create(
                home=self, from_state="", to_state=self.status, actor_kind="host"
            )


def registration_post_data(**overrides) -> dict:
    """What a person types into the public sign-up form (/offer/): valid unless overridden.

    A key overridden with ``None`` is left out, as a browser leaves out an unticked box.
    """
    data = {
        "name": "Anna Svensson",
        "email": "anna@example.org",
        "phone": "070-123 45 67",
        "street_address": "Storgatan 1",
        "postcode": "831 30",
        "municipality": "Östersund",
        "kind": Home.Kind.ROOM,
        "beds": "2",
        "step_free_access": "on",
        "accessibility_notes": "",
        "available_from": (timezone.localdate() + timedelta(days=14)).isoformat(),
        "available_months": "6",
        "rent_per_month": "3500",
        "household_description": "Jag och min sambo.",
        "pets_description": "",
        "smoking": Home.Smoking.NO,
        "languages": ["sv", "en"],
        "other_languages": "",
        "hopes": "Att lära känna någon ny.",
        "heard_from": Home.HeardFrom.FRIEND,
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# Newcomer cases, matches and the people who work on them ------------------------------------


def staff_user(role: str, organisation=None, **kwargs) -> User:
    """A person who works in the admin with one role: ``staff_user("partner_coordinator", org)``.

    No password is hashed (tests log in with ``client.force_login``); pass ``password=...`` for a
    person who types one into the login form.
    """
    kwargs.setdefault("password", None)
    kwargs.setdefault("is_staff", True)
    if organisation is not None:
        kwargs["organisation"] = organisation
    return UserFactory(roles=[role], **kwargs)


class NewcomerCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "newcomers.NewcomerCase"
        skip_postgeneration_save = True

    partner = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.PARTNER)
    reference = factory.Sequence(lambda n: f"BOS-{n:05d}")
    adults = 2
    children_ages = factory.LazyFunction(lambda: [4, 9])
    languages = factory.LazyFunction(lambda: ["ar", "en"])
    assigned_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    housing_needed_by = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=50))

    @factory.post_generation
    def opened(self, create, extracted, **kwargs):
        """The first row of the history, as ``newcomers.workflow.open_case`` writes it."""
        if create:
            from newcomers.models import CaseTransition

            CaseTransition.objects.create(
                case=self, from_state="", to_state=self.status, actor_kind="system"
            )


class MatchReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "matching.MatchReason"
        django_get_or_create = ["partner", "label"]

    partner = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.PARTNER)
    label = factory.Sequence(lambda n: f"Reason {n}")


def referred_home(partner, **kwargs) -> Home:
    """A home a volunteer coordinator has visited and referred to ``partner``, with its history."""
    home = HomeFactory(**kwargs)  # registered, with the first row of its history
    for from_state, to_state in [
        (Home.Status.REGISTERED, Home.Status.CONTACTED),
        (Home.Status.CONTACTED, Home.Status.VISIT_BOOKED),
        (Home.Status.VISIT_BOOKED, Home.Status.VISITED),
        (Home.Status.VISITED, Home.Status.REFERRED),
    ]:
        HomeTransition.objects.create(
            home=home, from_state=from_state, to_state=to_state, actor_kind="user"
        )
    Home.objects.filter(pk=home.pk).update(status=Home.Status.REFERRED, partner=partner)
    home.refresh_from_db()
    return home
