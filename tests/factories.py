"""factory_boy factories for the whole suite."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from unittest import mock

import factory
from django.utils import timezone

from accounts.models import GroupMunicipality, LocalGroup, Organisation, User
from hosts.models import Home, HomeTransition, Host
from municipalities.models import Municipality

# The test world's default municipality (Östersund) and its local group: the first volunteer
# organisation that gets people gets a group covering it, so its volunteers reach the homes the
# factories make there. Another municipality: ``municipality("1280")``.
DEFAULT_MUNICIPALITY = "2380"


def load_municipalities() -> None:
    """Sweden's counties and municipalities, loaded again if a ``transaction=True`` test emptied
    the tables (flushes do not re-run data migrations)."""
    from municipalities.apps import load_if_missing

    load_if_missing()


def municipality(code: str = DEFAULT_MUNICIPALITY) -> Municipality:
    found = Municipality.objects.filter(code=code).first()
    if found is None:
        load_municipalities()
        found = Municipality.objects.get(code=code)
    return found


def local_group(organisation, *, name=None, covers=()) -> LocalGroup:
    """The organisation's local group (made once), covering ``covers`` (codes) where no group
    covers them yet."""
    group, _created = LocalGroup.objects.get_or_create(
        organisation=organisation, name=name or f"{organisation.name} – lokalgrupp"
    )
    for code in covers:
        municipality(code)  # there, also after a transactional test emptied the table
        if not GroupMunicipality.objects.filter(municipality_id=code).exists():
            GroupMunicipality.objects.create(group=group, municipality_id=code)
    return group


def _default_group(user) -> LocalGroup | None:
    organisation = user.organisation
    if organisation is None or organisation.kind != Organisation.Kind.VOLUNTEER_ORGANISATION:
        return None
    existing = organisation.local_groups.order_by("pk").first()
    return existing or local_group(organisation, covers=[DEFAULT_MUNICIPALITY])


def _covering(home) -> LocalGroup | None:
    if home.host is None or home.municipality is None:
        return None
    coverage = GroupMunicipality.objects.filter(municipality=home.municipality).first()
    return coverage.group if coverage else None


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
    local_group = factory.LazyAttribute(_default_group)

    @classmethod
    def _generate(cls, strategy, params):
        """A volunteer or volunteer coordinator made without an organisation belongs to the
        tests' volunteer organisation ("Volontärföreningen", the ``organisations`` fixture's),
        and so to its local group covering the factories' homes: a volunteer works in a group."""
        wanted = set(params.get("roles") or ())
        if (
            "organisation" not in params
            and wanted
            and wanted <= {"volunteer", "volunteer_coordinator", "national_coordinator"}
        ):
            params = {
                **params,
                "organisation": OrganisationFactory(
                    name="Volontärföreningen", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
                ),
            }
        return super()._generate(strategy, params)

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
    municipality = factory.LazyFunction(municipality)
    local_group = factory.LazyAttribute(_covering)
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
        "municipality": DEFAULT_MUNICIPALITY,
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


# Volunteers: applications, the call queue and home visits -----------------------------------


class VolunteerApplicationFactory(factory.django.DjangoModelFactory):
    """An application sent through /volunteer/join/ (``volunteers.actions.apply_to_volunteer``),
    waiting for a coordinator; with ``status="approved"`` or ``"declined"`` a coordinator
    (``reviewed_by``, or one made for it) has then decided it through the actions. Other fields
    given (``reviewed_at``, ``created_at``, …) are set on the row afterwards: test set-up only."""

    class Meta:
        model = "volunteers.VolunteerApplication"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from volunteers import actions

        status = kwargs.pop("status", model_class.Status.PENDING)
        reviewer = kwargs.pop("reviewed_by", None)
        reason = kwargs.pop("decline_reason", "")
        sent = {
            name: kwargs.pop(name)
            for name in (
                "name",
                "email",
                "phone",
                "languages",
                "area",
                "availability",
                "motivation",
                "language",
                "municipality",
            )
            if name in kwargs
        }
        sent.setdefault("motivation", "")
        application = actions.apply_to_volunteer(**sent)
        if status != model_class.Status.PENDING:
            # By default a coordinator of the group the application was routed to.
            group = application.local_group
            reviewer = reviewer or staff_user(
                "volunteer_coordinator",
                group.organisation
                if group
                else OrganisationFactory(kind=Organisation.Kind.VOLUNTEER_ORGANISATION),
                **({"local_group": group} if group else {}),
            )
            if status == model_class.Status.APPROVED:
                actions.approve_application(application=application, user=reviewer)
            else:
                actions.decline_application(application=application, user=reviewer, reason=reason)
        if kwargs:
            model_class.objects.filter(pk=application.pk).update(**kwargs)
        application.refresh_from_db()
        return application

    name = factory.Faker("name", locale="sv_SE")
    email = factory.Sequence(lambda n: f"applicant{n}@example.org")
    phone = factory.Sequence(lambda n: f"+4673{n % 10_000_000:07d}")
    languages = factory.LazyFunction(lambda: ["sv", "en"])
    area = "Frösön"
    # Routed to the group covering Östersund (``apply_to_volunteer``); None: no group's.
    municipality = factory.LazyFunction(municipality)
    availability = "Vardagskvällar"
    language = "sv"
    consent_notice_version = "2026-11-01"
    consent_given_at = factory.LazyFunction(timezone.now)


