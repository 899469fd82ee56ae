"""``manage.py seed_demo``: the demo data a developer gets from ``make run``, with both stories
(Krokom and Malmö) and a log-in for every role in either city (issue 15)."""

import re
from base64 import b32decode
from datetime import timedelta
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles
from accounts.demo_work import demo_totp_secret
from accounts.management.commands.seed_demo import (
    BOTH_STORIES,
    DEMO_PASSWORD,
    DEMO_USERS,
    FORMER_VOLUNTEER_ORGANISATION,
    JAMTLAND_GROUP,
    KROKOM_STORY,
    MALMO_GROUP,
    MALMO_PARTNER,
    MALMO_STORY,
    VOLUNTEER_ORGANISATION,
    story_title,
)
from accounts.models import GroupMunicipality, LocalGroup, Organisation, User
from accounts.scoping import group_reach
from hosts.models import Home, HomeTransition, Host

# Where each start page is, by the template that draws it.
START_TEMPLATES = {
    "/volunteer/": "volunteers/start.html",
    "/reports/": "reports/partnerships.html",
    "/admin/": "admin/index.html",
    "/privacy-officer/record/": None,  # any page that opens (200)
}


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    from housing.models import Unit, Vacancy
    from matching.models import Match
    from newcomers.models import HouseholdLink, NewcomerCase
    from outreach.models import InformationMeeting, MeetingSignup
    from reports.models import Partnership, Target
    from stays.models import CheckIn, Concern, Evaluation, EvaluationAnswer, Mediation
    from volunteers.models import (
        CallAttempt,
        Campaign,
        HandOver,
        HomeVisit,
        QueueEntry,
        VolunteerProfile,
    )
    from work.models import (
        Employer,
        Placement,
        PlacementCheckIn,
        PlacementTransition,
        StaffFigures,
    )

    models = (
        Organisation,
        LocalGroup,
        GroupMunicipality,
        User,
        Host,
        Home,
        HomeTransition,
        HandOver,
        QueueEntry,
        CallAttempt,
        HomeVisit,
        Campaign,
        VolunteerProfile,
        Unit,
        Vacancy,
        NewcomerCase,
        Match,
        CheckIn,
        Concern,
        Mediation,
        Evaluation,
        EvaluationAnswer,
        HouseholdLink,
        Partnership,
        Target,
        TOTPDevice,
        Employer,
        StaffFigures,
        Placement,
        PlacementTransition,
        PlacementCheckIn,
        InformationMeeting,
        MeetingSignup,
    )
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def seeded(demo):
    """The demo, seeded once for the test process (``demo`` in tests/conftest.py); what a test
    writes is rolled back after it as usual. Returns what ``seed_demo`` printed."""
    return demo


def code_now() -> str:
    """The code an authenticator app shows now for the key the README and the command publish."""
    return f"{TOTP(b32decode(demo_totp_secret())).token():06d}"


@pytest.mark.django_db
def test_seeding_again_changes_nothing(seeded):
    first = counts()
    # As in a demo database seeded before local groups, whose volunteer organisation had the
    # Krokom story's name: the seed renames it and keeps its people and work with it.
    organisation = Organisation.objects.get(name=VOLUNTEER_ORGANISATION)
    Organisation.objects.filter(pk=organisation.pk).update(name=FORMER_VOLUNTEER_ORGANISATION)

    output_again = seed()

    assert counts() == first
    assert Organisation.objects.get(name=VOLUNTEER_ORGANISATION).pk == organisation.pk
    assert "demo-losenord-2026" in output_again
    # The household links printed again are the same working links, not new ones.
    assert household_links(output_again) == household_links(seeded)
    # Six organisations of the two stories, and the shop Krokom's coordinator added as employer.
    assert first["Organisation"] == 7 and first["LocalGroup"] == 2
    # This year's partnership of each city and next year's, agreed already.
    assert first["Partnership"] == 4 and first["Campaign"] == 2


