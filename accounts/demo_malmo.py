"""The Malmö story of ``manage.py seed_demo``, as the first seed told it: Refugees Welcome Sweden's
local group in Malmö and Malmö stad's unit for adults assigned under the Settlement Act (and,
so that every role can be tried in Malmö too, a made-up housing company with a quota agreement). About
twenty new homes registered in December and January (and two in Lund, which no group covers:
they wait for the national coordinator), six volunteers on the group's call queue, the status
campaign for everyone from December and January, home visits, referrals to Malmö stad, newcomer
cases and matches, a move-in with its check-ins, and the partnership of 1 January to 1 December
with its targets.

Everything is made through the portal's own steps (``register_host``, ``confirm_registration``,
``record_call``, ``book_visit``, ``report_visit``, ``refer_home``, ``start_campaign``, the
matching steps), then backdated to the planned dates. Safe to run again: each step looks its
rows up by a natural key and makes only what is missing."""

import random
from datetime import timedelta

from accounts import demo_stays
from accounts.demo_stays import Household, StayStory
from accounts.demo_work import CallWork, seed_calls
from matching import actions as matching
from matching.models import Match, MatchReason
from matching.places import resolve_place
from newcomers.actions import open_case, set_preferred_areas
from newcomers.models import CaseTransition, NewcomerCase
from stays.actions import record_check_in
from stays.models import CheckIn

MALMO_GROUP = "Refugees Welcome Sweden – Malmö"
MALMO_PARTNER = (
    "Malmö stad – Sociala resursförvaltningen, enheten för vuxna anvisade enligt bosättningslagen"
)
MALMO_HOUSING_COMPANY = "Demobostäder Malmö AB"  # made up for the demo
MALMO, LUND = "1280", "1281"
MALMO_SEED = 2026 + 1280  # the story's own generators: the Krokom story stays as it is
MALMO_HOST_COUNT = 22  # 20 in Malmö, 2 in Lund
LUND_HOSTS = (7, 18)  # by their place in the plan

# Parts of Malmö with weights and postcodes (plausible, not checked against the postal register).
AREAS = [
    ("Möllevången", MALMO, 4, ["21425", "21428", "21432"]),
    ("Limhamn", MALMO, 3, ["21612", "21616"]),
    ("Husie", MALMO, 2, ["21236", "21238"]),
    ("Västra Hamnen", MALMO, 2, ["21115", "21119"]),
    ("Kirseberg", MALMO, 2, ["21244"]),
    ("Hyllie", MALMO, 2, ["21532"]),
    ("Fosie", MALMO, 2, ["21462"]),
    ("Rosengård", MALMO, 1, ["21366"]),
]
LUND_AREAS = [("Lund", LUND, 1, ["22220", "22350", "22469"])]
HOUSEHOLDS = [
    "Jag bor ensam i en trea nära Folkets park.",
    "Vi är två studenter som delar en stor lägenhet.",
    "Ett par med en son på åtta år och en katt.",
    "Jag är pensionär och har ett gästrum som står tomt.",
    "Två vuxna som arbetar skift, barnen har flyttat hemifrån.",
    "Jag och min dotter, hon är 15.",
    "Vi är en familj på fyra i radhus med trädgård.",
]
HOPES = [
    "Att någon ska få en trygg start i Malmö.",
    "Vi vill gärna hjälpa till med svenskan och med att hitta jobb.",
    "Ett lugnt hem för någon som precis har kommit hit.",
    "Att lära känna någon ny och dela vardagen.",
    "",
]

MALMO_CALLS = CallWork(
    group=MALMO_GROUP,
    partner=MALMO_PARTNER,
    coordinator="malmo-samordnare",
    volunteers=(
        "malmo-volontar",
        "malmo-volontar2",
        "malmo-volontar3",
        "malmo-volontar4",
        "malmo-volontar5",
        "malmo-volontar6",
    ),
    campaign="Statuskoll – alla från december och januari",
    called=12,
    contacted_only_from=10,
    booked_only_from=8,
)

TARGETS = [
    # metric, goal, within days
    ("new_registrations", 50, 7),
    ("reached_within_days", 40, 7),
    ("home_visits", 25, 7),
    ("homes_referred", 20, 7),
    ("households_housed", 10, 7),
    ("days_to_contact", 5, 7),
]
MATCH_REASONS = [
    "Hushållet tackade nej",
    "Värden tackade nej",
    "För långt från SFI eller arbete",
    "Hushållet fick eget boende",
]
CASES = [
    # reference, adults, children's ages, languages, needs (allergy, non-smoking, step-free)
    ("MS-2026-0112", 1, [], ["ar", "en"], (False, True, False)),
    ("MS-2026-0127", 2, [3, 7], ["ti"], (True, True, False)),
    ("MS-2026-0131", 1, [], ["fa", "prs"], (False, False, False)),
    ("MS-2026-0146", 1, [], ["so", "en"], (False, True, True)),
    ("MS-2026-0158", 2, [], ["uk", "ru"], (False, False, False)),
]