def queued_home(*, registered_at=None, **kwargs) -> Home:
    """A confirmed host's home in the volunteers' call queue, as confirming the e-mail leaves it.

    ``registered_at`` sets when the home was registered (the queue calls the oldest first).
    """
    from volunteers.actions import enqueue_home

    if registered_at is not None:
        kwargs["created_at"] = registered_at
    home = HomeFactory(**kwargs)
    enqueue_home(home=home)
    return home


def visit_booked_home(volunteers, *, starts_at=None, booked_by=None, **kwargs):
    """A home whose host said yes on the phone and whose visit is booked; returns the visit.

    The e-mails with calendar files are queued as ``volunteers.actions.book_visit`` queues them.
    The visit starts in two days unless ``starts_at`` says otherwise; a visit that has already
    started (``starts_at`` in the past, ready to be reported) was booked a day before it.
    """
    from volunteers.actions import book_visit, record_contact

    home = queued_home(**kwargs)
    user = booked_by or volunteers[0]
    record_contact(home=home, volunteer=user)
    now = timezone.now()
    starts_at = starts_at or now + timedelta(days=2)
    return book_visit(
        home=home,
        starts_at=starts_at,
        volunteers=list(volunteers),
        user=user,
        now=min(now, starts_at - timedelta(days=1)),
    )


def started_visit(volunteers, **kwargs):
    """A visit booked yesterday that began an hour ago: it can be reported now."""
    return visit_booked_home(volunteers, starts_at=timezone.now() - timedelta(hours=1), **kwargs)


# Partnerships and their follow-up (reports) ----------------------------------------------------


class PartnershipFactory(factory.django.DjangoModelFactory):
    """A partnership for 2026 between a volunteer organisation and a partner."""

    class Meta:
        model = "reports.Partnership"

    name = factory.Sequence(lambda n: f"Värdskap i Östersund {n}")
    volunteer_organisation = factory.SubFactory(
        OrganisationFactory, kind=Organisation.Kind.VOLUNTEER_ORGANISATION
    )
    partner = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.PARTNER)
    period_start = factory.LazyFunction(lambda: timezone.localdate().replace(month=1, day=1))
    period_end = factory.LazyFunction(lambda: timezone.localdate().replace(month=12, day=1))


def partnership_covering(partner, *codes, volunteer_organisation=None, local_group=None, **kwargs):
    """A partnership of ``partner`` running now (a year from a month ago) naming the municipalities ``codes`` (Östersund
    by default), with the tests' volunteer organisation ("Volontärföreningen") unless another is
    given: the homes there may be referred to ``partner`` (``reports.partners``)."""
    volunteer_organisation = volunteer_organisation or OrganisationFactory(
        name="Volontärföreningen", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
    )
    today = timezone.localdate()
    kwargs.setdefault("period_start", today - timedelta(days=30))
    kwargs.setdefault("period_end", today + timedelta(days=335))
    partnership = PartnershipFactory(
        partner=partner,
        volunteer_organisation=volunteer_organisation,
        local_group=local_group,
        **kwargs,
    )
    partnership.municipalities.set([municipality(code) for code in codes or [DEFAULT_MUNICIPALITY]])
    return partnership


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reports.Target"

    partnership = factory.SubFactory(PartnershipFactory)
    metric = "new_registrations"
    goal = 100


