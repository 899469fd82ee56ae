"""The household's road in one place (``work.selectors.road_of``): built from a hand-made
history, in order, read from the logs in a fixed number of queries, and out of reach for everyone
but the case's partner's coordinators and managers and the data protection officer."""

from datetime import date, datetime

import pytest
from django.http import Http404
from django.utils import timezone, translation

from accounts.models import Organisation, User
from housing.models import Contract, ContractTransition
from matching.models import Match
from newcomers.actions import record_establishment_outcome
from tests.factories import (
    AllotmentFactory,
    NewcomerCaseFactory,
    OrganisationFactory,
    QuotaAgreementFactory,
    match_with_history,
    offered_flat,
    referred_home,
    staff_user,
)
from work.models import Employer, Placement, PlacementTransition
from work.selectors import Road, road_of

pytestmark = pytest.mark.django_db


def at(*parts) -> datetime:
    """Noon (or the given time) of a day, in the portal's time zone."""
    return timezone.make_aware(datetime(*parts, *(() if len(parts) > 3 else (12,))))


def placement_with_history(employer, unit, case, steps, **fields):
    """A placement of ``employer`` whose history is ``steps`` (``(to_state, when)``, from its
    offer on); it ends in the last state with ``fields``."""
    placement = Placement.objects.create(
        employer=employer,
        integration_unit=unit,
        kind=fields.pop("kind", Placement.Kind.WORK_TRAINING),
        title=fields.pop("title", "Fastighetsskötarassistent"),
        place="Krokom",
        starts_on=date(2025, 3, 1),
        ends_on=date(2025, 8, 31),
        hours_per_week=20,
        created_at=steps[0][1],
    )
    state = ""
    for to_state, when in steps:
        PlacementTransition.objects.create(
            placement=placement,
            from_state=state,
            to_state=to_state,
            actor_kind="user",
            created_at=when,
        )
        state = to_state
    Placement.objects.filter(pk=placement.pk).update(status=state, case=case, **fields)
    placement.refresh_from_db()
    return placement


@pytest.fixture
def household(organisations, coordinator):
    """A household from the housing company's emergency places, assigned on 1 February 2024; a
    stay with a private host that ended early; a company flat (offered under the quota) on a
    sublet that became a first-hand contract after the registration with the Public Employment
    Service; work training started and completed, then employment; in work after the
    establishment period, still in the municipality but not in the matched home."""
    partner, company = organisations["partner"], organisations["housing"]
    allotment = AllotmentFactory(
        company=company,
        kind="emergency",
        period_start=date(2015, 9, 1),
        period_end=date(2017, 12, 31),
    )
    case = NewcomerCaseFactory(
        partner=partner,
        assigned_on=date(2024, 2, 1),
        housing_needed_by=date(2024, 3, 1),
        asylum_allotment=allotment,
        registered_with_employment_service_on=date(2025, 1, 14),
    )

    private = referred_home(partner)
    host_stay = match_with_history(
        private,
        case,
        [
            ("approved", at(2024, 3, 1)),
            ("moved_in", at(2024, 3, 10)),
            ("ended", at(2024, 6, 21)),  # recorded the day after
        ],
        proposed_at=at(2024, 2, 20),
    )
    Match.objects.filter(pk=host_stay.pk).update(
        move_in_date=date(2024, 3, 10),
        ended_on=date(2024, 6, 20),
        early_end_reason=Match.EarlyEnd.RELATIONSHIP,
    )

    vacancy = offered_flat(QuotaAgreementFactory(company=company, integration_unit=partner))
    flat = vacancy.home
    company_stay = match_with_history(
        flat,
        case,
        [("approved", at(2024, 6, 25)), ("moved_in", at(2024, 7, 1))],
    )
    Match.objects.filter(pk=company_stay.pk).update(move_in_date=date(2024, 7, 1))
    contract = Contract.objects.create(
        match=company_stay,
        company=company,
        unit=flat.unit,
        starts_on=date(2024, 7, 1),
        kind=Contract.Kind.FIRST_HAND,
    )
    ContractTransition.objects.create(
        contract=contract, to_state="sublet", actor_kind="system", created_at=at(2024, 7, 1)
    )
    ContractTransition.objects.create(
        contract=contract,
        from_state="sublet",
        to_state="first_hand",
        actor_kind="system",
        created_at=at(2025, 1, 15),
    )

    employer = Employer.objects.create(organisation=company)
    employer.integration_units.add(partner)
    placement_with_history(
        employer,
        partner,
        case,
        [
            ("offered", at(2025, 1, 20)),
            ("proposed", at(2025, 2, 3)),
            ("started", at(2025, 3, 3)),  # recorded two days after the start
            ("completed", at(2025, 8, 31)),
            ("employed", at(2025, 9, 2)),
        ],
        adult_number=1,
        consent_given_on=date(2025, 2, 1),
        started_on=date(2025, 3, 1),
        ended_on=date(2025, 8, 31),
        employed_on=date(2025, 9, 1),
    )
    # Another household's placement, and one first proposed for someone else (declined and
    # forgotten) and then for this household's second adult, who has not started yet.
    placement_with_history(
        employer,
        partner,
        NewcomerCaseFactory(partner=partner),
        [("offered", at(2025, 1, 20)), ("proposed", at(2025, 2, 4))],
        adult_number=1,
        consent_given_on=date(2025, 2, 1),
    )
    placement_with_history(
        employer,
        partner,
        case,
        [
            ("offered", at(2025, 4, 1)),
            ("proposed", at(2025, 4, 2)),
            ("offered", at(2025, 4, 3)),
            ("proposed", at(2026, 1, 12)),
        ],
        kind=Placement.Kind.LANGUAGE_PRACTICE,
        title="Kundtjänst",
        adult_number=2,
        consent_given_on=date(2026, 1, 10),
    )

    record_establishment_outcome(
        case=case,
        outcome="in_work",
        still_in_municipality=True,
        still_in_matched_home=False,
        user=coordinator,
    )
    case.refresh_from_db()
    return case


