"""``manage.py seed_demo``: demo data for every role, safe to run again and again.

Two stories live side by side: Krokom (Volontärbyrån Jämtland, Krokoms kommun, Krokomsbostäder)
and Malmö (Refugees Welcome Sweden – Malmö, Malmö stad; ``accounts.demo_malmo``). Both local
groups belong to one national volunteer organisation, Refugees Welcome Sweden, so that its
national coordinator reaches both. Every demo log-in is defined once (``DEMO_USERS``), printed
per city at the end, and logged in as by the demo's test. After the log-ins it prints each city's
demo links (``accounts.demo_stays``): the household link of a household with a proposed home, in
its own language, and the self-service link of the host whose stay has a concern.

The seed is a list of small steps (``SEED_STEPS``), each a function that takes the shared
``SeedContext`` and makes its rows with ``get_or_create``-style look-ups on a natural key, so a
second run finds everything in place and adds nothing.

Everything random comes from generators with a fixed seed, so every machine gets the same names,
addresses and dates. The dates are computed from today: the demo hosts registered during December
of last year and January of this year. Hosts sign up and confirm through the portal's own steps
(which route each home to the local group covering its municipality), every later step goes
through the actions, and the rows are then backdated to the planned dates; the e-mails that
causes are kept in the outbox but delivered to memory only.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts import (
    demo_malmo,
    demo_outreach,
    demo_outreach_links,
    demo_placements,
    demo_work,
    roles,
)
from accounts.models import GroupMunicipality, LocalGroup, Organisation, User
from hosts.actions import (
    confirm_registration,
    host_step,
    pause_home,
    register_host,
    withdraw_home,
)
from hosts.models import Home, HomeTransition, Host
from matching_portal import formatting
from municipalities.models import Municipality
from volunteers.models import HandOver, QueueEntry

DEMO_PASSWORD = "demo-losenord-2026"  # noqa: S105 - a published demo password, never a real one
RANDOM_SEED = 2026
HOST_COUNT = 40
EMAIL_DOMAIN = "example.se"

# One national volunteer organisation works through local groups: its group in Malmö (the first
# story, with Malmö stad) and Volontärbyrån Jämtland (the Krokom story, with Krokoms kommun and
# Krokomsbostäder). Its national coordinator reaches both groups, and the hosts no group covers.
VOLUNTEER_ORGANISATION = "Refugees Welcome Sweden"
# Before local groups the demo's volunteer organisation was Volontärbyrån Jämtland; a demo
# database seeded then has its organisation renamed (its people and work stay with it).
FORMER_VOLUNTEER_ORGANISATION = "Volontärbyrån Jämtland"
JAMTLAND_GROUP = "Volontärbyrån Jämtland"
MALMO_GROUP = "Refugees Welcome Sweden – Malmö"
KROKOM_PARTNER = "Krokoms kommun – Mottagningsenheten för nyanlända"
OSTERSUND_PARTNER = "Östersunds kommun – Integrationsenheten"
HOUSING_COMPANY = "Krokomsbostäder"
MALMO_PARTNER = (
    "Malmö stad – Sociala resursförvaltningen, enheten för vuxna anvisade enligt bosättningslagen"
)
# Made up for the demo (no real company's agreement is told), so that the housing company's
# work can be tried in Malmö too.
MALMO_HOUSING_COMPANY = "Demobostäder Malmö AB"
KROKOM, OSTERSUND, MALMO, LUND = "2309", "2380", "1280", "1281"  # municipality codes

# (name, kind, contact e-mail, municipality code, takes the hosts no local group covers)
ORGANISATIONS = [
    (
        VOLUNTEER_ORGANISATION,
        Organisation.Kind.VOLUNTEER_ORGANISATION,
        "kontakt@refugeeswelcome.example.se",
        None,
        True,
    ),
    (
        KROKOM_PARTNER,
        Organisation.Kind.PARTNER,
        "mottagningsenheten@krokom.example.se",
        KROKOM,
        False,
    ),
    (
        OSTERSUND_PARTNER,
        Organisation.Kind.PARTNER,
        "integrationsenheten@ostersund.example.se",
        OSTERSUND,
        False,
    ),
    (
        HOUSING_COMPANY,
        Organisation.Kind.HOUSING_COMPANY,
        "uthyrning@krokomsbostader.example.se",
        KROKOM,
        False,
    ),
    (
        MALMO_PARTNER,
        Organisation.Kind.PARTNER,
        "bosattning@malmo.example.se",
        MALMO,
        False,
    ),
    (
        MALMO_HOUSING_COMPANY,
        Organisation.Kind.HOUSING_COMPANY,
        "uthyrning@demobostader-malmo.example.se",
        MALMO,
        False,
    ),
]
# (name, organisation, municipalities covered, contact e-mail, calls a new host within days).
# Lund is covered by no group: its hosts go to the national coordinators.
LOCAL_GROUPS = [
    (
        JAMTLAND_GROUP,
        VOLUNTEER_ORGANISATION,
        (KROKOM, OSTERSUND),
        "volontarbyran@example.se",
        7,
    ),
    (MALMO_GROUP, VOLUNTEER_ORGANISATION, (MALMO,), "malmo@refugeeswelcome.example.se", 5),
]

# The two stories, as the log-ins are printed and the README's table names them.
KROKOM_STORY = "Krokom"
MALMO_STORY = "Malmö"
BOTH_STORIES = ""


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    roles: tuple[str, ...]  # empty: the superuser, who holds every permission
    organisation: str | None
    is_staff: bool
    # The pages the person works in; the first is where the log-in lands (``accounts.views.home``).
    works_in: tuple[str, ...] = ("/admin/",)
    local_group: str | None = None
    story: str = BOTH_STORIES  # the city whose story the person works in ("": both)


def _volunteers(prefix: str, group: str, story: str, names) -> list[DemoUser]:
    return [
        DemoUser(
            f"{prefix}{'' if n == 1 else n}",
            first,
            last,
            (roles.VOLUNTEER,),
            VOLUNTEER_ORGANISATION,
            False,
            works_in=("/volunteer/",),
            local_group=group,
            story=story,
        )
        for n, (first, last) in enumerate(names, start=1)
    ]


# Every demo log-in, defined once: ``seed_demo`` makes these users and prints this list, and the
# demo test logs in as each of them.
DEMO_USERS = [
    # Krokom: Volontärbyrån Jämtland, Krokoms kommun, Krokomsbostäder.
    *_volunteers(
        "volontar",
        JAMTLAND_GROUP,
        KROKOM_STORY,
        [
            ("Lina", "Holm"),
            ("Amal", "Hassan"),
            ("Johan", "Berg"),
            ("Selam", "Tesfaye"),
            ("Karin", "Lund"),
            ("Omid", "Rahimi"),
        ],
    ),
    DemoUser(
        "volontarsamordnare",
        "Erik",
        "Sjöberg",
        (roles.VOLUNTEER_COORDINATOR,),
        VOLUNTEER_ORGANISATION,
        True,
        works_in=("/volunteer/", "/admin/"),
        local_group=JAMTLAND_GROUP,
        story=KROKOM_STORY,
    ),
    DemoUser(
        "samordnare",
        "Maria",
        "Lindqvist",
        (roles.PARTNER_COORDINATOR,),
        KROKOM_PARTNER,
        True,
        story=KROKOM_STORY,
    ),
    DemoUser(
        "chef",
        "Anders",
        "Berglund",
        (roles.MANAGER,),
        KROKOM_PARTNER,
        True,
        works_in=("/reports/", "/admin/"),
        story=KROKOM_STORY,
    ),
    DemoUser(
        "bostadsbolag",
        "Karin",
        "Öhman",
        (roles.HOUSING_COMPANY_STAFF,),
        HOUSING_COMPANY,
        True,
        story=KROKOM_STORY,
    ),
    # The supervisors of Krokomsbostäder's placements (``accounts.demo_placements``), and of the
    # local shop the coordinator added as an employer.
    DemoUser(
        "handledare",
        "Yusuf",
        "Abdi",
        (roles.PLACEMENT_SUPERVISOR, roles.HOUSING_COMPANY_STAFF),
        HOUSING_COMPANY,
        True,
        story=KROKOM_STORY,
    ),
    DemoUser(
        "handledare2",
        "Lena",
        "Westin",
        (roles.PLACEMENT_SUPERVISOR, roles.HOUSING_COMPANY_STAFF),
        HOUSING_COMPANY,
        True,
        story=KROKOM_STORY,
    ),
    DemoUser(
        "butik",
        "Tomas",
        "Edlund",
        (roles.PLACEMENT_SUPERVISOR,),
        demo_placements.SHOP,
        True,
        story=KROKOM_STORY,
    ),
    # Malmö: Refugees Welcome Sweden – Malmö, Malmö stad and Demobostäder Malmö AB.
    *_volunteers(
        "malmo-volontar",
        MALMO_GROUP,
        MALMO_STORY,
        [
            ("Sara", "Nilsson"),
            ("Ahmad", "Karimi"),
            ("Elin", "Persson"),
            ("Yonas", "Haile"),
            ("Fatima", "Ali"),
            ("Olle", "Bengtsson"),
        ],
    ),
    DemoUser(
        "malmo-samordnare",
        "Hanna",
        "Ekström",
        (roles.VOLUNTEER_COORDINATOR,),
        VOLUNTEER_ORGANISATION,
        True,
        works_in=("/volunteer/", "/admin/"),
        local_group=MALMO_GROUP,
        story=MALMO_STORY,
    ),
    DemoUser(
        "malmo-kommun",
        "Leila",
        "Andersson",
        (roles.PARTNER_COORDINATOR,),
        MALMO_PARTNER,
        True,
        story=MALMO_STORY,
    ),
    DemoUser(
        "malmo-chef",
        "Per",
        "Håkansson",
        (roles.MANAGER,),
        MALMO_PARTNER,
        True,
        works_in=("/reports/", "/admin/"),
        story=MALMO_STORY,
    ),
    DemoUser(
        "malmo-bostadsbolag",
        "Mirja",
        "Olsson",
        (roles.HOUSING_COMPANY_STAFF,),
        MALMO_HOUSING_COMPANY,
        True,
        story=MALMO_STORY,
    ),
    # Both cities: the organisation's national coordinator and manager, the data protection
    # officer and the superuser.
    DemoUser(
        "riks-samordnare",
        "Noor",
        "Said",
        (roles.VOLUNTEER_COORDINATOR, roles.NATIONAL_COORDINATOR),
        VOLUNTEER_ORGANISATION,
        True,
        works_in=("/volunteer/", "/volunteer/uncovered/", "/admin/"),
    ),
    DemoUser(
        "riks-chef",
        "Eva",
        "Lindberg",
        (roles.MANAGER,),
        VOLUNTEER_ORGANISATION,
        True,
        works_in=("/reports/", "/admin/"),
    ),
    DemoUser(
        "dataskydd",
        "Johan",
        "Nordin",
        (roles.DATA_PROTECTION_OFFICER,),
        VOLUNTEER_ORGANISATION,
        True,
        works_in=("/admin/", "/privacy-officer/record/"),
    ),
    DemoUser("admin", "Admin", "Demo", (), None, True),
]

# Towns of Jämtland with their municipality, weights (more hosts in the larger places) and
# postcodes of the area. The postcodes are plausible for each town, not checked against the
# postal register. All but Östersund are localities of Krokom.
TOWNS = [
    ("Östersund", OSTERSUND, 10, ["83130", "83134", "83140", "83145", "83147"]),
    ("Krokom", KROKOM, 8, ["83531", "83532", "83533"]),
    ("Föllinge", KROKOM, 2, ["83580"]),
    ("Nälden", KROKOM, 3, ["83543"]),
    ("Ås", KROKOM, 3, ["83593"]),
    ("Dvärsätt", KROKOM, 2, ["83594"]),
    ("Trångsviken", KROKOM, 2, ["83547"]),
]

HOUSEHOLDS = [
    "Jag bor ensam sedan barnen flyttat ut.",
    "Jag och min sambo, båda pensionärer.",
    "Vi är ett par i 40-årsåldern med två tonåringar.",
    "Jag, min man och vår dotter på tio år.",
    "Två vuxna som arbetar dagtid, inga barn hemma.",
    "Jag är student och delar huset med en kompis.",
    "En barnfamilj med tre barn i förskole- och skolåldern.",
    "Jag bor med min mamma som är 82 år.",
]
HOPES = [
    "Att någon ska känna sig välkommen och få en bra start i Jämtland.",
    "Vi vill gärna lära känna en ny familj och dela vardagen.",
    "Ett lugnt boende för någon som behöver tid att landa.",
    "Att kunna hjälpa till med svenskan och kontakter i byn.",
    "",
]
PETS = ["En katt", "En hund (labrador)", "Två katter", "Höns på gården"]
ACCESSIBILITY = ["Rummet ligger på bottenvåningen.", "Ramp vid entrén.", ""]


@dataclass
class SeedContext:
    """What the steps share: today's clock, the random generators, and the rows made so far."""

    now: datetime
    rng: random.Random
    faker: object
    organisations: dict[str, Organisation] = field(default_factory=dict)
    groups: dict[str, LocalGroup] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    created: dict[type, int] = field(default_factory=dict)
    # The e-mail addresses and phone numbers the demo hosts were given (no two hosts share one).
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    # The household's and the host's links of each city's stay, printed after the log-ins.
    demo_links: list = field(default_factory=list)

    def count(self, model: type, n: int = 1) -> None:
        """Note ``n`` new rows of ``model``, for the summary the command prints."""
        self.created[model] = self.created.get(model, 0) + n