def home_with_history(registered_at, steps=(), *, partner=None, **kwargs) -> Home:
    """A home registered at ``registered_at`` whose history then has ``steps``: a list of
    ``(to_state, when)``. The home ends in the last state, referred to ``partner`` if given."""
    home = HomeFactory(created_at=registered_at, **kwargs)
    # The factory writes the first row "now"; the history says when it really happened.
    HomeTransition.objects.filter(home=home).update(created_at=registered_at)
    state = home.status
    for to_state, when in steps:
        HomeTransition.objects.create(
            home=home, from_state=state, to_state=to_state, actor_kind="user", created_at=when
        )
        state = to_state
    Home.objects.filter(pk=home.pk).update(status=state, partner=partner)
    home.refresh_from_db()
    return home


def match_with_history(home, case, steps=(), *, proposed_at=None):
    """A match of ``home`` and ``case`` proposed at ``proposed_at`` whose history then has
    ``steps`` (``(to_state, when)``); it ends in the last state."""
    from matching.models import Match, MatchTransition

    proposed_at = proposed_at or (steps[0][1] if steps else timezone.now())
    match = Match.objects.create(home=home, case=case, created_at=proposed_at)
    MatchTransition.objects.create(
        match=match, from_state="", to_state="proposed", actor_kind="user", created_at=proposed_at
    )
    state = "proposed"
    for to_state, when in steps:
        MatchTransition.objects.create(
            match=match, from_state=state, to_state=to_state, actor_kind="user", created_at=when
        )
        state = to_state
    Match.objects.filter(pk=match.pk).update(status=state)
    match.refresh_from_db()
    return match


# The housing company: units, allotments, the vacancy quota --------------------------------------


class UnitFactory(factory.django.DjangoModelFactory):
    """A flat of the housing company (``company`` is a housing company organisation)."""

    class Meta:
        model = "housing.Unit"

    company = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.HOUSING_COMPANY)
    reference = factory.Sequence(lambda n: f"KB-{n:05d}")
    street_address = factory.Sequence(lambda n: f"Ringvägen {n % 90 + 1}")
    postcode = "83531"
    municipality = factory.LazyFunction(lambda: municipality("2309"))
    rooms = 2
    size_m2 = 58
    rent_per_month = 6200


class AllotmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "housing.Allotment"

    company = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.HOUSING_COMPANY)
    kind = "ordinary"
    count = 10
    in_use = 0
    period_start = factory.LazyFunction(lambda: timezone.localdate().replace(month=1, day=1))


class QuotaAgreementFactory(factory.django.DjangoModelFactory):
    """Every 5th vacancy of ``company`` is offered to ``integration_unit``, declines replaced."""

    class Meta:
        model = "housing.QuotaAgreement"

    company = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.HOUSING_COMPANY)
    integration_unit = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.PARTNER)
    every_nth = 5
    replace_declined = True
    period_start = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=365))


def record_vacancies(count: int, *, unit, user=None, notice_given_on=None) -> list:
    """``count`` tenants of ``unit`` give notice, one after the other, through
    ``housing.actions.record_vacancy``; returns the vacancies."""
    from housing.actions import record_vacancy

    day = notice_given_on or timezone.localdate()
    return [
        record_vacancy(
            unit=unit,
            notice_given_on=day,
            available_from=day + timedelta(days=30),
            user=user,
        )
        for _ in range(count)
    ]


def offered_flat(agreement, *, user=None):
    """The next vacancies of the agreement's company are recorded until one is offered; returns
    that vacancy (its ``home`` is referred to the integration unit)."""
    unit = UnitFactory(company=agreement.company)
    while True:
        (vacancy,) = record_vacancies(1, unit=unit, user=user)
        if vacancy.offered:
            return vacancy


# Places and match suggestions ------------------------------------------------------------------


def district(partner, name: str, latitude: float, longitude: float, **kwargs):
    """A district ``partner`` keeps itself (a place GeoNames does not have, e.g. Nälden)."""
    from matching.models import Place

    return Place.objects.create(
        name=name,
        kind=Place.Kind.DISTRICT,
        partner=partner,
        latitude=latitude,
        longitude=longitude,
        **kwargs,
    )


def open_home(partner, **kwargs) -> Home:
    """A home referred to ``partner`` and free, without its history (quick, for ranking tests):
    4 beds, available in two weeks for a year, no pets, nobody smokes, step-free."""
    fields = {
        "status": Home.Status.REFERRED,
        "partner": partner,
        "beds": 4,
        "available_months": 12,
        "has_pets": False,
        "smoking": Home.Smoking.NO,
        "step_free_access": True,
        "languages": ["sv"],
        "rent_per_month": 3000,
    }
    fields.update(kwargs)
    return HomeFactory(**fields)