def events(road):
    return [(event.date, event.kind, event.label, event.detail) for event in road]


def test_the_road_is_read_from_the_history_in_order(household, coordinator):
    flat = household.matches.get(home__unit__isnull=False).home.unit
    today = timezone.localdate()
    with translation.override("en"):
        road = road_of(case=household, user=coordinator)
    assert events(road) == [
        (
            date(2015, 9, 1),
            Road.ASYLUM_HOUSING,
            "Asylum housing let to the Migration Agency",
            "Krokomsbostäder: Emergency places",
        ),
        (date(2024, 2, 1), Road.ASSIGNED, "Assigned to the municipality", "Mottagningsenheten"),
        (
            date(2024, 3, 10),
            Road.PRIVATE_HOME,
            "Moved in with a private host",
            "A room in a shared home, Östersund",
        ),
        (
            date(2024, 6, 20),
            Road.MOVED_OUT,
            "Moved out",
            "A room in a shared home, Östersund; ended early: The host and the household did "
            "not get on",
        ),
        (
            date(2024, 7, 1),
            Road.COMPANY_SUBLET,
            "Moved into a company flat on a sublet",
            f"Krokomsbostäder, {flat}, offered under the quota",
        ),
        (
            date(2025, 1, 14),
            Road.EMPLOYMENT_SERVICE,
            "Registered with the Public Employment Service",
            "",
        ),
        (
            date(2025, 1, 15),
            Road.FIRST_HAND_CONTRACT,
            "The sublet became a first-hand contract",
            f"Krokomsbostäder, {flat}",
        ),
        (
            date(2025, 2, 3),
            Road.PLACEMENT_PROPOSED,
            "Proposed for a placement",
            "Work training: Fastighetsskötarassistent, Krokomsbostäder (adult 1)",
        ),
        (
            date(2025, 3, 1),
            Road.PLACEMENT_STARTED,
            "Placement started",
            "Work training: Fastighetsskötarassistent, Krokomsbostäder (adult 1)",
        ),
        (
            date(2025, 8, 31),
            Road.PLACEMENT_COMPLETED,
            "Placement completed",
            "Work training: Fastighetsskötarassistent, Krokomsbostäder (adult 1)",
        ),
        (
            date(2025, 9, 1),
            Road.EMPLOYMENT,
            "Employed",
            "Work training: Fastighetsskötarassistent, Krokomsbostäder (adult 1)",
        ),
        (
            date(2026, 1, 12),
            Road.PLACEMENT_PROPOSED,
            "Proposed for a placement",
            "Language practice: Kundtjänst, Krokomsbostäder (adult 2)",
        ),
        (
            today,
            Road.OUTCOME,
            "After the establishment period",
            "In work; still lives in the municipality; no longer lives in the home it was "
            "matched with",
        ),
    ]
    assert (road[0].until, road[1].until) == (date(2017, 12, 31), None)


def test_a_placement_that_ended_early_says_why(organisations, coordinator):
    partner, company = organisations["partner"], organisations["housing"]
    case = NewcomerCaseFactory(partner=partner, assigned_on=date(2025, 1, 10))
    employer = Employer.objects.create(organisation=company)
    placement_with_history(
        employer,
        partner,
        case,
        [("offered", at(2025, 2, 1)), ("proposed", at(2025, 2, 2)), ("started", at(2025, 3, 1))]
        + [("ended_early", at(2025, 4, 2))],
        adult_number=1,
        consent_given_on=date(2025, 2, 1),
        started_on=date(2025, 3, 1),
        ended_on=date(2025, 4, 1),
        end_reason=Placement.EndReason.STUDIES,
    )
    with translation.override("en"):
        last = road_of(case=case, user=coordinator)[-1]
    assert (last.date, last.kind, last.label, last.detail) == (
        date(2025, 4, 1),
        Road.PLACEMENT_ENDED_EARLY,
        "Placement ended early",
        "Work training: Fastighetsskötarassistent, Krokomsbostäder (adult 1); why: Started studies",
    )