def make_faker(seed: int):
    from faker import Faker  # a test dependency (via factory_boy): only the seed needs it here

    faker = Faker("sv_SE")
    faker.seed_instance(seed)
    return faker


def make_context() -> SeedContext:
    return SeedContext(
        now=timezone.now(), rng=random.Random(RANDOM_SEED), faker=make_faker(RANDOM_SEED)
    )


# Organisations, local groups and people --------------------------------------------------------


def seed_organisations(ctx: SeedContext) -> None:
    if not Organisation.objects.filter(name=VOLUNTEER_ORGANISATION).exists():
        Organisation.objects.filter(
            name=FORMER_VOLUNTEER_ORGANISATION, kind=Organisation.Kind.VOLUNTEER_ORGANISATION
        ).update(name=VOLUNTEER_ORGANISATION)
    for name, kind, contact_email, code, takes_uncovered in ORGANISATIONS:
        organisation, created = Organisation.objects.update_or_create(
            name=name,
            defaults={
                "kind": kind,
                "contact_email": contact_email,
                "municipality_id": code,
                "takes_uncovered_hosts": takes_uncovered,
            },
        )
        ctx.organisations[name] = organisation
        ctx.count(Organisation, int(created))


def seed_local_groups(ctx: SeedContext) -> None:
    """The organisation's two local groups and the municipalities each covers (Lund: none)."""
    for name, organisation, codes, contact_email, within_days in LOCAL_GROUPS:
        group, created = LocalGroup.objects.update_or_create(
            name=name,
            defaults={
                "organisation": ctx.organisations[organisation],
                "contact_email": contact_email,
                "contact_within_days": within_days,
            },
        )
        for code in codes:
            GroupMunicipality.objects.update_or_create(
                municipality_id=code, defaults={"group": group}
            )
        ctx.groups[name] = group
        ctx.count(LocalGroup, int(created))