# One of everything: the permission matrix, the header checks and the fuzz tests ------------------


def portal_world():
    """A small portal with one object of every kind a page takes an id of, and the people of every
    role, for tests that walk all the pages (tests/security, tests/reliability).

    ``users`` maps each role of ``accounts.roles.ROLE_LABELS`` to a person of that role (everyone
    but the volunteer works in the admin); ``objects`` maps a model label ("hosts.home") to an object
    the people of the partner ``orgs["partner"]`` may see, ``foreign`` to one of another partner (or
    another housing company, another volunteer organisation). ``host_home`` is the home of a host
    who manages their offer through self-service.
    """
    from types import SimpleNamespace

    from axes.models import AccessAttempt, AccessFailureLog
    from axes.models import AccessLog as AxesAccessLog
    from django.contrib.auth.models import Group
    from django_celery_beat.models import (
        ClockedSchedule,
        CrontabSchedule,
        IntervalSchedule,
        PeriodicTask,
        SolarSchedule,
    )
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts import roles
    from hosts.models import ErasureRecord
    from housing.models import Contract
    from matching.models import MatchingWeights
    from notifications.models import OutboundEmail
    from privacy.models import AccessLog, DataRequest, RetentionRun, SecurityEvent
    from reports.models import ReportDownload
    from stays.models import CheckIn
    from volunteers.models import (
        CallAttempt,
        Campaign,
        HostNote,
        QueueEntry,
        VolunteerProfile,
    )

    today = timezone.localdate()
    orgs = {
        "volunteers": OrganisationFactory(
            name="Volontärbyrån", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
        ),
        "partner": OrganisationFactory(name="Mottagningen", kind=Organisation.Kind.PARTNER),
        "other_partner": OrganisationFactory(name="Grannkommunen", kind=Organisation.Kind.PARTNER),
        "housing": OrganisationFactory(
            name="Krokomsbostäder", kind=Organisation.Kind.HOUSING_COMPANY
        ),
        "other_housing": OrganisationFactory(
            name="Grannbostäder", kind=Organisation.Kind.HOUSING_COMPANY
        ),
        "other_volunteers": OrganisationFactory(
            name="Grannvolontärerna", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
        ),
    }
    users = {
        roles.VOLUNTEER: UserFactory(
            roles=[roles.VOLUNTEER], organisation=orgs["volunteers"], username="w_volunteer"
        ),
        roles.VOLUNTEER_COORDINATOR: staff_user(
            roles.VOLUNTEER_COORDINATOR, orgs["volunteers"], username="w_volcoord"
        ),
        roles.PARTNER_COORDINATOR: staff_user(
            roles.PARTNER_COORDINATOR, orgs["partner"], username="w_partcoord"
        ),
        roles.MANAGER: staff_user(roles.MANAGER, orgs["partner"], username="w_manager"),
        roles.HOUSING_COMPANY_STAFF: staff_user(
            roles.HOUSING_COMPANY_STAFF, orgs["housing"], username="w_housing"
        ),
        roles.DATA_PROTECTION_OFFICER: staff_user(
            roles.DATA_PROTECTION_OFFICER, orgs["volunteers"], username="w_dpo"
        ),
    }
    partner, other_partner = orgs["partner"], orgs["other_partner"]

    host_home = HomeFactory(host__language="en")
    queued = queued_home()
    visit = visit_booked_home([users[roles.VOLUNTEER]])
    home = referred_home(partner)
    foreign_home = referred_home(other_partner)
    case = NewcomerCaseFactory(partner=partner)
    foreign_case = NewcomerCaseFactory(partner=other_partner)
    match = match_with_history(home, case)
    foreign_match = match_with_history(foreign_home, foreign_case)
    check_in = CheckIn.objects.create(
        match=match, after_days=7, due_on=today, responsible=CheckIn.Responsible.VOLUNTEERS
    )
    foreign_check_in = CheckIn.objects.create(
        match=foreign_match, after_days=7, due_on=today, responsible=CheckIn.Responsible.PARTNER
    )
    application = VolunteerApplicationFactory()
    # A campaign of the volunteer coordinator's local group (campaigns are per group).
    campaign = Campaign.objects.create(
        name="Vinterkampanjen",
        organisation=orgs["volunteers"],
        local_group=users[roles.VOLUNTEER_COORDINATOR].local_group,
    )
    partnership = PartnershipFactory(
        volunteer_organisation=orgs["volunteers"], partner=partner, housing_company=orgs["housing"]
    )
    foreign_partnership = PartnershipFactory(
        volunteer_organisation=orgs["other_volunteers"], partner=other_partner
    )

    def done_run(of):
        """A report run requested and produced through the actions, with small stand-in files
        (the real documents take seconds to draw)."""
        from reports import actions as reporting

        run = reporting.request_report(partnership=of, user=None, as_of=today)
        with (
            mock.patch("reports.documents.render_pdf", return_value=b"%PDF-1.4 test"),
            mock.patch("reports.documents.render_xlsx", return_value=b"PK test"),
        ):
            return reporting.produce_report(run_id=run.pk)

    run, foreign_run = done_run(partnership), done_run(foreign_partnership)
    unit = UnitFactory(company=orgs["housing"])
    foreign_unit = UnitFactory(company=orgs["other_housing"])
    agreement = QuotaAgreementFactory(
        company=orgs["housing"], integration_unit=partner, every_nth=1
    )
    foreign_agreement = QuotaAgreementFactory(
        company=orgs["other_housing"], integration_unit=other_partner, every_nth=1
    )
    vacancy = offered_flat(agreement)
    foreign_vacancy = offered_flat(foreign_agreement)
    staff = users[roles.VOLUNTEER_COORDINATOR]
    objects = {
        "auth.group": Group.objects.get(name=roles.VOLUNTEER),
        "accounts.organisation": partner,
        "accounts.user": users[roles.VOLUNTEER],
        "hosts.host": home.host,
        "hosts.home": home,
        "hosts.erasurerecord": ErasureRecord.objects.create(channel="staff"),
        "newcomers.newcomercase": case,
        "matching.match": match,
        "matching.matchreason": MatchReasonFactory(partner=partner, label="Avstånd"),
        "matching.place": district(partner, "Nälden", 63.35, 14.25),
        "matching.matchingweights": MatchingWeights.objects.create(),
        "municipalities.municipality": municipality(),
        "municipalities.county": municipality().county,
        "housing.unit": unit,
        "housing.allotment": AllotmentFactory(company=orgs["housing"]),
        "housing.quotaagreement": agreement,
        "housing.vacancy": vacancy,
        "housing.contract": Contract.objects.create(
            match=match, company=orgs["housing"], unit=unit, starts_on=today
        ),
        "notifications.outboundemail": OutboundEmail.objects.create(
            to="someone@example.org", subject="Hej", body="Hej!", language="sv"
        ),
        "privacy.accesslog": AccessLog.objects.create(
            user=staff, action="view", object_type="hosts.host", object_id="1", where="admin"
        ),
        "privacy.securityevent": SecurityEvent.objects.create(kind="login_failed"),
        "privacy.datarequest": DataRequest.objects.create(
            kind="access", subject="host #1", handled_by=staff
        ),
        "privacy.retentionrun": RetentionRun.objects.create(counts={"hosts": 0}),
        "volunteers.volunteerapplication": application,
        # A volunteer whom a coordinator has met (the introduction meeting): they reach hosts.
        "volunteers.volunteerprofile": VolunteerProfile.objects.create(
            user=users[roles.VOLUNTEER],
            area="Frösön",
            met_on=timezone.localdate(),
            met_by=users[roles.VOLUNTEER_COORDINATOR],
        ),
        "volunteers.callattempt": CallAttempt.objects.create(
            home=queued, volunteer=users[roles.VOLUNTEER], outcome="no_answer", note="Inget svar."
        ),
        "volunteers.queueentry": QueueEntry.objects.get(home=queued),
        "volunteers.campaign": campaign,
        "volunteers.homevisit": visit,
        "volunteers.hostnote": HostNote.objects.create(
            home=queued, author=users[roles.VOLUNTEER], text="Ring efter fem."
        ),
        "stays.checkin": check_in,
        "reports.partnership": partnership,
        "reports.reportrun": run,
        "reports.reportdownload": ReportDownload.objects.create(
            run=run, user=users[roles.MANAGER], file_kind="pdf"
        ),
        "django_celery_beat.periodictask": PeriodicTask.objects.create(
            name="test task",
            task="notifications.tasks.send_pending_emails",
            interval=IntervalSchedule.objects.create(every=60, period="seconds"),
        ),
        "django_celery_beat.intervalschedule": IntervalSchedule.objects.first(),
        "django_celery_beat.crontabschedule": CrontabSchedule.objects.create(minute="5"),
        "django_celery_beat.solarschedule": SolarSchedule.objects.create(
            event="sunrise", latitude=63.2, longitude=14.6
        ),
        "django_celery_beat.clockedschedule": ClockedSchedule.objects.create(
            clocked_time=timezone.now()
        ),
        "otp_totp.totpdevice": TOTPDevice.objects.create(
            user=users[roles.VOLUNTEER], name="phone", confirmed=True
        ),
        "axes.accessattempt": AccessAttempt.objects.create(
            username="x", ip_address="10.0.0.1", user_agent="t", failures_since_start=1
        ),
        "axes.accesslog": AxesAccessLog.objects.create(
            username="x", ip_address="10.0.0.1", user_agent="t"
        ),
        "axes.accessfailurelog": AccessFailureLog.objects.create(
            username="x", ip_address="10.0.0.1", user_agent="t", locked_out=False
        ),
    }
    concern, mediation = concern_with_meeting(match, users[roles.PARTNER_COORDINATOR])
    foreign_concern, foreign_mediation = concern_with_meeting(
        foreign_match, staff_user(roles.PARTNER_COORDINATOR, other_partner, username="w_other_pc")
    )
    objects["stays.concern"] = concern
    objects["stays.mediation"] = mediation
    foreign = {
        "stays.concern": foreign_concern,
        "stays.mediation": foreign_mediation,
        "hosts.host": foreign_home.host,
        "hosts.home": foreign_home,
        "newcomers.newcomercase": foreign_case,
        "matching.match": foreign_match,
        "matching.matchreason": MatchReasonFactory(partner=other_partner, label="Hyran"),
        "matching.place": district(other_partner, "Ås", 63.25, 14.55),
        "housing.unit": foreign_unit,
        # Another company's allotment: not one a partner of this world chooses as asylum housing.
        "housing.allotment": AllotmentFactory(company=orgs["other_housing"]),
        "housing.vacancy": foreign_vacancy,
        "stays.checkin": foreign_check_in,
        "reports.partnership": foreign_partnership,
        "reports.reportrun": foreign_run,
    }
    world_surveys(objects, foreign, match=match, foreign_match=foreign_match, today=today)
    world_work(orgs, users, objects, foreign)
    world_meetings(orgs, users, objects, foreign)
    outreach = world_outreach(orgs, users, objects, foreign)
    TargetFactory(partnership=partnership)
    return SimpleNamespace(
        orgs=orgs,
        users=users,
        objects=objects,
        foreign=foreign,
        host_home=host_home,
        queued_home=queued,
        visit=visit,
        application=application,
        outreach=outreach,
    )


