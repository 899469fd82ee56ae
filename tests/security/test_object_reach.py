"""This object, this person: every page of the web app that takes an object's id, asked for an
object of another volunteer, another volunteer organisation, another partner or another housing
company (``permission_matrix.OBJECT_REACH``), answers 404 to the people it is not theirs, before
any step is taken: nothing changes (statuses, histories, calls, notes, e-mails, the access log).
Everyone else answers as the matrix says for their own object.

Only the roles that open the page with their own object are asked: the others are refused
before the object is looked up, and the permission matrix already checks them.
"""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from accounts import roles
from hosts.models import Home, HomeTransition
from notifications.models import OutboundEmail
from outreach.models import InformationMeeting, MeetingTransition, Source, VolunteersWanted
from privacy.models import AccessLog
from reports.models import ReportDownload, ReportRun, ReportRunTransition
from stays.models import CheckIn, CheckInTransition, Concern
from tests.conftest import built_once_per_module
from tests.factories import (
    NewcomerCaseFactory,
    PartnershipFactory,
    UserFactory,
    VolunteerApplicationFactory,
    match_with_history,
    municipality,
    queued_home,
    referred_home,
    staff_user,
    visit_booked_home,
)
from tests.security import permission_matrix as matrix
from tests.security.conftest import OTHER_ORGANISATION_MUNICIPALITY, _build_world
from tests.security.test_permission_matrix import (
    classify,
    fill,
    role_client,
    route_values,
    url_patterns,
)
from volunteers import actions as volunteering
from volunteers.models import (
    ApplicationTransition,
    CallAttempt,
    Campaign,
    HomeVisit,
    HomeVisitTransition,
    HostNote,
    QueueEntry,
    VolunteerApplication,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.two_factor,
    pytest.mark.usefixtures("local_cache", "fast_password_hashing"),
]


def done_run(partnership):
    """A finished report run, produced through the actions with small stand-in files."""
    from reports import actions as reporting

    run = reporting.request_report(partnership=partnership, user=None)
    with (
        mock.patch("reports.documents.render_pdf", return_value=b"%PDF-1.4 test"),
        mock.patch("reports.documents.render_xlsx", return_value=b"PK test"),
    ):
        return reporting.produce_report(run_id=run.pk)


def _build_world_with_others():
    """The security tests' world, and the objects of other people the pages are asked for:
    built once for the module (``built_once_per_module``), not again for each role."""
    world = _build_world()
    world.others = other_peoples_objects(world)
    return world


held_world = built_once_per_module(_build_world_with_others)


@pytest.fixture
def others(world):
    """One object of each kind a page takes an id of, for each kind of someone else: id name ->
    {whose: object}. The other volunteer's hold on their host is renewed, as the world's is
    (a module can outlast a lease)."""
    from volunteers.actions.queue import lease_length

    entry = world.others["entry_id"][matrix.ANOTHER_VOLUNTEER]
    entry.lease_until = timezone.now() + lease_length()
    QueueEntry.objects.filter(pk=entry.pk).update(lease_until=entry.lease_until)
    return world.others


