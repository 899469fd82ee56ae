"""Seed steps for the work done with the demo hosts: volunteers, the call queue and a status
campaign, home visits, referral, newcomer cases and matches in every stage, and the demo staff's
authenticator devices. Used by ``manage.py seed_demo`` (``SEED_STEPS``); safe to run again:
each step looks its rows up by a natural key and makes only what is missing."""

from base64 import b32encode
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import demo_stays, roles
from accounts.demo_stays import Household, StayStory
from accounts.models import User
from hosts.actions import municipality_name, refer_home
from hosts.models import Home, HomeTransition
from matching import actions as matching
from matching.models import Match, MatchReason, Place
from matching.places import resolve_place
from newcomers.actions import open_case, set_preferred_areas
from newcomers.models import CaseTransition, NewcomerCase
from volunteers import actions as volunteering
from volunteers.models import (
    CallAttempt,
    Campaign,
    HomeVisit,
    HomeVisitTransition,
    QueueEntry,
    VolunteerProfile,
)

VOLUNTEER_ORGANISATION = "Refugees Welcome Sweden"
JAMTLAND_GROUP = "Volontärbyrån Jämtland"
KROKOM_PARTNER = "Krokoms kommun – Mottagningsenheten för nyanlända"

# The volunteers' profiles (languages, where they live); their log-ins are ``seed_demo``'s
# DEMO_USERS. Six volunteers in each city phone every host who registered in December and January.
VOLUNTEER_PROFILES = {
    "volontar": (["sv", "en"], "Krokom"),
    "volontar2": (["sv", "ar", "en"], "Östersund"),
    "volontar3": (["sv"], "Nälden"),
    "volontar4": (["sv", "ti", "am"], "Östersund"),
    "volontar5": (["sv", "de"], "Ås"),
    "volontar6": (["sv", "fa", "prs"], "Krokom"),
    "malmo-volontar": (["sv", "en"], "Möllevången"),
    "malmo-volontar2": (["sv", "fa", "prs", "en"], "Rosengård"),
    "malmo-volontar3": (["sv", "en", "es"], "Limhamn"),
    "malmo-volontar4": (["sv", "ti", "en"], "Husie"),
    "malmo-volontar5": (["sv", "ar", "so"], "Fosie"),
    "malmo-volontar6": (["sv", "da"], "Västra Hamnen"),
}


@dataclass(frozen=True)
class CallWork:
    """One city's first weeks of calls: the group's six volunteers call its first ``called``
    confirmed hosts (every sixth does not answer); the hosts from ``contacted_only_from`` on
    are contacted, the ones from ``booked_only_from`` have a visit booked, the ones before it
    were visited (every seventh found unsuitable) and referred to the partner. Then the status
    campaign of December and January starts, and a few of its calls are made."""

    group: str
    partner: str
    coordinator: str
    volunteers: tuple[str, ...]
    campaign: str
    called: int
    contacted_only_from: int
    booked_only_from: int


KROKOM_CALLS = CallWork(
    group=JAMTLAND_GROUP,
    partner=KROKOM_PARTNER,
    coordinator="volontarsamordnare",
    volunteers=("volontar", "volontar2", "volontar3", "volontar4", "volontar5", "volontar6"),
    campaign="Statuskoll december–januari",
    called=24,
    contacted_only_from=18,
    booked_only_from=15,
)


# The partner's own districts: villages the GeoNames table does not have.
DISTRICTS = [
    ("Föllinge", 63.6710, 14.6160),
    ("Nälden", 63.3520, 14.2630),
    ("Dvärsätt", 63.3140, 14.4910),
    ("Trångsviken", 63.3380, 14.0170),
    ("Ås", 63.2530, 14.5600),
]
MATCH_REASONS = [
    "Hushållet tackade nej",
    "Värden tackade nej",
    "För långt från skola eller arbete",
    "Hushållet fick eget boende",
    "Konflikt i boendet",
]
# The demo staff's authenticator key (base32), published like the demo password.
DEMO_TOTP_KEY = b"demo-totp-key-2026-h"  # 20 bytes, as authenticator apps expect