def world_outreach(orgs, users, objects, foreign) -> dict:
    """Tagged links and a "volunteers wanted" notice (issue 20), made through the actions: the
    partner's link and another partner's (the admin's own and foreign objects), and the link
    and the notice of the volunteer coordinator's local group (the web app's pages). Called
    after ``world_meetings``: another partner's meeting is what a partner's link may not name."""
    from accounts import roles
    from outreach import actions as outreach

    partner_link = outreach.make_tagged_link(
        kind="newspaper",
        target="host",
        label="Annons i lokaltidningen",
        partner=orgs["partner"],
        user=users[roles.PARTNER_COORDINATOR],
    )
    other_coordinator = staff_user(
        roles.PARTNER_COORDINATOR, orgs["other_partner"], username="w_other_pc_links"
    )
    objects["outreach.source"] = partner_link
    foreign["outreach.source"] = outreach.make_tagged_link(
        kind="poster",
        target="volunteer",
        label="Affisch i grannkommunen",
        partner=orgs["other_partner"],
        user=other_coordinator,
    )
    coordinator = users[roles.VOLUNTEER_COORDINATOR]
    group = coordinator.local_group
    return {
        "source": outreach.make_tagged_link(
            kind="poster",
            target="host",
            label="Affisch på biblioteket",
            local_group=group,
            user=coordinator,
        ),
        "notice": outreach.publish_volunteers_wanted(
            local_group=group, user=coordinator, needs=["calls"], message="Vi behöver dig."
        ),
    }