def other_peoples_objects(world):
    """One object of each kind a page takes an id of, for each kind of someone else: id name ->
    {whose: object}."""
    orgs = world.orgs
    today = timezone.localdate()
    colleague = UserFactory(
        roles=[roles.VOLUNTEER], organisation=orgs["volunteers"], username="w_colleague"
    )
    stranger = UserFactory(
        roles=[roles.VOLUNTEER], organisation=orgs["other_volunteers"], username="w_stranger"
    )
    stranger_coordinator = staff_user(
        roles.VOLUNTEER_COORDINATOR, orgs["other_volunteers"], username="w_strangercoord"
    )
    # Another volunteer's: a host they agreed a visit with, the host they hold, their visit.
    agreed = queued_home()
    volunteering.record_call(
        entry=agreed.queue_entry, volunteer=colleague, outcome=CallAttempt.Outcome.INTERESTED
    )
    held = queued_home()
    entry = volunteering.claim_next_host(volunteer=colleague)
    assert entry.home == held
    colleague_visit = visit_booked_home([colleague])
    # Another volunteer organisation's (in the municipality its group covers): a home and visit
    # of its volunteer, a stay they follow up, an application its coordinator declined, its
    # campaign.
    theirs = {"municipality": municipality(OTHER_ORGANISATION_MUNICIPALITY)}
    stranger_visit = visit_booked_home([stranger], **theirs)
    followed = referred_home(orgs["partner"], **theirs)
    CallAttempt.objects.create(home=followed, volunteer=stranger, outcome="interested")
    stranger_check_in = CheckIn.objects.create(
        match=match_with_history(followed, NewcomerCaseFactory(partner=orgs["partner"])),
        after_days=7,
        due_on=today,
        responsible=CheckIn.Responsible.VOLUNTEERS,
    )
    # The application came from the municipality the other organisation's group covers, and
    # its coordinator (of that group) declined it: a coordinator decides only the applications
    # of the groups they reach.
    their_group = world.foreign["accounts.localgroup"]
    assert stranger_coordinator.local_group == their_group
    declined = VolunteerApplicationFactory(
        status="declined", reviewed_by=stranger_coordinator, decline_reason="Inte nu", **theirs
    )
    assert declined.local_group == their_group
    campaign = Campaign.objects.create(
        name="Grannkampanjen", organisation=orgs["other_volunteers"], local_group=their_group
    )
    # Partnerships (and their reports) of another volunteer organisation, another partner and
    # another housing company.
    partnerships = {
        matrix.ANOTHER_VOLUNTEER_ORGANISATION: PartnershipFactory(
            volunteer_organisation=orgs["other_volunteers"], partner=orgs["partner"]
        ),
        matrix.ANOTHER_PARTNER: PartnershipFactory(
            volunteer_organisation=orgs["volunteers"], partner=orgs["other_partner"]
        ),
        matrix.ANOTHER_HOUSING_COMPANY: PartnershipFactory(
            volunteer_organisation=orgs["other_volunteers"],
            partner=orgs["other_partner"],
            housing_company=orgs["other_housing"],
        ),
    }
    # Information meetings: of the organisation's second group, of the other organisation's
    # group, and the other partner's (the world's).
    from accounts.models import User
    from outreach.actions import plan_meeting

    def meeting_of(user, code):
        starts_at = timezone.now() + timedelta(days=7)
        return plan_meeting(
            user=user,
            local_group=user.local_group,
            municipality=municipality(code),
            title="Ett annat möte",
            topic="both",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            place="Biblioteket",
            capacity=5,
        )

    group_b_coordinator = User.objects.get(username="w_b_coord")
    meetings = {
        matrix.ANOTHER_GROUP: meeting_of(
            group_b_coordinator, group_b_coordinator.local_group.municipalities.first().pk
        ),
        matrix.ANOTHER_VOLUNTEER_ORGANISATION: meeting_of(
            stranger_coordinator, OTHER_ORGANISATION_MUNICIPALITY
        ),
        matrix.ANOTHER_PARTNER: world.foreign["outreach.informationmeeting"],
    }
    # Tagged links and notices of another group of the organisation and of another
    # organisation's group (issue 20), made by their own coordinators.
    from outreach import actions as outreach

    links, notices = {}, {}
    for whose, maker in [
        (matrix.ANOTHER_GROUP, group_b_coordinator),
        (matrix.ANOTHER_VOLUNTEER_ORGANISATION, stranger_coordinator),
    ]:
        links[whose] = outreach.make_tagged_link(
            kind="poster", target="host", label="Deras", local_group=maker.local_group, user=maker
        )
        notices[whose] = outreach.publish_volunteers_wanted(
            local_group=maker.local_group, user=maker, needs=["visits"]
        )
    return {
        "meeting_id": meetings,
        "source_id": links,
        "notice_id": notices,
        "entry_id": {matrix.ANOTHER_VOLUNTEER: entry},
        "home_id": {
            matrix.ANOTHER_VOLUNTEER: agreed,
            matrix.ANOTHER_GROUP: world.group_b["hosts.home"],
            matrix.ANOTHER_VOLUNTEER_ORGANISATION: stranger_visit.home,
            matrix.ANOTHER_PARTNER: world.foreign["hosts.home"],
        },
        "visit_id": {
            matrix.ANOTHER_VOLUNTEER: colleague_visit,
            matrix.ANOTHER_GROUP: world.group_b["volunteers.homevisit"],
            matrix.ANOTHER_VOLUNTEER_ORGANISATION: stranger_visit,
        },
        "follow_up_id": {
            matrix.ANOTHER_GROUP: world.group_b["stays.checkin"],
            matrix.ANOTHER_VOLUNTEER_ORGANISATION: stranger_check_in,
            matrix.ANOTHER_PARTNER: world.foreign["stays.checkin"],
        },
        "check_in_id": {
            matrix.ANOTHER_GROUP: world.group_b["stays.checkin"],
            matrix.ANOTHER_VOLUNTEER_ORGANISATION: stranger_check_in,
            matrix.ANOTHER_PARTNER: world.foreign["stays.checkin"],
        },
        "application_id": {matrix.ANOTHER_VOLUNTEER_ORGANISATION: declined},
        "campaign_id": {
            matrix.ANOTHER_GROUP: world.group_b["volunteers.campaign"],
            matrix.ANOTHER_VOLUNTEER_ORGANISATION: campaign,
        },
        "partnership_id": partnerships,
        "run_id": {whose: done_run(p) for whose, p in partnerships.items()},
    }