@pytest.mark.django_db
def test_every_log_in_is_printed_under_its_city(seeded):
    output = seeded
    assert DEMO_PASSWORD in output
    assert demo_totp_secret() in output
    krokom, malmo, both = (
        output.index(story_title(story)) for story in (KROKOM_STORY, MALMO_STORY, BOTH_STORIES)
    )
    assert krokom < malmo < both
    sections = {
        KROKOM_STORY: output[krokom:malmo],
        MALMO_STORY: output[malmo:both],
        BOTH_STORIES: output[both:],
    }
    for demo in DEMO_USERS:
        lines = [line.split() for line in sections[demo.story].splitlines()]
        assert any(words and words[0] == demo.username for words in lines), demo.username
    # Every role can be tried in either city.
    for story in (KROKOM_STORY, MALMO_STORY):
        held = {role for demo in DEMO_USERS if demo.story == story for role in demo.roles}
        assert {
            roles.VOLUNTEER,
            roles.VOLUNTEER_COORDINATOR,
            roles.PARTNER_COORDINATOR,
            roles.MANAGER,
            roles.HOUSING_COMPANY_STAFF,
        } <= held, story


@pytest.mark.django_db
def test_every_demo_user_has_their_roles_organisation_and_group(seeded):
    assert User.objects.filter(username__in=[d.username for d in DEMO_USERS]).count() == len(
        DEMO_USERS
    )
    for demo in DEMO_USERS:
        user = User.objects.select_related("organisation", "local_group").get(
            username=demo.username
        )
        assert user.check_password(DEMO_PASSWORD), demo.username
        assert set(user.groups.values_list("name", flat=True)) == set(demo.roles)
        assert user.is_superuser == (not demo.roles)
        assert user.is_staff == demo.is_staff
        assert getattr(user.organisation, "name", None) == demo.organisation
        assert getattr(user.local_group, "name", None) == demo.local_group
        if user.local_group:
            assert user.local_group.organisation == user.organisation
    for role in roles.ROLE_LABELS:
        assert any(role in demo.roles for demo in DEMO_USERS), role