def world_surveys(objects, foreign, *, match, foreign_match, today):
    """The permission matrix's surveys (test set-up, written as rows: the world's match is only
    proposed, and a survey is opened by the portal for a stay under way): an open survey of each
    partner's stay, and the world's household's own, the first month's open and the end's
    answered (its pages: stays:household_evaluation)."""
    from stays.models import Evaluation

    for found, stay in ((objects, match), (foreign, foreign_match)):
        found["stays.evaluation"] = Evaluation.objects.create(
            match=stay, respondent="host", point="month_1", survey="host_month_1", opens_on=today
        )
    for point, status in (("month_1", "open"), ("end", "answered")):
        Evaluation.objects.create(
            match=match,
            respondent="household",
            point=point,
            survey=f"household_{point}",
            opens_on=today,
            status=status,
        )


def world_meetings(orgs, users, objects, foreign):
    """Information meetings in the permission matrix's world, made through the actions: the
    volunteer coordinator's group's meeting next week (with a confirmed sign-up, whose links the
    pages are tried with), and another partner's."""
    from accounts import roles
    from outreach import actions as outreach

    starts_at = timezone.now() + timedelta(days=7)
    fields = {
        "municipality": municipality(),
        "topic": "hosting",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=1),
        "place": "Biblioteket",
        "capacity": 10,
    }
    coordinator = users[roles.VOLUNTEER_COORDINATOR]
    meeting = outreach.plan_meeting(
        user=coordinator, local_group=coordinator.local_group, title="Bli värd", **fields
    )
    signup = outreach.sign_up_for_meeting(
        meeting=meeting, name="Rut Ek", email="rut.ek@example.org", language="en"
    )
    outreach.confirm_signup(signup=signup)
    objects["outreach.informationmeeting"] = meeting
    objects["outreach.meetingsignup"] = signup
    other = orgs["other_partner"]
    foreign["outreach.informationmeeting"] = outreach.plan_meeting(
        user=staff_user(roles.PARTNER_COORDINATOR, other, username="w_other_meetings"),
        partner=other,
        title="Grannkommunens möte",
        **fields,
    )