def role_group(name: str) -> Group:
    """The Django group of a role. Migrations make them (``roles.sync_role_groups``); the
    national coordinator's is made here only if this database has not had that migration."""
    group, _created = Group.objects.get_or_create(name=name)
    return group


def seed_users(ctx: SeedContext) -> None:
    # One hash for all: hashing is deliberately slow, and every demo user has the same password.
    password = make_password(DEMO_PASSWORD)
    groups = {group.name: group for group in Group.objects.filter(name__in=roles.ROLE_LABELS)}
    for demo in DEMO_USERS:
        user, created = User.objects.update_or_create(
            username=demo.username,
            defaults={
                "first_name": demo.first_name,
                "last_name": demo.last_name,
                "email": f"{demo.username}@{EMAIL_DOMAIN}",
                # An employer the coordinator adds in a later step (the shop) is found by name
                # once it is there.
                "organisation": ctx.organisations.get(demo.organisation)
                or Organisation.objects.filter(name=demo.organisation).first(),
                "local_group": ctx.groups.get(demo.local_group),
                "is_staff": demo.is_staff,
                "is_superuser": not demo.roles,
                "is_active": True,
                "password": password,
            },
        )
        user.groups.set([groups.get(role) or role_group(role) for role in demo.roles])
        ctx.users[demo.username] = user
        ctx.count(User, int(created))