def state():
    """What a refused request must leave as it was."""
    ordered = {
        Home: ("status", "partner_id", "duplicate_of_id", "status_changed_at"),
        HomeVisit: ("status", "starts_at", "verdict", "report"),
        VolunteerApplication: ("status", "reviewed_by_id"),
        CheckIn: ("status", "done_at", "done_by_id", "note"),
        QueueEntry: ("claimed_by_id", "lease_until", "needs_call", "handed_back_by_id"),
        Campaign: ("ended_at",),
        ReportRun: ("status",),
        Source: ("retired_at",),
        VolunteersWanted: ("shown_until",),
        InformationMeeting: ("status", "title", "starts_at", "capacity", "walk_ins"),
    }
    rows = {
        model.__name__: list(model.objects.order_by("pk").values_list("pk", *fields))
        for model, fields in ordered.items()
    }
    counted = [
        HomeTransition,
        HomeVisitTransition,
        ApplicationTransition,
        CheckInTransition,
        Concern,
        CallAttempt,
        HostNote,
        OutboundEmail,
        AccessLog,
        ReportRunTransition,
        ReportDownload,
        MeetingTransition,
    ]
    rows.update({model.__name__: model.objects.count() for model in counted})
    return rows


def object_cells():
    """(pattern name, route, id name, whose, roles that do not find it)."""
    routes = {name: route for name, route, _pattern in url_patterns() if name}
    for name, ids in matrix.OBJECT_REACH.items():
        for id_name, kinds in ids.items():
            for whose, hidden in kinds.items():
                yield name, routes[name], id_name, whose, set(hidden)