def test_the_road_is_in_the_page_language(household, coordinator):
    with translation.override("sv"):
        labels = [event.label for event in road_of(case=household, user=coordinator)]
    assert labels[:3] == [
        "Asylboende upplåtet åt Migrationsverket",
        "Anvisad till kommunen",
        "Flyttade in hos en privat värd",
    ]


def fresh(user) -> User:
    """The person as a new request sees them (nothing of their roles read yet)."""
    return User.objects.get(pk=user.pk)


def test_the_road_takes_a_fixed_number_of_queries(
    household, coordinator, organisations, django_assert_num_queries
):
    short = NewcomerCaseFactory(partner=organisations["partner"])
    # The person's roles, their organisation, the case, the moves, the contracts, the placements.
    for case, length in ((short, 1), (household, 13)):
        person = fresh(coordinator)
        with django_assert_num_queries(6):
            assert len(road_of(case=case, user=person)) == length


def test_the_partners_coordinators_and_managers_and_the_dpo_read_the_road(
    household, organisations, data_protection_officer
):
    manager = staff_user("manager", organisations["partner"])
    for person in (manager, data_protection_officer):
        assert len(road_of(case=household, user=fresh(person))) == 13


@pytest.mark.parametrize(
    "who",
    [
        "other_partners_coordinator",
        "other_partners_manager",
        "company_supervisor",
        "company_staff",
        "supervisor_at_the_partner",
        "volunteer_coordinator",
        "outside_employers_supervisor",
    ],
)
def test_nobody_else_finds_the_road(who, household, organisations):
    """Another partner's people, the employer's supervisors and the housing company's staff (who
    see the placement or the flat, not the household's road), and a supervisor of the partner
    itself (the municipality as an employer) find no such case."""
    company = organisations["housing"]
    person = {
        "other_partners_coordinator": lambda: staff_user(
            "partner_coordinator", organisations["other_partner"]
        ),
        "other_partners_manager": lambda: staff_user("manager", organisations["other_partner"]),
        "company_supervisor": lambda: staff_user("placement_supervisor", company),
        "company_staff": lambda: staff_user("housing_company_staff", company),
        "supervisor_at_the_partner": lambda: staff_user(
            "placement_supervisor", organisations["partner"]
        ),
        "volunteer_coordinator": lambda: staff_user(
            "volunteer_coordinator", organisations["volunteers"]
        ),
        "outside_employers_supervisor": lambda: staff_user(
            "placement_supervisor", OrganisationFactory(kind=Organisation.Kind.EMPLOYER)
        ),
    }[who]()
    with pytest.raises(Http404):
        road_of(case=household, user=person)


def test_a_case_without_a_history_has_only_its_assignment(organisations, coordinator):
    case = NewcomerCaseFactory(partner=organisations["partner"], assigned_on=date(2026, 5, 4))
    assert [(event.date, event.kind) for event in road_of(case=case, user=coordinator)] == [
        (date(2026, 5, 4), Road.ASSIGNED)
    ]


# On the case's page -----------------------------------------------------------------------------


def test_the_case_page_shows_the_road_and_the_placements(client, household, coordinator):
    """In Swedish (the default language): dates by Django's date filter in <time> elements, the
    labels and details in words, never a stored code; each placement links to its page."""
    client.force_login(coordinator)
    page = client.get(f"/admin/newcomers/newcomercase/{household.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    section = html[html.index('id="road"') : html.index("</fieldset>", html.index('id="road"'))]
    assert '<time datetime="2024-02-01">1\xa0feb. 2024</time>' in section
    assert (
        '<time datetime="2015-09-01">1\xa0sep. 2015</time>–'
        '<time datetime="2017-12-31">31\xa0dec. 2017</time>'
    ) in section
    assert "Anvisad till kommunen" in section
    for code in ("work_training", "in_work", "moved_in", "first_hand", "relationship", "employed"):
        assert code not in section
    placements = Placement.objects.filter(case=household).order_by("starts_on", "pk")
    assert [row["placement"] for row in page.context["placements"]] == list(placements)
    for placement in placements:
        assert f'href="/admin/work/placement/{placement.pk}/change/"' in section
        assert placement.get_status_display() in section


def test_another_partners_coordinator_gets_no_case_page(client, household, other_coordinator):
    client.force_login(other_coordinator)
    page = client.get(f"/admin/newcomers/newcomercase/{household.pk}/change/")
    assert page.status_code == 404


@pytest.mark.parametrize("role", ["manager", "data_protection_officer"])
def test_those_who_only_read_see_the_road_and_no_registration_button(
    client, household, organisations, role
):
    person = staff_user(role, organisations["partner" if role == "manager" else "volunteers"])
    client.force_login(person)
    page = client.get(f"/admin/newcomers/newcomercase/{household.pk}/change/")
    assert page.status_code == 200
    assert len(page.context["road"]) == 13
    assert "registration_url" not in page.context