def _aware(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def _backdate(model, pk, when) -> None:
    model.objects.filter(pk=pk).update(created_at=when)


def seed_volunteers(ctx) -> None:
    """The demo volunteers' profiles (the volunteers themselves are made by ``seed_users``), and
    their introduction meetings with their group's coordinator a year ago: the demo's volunteers
    have all been met, so they reach the hosts (``volunteers.actions.record_introduction``)."""
    met_on = timezone.localdate(ctx.now) - timedelta(days=365)
    for username, (languages, area) in VOLUNTEER_PROFILES.items():
        profile, _created = VolunteerProfile.objects.get_or_create(
            user=ctx.users[username],
            defaults={"languages": languages, "area": area, "availability": "Vardagskvällar"},
        )
        if profile.met_on is None:
            coordinator = (
                "malmo-samordnare" if username.startswith("malmo-") else "volontarsamordnare"
            )
            volunteering.record_introduction(
                volunteer=ctx.users[username], user=ctx.users[coordinator], met_on=met_on
            )


def seed_call_work(ctx) -> None:
    seed_calls(ctx, KROKOM_CALLS)


def seed_calls(ctx, work: CallWork) -> None:
    """The group's status campaign for December and January, and the calls, visits and
    referrals of the first weeks: enough history for the queue, the dashboard and the report to
    show. Made once: a group whose campaign exists is left as it is."""
    group = ctx.groups[work.group]
    if Campaign.objects.filter(name=work.campaign, local_group=group).exists():
        return
    volunteers = [ctx.users[username] for username in work.volunteers]
    coordinator = ctx.users[work.coordinator]
    partner = ctx.organisations[work.partner]
    homes = list(
        Home.objects.filter(local_group=group, host__confirmed_at__isnull=False)
        .filter(host__email__endswith="@example.se", status=Home.Status.REGISTERED)
        .order_by("created_at")
    )
    for home in homes:
        volunteering.enqueue_home(home=home, now=home.created_at)
    window_start = min((h.created_at for h in homes), default=ctx.now).date()
    window_end = max((h.created_at for h in homes), default=ctx.now).date()
    for index, home in enumerate(homes[: work.called]):
        volunteer = volunteers[index % len(volunteers)]
        entry = QueueEntry.objects.get(home=home)
        called_at = min(home.created_at + timedelta(days=2 + index % 5), ctx.now)
        if index % 6 == 5:
            attempt = volunteering.record_call(
                entry=entry,
                volunteer=volunteer,
                outcome=CallAttempt.Outcome.NO_ANSWER,
                now=called_at,
            )
            _backdate(CallAttempt, attempt.pk, called_at)
            continue
        attempt = volunteering.record_call(
            entry=entry,
            volunteer=volunteer,
            outcome=CallAttempt.Outcome.INTERESTED,
            note="Trevligt samtal, vill gärna ha besök.",
            now=called_at,
        )
        _backdate(CallAttempt, attempt.pk, called_at)
        _backdate_last_step(home, called_at)
        if index >= work.contacted_only_from:
            continue  # contacted, visit still to book
        visit_at = min(called_at + timedelta(days=7), ctx.now - timedelta(hours=1))
        booked_at = min(called_at, visit_at - timedelta(hours=1))
        visit = volunteering.book_visit(
            home=home, starts_at=visit_at, volunteers=[volunteer], user=volunteer, now=booked_at
        )
        _backdate_last_step(home, booked_at)
        if index >= work.booked_only_from:
            continue  # a visit booked
        suitable = index % 7 != 3
        volunteering.report_visit(
            visit=visit,
            user=volunteer,
            verdict=HomeVisit.Verdict.SUITABLE if suitable else HomeVisit.Verdict.NOT_SUITABLE,
            checklist=dict.fromkeys(HomeVisit.CHECKLIST, True),
            report="Ljust rum med eget lås, tydliga husregler." if suitable else "",
            reject_reason="" if suitable else "Rummet saknar fönster.",
        )
        # The visit was reported when it took place: the visit and its history say so.
        HomeVisit.objects.filter(pk=visit.pk).update(reported_at=visit_at)
        last = visit.transitions.order_by("-created_at", "-pk").first()
        HomeVisitTransition.objects.filter(pk=last.pk).update(created_at=visit_at)
        _backdate_last_step(home, visit_at)
        if suitable:
            refer_home(home=home, partner=partner, user=coordinator)
            _backdate_last_step(home, min(visit_at + timedelta(days=3), ctx.now))
    campaign = volunteering.start_campaign(
        name=work.campaign,
        organisation=group.organisation,
        local_group=group,
        user=coordinator,
        registered_from=window_start,
        registered_to=window_end,
    )
    ctx.count(Campaign)
    # A few campaign calls already made.
    for index, entry in enumerate(
        QueueEntry.objects.filter(campaign=campaign, needs_call=True)
        .select_related("home")
        .order_by("registered_at", "pk")[:4]
    ):
        volunteering.record_call(
            entry=entry,
            volunteer=volunteers[index],
            outcome=CallAttempt.Outcome.NO_ANSWER if index % 2 else CallAttempt.Outcome.INTERESTED,
        )


def _backdate_last_step(home: Home, when) -> None:
    last = home.transitions.order_by("-created_at", "-pk").first()
    HomeTransition.objects.filter(pk=last.pk).update(created_at=when)
    Home.objects.filter(pk=home.pk).update(status_changed_at=when)


def seed_districts_and_reasons(ctx) -> None:
    partner = ctx.organisations[KROKOM_PARTNER]
    for name, latitude, longitude in DISTRICTS:
        Place.objects.get_or_create(
            name=name,
            partner=partner,
            defaults={
                "kind": Place.Kind.DISTRICT,
                "municipality_id": "2309",
                "latitude": latitude,
                "longitude": longitude,
            },
        )
    for label in MATCH_REASONS:
        MatchReason.objects.get_or_create(partner=partner, label=label)
    # Homes registered before the districts existed find their place now: the place is looked
    # up once per municipality (as the home names it) and partner, and set in one statement.
    homes_by_key: dict[tuple[str, int | None], list[int]] = {}
    for home in (
        Home.objects.filter(place__isnull=True, unit__isnull=True)
        .select_related("municipality")
        .only("pk", "partner_id", "municipality_as_given", "municipality__short_name")
    ):
        homes_by_key.setdefault((municipality_name(home), home.partner_id), []).append(home.pk)
    for (name, partner_id), pks in homes_by_key.items():
        place = resolve_place(name, partner_id=partner_id)
        if place is not None:
            Home.objects.filter(pk__in=pks).update(place=place)


CASES = [
    # reference, adults, children's ages, languages, needs (allergy, non-smoking, step-free), areas
    ("KR-2026-014", 1, [], ["ar"], (False, True, False), ["Krokom", "Nälden"]),
    ("KR-2026-019", 2, [4, 9], ["ti", "am"], (True, True, False), ["Krokom"]),
    ("KR-2026-022", 1, [], ["fa", "prs"], (False, False, False), ["Östersund", "Krokom"]),
    ("KR-2026-031", 2, [1], ["so"], (False, True, True), ["Krokom", "Ås"]),
    ("KR-2026-037", 1, [], ["uk", "ru"], (False, False, False), []),
    ("KR-2026-041", 3, [12, 15], ["ar", "ku"], (False, True, False), ["Östersund"]),
    ("KR-2026-044", 1, [], ["ti"], (True, False, False), ["Krokom", "Dvärsätt"]),
    ("KR-2026-052", 2, [], ["ar"], (False, False, False), ["Föllinge", "Krokom"]),
    ("KR-2026-058", 1, [6], ["so", "en"], (False, True, False), ["Krokom"]),
    ("KR-2026-063", 1, [], ["fa"], (False, False, False), ["Trångsviken", "Krokom"]),
]


def seed_cases_and_matches(ctx) -> None:
    """Newcomer cases of the Krokom partner, and matches in every stage of their life."""
    partner = ctx.organisations[KROKOM_PARTNER]
    coordinator = ctx.users["samordnare"]
    today = ctx.now.date()
    made_cases = []
    for i, (reference, adults, ages, languages, needs, areas) in enumerate(CASES):
        case = NewcomerCase.objects.filter(partner=partner, reference=reference).first()
        if case is None:
            assigned = today - timedelta(days=40 + 15 * i)
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
                rent_budget=4500 + 500 * adults,
                assigned_on=assigned,
                housing_needed_by=assigned + timedelta(days=120),
            )
            places = [resolve_place(name, partner_id=partner.pk) for name in areas]
            set_preferred_areas(case=case, names=areas, places=[p for p in places if p])
            CaseTransition.objects.filter(case=case).update(created_at=_aware(assigned))
            NewcomerCase.objects.filter(pk=case.pk).update(created_at=_aware(assigned))
            ctx.count(NewcomerCase)
        made_cases.append(case)
    if Match.objects.filter(case__partner=partner).exists():
        return
    free_homes = list(
        Home.objects.filter(
            partner=partner, status=Home.Status.REFERRED, unit__isnull=True
        ).order_by("status_changed_at")
    )
    reasons = {r.label: r for r in MatchReason.objects.filter(partner=partner)}
    stories = ["moved_in", "ended", "approved", "proposed", "rejected", "cancelled"]
    for story, case, home in zip(stories, made_cases, free_homes, strict=False):
        match = matching.propose_match(home=home, case=case, user=coordinator)
        if story == "rejected":
            matching.reject_match(
                match=match,
                user=coordinator,
                reason_choice=reasons["Hushållet tackade nej"],
                note="Ville bo närmare släkten i Östersund.",
            )
            continue
        if story == "proposed":
            continue
        # The household said yes on its own page before the coordinator approved.
        matching.record_household_answer(match=match, answer="yes")
        matching.approve_match(match=match, user=coordinator)
        if story == "cancelled":
            matching.cancel_match(
                match=match, user=coordinator, reason_choice=reasons["Värden tackade nej"]
            )
            continue
        if story == "approved":
            continue
        matching.record_move_in(
            match=match, user=coordinator, move_in_date=today - timedelta(days=20)
        )
        if story == "ended":
            matching.end_match(
                match=match,
                user=coordinator,
                reason_choice=reasons["Hushållet fick eget boende"],
                home_next=matching.HomeNext.REFERRED,
                case_next=matching.CaseNext.CLOSED,
                ended_on=today - timedelta(days=2),
            )
    ctx.count(Match, Match.objects.filter(case__partner=partner).count())