def demo_users(story: str) -> list[DemoUser]:
    """The demo log-ins of one city's story (``BOTH_STORIES``: those who work in both)."""
    return [demo for demo in DEMO_USERS if demo.story == story]


# Hosts and their homes -------------------------------------------------------------------------


@dataclass
class HostPlan:
    """One demo host, decided before anything is written so that every run decides the same."""

    name: str
    email: str
    phone: str
    language: str
    registered_at: datetime
    confirmed_at: datetime | None
    offer: dict
    # (step name, days after registration, reason, made by the volunteer rather than the host)
    steps: list[tuple[str, int, str, bool]]


def registration_window(now: datetime) -> tuple[datetime, datetime]:
    """1 December of last year to 31 January of this year (never later than an hour ago)."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(date(now.year - 1, 12, 1), time(0, 0), tzinfo=tz)
    end = datetime.combine(date(now.year, 1, 31), time(23, 59), tzinfo=tz)
    return start, min(end, now - timedelta(hours=1))


def notice_in_force_from() -> datetime:
    """When the privacy notice shown today came into force: its version is its first day."""
    first_day = date.fromisoformat(settings.PRIVACY_NOTICE_VERSION)
    return datetime.combine(first_day, time(0, 0), tzinfo=timezone.get_current_timezone())


def consent_time(registered_at: datetime, *, now: datetime) -> datetime:
    """When a demo person gave the consent on record, which points to the notice shown today
    (``settings.PRIVACY_NOTICE_VERSION``): at registration if that notice was in force then.
    The demo backdates registrations to last winter, before today's notice came into force, so
    such a person's consent on record is the one they gave to today's notice in its first two
    weeks (the consent on record is the latest one), never a consent dated before its notice."""
    since = notice_in_force_from()
    if registered_at >= since:
        return registered_at
    later = since + timedelta(
        days=registered_at.toordinal() % 14,
        hours=registered_at.hour,
        minutes=registered_at.minute,
    )
    return max(since, min(later, now - timedelta(hours=1)))


def _registration_times(rng: random.Random, now: datetime, count: int) -> list[datetime]:
    start, end = registration_window(now)
    days = max((end - start).days, 1)
    times = []
    for _index in range(count):
        day = start + timedelta(days=rng.randrange(days))
        moment = day.replace(hour=rng.randint(7, 21), minute=rng.randrange(60))
        times.append(min(moment, end))
    return sorted(times)


def _email_for(name: str, taken: set[str]) -> str:
    local = ".".join(slugify(part) for part in name.split()) or "vard"
    email, n = f"{local}@{EMAIL_DOMAIN}", 2
    while email in taken:
        email, n = f"{local}{n}@{EMAIL_DOMAIN}", n + 1
    taken.add(email)
    return email


def _phone(rng: random.Random, taken: set[str]) -> str:
    while True:
        phone = f"+4670{rng.randrange(10_000_000):07d}"
        if phone not in taken:
            taken.add(phone)
            return phone


def _offer(
    rng: random.Random,
    faker,
    registered_at: datetime,
    towns=TOWNS,
    households=HOUSEHOLDS,
    hopes=HOPES,
) -> dict:
    """A home as its host describes it; ``municipality`` is the municipality's code."""
    _town, code, _weight, postcodes = rng.choices(towns, weights=[t[2] for t in towns])[0]
    kind = rng.choices(
        [Home.Kind.ROOM, Home.Kind.WHOLE_HOME, Home.Kind.SEPARATE_HOUSE], weights=[6, 2, 2]
    )[0]
    beds = rng.randint(1, 2) if kind == Home.Kind.ROOM else rng.randint(2, 5)
    low, high = (25, 55) if kind == Home.Kind.ROOM else (50, 110)
    rent = 0 if rng.random() < 0.15 else rng.randint(low, high) * 100  # some offer it for free
    has_pets = rng.random() < 0.3
    languages = ["sv"] + rng.sample(["en", "de", "ar", "fa", "fr", "es"], rng.choice([0, 1, 1, 2]))
    step_free = rng.random() < 0.25
    return {
        "street_address": f"{faker.street_name()} {rng.randint(1, 60)}",
        "postcode": rng.choice(postcodes),
        "municipality": code,
        "kind": kind,
        "beds": beds,
        "available_from": (registered_at + timedelta(days=rng.randint(7, 45))).date(),
        "available_months": rng.choice([None, None, 6, 12, 12, 24]),
        "rent_per_month": rent,
        "household_description": rng.choice(households),
        "has_pets": has_pets,
        "pets_description": rng.choice(PETS) if has_pets else "",
        "smoking": rng.choices(
            [Home.Smoking.NO, Home.Smoking.OUTDOORS, Home.Smoking.INDOORS], weights=[8, 3, 1]
        )[0],
        "languages": languages,
        "step_free_access": step_free,
        "accessibility_notes": rng.choice(ACCESSIBILITY) if step_free else "",
        "hopes": rng.choice(hopes),
        "heard_from": rng.choice(Home.HeardFrom.values),
    }