@pytest.mark.parametrize(
    "role",
    [
        roles.VOLUNTEER,
        roles.VOLUNTEER_COORDINATOR,
        roles.NATIONAL_COORDINATOR,
        roles.PARTNER_COORDINATOR,
        roles.MANAGER,
    ],
)
def test_another_persons_object_is_not_found_and_nothing_changes(role, world, others, quick_pages):
    client = role_client(world, role)
    differences, asked = [], 0
    # Every request is rolled back, so each starts from this state; a request that must be
    # refused is compared with it (an allowed one may change what it likes).
    before = state()
    for name, route, id_name, whose, hidden in object_cells():
        values = {**route_values(world, route, "own"), id_name: others[id_name][whose].pk}
        path = fill(route, values)
        for method in matrix.METHODS:
            own = matrix.expected(name, role, method)
            if own != matrix.OK:
                continue  # refused before the object is looked up (the matrix checks it)
            want = matrix.NOT_FOUND if role in hidden else matrix.OK
            asked += 1
            with transaction.atomic():
                response = client.get(path) if method == "GET" else client.post(path)
                if response.streaming:
                    b"".join(response.streaming_content)
                after = state() if want == matrix.NOT_FOUND else before
                transaction.set_rollback(True)
            got = classify(response, path)
            if got != want:
                differences.append(f"{method} {path} ({whose}): {got}, declared {want}")
            elif want == matrix.NOT_FOUND and after != before:
                changed = sorted(k for k in before if before[k] != after[k])
                differences.append(f"{method} {path} ({whose}): 404 but changed {changed}")
    assert asked, role
    assert not differences, f"{len(differences)} differences for {role}:\n" + "\n".join(differences)


def test_another_employers_placement_is_not_found_through_any_page_and_nothing_changes(
    world, quick_pages
):
    """The other housing company's placements (offered to the other partner), at every stage,
    asked for through every admin page of a placement and its check-in, each step sent with a
    valid input: 404 to the roles that do not find another company's placement
    (``ADMIN_MODELS["work.placement"]["foreign"]``), and nothing changes (the placements, their
    histories and check-ins, the e-mails, the access log).

    Each page is asked for once per role: a stage's change, history and delete pages are the
    same addresses for each of its steps, and the check-in's the same for every step. Every
    request is rolled back, so each starts from the state taken once per role, before them."""
    from django.urls import reverse

    from tests.security.test_permission_matrix import (
        placement_at,
        placement_state,
        placement_steps,
    )

    steps = placement_steps(world, "foreign")
    placements = {
        stage: placement_at(world, stage, "foreign") for stage in ("offered", "proposed", "started")
    }
    check_in = world.foreign["work.placementcheckin"]
    outsiders = matrix.ADMIN_MODELS["work.placement"]["foreign"] & set(matrix.STAFF_ROLES)
    assert {roles.PARTNER_COORDINATOR, roles.PLACEMENT_SUPERVISOR} <= outsiders
    # (method, path) -> (the body sent, the placement it is about): each step with its input,
    # and every page of each stage's placement and of the check-in (its own placement's) with
    # GET and an empty POST.
    requests = {}
    for name, (stage, data) in steps.items():
        placement = placements[stage]
        step = reverse("admin:work_placement_step", args=[placement.pk, name])
        requests[("POST", step)] = (data, placement)
        requests[("GET", step)] = (None, placement)
    for page in ("change", "history", "delete"):
        pages = [
            (reverse(f"admin:work_placement_{page}", args=[p.pk]), p) for p in placements.values()
        ]
        pages.append(
            (
                reverse(f"admin:work_placementcheckin_{page}", args=[check_in.pk]),
                check_in.placement,
            )
        )
        for url, placement in pages:
            requests[("GET", url)] = requests[("POST", url)] = (None, placement)
    assert len(requests) == 2 * len(steps) + 2 * 3 * 4
    placements_asked = {placement for _body, placement in requests.values()}
    differences, asked = [], 0
    for role in sorted(outsiders):
        client = role_client(world, role)
        before = {p.pk: (placement_state(p), state()) for p in placements_asked}
        for (method, path), (body, placement) in requests.items():
            asked += 1
            with transaction.atomic():
                response = client.get(path) if method == "GET" else client.post(path, body)
                after = (placement_state(placement), state())
                transaction.set_rollback(True)
            got = classify(response, path)
            if got != matrix.NOT_FOUND:
                differences.append(f"{role} {method} {path}: {got}, declared not_found")
            elif after != before[placement.pk]:
                differences.append(f"{role} {method} {path}: 404 but changed")
    assert asked
    assert not differences, "\n".join(differences)