# The stay (issue 16): a Tigrinya-speaking household with a proposed home, a Dari-speaking one
# a month into its stay, and an Arabic-speaking one whose stay ended early.
KROKOM_STAYS = StayStory(
    story="Krokom",
    partner=KROKOM_PARTNER,
    area="Krokom",
    coordinator="samordnare",
    volunteer="volontar",
    mediator="volontarsamordnare",
    proposed=Household("KR-2026-067", 2, (5,), ("ti", "am"), "ti", 35),
    under_way=Household("KR-2026-071", 2, (7,), ("fa", "prs"), "prs", 80, needs_non_smoking=True),
    ended_early=Household("KR-2026-074", 1, (), ("ar",), "ar", 95),
    week_1_note="Allt lugnt. De har handlat tillsammans med värden och dottern har fått plats i "
    "skolan i Krokom.",
    host_concern="Vi trivs med familjen, men vi har olika vanor kring kvällar och ljud i huset och "
    "det har blivit spänt. Vi skulle vilja prata om det tillsammans med någon från "
    "volontärbyrån, gärna med tolk.",
    acknowledge_note="Har ringt värden. Vi föreslår ett gemensamt samtal med tolk på dari.",
    mediation_place="Mottagningsenhetens mötesrum, Krokoms kommunhus",
    # Dari: "At night our room is very cold and we are ashamed to ask the host to turn on the
    # heating. Please call us."
    household_concern="شب‌ها اتاق ما بسیار سرد است و ما شرم داریم که از صاحب خانه بخواهیم "
    "بخاری را روشن کند. لطفاً با ما تماس بگیرید.",
    host_answers={
        "going": 4,
        "get_on": 3,
        "support": 5,
        "knows_who_to_ask": "yes",
        "anything_else": "Det går mest bra, men vi behöver hjälp att prata om vardagens rutiner.",
    },
    ended_week_1_note="Allt väl, han har börjat på SFI i Krokom.",
    ended_concern_note="Stämningen är dålig. Värden och den boende pratar knappt med varandra, och "
    "han vill helst flytta.",
    ended_acknowledge_note="Har pratat med båda. Ingen av dem vill fortsätta boendet.",
    early_end_reason=Match.EarlyEnd.RELATIONSHIP,
    early_end_note="Relationen fungerade inte trots samtal. Värden vill ha en paus.",
    early_end_reason_label="Konflikt i boendet",
    home_next=matching.HomeNext.PAUSED,
)


def seed_stays(ctx) -> None:
    demo_stays.seed_stays(ctx, KROKOM_STAYS)


def seed_authenticators(ctx) -> None:
    """Staff and managers confirm a code after the password. The demo staff share one published
    key, so that anyone trying the demo can add it to an authenticator app."""
    staff = User.objects.filter(is_staff=True) | User.objects.filter(groups__name=roles.MANAGER)
    for user in staff.distinct():
        if not TOTPDevice.objects.filter(user=user, name="demo").exists():
            TOTPDevice.objects.create(
                user=user, name="demo", key=DEMO_TOTP_KEY.hex(), confirmed=True
            )


def demo_totp_secret() -> str:
    return b32encode(DEMO_TOTP_KEY).decode("ascii")


__all__ = [
    "CallWork",
    "demo_totp_secret",
    "seed_authenticators",
    "seed_call_work",
    "seed_calls",
    "seed_cases_and_matches",
    "seed_districts_and_reasons",
    "seed_stays",
    "seed_volunteers",
]