def plan_hosts(ctx: SeedContext) -> list[HostPlan]:
    """Decide the Krokom story's hosts: most confirmed, a few never confirmed, a few paused or
    withdrawn."""
    plans = []
    for index, registered_at in enumerate(_registration_times(ctx.rng, ctx.now, HOST_COUNT)):
        name = ctx.faker.name()
        plan = HostPlan(
            name=name,
            email=_email_for(name, ctx.emails),
            phone=_phone(ctx.rng, ctx.phones),
            language="en" if index % 13 == 5 else "sv",
            registered_at=registered_at,
            # 4 of 40 never followed the link in the confirmation e-mail.
            confirmed_at=None
            if index % 11 == 3
            else registered_at + timedelta(minutes=ctx.rng.randint(3, 600)),
            offer=_offer(ctx.rng, ctx.faker, registered_at),
            steps=[],
        )
        if index in (8, 21):
            plan.steps.append(("pause", 20, "", False))
        elif index == 15:
            plan.steps.append(("withdraw", 12, "Vi har fått ändrade planer i familjen.", False))
        elif index == 30:
            plan.steps.append(("withdraw", 9, "Värden har sålt huset.", True))
        plans.append(plan)
    return plans


# The steps a volunteer takes for a planned host, by the name the plan uses.
VOLUNTEER_STEPS = {"pause": pause_home, "withdraw": withdraw_home}


def create_host(ctx: SeedContext, plan: HostPlan, *, volunteer: str) -> Host:
    """Register one planned host through the sign-up's own step (``register_host``, which routes
    the home to the local group covering its municipality) and the confirmation's, take the
    planned steps, then backdate every row to the planned dates. ``volunteer`` takes the steps
    the plan gives a volunteer."""
    registered_at = plan.registered_at
    offer = {**plan.offer, "municipality": Municipality.objects.get(pk=plan.offer["municipality"])}
    host = register_host(
        name=plan.name,
        email=plan.email,
        phone=plan.phone,
        language=plan.language,
        offer=offer,
        consent_language=plan.language,
    )
    home = host.homes.get()
    Host.objects.filter(pk=host.pk).update(
        created_at=registered_at, consent_given_at=consent_time(registered_at, now=ctx.now)
    )
    Home.objects.filter(pk=home.pk).update(created_at=registered_at)
    HomeTransition.objects.filter(home=home).update(created_at=registered_at)
    HandOver.objects.filter(home=home).update(created_at=registered_at)
    if plan.confirmed_at is not None:
        confirm_registration(host=host)  # the host reaches the group's call queue
        Host.objects.filter(pk=host.pk).update(confirmed_at=plan.confirmed_at)
        QueueEntry.objects.filter(home=home).update(
            registered_at=registered_at, next_call_at=plan.confirmed_at
        )
    home.refresh_from_db()

    changed_at = registered_at
    for name, days_after, reason, by_volunteer in plan.steps:
        if by_volunteer:
            step = VOLUNTEER_STEPS[name](home=home, user=ctx.users[volunteer], reason=reason)
        else:
            step = host_step(home=home, name=name, reason=reason)
        changed_at = min(registered_at + timedelta(days=days_after), ctx.now)
        HomeTransition.objects.filter(pk=step.pk).update(created_at=changed_at)
    Home.objects.filter(pk=home.pk).update(
        created_at=registered_at, status_changed_at=changed_at, updated_at=changed_at
    )
    return host


def create_planned_hosts(ctx: SeedContext, plans: list[HostPlan], *, volunteer: str) -> None:
    """Register the planned hosts not registered yet (looked up by e-mail address)."""
    existing = set(
        Host.objects.filter(email__in=[p.email for p in plans]).values_list("email", flat=True)
    )
    for plan in plans:
        if plan.email not in existing:
            create_host(ctx, plan, volunteer=volunteer)
            ctx.count(Host)


def seed_hosts(ctx: SeedContext) -> None:
    create_planned_hosts(ctx, plan_hosts(ctx), volunteer="volontar")


# The housing company (Krokomsbostäder) ---------------------------------------------------------

HOUSING_SEED = RANDOM_SEED + 7  # its own generator: the steps before and after stay as they are
UNIT_COUNT = 1_100
# (town, postcode, streets): the company's flats, most of them in Krokom itself.
HOUSING_AREAS = [
    ("Krokom", "83531", ["Ringvägen", "Skolvägen", "Gamla vägen", "Sveavägen", "Torggatan"], 10),
    ("Nälden", "83543", ["Näldenvägen", "Bygatan"], 3),
    ("Föllinge", "83580", ["Föllingevägen", "Kyrkvägen"], 2),
    ("Ås", "83593", ["Åsvägen", "Prästvägen"], 2),
    ("Dvärsätt", "83594", ["Dvärsättsvägen"], 1),
    ("Trångsviken", "83547", ["Stationsvägen"], 1),
]
# (kind, count, description, units or places, in use, from, until): what is let to the
# Migration Agency, as the company tells it.
ALLOTMENTS = [
    ("ordinary", "Vanliga lägenheter i beståndet", 40, 40, (2016, 1, 1), None),
    ("emergency", "Evakueringsplatser som ordnades hösten 2015", 100, 18, (2015, 10, 1), None),
    ("converted", "Lägenheter i ombyggda lokaler", 8, 8, (2016, 9, 1), None),
    ("new_build", "6 av 60 nybyggda lägenheter", 6, 6, (2018, 3, 1), None),
]
VACANCIES = 12  # every 5th offered: 2 flats go to the integration unit
# 70 households with no more in the portal than their outcome, 44 in work; with the 30 whose road
# the portal followed (``demo_placements.ROAD``: 19 in work, 5 in studies, 6 other): 100
# households, 63 in work (63 %), 20 in studies, 17 other.
OUTCOMES = [("in_work", 44), ("in_studies", 15), ("other", 11)]