def world_work(orgs, users, objects, foreign):
    """The road to work in the permission matrix's world: each housing company takes its partner's
    newcomers on placements, has a placement under way with a check-in, and its staff figures. The
    world's company also has a supervisor of its own (the ``placement_supervisor`` role alone)."""
    from accounts import roles
    from work.actions import record_placement_check_in, record_staff_figures, register_employer

    users[roles.PLACEMENT_SUPERVISOR] = staff_user(
        roles.PLACEMENT_SUPERVISOR, orgs["housing"], username="w_supervisor"
    )
    other_staff = staff_user(
        roles.HOUSING_COMPANY_STAFF, orgs["other_housing"], username="w_other_housing"
    )
    for found, company, partner, staff in (
        (objects, orgs["housing"], orgs["partner"], users[roles.HOUSING_COMPANY_STAFF]),
        (foreign, orgs["other_housing"], orgs["other_partner"], other_staff),
    ):
        place = WorkPlace(
            employer=register_employer(organisation=company, integration_units=[partner]),
            unit=partner,
            supervisor=staff,
            coordinator=staff_user(
                roles.PARTNER_COORDINATOR, partner, username=f"{staff.username}_unit"
            ),
        )
        placement = started_placement(place)
        found["work.employer"] = place.employer
        found["work.placement"] = placement
        found["work.placementcheckin"] = record_placement_check_in(
            placement=placement,
            on=timezone.localdate(),
            days_expected=5,
            days_present=5,
            language="swedish_with_support",
            going="well",
            user=staff,
        )
        found["work.stafffigures"] = record_staff_figures(
            employer=place.employer,
            recorded_on=timezone.localdate(),
            employees=38,
            came_as_newcomers=3,
            user=staff,
        )


# The stay: matches the household said yes to, stays under way ------------------------------------


def concern_with_meeting(match, mediator):
    """Two concerns the host raised about ``match``: one just opened, and one with a mediation
    meeting booked about it tomorrow; returns the first and the meeting. Written as rows (test
    set-up: the world's match is only proposed, which ``stays.actions.raise_concern`` refuses)."""
    from stays.models import Concern, Mediation
    from stays.workflow import CONCERN_WORKFLOW, MEDIATION_WORKFLOW

    opened, in_mediation = (
        Concern.objects.create(
            match=match,
            raised_by=Concern.RaisedBy.HOST,
            text="Det har blivit bråk om köket.",
            language="sv",
            status=status,
        )
        for status in (Concern.Status.OPENED, Concern.Status.IN_MEDIATION)
    )
    for concern in (opened, in_mediation):
        CONCERN_WORKFLOW.log_created(concern, actor_kind="host")
    mediation = Mediation.objects.create(
        concern=in_mediation,
        starts_at=timezone.now() + timedelta(days=1),
        place="Kommunhuset",
        mediator=mediator,
        booked_by=mediator,
    )
    MEDIATION_WORKFLOW.log_created(mediation, user=mediator)
    return opened, mediation


