"""Information meetings of ``manage.py seed_demo`` (``outreach``), in both stories.

Krokom: Volontärbyrån Jämtland held an evening at the library three weeks ago (who came is
recorded: some from the list, some without signing up) and has the next one planned; Malmö:
Refugees Welcome Sweden – Malmö plans one, and Malmö stad's unit plans its own (a partner's
meeting, in the admin). Everything is made through ``outreach.actions`` (plan, sign up, confirm,
record who came), then backdated where it lies in the past. Safe to run again: a meeting is
looked up by its title and organiser, and only a missing one is made.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from outreach import actions
from outreach.models import InformationMeeting, MeetingSignup, MeetingTransition, SignupTransition

JAMTLAND_GROUP = "Volontärbyrån Jämtland"
MALMO_GROUP = "Refugees Welcome Sweden – Malmö"
MALMO_PARTNER = (
    "Malmö stad – Sociala resursförvaltningen, enheten för vuxna anvisade enligt bosättningslagen"
)
KROKOM, MALMO = "2309", "1280"

# (first name, family name) of the residents who signed up; their addresses are @example.se.
KROKOM_RESIDENTS = [
    ("Karin", "Olofsson"),
    ("Nils", "Persson"),
    ("Elsa", "Jonsson"),
    ("Per", "Lundqvist"),
    ("Maja", "Eriksson"),
    ("Olle", "Berg"),
]
MALMO_RESIDENTS = [("Amira", "Haddad"), ("Johan", "Nilsson"), ("Sara", "Lind")]


def _at(day, hour: int, minute: int = 0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _email(first: str, last: str, meeting_key: str) -> str:
    return f"{first}.{last}.{meeting_key}@example.se".lower()


def _meeting(ctx, *, title: str, user, local_group=None, partner=None, **fields):
    existing = InformationMeeting.objects.filter(
        title=title, local_group=local_group, partner=partner
    ).first()
    if existing is not None:
        return existing, False
    meeting = actions.plan_meeting(
        user=user, local_group=local_group, partner=partner, title=title, **fields
    )
    ctx.count(InformationMeeting)
    return meeting, True


def _sign_up(ctx, meeting, residents, key: str, *, confirmed: int, language: str = "sv"):
    """Residents sign up; the first ``confirmed`` of them follow the link in their e-mail."""
    signups = []
    for index, (first, last) in enumerate(residents):
        signup = actions.sign_up_for_meeting(
            meeting=meeting,
            name=f"{first} {last}",
            email=_email(first, last, key),
            language=language,
        )
        if index < confirmed:
            actions.confirm_signup(signup=signup)
        signups.append(signup)
    ctx.count(MeetingSignup, len(signups))
    return signups


def _backdate(meeting, *, starts_at, planned_at) -> None:
    """Move a meeting made for the demo into the past: its time, its history and its sign-ups
    (the steps were taken through the actions; only their dates are set back)."""
    duration = meeting.ends_at - meeting.starts_at
    InformationMeeting.objects.filter(pk=meeting.pk).update(
        starts_at=starts_at, ends_at=starts_at + duration, created_at=planned_at
    )
    MeetingTransition.objects.filter(meeting=meeting).update(created_at=planned_at)
    signed_up = planned_at + timedelta(days=3)
    MeetingSignup.objects.filter(meeting=meeting).update(
        created_at=signed_up, consent_given_at=signed_up
    )
    MeetingSignup.objects.filter(meeting=meeting, confirmed_at__isnull=False).update(
        confirmed_at=signed_up + timedelta(minutes=20)
    )
    SignupTransition.objects.filter(signup__meeting=meeting).update(created_at=signed_up)
    meeting.refresh_from_db()


def seed_meetings(ctx) -> None:
    """The demo's information meetings (see the module's docstring)."""
    from municipalities.models import Municipality

    today = timezone.localdate(ctx.now)
    krokom, malmo = Municipality.objects.get(pk=KROKOM), Municipality.objects.get(pk=MALMO)
    jamtland, malmo_group = ctx.groups[JAMTLAND_GROUP], ctx.groups[MALMO_GROUP]
    coordinator, malmo_coordinator = ctx.users["volontarsamordnare"], ctx.users["malmo-samordnare"]

    # Krokom, three weeks ago: held, who came recorded.
    past, made = _meeting(
        ctx,
        title="Bli värd – en kväll på Krokoms bibliotek",
        user=coordinator,
        local_group=jamtland,
        municipality=krokom,
        topic=InformationMeeting.Topic.HOSTING,
        description=(
            "Vi berättar hur det går till att hyra ut ett rum till någon som är ny i Sverige, "
            "och värdar från förra året berättar om sina erfarenheter. Fika finns."
        ),
        starts_at=_at(today + timedelta(days=2), 18),
        ends_at=_at(today + timedelta(days=2), 19, 30),
        place="Krokoms bibliotek, Offerdalsvägen 8, Krokom",
        capacity=30,
    )
    if made:
        signups = _sign_up(ctx, past, KROKOM_RESIDENTS, "krokom1", confirmed=5)
        _backdate(
            past,
            starts_at=_at(today - timedelta(days=21), 18),
            planned_at=ctx.now - timedelta(days=35),
        )
        came = [s.pk for s in signups[:4]]
        actions.record_attendance(meeting=past, user=coordinator, came=came, walk_ins=3)

    # Krokom, in ten days: hosting and volunteering, some sign-ups already.
    coming, made = _meeting(
        ctx,
        title="Volontär eller värd? Informationsträff i Krokom",
        user=coordinator,
        local_group=jamtland,
        municipality=krokom,
        topic=InformationMeeting.Topic.BOTH,
        description="Om att ringa, besöka och ta emot: vad volontärer och värdar gör.",
        starts_at=_at(today + timedelta(days=10), 18),
        ends_at=_at(today + timedelta(days=10), 19, 30),
        place="Krokoms kommunhus, sessionssalen, Offerdalsvägen 11, Krokom",
        capacity=25,
    )
    if made:
        _sign_up(ctx, coming, KROKOM_RESIDENTS[:2], "krokom2", confirmed=1)

    # Malmö: the group's meeting, on site and online.
    group_meeting, made = _meeting(
        ctx,
        title="Dela ditt hem – informationsmöte i Malmö",
        user=malmo_coordinator,
        local_group=malmo_group,
        municipality=malmo,
        topic=InformationMeeting.Topic.HOSTING,
        language="sv",
        starts_at=_at(today + timedelta(days=5), 18),
        ends_at=_at(today + timedelta(days=5), 19),
        place="Stadsbiblioteket, Kung Oscars väg 11, Malmö",
        online_url="https://meet.example.se/dela-ditt-hem",
        capacity=40,
    )
    if made:
        _sign_up(ctx, group_meeting, MALMO_RESIDENTS, "malmo1", confirmed=2)

    # Malmö stad's own meeting (a partner's, planned in the admin), in English.
    _meeting(
        ctx,
        title="Hosting a newcomer: information evening",
        user=ctx.users["malmo-kommun"],
        partner=ctx.organisations[MALMO_PARTNER],
        municipality=malmo,
        topic=InformationMeeting.Topic.HOSTING,
        language="en",
        starts_at=_at(today + timedelta(days=14), 17, 30),
        ends_at=_at(today + timedelta(days=14), 19),
        place="Rådhuset, Stortorget 2, Malmö",
        capacity=20,
    )