def _unit_rows(company: Organisation, rng: random.Random) -> list:
    """The company's flats, decided in full every run (the same every time)."""
    from housing.models import Unit

    rooms_sizes_rents = {1: (38, 4600), 2: (58, 5900), 3: (74, 7200), 4: (92, 8600)}
    areas = [area for area in HOUSING_AREAS for _ in range(area[3])]
    rows = []
    for n in range(1, UNIT_COUNT + 1):
        kind = (
            Unit.Kind.NEW_BUILD
            if n > UNIT_COUNT - 60
            else Unit.Kind.CONVERTED
            if n > UNIT_COUNT - 68
            else Unit.Kind.ORDINARY
        )
        _town, postcode, streets, _weight = rng.choice(areas)
        rooms = rng.choices([1, 2, 3, 4], weights=[3, 5, 3, 1])[0]
        size, rent = rooms_sizes_rents[rooms]
        size += rng.randint(-4, 6)
        rent += rng.randint(-3, 5) * 100 + (900 if kind == Unit.Kind.NEW_BUILD else 0)
        rows.append(
            Unit(
                company=company,
                reference=f"KB-{n:04d}",
                street_address=f"{rng.choice(streets)} {rng.randint(1, 40)}, lgh {1000 + n % 400}",
                postcode=postcode,
                municipality_id=KROKOM,
                kind=kind,
                rooms=rooms,
                size_m2=size,
                rent_per_month=rent,
                step_free_access=kind == Unit.Kind.NEW_BUILD or rng.random() < 0.2,
            )
        )
    return rows


def seed_housing_company(ctx: SeedContext) -> None:
    """Krokomsbostäder: about 1,100 flats, what is let to the Migration Agency, the agreement that
    every 5th vacancy goes to the municipality's integration unit (a dozen vacancies recorded
    through the quota, so two flats are offered), 70 of the 100 households whose establishment
    period has ended (the other 30 are ``demo_placements.ROAD``'s; 63 of the 100 in work), and the
    year's partnership of the three parties with a few targets."""
    from housing.actions import record_vacancy
    from housing.models import Allotment, QuotaAgreement, Unit, Vacancy
    from reports.models import Metric

    rng = random.Random(HOUSING_SEED)
    company = ctx.organisations[HOUSING_COMPANY]
    partner = ctx.organisations[KROKOM_PARTNER]
    today = timezone.localtime(ctx.now).date()

    rows = _unit_rows(company, rng)
    existing = set(Unit.objects.filter(company=company).values_list("reference", flat=True))
    new_units = [row for row in rows if row.reference not in existing]
    Unit.objects.bulk_create(new_units, batch_size=500)
    ctx.count(Unit, len(new_units))

    for kind, description, count, in_use, start, end in ALLOTMENTS:
        _allotment, created = Allotment.objects.get_or_create(
            company=company,
            kind=kind,
            period_start=date(*start),
            defaults={
                "description": description,
                "count": count,
                "in_use": in_use,
                "period_end": date(*end) if end else None,
            },
        )
        ctx.count(Allotment, int(created))

    agreement, created = QuotaAgreement.objects.get_or_create(
        company=company,
        integration_unit=partner,
        defaults={"every_nth": 5, "replace_declined": True, "period_start": date(2016, 1, 1)},
    )
    ctx.count(QuotaAgreement, int(created))
    units = list(Unit.objects.filter(company=company, kind=Unit.Kind.ORDINARY).order_by("pk"))
    picks = random.Random(HOUSING_SEED + 1).sample(units, VACANCIES)
    # Years before this year's notices: the vacancies whose offered flats the households of the
    # road to work moved into (``demo_placements``), in other flats than this year's.
    demo_placements.seed_quota_history(ctx, avoid={unit.pk for unit in picks})
    recorded = agreement.vacancies.filter(notice_given_on__gte=date(today.year - 1, 1, 1)).count()
    if recorded < VACANCIES:
        for n in range(recorded, VACANCIES):
            # Notices given over the last seven weeks, a month before the flat is free.
            notice = today - timedelta(days=49 - 4 * n)
            record_vacancy(
                unit=picks[n],
                notice_given_on=notice,
                available_from=notice + timedelta(days=30),
                user=ctx.users["bostadsbolag"],
            )
            ctx.count(Vacancy)

    _seed_establishment_outcomes(ctx, partner)

    partnership = seed_partnership(
        ctx,
        name=f"Värdskap och bostäder i Krokom {today.year}",
        group=JAMTLAND_GROUP,
        partner=KROKOM_PARTNER,
        housing_company=HOUSING_COMPANY,
        municipalities=(KROKOM, OSTERSUND),
    )
    seed_targets(
        ctx,
        partnership,
        [
            (Metric.NEW_REGISTRATIONS, 60, 7),
            (Metric.REACHED_WITHIN_DAYS, 40, 7),
            (Metric.HOME_VISITS, 30, 7),
            (Metric.HOUSEHOLDS_HOUSED, 12, 7),
            (Metric.DAYS_TO_CONTACT, 5, 7),
        ],
    )