def said_yes(match, coordinator=None, *, via="in_person"):
    """The household said yes to ``match`` (recorded by ``coordinator`` with how it was given,
    or on its own page when no coordinator is given); returns the match, ready to approve."""
    from matching.actions import record_household_answer

    return record_household_answer(
        match=match, answer="yes", via=via if coordinator else "own_page", user=coordinator
    )


def approved_match(partner=None, *, coordinator=None, home=None, case=None):
    """A match proposed, said yes to by the household, and approved, through the actions."""
    from matching.actions import approve_match, propose_match

    partner = partner or OrganisationFactory(kind=Organisation.Kind.PARTNER)
    coordinator = coordinator or staff_user("partner_coordinator", partner)
    home = home or referred_home(partner)
    case = case or NewcomerCaseFactory(partner=partner)
    match = propose_match(home=home, case=case, user=coordinator)
    approve_match(match=said_yes(match, coordinator), user=coordinator)
    match.refresh_from_db()
    return match


def moved_in_match(partner=None, *, coordinator=None, home=None, case=None, move_in_date=None):
    """A stay under way: proposed, said yes to, approved and moved in on ``move_in_date``
    (today by default), through the actions (so its check-ins and evaluations are planned)."""
    from matching.actions import record_move_in

    partner = partner or (case.partner if case else None)
    match = approved_match(partner, coordinator=coordinator, home=home, case=case)
    coordinator = coordinator or staff_user("partner_coordinator", match.case.partner)
    record_move_in(match=match, user=coordinator, move_in_date=move_in_date or timezone.localdate())
    match.refresh_from_db()
    return match


# The road to work ------------------------------------------------------------------------------


@dataclass
class WorkPlace:
    """An employer that takes one integration unit's newcomers, with a supervisor there and a
    coordinator at the unit."""

    employer: Any
    unit: Organisation
    supervisor: User
    coordinator: User


def work_place(unit=None, *, employer_organisation=None, supervisor_role="placement_supervisor"):
    """``WorkPlace``: by default an outside employer (``Organisation.Kind.EMPLOYER``); pass the
    housing company's organisation (and ``supervisor_role="housing_company_staff"``) for the
    company as an employer."""
    from work.actions import register_employer

    unit = unit or OrganisationFactory(kind=Organisation.Kind.PARTNER)
    employer_organisation = employer_organisation or OrganisationFactory(
        kind=Organisation.Kind.EMPLOYER
    )
    employer = register_employer(organisation=employer_organisation, integration_units=[unit])
    return WorkPlace(
        employer=employer,
        unit=unit,
        supervisor=staff_user(supervisor_role, employer_organisation),
        coordinator=staff_user("partner_coordinator", unit),
    )


def offered_placement(place: WorkPlace, *, kind="work_training", **kwargs):
    """A placement offered through ``work.actions.offer_placement`` by the place's supervisor."""
    from work.actions import offer_placement

    today = timezone.localdate()
    fields = {
        "title": "Caretaker's assistant",
        "place": "Storgatan 1, Krokom",
        "starts_on": today,
        "ends_on": today + timedelta(days=90),
        "hours_per_week": 20,
        "languages": ["sv"],
        "supervisor": place.supervisor,
        **kwargs,
    }
    return offer_placement(
        employer=place.employer,
        integration_unit=place.unit,
        kind=kind,
        user=place.supervisor,
        **fields,
    )


def proposed_placement(
    place: WorkPlace, *, case=None, adult_number=1, consent_given_on=None, **kwargs
):
    """A placement offered and a newcomer proposed for it, with consent given on
    ``consent_given_on`` (today by default)."""
    from work.actions import propose_newcomer

    placement = offered_placement(place, **kwargs)
    case = case or NewcomerCaseFactory(partner=place.unit)
    return propose_newcomer(
        placement=placement,
        case=case,
        adult_number=adult_number,
        employment_service_reference="AF-12345-PLAN",
        consent_given_on=consent_given_on or timezone.localdate(),
        consent_given="in_writing",
        user=place.coordinator,
    )


def started_placement(place: WorkPlace, *, started_on=None, **kwargs):
    """A placement under way, started on ``started_on`` (today by default)."""
    from work.actions import start_placement

    kwargs.setdefault("consent_given_on", started_on)
    placement = proposed_placement(place, **kwargs)
    return start_placement(
        placement=placement,
        started_on=started_on or timezone.localdate(),
        user=place.supervisor,
    )