def plan_hosts(ctx) -> list:
    """Decide the Malmö story's hosts (after the Krokom story's, so that no address or phone
    number is given twice): most confirmed, two never confirmed, one paused, one withdrawn."""
    from accounts.management.commands import seed_demo as seed

    rng = random.Random(MALMO_SEED)
    faker = seed.make_faker(MALMO_SEED)
    plans = []
    for index, registered_at in enumerate(seed._registration_times(rng, ctx.now, MALMO_HOST_COUNT)):
        name = faker.name()
        areas = LUND_AREAS if index in LUND_HOSTS else AREAS
        plan = seed.HostPlan(
            name=name,
            email=seed._email_for(name, ctx.emails),
            phone=seed._phone(rng, ctx.phones),
            language="en" if index % 7 == 2 else "sv",
            registered_at=registered_at,
            confirmed_at=None
            if index in (4, 15)
            else registered_at + timedelta(minutes=rng.randint(3, 600)),
            offer=seed._offer(rng, faker, registered_at, areas, HOUSEHOLDS, HOPES),
            steps=[],
        )
        if index == 11:
            plan.steps.append(("pause", 16, "Vi är bortresta i februari.", False))
        elif index == 19:
            plan.steps.append(("withdraw", 10, "Vi har hittat en hyresgäst på annat sätt.", False))
        plans.append(plan)
    return plans


def seed_hosts(ctx) -> None:
    from accounts.management.commands import seed_demo as seed

    seed.create_planned_hosts(ctx, plan_hosts(ctx), volunteer="malmo-volontar")


def seed_partnership(ctx) -> None:
    """Refugees Welcome Sweden and Malmö stad, 1 January to 1 December, with its targets."""
    from accounts.management.commands import seed_demo as seed

    year = ctx.now.year
    partnership = seed.seed_partnership(
        ctx,
        name=f"Refugees Welcome Sweden och Malmö stad {year}",
        group=MALMO_GROUP,
        partner=MALMO_PARTNER,
        housing_company=MALMO_HOUSING_COMPANY,
        municipalities=(MALMO,),
    )
    seed.seed_targets(ctx, partnership, TARGETS)
    partner = ctx.organisations[MALMO_PARTNER]
    for label in MATCH_REASONS:
        MatchReason.objects.get_or_create(partner=partner, label=label)


UNIT_COUNT = 60
VACANCIES = 5  # every 5th offered: one flat goes to Malmö stad
STREETS = [
    ("21428", "Bergsgatan"),
    ("21432", "Södra Förstadsgatan"),
    ("21616", "Linnégatan"),
    ("21532", "Hyllie allé"),
    ("21462", "Eriksfältsgatan"),
    ("21244", "Kirsebergsgatan"),
]


def seed_housing_company(ctx) -> None:
    """A made-up housing company in Malmö with 60 flats, and its agreement with Malmö stad that
    every fifth vacancy is offered to the unit: five vacancies recorded, so one flat is
    offered."""
    from housing.actions import record_vacancy
    from housing.models import QuotaAgreement, Unit, Vacancy

    rng = random.Random(MALMO_SEED + 7)
    company = ctx.organisations[MALMO_HOUSING_COMPANY]
    rooms_sizes_rents = {1: (36, 5400), 2: (55, 7100), 3: (72, 8800)}
    rows = []
    for n in range(1, UNIT_COUNT + 1):
        postcode, street = rng.choice(STREETS)
        rooms = rng.choices([1, 2, 3], weights=[3, 5, 2])[0]
        size, rent = rooms_sizes_rents[rooms]
        rows.append(
            Unit(
                company=company,
                reference=f"DBM-{n:04d}",
                street_address=f"{street} {rng.randint(1, 60)}, lgh {1100 + n}",
                postcode=postcode,
                municipality_id=MALMO,
                kind=Unit.Kind.ORDINARY,
                rooms=rooms,
                size_m2=size + rng.randint(-3, 5),
                rent_per_month=rent + rng.randint(-3, 6) * 100,
                step_free_access=rng.random() < 0.3,
            )
        )
    existing = set(Unit.objects.filter(company=company).values_list("reference", flat=True))
    new_units = [row for row in rows if row.reference not in existing]
    Unit.objects.bulk_create(new_units)
    ctx.count(Unit, len(new_units))

    today = ctx.now.date()
    agreement, created = QuotaAgreement.objects.get_or_create(
        company=company,
        integration_unit=ctx.organisations[MALMO_PARTNER],
        defaults={
            "every_nth": 5,
            "replace_declined": True,
            "period_start": today.replace(month=1, day=1),
        },
    )
    ctx.count(QuotaAgreement, int(created))
    recorded = agreement.vacancies.count()
    if recorded < VACANCIES:
        units = list(Unit.objects.filter(company=company).order_by("reference"))
        picks = random.Random(MALMO_SEED + 8).sample(units, VACANCIES)
        for n in range(recorded, VACANCIES):
            notice = today - timedelta(days=30 - 5 * n)
            record_vacancy(
                unit=picks[n],
                notice_given_on=notice,
                available_from=notice + timedelta(days=30),
                user=ctx.users["malmo-bostadsbolag"],
            )
            ctx.count(Vacancy)


def seed_call_work(ctx) -> None:
    seed_calls(ctx, MALMO_CALLS)