def seed_partnership(
    ctx: SeedContext,
    *,
    name: str,
    group: str,
    partner: str,
    municipalities: tuple[str, ...],
    housing_company: str | None = None,
):
    """This year's partnership, 1 January to 1 December: the organisation's local group, the
    partner, perhaps a housing company, and the municipalities it works in."""
    from reports.models import Partnership

    year = timezone.localtime(ctx.now).year
    organisation = ctx.organisations[VOLUNTEER_ORGANISATION]
    company = ctx.organisations[housing_company] if housing_company else None
    partnership = (
        Partnership.objects.filter(
            volunteer_organisation=organisation,
            partner=ctx.organisations[partner],
            period_start=date(year, 1, 1),
        )
        .order_by("pk")
        .first()
    )
    if partnership is None:
        partnership = Partnership.objects.create(
            name=name,
            volunteer_organisation=organisation,
            partner=ctx.organisations[partner],
            period_start=date(year, 1, 1),
            period_end=date(year, 12, 1),
        )
        ctx.count(Partnership)
    Partnership.objects.filter(pk=partnership.pk).update(
        local_group=ctx.groups[group], housing_company=company
    )
    partnership.municipalities.set(municipalities)
    seed_renewal(ctx, partnership)
    return partnership


def seed_renewal(ctx: SeedContext, partnership) -> None:
    """Next year's partnership, agreed already: the same parties and municipalities, 1 January to
    1 December. After this year's ends (1 December), homes are referred under it: a home is
    referred only to a partner whose partnership has not ended (``reports.partners``)."""
    from reports.models import Partnership

    partnership.refresh_from_db()
    start = partnership.period_start.replace(year=partnership.period_start.year + 1)
    renewal = Partnership.objects.filter(
        volunteer_organisation=partnership.volunteer_organisation,
        partner=partnership.partner,
        period_start=start,
    ).first()
    if renewal is None:
        renewal = Partnership.objects.create(
            name=partnership.name.replace(str(partnership.period_start.year), str(start.year)),
            volunteer_organisation=partnership.volunteer_organisation,
            partner=partnership.partner,
            period_start=start,
            period_end=partnership.period_end.replace(year=partnership.period_end.year + 1),
        )
        ctx.count(Partnership)
    Partnership.objects.filter(pk=renewal.pk).update(
        local_group=partnership.local_group_id, housing_company=partnership.housing_company_id
    )
    renewal.municipalities.set(partnership.municipalities.all())


def seed_targets(ctx: SeedContext, partnership, targets) -> None:
    """The partnership's targets: (metric, goal, within days)."""
    from reports.models import Target

    for metric, goal, within_days in targets:
        _target, created = Target.objects.get_or_create(
            partnership=partnership,
            metric=metric,
            defaults={"goal": goal, "within_days": within_days},
        )
        ctx.count(Target, int(created))


def _plus_two_years(day: date) -> date:
    try:
        return day.replace(year=day.year + 2)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 2, day=28)


def _seed_establishment_outcomes(ctx: SeedContext, partner: Organisation) -> None:
    """70 households assigned four to three years ago, whose two-year establishment period has
    ended: the cases are closed, and their outcomes are recorded through the workflow."""
    from newcomers.actions import close_case, open_case
    from newcomers.models import CaseTransition, NewcomerCase

    rng = random.Random(HOUSING_SEED + 2)
    plan = [outcome for outcome, count in OUTCOMES for _ in range(count)]
    rng.shuffle(plan)
    outcome_of = {f"KRK-ETB-{n:03d}": outcome for n, outcome in enumerate(plan, start=1)}
    tz = timezone.get_current_timezone()
    existing = set(
        NewcomerCase.objects.filter(partner=partner, reference__in=outcome_of).values_list(
            "reference", flat=True
        )
    )
    coordinator = ctx.users["samordnare"]
    start = date(ctx.now.year - 4, 1, 1)
    made = 0
    dates: dict[int, tuple[datetime, datetime]] = {}
    for reference in outcome_of:
        assigned_on = start + timedelta(days=rng.randrange(700))
        children = sorted(rng.randint(0, 17) for _ in range(rng.choice([0, 0, 1, 2, 3])))
        adults = rng.choice([1, 1, 2, 2, 2])
        languages = rng.choice([["ar"], ["ti"], ["so"], ["fa", "en"], ["ar", "en"]])
        if reference in existing:
            continue
        ends_on = _plus_two_years(assigned_on)
        opened_at = datetime.combine(assigned_on, time(9, 0), tzinfo=tz)
        closed_at = datetime.combine(ends_on, time(10, 0), tzinfo=tz)
        case = open_case(
            user=coordinator,
            partner=partner,
            reference=reference,
            adults=adults,
            children_ages=children,
            languages=languages,
            assigned_on=assigned_on,
            housing_needed_by=assigned_on + timedelta(days=90),
            establishment_ends_on=ends_on,
        )
        close_case(case=case, user=coordinator, reason="Etableringstiden är slut.")
        dates[case.pk] = (opened_at, closed_at)
        made += 1
    # The steps happened years ago: the history and the cases carry their real dates (the
    # opening step at the opening, the closing one at the closing), a few statements for all.
    history: dict[int, list] = {}
    for step in CaseTransition.objects.filter(case_id__in=dates).order_by("created_at", "pk"):
        history.setdefault(step.case_id, []).append(step)
    steps, cases = [], []
    for case_id, (opened_at, closed_at) in dates.items():
        first, last = history[case_id]
        first.created_at, last.created_at = opened_at, closed_at
        steps += [first, last]
        cases.append(NewcomerCase(pk=case_id, created_at=opened_at, status_changed_at=closed_at))
    CaseTransition.objects.bulk_update(steps, ["created_at"], batch_size=500)
    NewcomerCase.objects.bulk_update(cases, ["created_at", "status_changed_at"], batch_size=500)
    ctx.count(NewcomerCase, made)
    for case in NewcomerCase.objects.filter(
        partner=partner, reference__in=outcome_of, outcome=""
    ).order_by("reference"):
        # Four in five still live in Krokom; none was matched with a home through the portal.
        demo_placements.record_outcome(
            case=case,
            outcome=outcome_of[case.reference],
            stayed=int(case.reference[-3:]) % 5 != 0,
            in_matched_home=None,
            user=ctx.users["samordnare"],
        )