@pytest.mark.django_db
@pytest.mark.two_factor
@pytest.mark.parametrize("demo", DEMO_USERS, ids=lambda demo: demo.username)
def test_each_printed_user_logs_in_and_reaches_their_start_page(seeded, client, demo):
    response = client.post(
        "/accounts/login/", {"username": demo.username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:500]

    landing = client.get("/home/")
    if demo.is_staff or roles.MANAGER in demo.roles:
        # The second factor first, with the published demo key.
        assert landing.status_code == 302
        assert landing.url.startswith("/accounts/two-factor/")
        confirmed = client.post("/accounts/two-factor/", {"token": code_now()})
        assert confirmed.status_code == 302, confirmed.content.decode()[:500]
        landing = client.get("/home/")

    start = demo.works_in[0]
    assert landing.status_code == 302 and landing.url == start, demo.username
    for path in demo.works_in:
        page = client.get(path)
        assert page.status_code == 200, (demo.username, path)
        if START_TEMPLATES.get(path):
            assert START_TEMPLATES[path] in [t.name for t in page.templates], (demo.username, path)


@pytest.mark.django_db
def test_each_city_has_its_group_partner_and_partnership(seeded):
    from reports.models import Partnership

    organisation = Organisation.objects.get(name=VOLUNTEER_ORGANISATION)
    assert organisation.takes_uncovered_hosts
    groups = {group.name: group for group in organisation.local_groups.all()}
    assert set(groups) == {JAMTLAND_GROUP, MALMO_GROUP}
    assert set(groups[MALMO_GROUP].municipalities.values_list("code", flat=True)) == {"1280"}
    assert set(groups[JAMTLAND_GROUP].municipalities.values_list("code", flat=True)) == {
        "2309",
        "2380",
    }
    year = timezone.localdate().year
    malmo = Partnership.objects.get(partner__name=MALMO_PARTNER, period_start__year=year)
    krokom = Partnership.objects.get(
        housing_company__name="Krokomsbostäder", period_start__year=year
    )
    # Next year's are agreed already, with the same parties and municipalities.
    for partnership in (malmo, krokom):
        renewal = Partnership.objects.get(partner=partnership.partner, period_start__year=year + 1)
        assert renewal.local_group == partnership.local_group
        assert set(renewal.municipalities.all()) == set(partnership.municipalities.all())
    for partnership, group, codes in (
        (malmo, MALMO_GROUP, {"1280"}),
        (krokom, JAMTLAND_GROUP, {"2309", "2380"}),
    ):
        assert partnership.local_group.name == group
        assert set(partnership.municipalities.values_list("code", flat=True)) == codes
        assert (partnership.period_start.isoformat(), partnership.period_end.isoformat()) == (
            f"{year}-01-01",
            f"{year}-12-01",
        )
        assert partnership.targets.count() >= 5
    assert malmo.partner.municipality_id == "1280"
    assert malmo.housing_company.name == "Demobostäder Malmö AB"
    # Every fifth vacancy is offered to the partner: each city's company has offered a flat.
    for partnership in (malmo, krokom):
        offered = Home.objects.filter(
            unit__company=partnership.housing_company, partner=partnership.partner
        )
        assert offered.exists(), partnership.name


@pytest.mark.django_db
def test_hosts_are_routed_to_the_group_of_their_municipality(seeded):
    from volunteers.models import HandOver

    homes = Home.objects.filter(host__isnull=False)
    malmo = homes.filter(municipality_id="1280")
    assert 18 <= malmo.count() <= 22
    assert set(malmo.values_list("local_group__name", flat=True)) == {MALMO_GROUP}
    jamtland = homes.filter(municipality_id__in=["2309", "2380"])
    assert set(jamtland.values_list("local_group__name", flat=True)) == {JAMTLAND_GROUP}
    # Lund: no group covers it; the national coordinator takes those hosts.
    lund = homes.filter(municipality_id="1281")
    assert lund.exists() and not lund.filter(local_group__isnull=False).exists()
    routed = HandOver.objects.filter(kind=HandOver.Kind.ROUTED)
    assert routed.count() == homes.filter(local_group__isnull=False).count()


@pytest.mark.django_db
def test_each_group_works_its_own_hosts(seeded):
    from volunteers.actions import claimable_entries
    from volunteers.models import CallAttempt, Campaign, HomeVisit

    national = User.objects.get(username="riks-samordnare")
    group_ids, uncovered = group_reach(national)
    assert set(group_ids) == set(LocalGroup.objects.values_list("pk", flat=True)) and uncovered
    for group_name, prefix, partner in (
        (MALMO_GROUP, "malmo-volontar", MALMO_PARTNER),
        (JAMTLAND_GROUP, "volontar", "Krokoms kommun – Mottagningsenheten för nyanlända"),
    ):
        group = LocalGroup.objects.get(name=group_name)
        volunteers = User.objects.filter(local_group=group, groups__name=roles.VOLUNTEER)
        assert volunteers.count() == 6
        campaign = Campaign.objects.get(local_group=group, ended_at__isnull=True)
        assert campaign.homes.exists()
        assert set(campaign.homes.values_list("local_group", flat=True)) == {group.pk}
        calls = CallAttempt.objects.filter(home__local_group=group)
        assert set(calls.values_list("volunteer__local_group", flat=True)) == {group.pk}
        assert calls.filter(outcome=CallAttempt.Outcome.INTERESTED).exists()
        assert calls.filter(outcome=CallAttempt.Outcome.NO_ANSWER).exists()
        visits = HomeVisit.objects.filter(home__local_group=group)
        assert {HomeVisit.Status.REPORTED, HomeVisit.Status.BOOKED} <= set(
            visits.values_list("status", flat=True)
        )
        referred = Home.objects.filter(local_group=group, partner__name=partner)
        assert referred.filter(status=Home.Status.REFERRED).exists()
        volunteer = User.objects.get(username=prefix)
        claimable = claimable_entries(timezone.now(), volunteer=volunteer)
        assert claimable.exists()
        assert set(claimable.values_list("home__local_group", flat=True)) == {group.pk}


@pytest.mark.django_db
def test_seeded_hosts_registered_last_winter_with_their_history(seeded):
    today = timezone.localdate()
    # The hosts of the households whose road to work the demo tells registered years ago.
    hosts = Host.objects.exclude(homes__matches__case__reference__startswith="KRK-ETB-")
    registered = {timezone.localtime(h.created_at).date() for h in hosts}
    assert min(registered).year == today.year - 1 and min(registered).month == 12
    assert max(registered) < today.replace(month=2, day=1)
    assert hosts.filter(confirmed_at__isnull=True).exists()
    assert hosts.filter(confirmed_at__isnull=False).count() > hosts.count() // 2
    statuses = set(Home.objects.values_list("status", flat=True))
    assert {Home.Status.REGISTERED, Home.Status.PAUSED, Home.Status.WITHDRAWN} <= statuses
    # The housing company's offered flats have no host: they were never registered by a person.
    homes = Home.objects.filter(host__isnull=False)
    for home in homes.select_related("host").prefetch_related("transitions"):
        steps = list(home.transitions.all())
        assert steps[0].created_at == home.host.created_at == home.created_at
        assert steps[-1].to_state == home.status
        assert all(a.created_at <= b.created_at for a, b in zip(steps, steps[1:], strict=False))
        assert str(home.host.phone).startswith("+4670")
        assert home.host.email.endswith("@example.se")
        if home.host.confirmed_at:
            assert home.host.confirmed_at >= home.created_at


@pytest.mark.django_db
def test_seed_has_the_work_of_every_issue(seeded):
    from matching.models import Match
    from newcomers.models import NewcomerCase
    from stays.models import CheckIn
    from volunteers.models import QueueEntry

    assert set(Match.objects.values_list("status", flat=True)) == set(Match.Status.values)
    for partner in ("Krokoms kommun – Mottagningsenheten för nyanlända", MALMO_PARTNER):
        assert NewcomerCase.objects.filter(
            partner__name=partner, status=NewcomerCase.Status.WAITING
        ).exists()
        assert Match.objects.filter(
            case__partner__name=partner, status=Match.Status.MOVED_IN
        ).exists()
    assert CheckIn.objects.filter(
        match__case__partner__name=MALMO_PARTNER, status="done", outcome="all_well"
    ).exists()
    assert QueueEntry.objects.filter(needs_call=True).exists()
    assert Home.objects.filter(status=Home.Status.REFERRED, host__isnull=False).exists()


# The stay (issue 16) ------------------------------------------------------------------------------

KROKOM_PARTNER = "Krokoms kommun – Mottagningsenheten för nyanlända"
# Each city's partner, and the languages its household with a proposed home may have.
STAY_CITIES = [(KROKOM_PARTNER, {"ti", "prs"}), (MALMO_PARTNER, {"ar"})]


def printed_urls(output: str, part: str) -> list[str]:
    """The addresses the command printed that contain ``part``, as paths."""
    return [urlsplit(url).path for url in re.findall(r"https?://\S+", output) if part in url]


def link_of(path: str) -> int:
    """The household link (its id) an address /household/open/<token>/ stands for."""
    from newcomers.links import link_from_token

    return link_from_token(path.rstrip("/").rsplit("/", 1)[1]).pk


def household_links(output: str) -> list[int]:
    """The household links the printed addresses stand for, in the order printed."""
    return [link_of(path) for path in printed_urls(output, "/household/open/")]


@pytest.mark.django_db
@pytest.mark.parametrize(("partner", "languages"), STAY_CITIES)
def test_each_city_has_a_stay_to_walk_through(seeded, partner, languages):
    from matching.models import Match
    from newcomers.models import HouseholdLink, NewcomerCase
    from stays.models import CheckIn, Concern, Evaluation, Mediation

    now = timezone.now()
    today = timezone.localdate()
    matches = Match.objects.filter(case__partner__name=partner)

    # A household with a proposed home, in its own language, with a working link on a letter.
    proposed = matches.filter(status=Match.Status.PROPOSED, case__language__in=languages)
    assert proposed.count() == 1
    case = proposed.get().case
    link = HouseholdLink.objects.filter(case=case).usable().get()
    assert link.delivery == HouseholdLink.Delivery.LETTER

    # A stay under way: the week-1 check-in done, all well; the month-1 one due within the week.
    concerns = Concern.objects.filter(match__case__partner__name=partner)
    stay = matches.get(status=Match.Status.MOVED_IN, concerns__raised_by="household")
    check_ins = CheckIn.objects.filter(match=stay)
    assert check_ins.filter(status="done", outcome="all_well").count() == 1
    assert check_ins.filter(
        status="planned", due_on__lte=today + timedelta(days=7), due_on__gte=today
    ).exists()
    # The host's concern: answered in time, a mediation meeting booked in the future.
    host = concerns.get(match=stay, raised_by="host")
    assert host.status == Concern.Status.IN_MEDIATION
    assert host.created_at < host.first_response_at < now
    assert host.transitions.filter(to_state=Concern.Status.ACKNOWLEDGED).exists()
    meeting = Mediation.objects.get(concern=host)
    assert meeting.status == Mediation.Status.BOOKED and meeting.starts_at > now
    # The household's concern, in its own language: nobody has answered it, the clock runs.
    own = concerns.get(match=stay, raised_by="household")
    assert own.status == Concern.Status.OPENED and own.first_response_at is None
    assert own.language == stay.case.language and own.created_at < now
    # The month-1 surveys: open for the household, answered by the host.
    surveys = Evaluation.objects.filter(match=stay, point="month_1")
    assert surveys.get(respondent="household").status == Evaluation.Status.OPEN
    answered = surveys.get(respondent="host")
    assert answered.status == Evaluation.Status.ANSWERED and answered.answers.exists()

    # A stay ended early: the household waits again, with priority; its concern closed with it.
    ended = matches.filter(status=Match.Status.ENDED).exclude(early_end_reason="")
    assert ended.count() == 1
    waiting = ended.get().case
    assert waiting.status == NewcomerCase.Status.WAITING and waiting.priority_since is not None
    assert concerns.filter(match=ended.get(), status=Concern.Status.STAY_ENDED).exists()


@pytest.mark.django_db
def test_the_printed_household_links_open_the_households_pages(seeded, client):
    from newcomers.models import HouseholdLink

    paths = printed_urls(seeded, "/household/open/")
    assert len(paths) == 2  # one per city
    languages = []
    for path in paths:
        client.cookies.clear()
        response = client.get(path)
        assert response.status_code == 302 and response.url == "/household/", path
        page = client.get(response.url)
        assert page.status_code == 200
        # The proposed home is there to answer.
        assert client.get("/household/proposal/").status_code == 200
        link = HouseholdLink.objects.get(pk=link_of(path))
        languages.append(link.case.language)
        assert link.last_used_at is not None
    assert languages[0] in {"ti", "prs"} and languages[1] == "ar"


@pytest.mark.django_db
def test_the_printed_host_links_open_self_service(seeded, client):
    from matching.models import Match

    paths = printed_urls(seeded, "/my-offer/open/")
    assert len(paths) == 2
    for path in paths:
        client.cookies.clear()
        response = client.get(path)
        assert response.status_code == 302, path
        page = client.get(response.url)
        assert page.status_code == 200
        # The host whose stay has a concern and a mediation meeting booked.
        assert Match.objects.filter(
            home__host=page.context["home"].host,
            status="moved_in",
            concerns__mediations__status="booked",
        ).exists()


@pytest.mark.django_db
def test_a_link_about_to_expire_is_replaced_when_seeding_again(seeded):
    from newcomers.models import HouseholdLink

    first = household_links(seeded)
    HouseholdLink.objects.filter(pk=first[0]).update(expires_at=timezone.now() + timedelta(days=1))

    again = household_links(seed())

    assert again[1] == first[1]  # the other city's link still works for long: kept
    assert again[0] != first[0]
    old = HouseholdLink.objects.get(pk=first[0])
    assert old.revoked_at is not None  # issuing the new one stopped it
    assert HouseholdLink.objects.filter(pk=again[0]).usable().exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "partner"), [("volontar", KROKOM_PARTNER), ("malmo-volontar", MALMO_PARTNER)]
)
def test_the_stays_check_in_due_shows_on_the_volunteers_start_page(
    seeded, client, username, partner
):
    from stays.models import Concern

    client.force_login(User.objects.get(username=username))
    page = client.get("/volunteer/")
    assert page.status_code == 200
    stays = {check_in.match for check_in in page.context["check_ins"]}
    # The stay with the household's concern is among them.
    assert Concern.objects.filter(
        match__in=stays, raised_by="household", match__case__partner__name=partner
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["samordnare", "malmo-kommun"])
def test_the_coordinator_sees_the_stays_concerns_and_check_ins_in_the_admin(
    seeded, client, username
):
    from stays.models import Concern

    user = User.objects.get(username=username)
    client.force_login(user)
    concerns = Concern.objects.filter(match__case__partner=user.organisation)
    assert concerns.count() == 3  # the host's, the household's, the one the early end closed
    listing = client.get("/admin/stays/concern/")
    assert listing.status_code == 200
    for concern in concerns:
        assert client.get(f"/admin/stays/concern/{concern.pk}/change/").status_code == 200
    assert client.get("/admin/stays/checkin/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("partner", "languages"), STAY_CITIES)
def test_the_stays_figures_count_the_demos_stays(seeded, partner, languages):
    """The report's stay figures over the last 90 days (whatever the date: this year's
    partnership ends on 1 December, so its own period may not hold the demo's last days)."""
    from datetime import datetime, time

    from reports.metrics import Period, stay_figures

    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    first = today - timedelta(days=90)
    period = Period(
        start=datetime.combine(first, time.min, tzinfo=tz),
        end=datetime.combine(today + timedelta(days=1), time.min, tzinfo=tz),
        first_day=first,
        last_day=today,
    )
    stay = stay_figures(period, partner_id=Organisation.objects.get(name=partner).pk)
    assert stay["concerns_raised"] == 3
    assert stay["by_raiser"]["host"] == stay["by_raiser"]["household"] == 1
    assert stay["by_raiser"]["check_in"] == 1
    assert stay["stays_ended_early"] == 1
    assert stay["evaluations_answered"] == 1
    # Answered within hours: the host's concern (3 h) and the check-in's (19.5 h).
    assert 0 < stay["first_response"]["median"] < 48


# The road to work (issue 17) ----------------------------------------------------------------------

HOUSING_COMPANY = "Krokomsbostäder"


def road_cases():
    from accounts.demo_placements import ROAD, road_reference
    from newcomers.models import NewcomerCase

    cases = NewcomerCase.objects.filter(
        partner__name=KROKOM_PARTNER, reference__in=[road_reference(n) for n in range(len(ROAD))]
    )
    return {case.reference: case for case in cases}


@pytest.mark.django_db
def test_the_company_has_placements_of_every_kind_in_every_stage(seeded):
    from work.models import Employer, Placement

    company = Employer.objects.get(organisation__name=HOUSING_COMPANY)
    placements = Placement.objects.filter(employer=company)
    assert set(placements.values_list("kind", flat=True)) == set(Placement.Kind.values)
    assert set(placements.values_list("status", flat=True)) == set(Placement.Status.values)
    # The municipality and the shop the coordinator added take placements too.
    assert Placement.objects.filter(employer__organisation__name=KROKOM_PARTNER).exists()
    assert Placement.objects.filter(
        employer__organisation__kind=Organisation.Kind.EMPLOYER
    ).exists()
    today = timezone.localdate()
    for placement in Placement.objects.select_related("case", "supervisor"):
        steps = list(placement.transitions.order_by("created_at", "pk"))
        # Every step through the workflow, in order, and none of them ahead of today.
        assert steps[0].from_state in ("", None) and steps[0].to_state == "offered"
        assert steps[-1].to_state == placement.status, placement.title
        assert all(a.created_at <= b.created_at for a, b in zip(steps, steps[1:], strict=False))
        assert steps[-1].created_at <= timezone.now()
        assert placement.supervisor.organisation_id == placement.employer.organisation_id
        if placement.status in ("offered", "withdrawn"):
            assert placement.case is None
            continue
        assert placement.case.partner.name == KROKOM_PARTNER
        assert placement.consent_given_on <= today and placement.consent_given
        assert placement.employment_service_reference.startswith("AF-")
        if placement.status in Placement.TAKEN_UP:
            assert placement.started_on >= placement.consent_given_on
        if placement.status == "ended_early":
            assert placement.end_reason and placement.ended_on
        if placement.status == "employed":
            assert placement.employed_on >= placement.started_on
    # Under way: the supervisor's check-ins, in the placement's time.
    for placement in placements.filter(status="started"):
        check_ins = placement.check_ins.all()
        assert check_ins.exists(), placement.title
        for check_in in check_ins:
            assert check_in.recorded_by == placement.supervisor
            assert placement.started_on <= check_in.on <= today


@pytest.mark.django_db
def test_the_company_supervisors_and_its_own_figures(seeded):
    from work.models import Employer, StaffFigures

    company = Organisation.objects.get(name=HOUSING_COMPANY)
    employer = Employer.objects.get(organisation=company)
    assert set(employer.integration_units.values_list("name", flat=True)) == {KROKOM_PARTNER}
    for username in ("handledare", "handledare2"):
        supervisor = User.objects.get(username=username)
        assert supervisor.organisation == company and supervisor.is_staff
        assert set(supervisor.groups.values_list("name", flat=True)) == {
            roles.PLACEMENT_SUPERVISOR,
            roles.HOUSING_COMPANY_STAFF,
        }
        assert TOTPDevice.objects.filter(user=supervisor, confirmed=True).exists()
        assert supervisor.placements_supervised.filter(status="started").exists(), username
    shop = User.objects.get(username="butik").organisation
    assert shop.kind == Organisation.Kind.EMPLOYER
    assert shop.employer.added_by.username == "samordnare"
    figures = StaffFigures.objects.get(employer=employer)
    assert (figures.employees, figures.came_as_newcomers) == (38, 3)
    assert figures.recorded_by.username == "bostadsbolag"


@pytest.mark.django_db
def test_the_outcomes_give_63_percent_in_work_by_route_and_placement(seeded):
    from datetime import datetime, time

    from newcomers.models import NewcomerCase
    from reports.metrics import Period, establishment_outcomes
    from work.models import Placement

    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    period = Period(
        start=datetime.combine(today.replace(month=1, day=1), time.min, tzinfo=tz),
        end=datetime.combine(today + timedelta(days=1), time.min, tzinfo=tz),
        first_day=today.replace(month=1, day=1),
        last_day=today,
    )
    partner = Organisation.objects.get(name=KROKOM_PARTNER)
    overall = establishment_outcomes(period, partner_id=partner.pk)
    assert (overall["recorded"], overall["in_work"], overall["share_in_work"]) == (100, 63, 63)

    # Each household's route: the home of its move-in (a host's, or a quota flat), or none.
    groups = {}
    for case in road_cases().values():
        match = case.matches.filter(move_in_date__isnull=False).select_related("home").first()
        route = (
            "other"
            if match is None
            else "quota flat"
            if match.home.unit_id and match.home.vacancy.offered
            else "private host"
        )
        placed = case.placements.filter(status__in=Placement.TAKEN_UP).exists()
        for group in (route, "placement" if placed else "no placement"):
            total, in_work = groups.get(group, (0, 0))
            groups[group] = (total + 1, in_work + (case.outcome == "in_work"))
        assert case.status == "closed"
        assert case.still_in_municipality is not None
        # Whether it still lives in the home it was matched with: asked only if it had one.
        assert (case.still_in_matched_home is None) == (match is None)
        assert case.registered_with_employment_service_on is not None
        if route == "quota flat":
            # The sublet became a first-hand contract when the household registered.
            contract = match.contract
            assert contract.kind == "first_hand"
            assert contract.starts_on == match.move_in_date
            assert case.registered_with_employment_service_on >= match.move_in_date
        if match is not None:
            assert match.status == "ended" and match.ended_on <= case.establishment_ends_on
    assert groups["private host"] == (10, 6)
    assert groups["quota flat"] == (10, 7)
    assert groups["other"] == (10, 6)
    assert groups["placement"] == (14, 11)
    assert groups["no placement"] == (16, 8)
    # The 70 households the portal knows only by their outcome: 44 in work, none matched.
    rest = (
        NewcomerCase.objects.filter(partner=partner)
        .exclude(outcome="")
        .exclude(pk__in=[c.pk for c in road_cases().values()])
    )
    assert rest.count() == 70 and rest.filter(outcome="in_work").count() == 44
    assert not rest.filter(still_in_municipality__isnull=True).exists()
    # Some came from the company's housing for asylum seekers.
    assert NewcomerCase.objects.filter(
        partner=partner, asylum_allotment__company__name=HOUSING_COMPANY
    ).exists()


@pytest.mark.django_db
def test_this_years_report_shows_the_road_with_every_group_printed(seeded):
    """The road's establishment periods ended within this year's partnership period, so the
    report a manager opens shows 63 % in work, and each route and placement group rests on at
    least five households: printed, not hidden by the small-count rule. (Seeded before the middle
    of March they end last year: the year's report then holds none of them.)"""
    from accounts.demo_placements import _road_ends_between
    from reports.metrics import SMALL_NUMBER, compute_figures, outcomes_shown, work_shown
    from reports.models import Partnership

    today = timezone.localdate()
    partnership = Partnership.objects.get(
        housing_company__name=HOUSING_COMPANY, period_start__year=today.year
    )
    figures = compute_figures(partnership)
    outcomes = outcomes_shown(figures["outcomes"])
    # Every one of the 100, whenever its period ended: 63 % (the story's figure).
    assert outcomes["cumulative"] == {"recorded": 100, "share_in_work": 63}
    shown = work_shown(figures["work"])
    first, last = _road_ends_between(today)
    if first.year < today.year:
        assert outcomes["recorded"] == shown["recorded"] == 0
        return
    assert partnership.period_start <= first <= last <= partnership.period_end
    assert (outcomes["recorded"], outcomes["in_work"], outcomes["share_in_work"]) == (30, 19, 63)
    assert (outcomes["in_studies"], outcomes["other"]) == (5, 6)
    assert (shown["recorded"], shown["share_in_work"]) == (30, 63)
    assert [(row["key"], row["n"], row["share"]) for row in shown["by_route"]] == [
        ("private_host", 10, 60),
        ("quota_flat", 10, 70),
        ("other", 10, 60),
    ]
    assert [(row["key"], row["n"], row["share"]) for row in shown["by_placement"]] == [
        ("with_placement", 14, 79),
        ("without_placement", 16, 50),
    ]
    for row in shown["by_route"] + shown["by_placement"]:
        assert row["n"] >= SMALL_NUMBER, row["key"]
    # Staying, beside the share in work: 23 of the 30 still live in Krokom, 8 of the 20 matched
    # with a home (a host's or a quota flat) still live in it.
    assert shown["still_in_municipality"] == {"n": 30, "share": 77}
    assert shown["still_in_matched_home"] == {"n": 20, "share": 40}


@pytest.mark.django_db
def test_the_road_happened_years_ago_in_order(seeded):
    """Taken through the actions today, every step is dated back to its day (the road began
    years ago and its establishment periods ended this year, the last at least 75 days ago): the
    histories keep their order and the road's stays, surveys and check-ins are over."""
    from stays.models import CheckIn, Evaluation

    long_ago = timezone.now() - timedelta(days=60)
    for case in road_cases().values():
        steps = list(case.transitions.order_by("created_at", "pk"))
        assert [s.to_state for s in steps][0] == "waiting" and steps[-1].to_state == "closed"
        assert all(s.created_at < long_ago for s in steps)
        assert timezone.localtime(steps[0].created_at).date() == case.assigned_on
        assert case.outcome_recorded_at > timezone.localtime(steps[-1].created_at) - timedelta(
            days=1
        )
        for placement in case.placements.all():
            assert all(s.created_at < long_ago for s in placement.transitions.all())
            assert placement.created_at.date() >= case.assigned_on
        for match in case.matches.all():
            match_steps = list(match.transitions.order_by("created_at", "pk"))
            assert all(s.created_at < long_ago for s in match_steps)
            moved_in = next(s for s in match_steps if s.to_state == "moved_in")
            assert timezone.localtime(moved_in.created_at).date() == match.move_in_date
    road = list(road_cases().values())
    assert not CheckIn.objects.filter(match__case__in=road, status="planned").exists()
    assert not Evaluation.objects.filter(match__case__in=road).open().exists()


@pytest.mark.django_db
def test_every_demo_consent_points_to_the_notice_in_force_on_its_day(seeded):
    """The seed backdates registrations to last winter; a consent on record must never point to
    a privacy notice that came into force after the consent was given (a notice's version is
    the day it came into force). Every model that records consents is checked."""
    from datetime import date

    from django.apps import apps

    recording = [
        model
        for model in apps.get_models()
        if {"consent_notice_version", "consent_given_at"}
        <= {field.name for field in model._meta.get_fields()}
    ]
    assert Host in recording
    wrong = []
    for model in recording:
        rows = model.objects.values_list("pk", "consent_notice_version", "consent_given_at")
        for pk, version, given_at in rows:
            given_on = timezone.localdate(given_at)
            if date.fromisoformat(version) > given_on:
                wrong.append(f"{model.__name__} {pk}: notice {version}, consent on {given_on}")
    assert Host.objects.exists()
    assert not wrong, "\n".join(wrong)
    # The consent of a host who registered after the notice came into force is the registration.
    for host in Host.objects.all():
        assert host.consent_given_at <= timezone.now()