def seed_cases_and_matches(ctx) -> None:
    """Malmö stad's newcomer cases, and three matches: one household moved in (its first
    follow-up done by a volunteer), one approved, one proposed."""
    from accounts.demo_work import _aware

    partner = ctx.organisations[MALMO_PARTNER]
    coordinator = ctx.users["malmo-kommun"]
    today = ctx.now.date()
    cases = []
    for i, (reference, adults, ages, languages, needs) in enumerate(CASES):
        case = NewcomerCase.objects.filter(partner=partner, reference=reference).first()
        if case is None:
            assigned = today - timedelta(days=60 + 12 * i)
            case = open_case(
                user=coordinator,
                partner=partner,
                reference=reference,
                adults=adults,
                children_ages=ages,
                languages=languages,
                pet_allergy=needs[0],
                needs_non_smoking=needs[1],
                needs_step_free_access=needs[2],
                rent_budget=4000 + 800 * adults,
                assigned_on=assigned,
                housing_needed_by=assigned + timedelta(days=90),
            )
            place = resolve_place("Malmö", partner_id=partner.pk)
            set_preferred_areas(case=case, names=["Malmö"], places=[place] if place else [])
            CaseTransition.objects.filter(case=case).update(created_at=_aware(assigned))
            NewcomerCase.objects.filter(pk=case.pk).update(created_at=_aware(assigned))
            ctx.count(NewcomerCase)
        cases.append(case)
    if Match.objects.filter(case__partner=partner).exists():
        return
    from hosts.models import Home

    homes = Home.objects.filter(partner=partner, status=Home.Status.REFERRED, unit__isnull=True)
    for story, case, home in zip(
        ["moved_in", "approved", "proposed"],
        cases,
        homes.order_by("status_changed_at", "pk"),
        strict=False,
    ):
        match = matching.propose_match(home=home, case=case, user=coordinator)
        if story == "proposed":
            continue
        # The household said yes on its own page before the coordinator approved.
        matching.record_household_answer(match=match, answer="yes")
        matching.approve_match(match=match, user=coordinator)
        if story == "approved":
            continue
        matching.record_move_in(
            match=match, user=coordinator, move_in_date=today - timedelta(days=40)
        )
        # The week-1 check-in was made; the month-1 one is overdue (the start page shows it).
        first = CheckIn.objects.filter(match=match).planned().order_by("due_on").first()
        if first is not None:
            record_check_in(
                check_in=first,
                user=ctx.users["malmo-volontar"],
                outcome=CheckIn.Outcome.ALL_WELL,
                note="Allt fungerar bra, de lagar mat tillsammans på söndagar.",
            )
    ctx.count(Match, Match.objects.filter(case__partner=partner).count())


# The stay (issue 16): an Arabic-speaking household with a proposed home, a Ukrainian mother and
# son a month into their stay, and a Somali-speaking household whose stay ended early.
MALMO_STAYS = StayStory(
    story="Malmö",
    partner=MALMO_PARTNER,
    area="Malmö",
    coordinator="malmo-kommun",
    volunteer="malmo-volontar",
    mediator="malmo-samordnare",
    proposed=Household("MS-2026-0163", 1, (), ("ar",), "ar", 30, needs_non_smoking=True),
    under_way=Household("MS-2026-0170", 1, (9,), ("uk", "ru"), "uk", 75),
    ended_early=Household("MS-2026-0178", 1, (), ("so",), "so", 100),
    week_1_note="Allt väl. Värden har visat tvättstugan och närmaste busshållplats, och sonen "
    "har börjat i skolan.",
    host_concern="Det har blivit missförstånd om hur vi delar köket och tvättstugan. Vi vill "
    "gärna ha hjälp att prata igenom det med hushållet, med tolk.",
    acknowledge_note="Har ringt värden. Vi bokar ett samtal med tolk på ukrainska.",
    mediation_place="Malmö stads lokaler på Södra Förstadsgatan, mötesrum 2",
    # Ukrainian: "We are asked not to use the washing machine, and I have nowhere to wash my
    # son's clothes. I don't know how to talk to the hosts about it. Please help."
    household_concern="Нас просять не користуватися пральною машиною, а мені ніде прати одяг "
    "сина. Я не знаю, як поговорити про це з господарями. Будь ласка, допоможіть.",
    host_answers={
        "going": 3,
        "get_on": 3,
        "support": 4,
        "knows_who_to_ask": "yes",
        "anything_else": "Trevliga människor. Vi behöver komma överens om köket och tvätten.",
    },
    ended_week_1_note="Allt väl, hon trivs i området och har börjat på SFI.",
    ended_concern_note="Värden har fått arbete i Köpenhamn och måste flytta inom en månad. Den "
    "boende behöver ett nytt boende.",
    ended_acknowledge_note="Har pratat med värden. Vi letar ett nytt boende med förtur.",
    early_end_reason="host_circumstances",
    early_end_note="Värden flyttar till Köpenhamn för arbete.",
    home_next="closed",
)


def seed_stays(ctx) -> None:
    demo_stays.seed_stays(ctx, MALMO_STAYS)