# The command -----------------------------------------------------------------------------------

SEED_STEPS: list[Callable[[SeedContext], None]] = [
    seed_organisations,
    seed_local_groups,
    seed_users,
    seed_hosts,
    demo_malmo.seed_hosts,
    seed_housing_company,
    demo_malmo.seed_partnership,
    demo_malmo.seed_housing_company,
    demo_work.seed_volunteers,
    demo_work.seed_districts_and_reasons,
    demo_work.seed_call_work,
    demo_malmo.seed_call_work,
    demo_work.seed_cases_and_matches,
    demo_malmo.seed_cases_and_matches,
    demo_work.seed_stays,
    demo_malmo.seed_stays,
    demo_placements.seed_employers,
    demo_placements.seed_placements,
    demo_placements.seed_road_to_work,
    demo_work.seed_authenticators,
    demo_outreach.seed_meetings,
    demo_outreach_links.seed_links_and_notices,
]


def story_title(story: str) -> str:
    """The heading of one city's log-ins, as the command prints it."""
    return {
        KROKOM_STORY: _("Krokom: Volontärbyrån Jämtland, Krokoms kommun and Krokomsbostäder"),
        MALMO_STORY: _(
            "Malmö: Refugees Welcome Sweden – Malmö, Malmö stad and Demobostäder Malmö AB"
        ),
        BOTH_STORIES: _(
            "Both cities: Refugees Welcome Sweden's national coordinator and manager, the data "
            "protection officer and the superuser"
        ),
    }[story]


def login_rows(story: str) -> list[tuple[str, str, str, str]]:
    """One city's log-ins: user name, role(s), pages they work in, local group or organisation."""
    rows = []
    for demo in demo_users(story):
        role = ", ".join(str(roles.ROLE_LABELS[name]) for name in demo.roles) or _("Superuser")
        where = ", ".join(settings.SITE_URL + path for path in demo.works_in)
        rows.append((demo.username, role, where, demo.local_group or demo.organisation or "-"))
    return rows


class Command(BaseCommand):
    help = "Create (or bring up to date) the demo data, then print the demo log-ins."

    def handle(self, *args, **options):
        ctx = make_context()
        # The demo history's e-mails (to example.se addresses) are written to the outbox as
        # usual, but delivered to memory, not to the console or a mail server.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            transaction.atomic(),
        ):
            for step in SEED_STEPS:
                step(ctx)
        made = ", ".join(
            f"{model._meta.verbose_name_plural}: {n}" for model, n in ctx.created.items()
        )
        self.stdout.write(_("Demo data is in place (new rows: %(made)s).") % {"made": made})
        self.print_logins(ctx)
        self.print_demo_links(ctx)

    def print_logins(self, ctx: SeedContext) -> None:
        self.stdout.write("")
        self.stdout.write(
            _("Demo log-ins, all with the password %(password)s:") % {"password": DEMO_PASSWORD}
        )
        header = (_("username"), _("role"), _("works in"), _("group or organisation"))
        stories = {story: login_rows(story) for story in (KROKOM_STORY, MALMO_STORY, BOTH_STORIES)}
        every_row = [header, *(row for rows in stories.values() for row in rows)]
        widths = [max(len(str(row[i])) for row in every_row) for i in range(3)]
        for story, rows in stories.items():
            self.stdout.write("")
            self.stdout.write(story_title(story))
            for row in [header, *rows]:
                cells = [f"{row[i]!s:<{widths[i]}}" for i in range(3)]
                self.stdout.write("  " + "  ".join([*cells, str(row[3])]))
        self.stdout.write("")
        self.stdout.write(
            _(
                "Staff and managers confirm a code after the password. Add this demo key to an "
                "authenticator app (time-based, 6 digits): %(key)s"
            )
            % {"key": demo_work.demo_totp_secret()}
        )
        self.stdout.write(
            _("Everyone logs in at %(url)s with the same password.")
            % {"url": settings.SITE_URL + "/accounts/login/"}
        )

    def print_demo_links(self, ctx: SeedContext) -> None:
        """Each city's household link (a proposed home, in the household's language) and the
        self-service link of the host whose stay has a concern: demo links, to open in a
        browser."""
        if not ctx.demo_links:
            return
        from newcomers.models import HOUSEHOLD_LANGUAGES

        language_names = dict(HOUSEHOLD_LANGUAGES)
        self.stdout.write("")
        self.stdout.write(
            _(
                "Demo links (made up for the demo only; open each in its own private window, as "
                "the household and the host would):"
            )
        )
        for links in ctx.demo_links:
            self.stdout.write("")
            self.stdout.write(f"{links.story}")
            self.stdout.write(
                "  "
                + _(
                    "The household of case %(case)s (its language: %(language)s): its proposed "
                    "home, to answer yes or no, and a concern to raise (the link works until "
                    "%(until)s):"
                )
                % {
                    "case": links.case.reference,
                    "language": language_names.get(links.case.language, links.case.language),
                    "until": formatting.day(links.household_until),
                }
            )
            self.stdout.write(f"    {links.household_url}")
            if links.host_url:
                self.stdout.write(
                    "  "
                    + _(
                        "The host %(name)s (self-service): a stay under way with a concern, a "
                        "mediation meeting booked, and the first-month survey answered:"
                    )
                    % {"name": links.host_name}
                )
                self.stdout.write(f"    {links.host_url}")
