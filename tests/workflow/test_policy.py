"""Who may take which step: a table written by hand from the design (who works where, and the
staged workflow of a home, a case and a match), not read from the declarations it checks.

For every step in the table the engine is asked, from a stage the step starts from, by each person
of every role, by the host and by the portal itself: the people listed take it (one history row
each, saying who), everyone else is refused and nothing changes. The table must name every step
of every declared workflow, and every declared workflow: a new step or a new workflow fails here
until someone decides by hand who may take it.
"""

import importlib
import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from accounts.roles import (
    DATA_PROTECTION_OFFICER,
    HOUSING_COMPANY_STAFF,
    MANAGER,
    PARTNER_COORDINATOR,
    PLACEMENT_SUPERVISOR,
    ROLE_LABELS,
    VOLUNTEER,
    VOLUNTEER_COORDINATOR,
)
from hosts.models import Home, HomeTransition
from hosts.workflow import HOME_WORKFLOW
from housing.models import Contract
from housing.workflow import CONTRACT_WORKFLOW, VACANCY_WORKFLOW
from matching.models import Match
from matching.workflow import MATCH_WORKFLOW
from newcomers.workflow import CASE_WORKFLOW
from outreach.models import InformationMeeting, MeetingSignup
from outreach.workflow import MEETING_WORKFLOW, SIGNUP_WORKFLOW
from reports.workflow import REPORT_RUN_WORKFLOW
from stays.models import CheckIn, Concern, Evaluation, Mediation
from stays.workflow import (
    CHECK_IN_WORKFLOW,
    CONCERN_WORKFLOW,
    EVALUATION_WORKFLOW,
    MEDIATION_WORKFLOW,
)
from tests.factories import (
    HomeFactory,
    NewcomerCaseFactory,
    OrganisationFactory,
    PartnershipFactory,
    QuotaAgreementFactory,
    UnitFactory,
    VolunteerApplicationFactory,
    offered_flat,
    proposed_placement,
    staff_user,
    visit_booked_home,
    work_place,
)
from volunteers.workflow import APPLICATION_WORKFLOW, VISIT_WORKFLOW
from work.workflow import PLACEMENT_WORKFLOW
from workflow.engine import HOST, HOUSEHOLD, SYSTEM, Workflow
from workflow.errors import NotAllowed

pytestmark = pytest.mark.django_db

V, VC, PC = VOLUNTEER, VOLUNTEER_COORDINATOR, PARTNER_COORDINATOR
VOLUNTEERS = {V, VC}  # the volunteer organisation's people, on the phone and on visits
# An employer's staff: its supervisors, the housing company's staff, and the municipality's own
# coordinators where the municipality itself is the employer (the actions check the side).
EMPLOYER_STAFF = {PLACEMENT_SUPERVISOR, HOUSING_COMPANY_STAFF, PC}

# workflow -> step -> who may take it. Written from the design; keep it short, and by hand.
POLICY = {
    "home": {
        # Volunteers phone the host, book the home visit, and report it (suitable or not).
        "contact": VOLUNTEERS,
        "book_visit": VOLUNTEERS,
        "cancel_visit": VOLUNTEERS,
        "approve_visit": VOLUNTEERS,
        "reject": VOLUNTEERS,
        # Only the volunteer coordinator refers a visited home to a partner.
        "refer": {VC},
        # The portal: a company flat offered under the quota, and the home's side of a match.
        "offer_from_company": {SYSTEM},
        "match": {SYSTEM},
        "unmatch": {SYSTEM},
        "end": {SYSTEM},
        # After a stay the home goes to a partner again or is closed, by either coordinator.
        "refer_again": {PC, VC, SYSTEM},
        "close": {PC, VC, SYSTEM},
        # Unreachable after unanswered calls (the portal, or the coordinator by hand); the host
        # who is interested again, or the coordinator, re-opens it.
        "mark_unreachable": {SYSTEM, VC},
        "reopen": {HOST, VC},
        # The host through self-service, or a volunteer the host told on the phone.
        # ...and the portal, for a home whose stay ended and that the partner chose to pause.
        "pause": {HOST, *VOLUNTEERS, SYSTEM},
        "resume": {HOST, *VOLUNTEERS},
        # Also the partner's coordinator the host told, and the portal (the company withdraws a
        # declined flat).
        "withdraw": {HOST, *VOLUNTEERS, PC, SYSTEM},
    },
    "case": {
        # Matching, moving in and a failed match move the case as steps of the match.
        "match": {SYSTEM},
        "unmatch": {SYSTEM},
        "move_in": {SYSTEM},
        # The partner's coordinator keeps the cases.
        "rehouse": {PC, SYSTEM},
        "close": {PC, SYSTEM},
        "reopen": {PC},
    },
    "match": {
        # Only the partner's coordinator decides a match; the portal cancels a proposal when the
        # host withdraws and records a planned move-in on its day.
        "approve": {PC},
        "reject": {PC},
        "cancel": {PC, SYSTEM},
        "move_in": {PC, SYSTEM},
        "end": {PC},
    },
    "contract": {
        # The sublet becomes first-hand when the tenant's registration is recorded.
        "convert": {SYSTEM},
    },
    "vacancy": {
        # The integration unit (the partner) declines an offered flat; a move-in accepts it.
        "accept": {SYSTEM},
        "decline": {PC},
    },
    "visit": {
        # The volunteers who booked it move it, cancel it, and file the report; the portal
        # cancels it when the host withdraws or pauses the offer.
        "move": VOLUNTEERS,
        "cancel": {*VOLUNTEERS, SYSTEM},
        "report": VOLUNTEERS,
    },
    "application": {
        # The volunteer coordinator approves volunteers.
        "approve": {VC},
        "decline": {VC},
    },
    "check_in": {
        # Whoever follows the stay records a check-in (the home's group for a private home, the
        # partner for a company flat: the action checks which); the portal cancels the planned
        # ones when the stay ends, as does the partner's coordinator.
        "record": {PC, *VOLUNTEERS},
        "cancel": {PC, SYSTEM},
    },
    "concern": {
        # The partner's coordinator answers a concern; the volunteer coordinator of the home's
        # group may acknowledge and resolve it too. Only the partner books mediation.
        "acknowledge": {PC, VC},
        "mediate": {PC},
        "resolve": {PC, VC},
        "back_to_acknowledged": {PC, SYSTEM},
        "stay_ended": {SYSTEM},
    },
    "mediation": {
        "move": {PC},
        "hold": {PC},
        "cancel": {PC, SYSTEM},
    },
    "evaluation": {
        # Each side answers its own; nobody answers for them. The portal lapses it.
        "answer": {HOST, HOUSEHOLD},
        "lapse": {SYSTEM},
    },
    "report_run": {
        # The portal produces the report (and queues again a run whose worker was lost); a
        # manager asks for it again.
        "start": {SYSTEM},
        "retry": {SYSTEM},
        "finish": {SYSTEM},
        "fail": {SYSTEM},
        "requeue": {SYSTEM},
        "request_again": {MANAGER, SYSTEM},
    },
    "placement": {
        # The integration unit's coordinators propose a newcomer (with consent) and withdraw
        # their proposal; the employer's staff withdraw an offer nobody has taken, decline or
        # start a proposal, and complete it. Either side records an early end or an employment.
        # Managers and the data protection officer only read; the portal takes no step.
        "propose": {PC},
        "withdraw_proposal": {PC},
        "decline": EMPLOYER_STAFF,
        "start": EMPLOYER_STAFF,
        "complete": EMPLOYER_STAFF,
        "end_early": EMPLOYER_STAFF | {PC},
        "employ": EMPLOYER_STAFF | {PC},
        "withdraw": EMPLOYER_STAFF,
    },
    "meeting": {
        # The organiser of an information meeting: a local group's volunteer coordinators or a
        # partner's coordinators (the actions check which meetings they reach).
        "change": {VC, PC},
        "cancel": {VC, PC},
        "hold": {VC, PC},
    },
    "meeting_signup": {
        # The resident has no account: their link confirms and cancels, as the portal; the
        # organiser may cancel a sign-up for them.
        "confirm": {SYSTEM},
        "cancel": {SYSTEM, VC, PC},
    },
}

# Every workflow of the portal, named here one by one: a new one is added by hand, like its steps.
WORKFLOWS = {
    "home": HOME_WORKFLOW,
    "case": CASE_WORKFLOW,
    "match": MATCH_WORKFLOW,
    "contract": CONTRACT_WORKFLOW,
    "vacancy": VACANCY_WORKFLOW,
    "visit": VISIT_WORKFLOW,
    "application": APPLICATION_WORKFLOW,
    "report_run": REPORT_RUN_WORKFLOW,
    "check_in": CHECK_IN_WORKFLOW,
    "concern": CONCERN_WORKFLOW,
    "mediation": MEDIATION_WORKFLOW,
    "evaluation": EVALUATION_WORKFLOW,
    "placement": PLACEMENT_WORKFLOW,
    "meeting": MEETING_WORKFLOW,
    "meeting_signup": SIGNUP_WORKFLOW,
}

EVERYONE = [*ROLE_LABELS, HOST, HOUSEHOLD, SYSTEM]
# They take no step of any workflow: the data protection officer only reads. (The housing
# company's staff take a placement's steps where the company is the employer; vacancies and
# registrations they record through actions that step as the portal.)
NO_STEPS = {DATA_PROTECTION_OFFICER}
REASON = "Värden har flyttat."
# A paused home returns to the stage it was paused from.
BEFORE_PAUSE = Home.Status.VISITED


def declared_workflows() -> dict[str, Workflow]:
    """Every ``Workflow`` in the ``workflow`` module of an app of the project."""
    found = {}
    for config in apps.get_app_configs():
        name = f"{config.name}.workflow"
        if Path(config.path).parent != settings.BASE_DIR or importlib.util.find_spec(name) is None:
            continue
        for value in vars(importlib.import_module(name)).values():
            if isinstance(value, Workflow):
                found[value.name] = value
    return found


def test_the_table_lists_every_workflow_the_portal_declares():
    declared = declared_workflows()
    assert set(WORKFLOWS) == set(POLICY)
    assert {name: wf.name for name, wf in WORKFLOWS.items()} == {name: name for name in WORKFLOWS}
    assert set(declared) == set(WORKFLOWS), (
        f"declared but not in the policy table: {sorted(set(declared) - set(WORKFLOWS))}; "
        f"in the table but not declared: {sorted(set(WORKFLOWS) - set(declared))}"
    )


@pytest.mark.parametrize("name", list(WORKFLOWS))
def test_the_table_lists_every_step_of_the_workflow(name):
    declared, written = set(WORKFLOWS[name].transitions), set(POLICY[name])
    assert declared == written, (
        f"{name}: steps to add to POLICY by hand: {sorted(declared - written)}; "
        f"steps in POLICY the workflow no longer has: {sorted(written - declared)}"
    )


def test_the_read_only_roles_take_no_step():
    for steps in POLICY.values():
        for people in steps.values():
            assert not people & NO_STEPS
            assert people <= set(EVERYONE)
    # The housing company's staff and the placement supervisors step only as an employer.
    for role in (HOUSING_COMPANY_STAFF, PLACEMENT_SUPERVISOR):
        taking = {name for name, steps in POLICY.items() if any(role in p for p in steps.values())}
        assert taking == {"placement"}, role


# The engine asked, for each step of the table -------------------------------------------------


@pytest.fixture
def partner(db):
    return OrganisationFactory(name="Mottagningsenheten")


@pytest.fixture
def people(partner):
    """One person of each role (the host and the portal have no account)."""
    return {role: staff_user(role, partner) for role in ROLE_LABELS}


def _match(partner, **fields):
    fields.setdefault("household_answer", Match.HouseholdAnswer.YES)
    return Match.objects.create(
        home=HomeFactory(partner=partner), case=NewcomerCaseFactory(partner=partner), **fields
    )


def _stay(partner):
    return _match(partner, status=Match.Status.MOVED_IN, move_in_date=timezone.localdate())


def _concern(partner):
    return Concern.objects.create(match=_stay(partner), raised_by="host", text="Det är kallt.")


def _contract(partner):
    unit = UnitFactory()
    return Contract.objects.create(
        match=_match(partner), company=unit.company, unit=unit, starts_on=timezone.localdate()
    )


def _meeting(partner):
    from tests.factories import municipality

    starts_at = timezone.now() + timedelta(days=7)
    return InformationMeeting.objects.create(
        partner=partner,
        municipality=municipality(),
        title="Informationsmöte",
        topic="hosting",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        place="Biblioteket",
        capacity=10,
    )


def _report_run(partner):
    from reports.actions import request_report

    partnership = PartnershipFactory(partner=partner)
    return request_report(partnership=partnership, user=None, as_of=timezone.localdate())


MAKE = {
    "home": lambda partner, people: HomeFactory(),
    "case": lambda partner, people: NewcomerCaseFactory(partner=partner),
    "match": lambda partner, people: _match(partner),
    "contract": lambda partner, people: _contract(partner),
    "vacancy": lambda partner, people: offered_flat(
        QuotaAgreementFactory(integration_unit=partner, every_nth=1)
    ),
    "visit": lambda partner, people: visit_booked_home([people[VOLUNTEER]]),
    "application": lambda partner, people: VolunteerApplicationFactory(),
    "report_run": lambda partner, people: _report_run(partner),
    "check_in": lambda partner, people: CheckIn.objects.create(
        match=_stay(partner), after_days=7, due_on=timezone.localdate(), responsible="partner"
    ),
    "concern": lambda partner, people: _concern(partner),
    "mediation": lambda partner, people: Mediation.objects.create(
        concern=_concern(partner),
        starts_at=timezone.now() + timedelta(days=2),
        place="Stadshuset",
        mediator=people[PC],
    ),
    # A placement with a newcomer proposed (case, adult, consent): every stage but "offered" needs
    # them, and a placement offered again keeps no one only because the action forgets them.
    "placement": lambda partner, people: proposed_placement(work_place(partner)),
    "meeting": lambda partner, people: _meeting(partner),
    "meeting_signup": lambda partner, people: MeetingSignup.objects.create(
        meeting=_meeting(partner),
        name="Rut Ek",
        email="rut@example.org",
        consent_notice_version="1",
        consent_given_at=timezone.now(),
    ),
    "evaluation": lambda partner, people: Evaluation.objects.create(
        match=_stay(partner),
        respondent="host",
        point="month_1",
        survey="host_month_1",
        opens_on=timezone.localdate(),
    ),
}


def subject(name: str, stage: str, partner, people):
    """An object of workflow ``name``, put straight into ``stage`` (test set-up only)."""
    wf = WORKFLOWS[name]
    obj = MAKE[name](partner, people)
    type(obj).objects.filter(pk=obj.pk).update(**{wf.status_field: stage})
    if name == "home" and stage == Home.Status.PAUSED:
        HomeTransition.objects.create(
            home=obj, from_state=BEFORE_PAUSE, to_state=stage, actor_kind="host"
        )
    obj.refresh_from_db()
    return obj


def changes_for(name: str, step: str, partner) -> dict | None:
    """What the action saves together with the step (the partner a home is referred to)."""
    if name == "home" and step in ("refer", "refer_again"):
        return {"partner": partner}
    if name == "home" and step == "offer_from_company":
        return {"partner": partner, "unit": UnitFactory()}
    return None


def as_actor(who: str, people) -> dict:
    if who in (HOST, HOUSEHOLD, SYSTEM):
        return {"user": None, "actor_kind": who}
    return {"user": people[who], "actor_kind": "user"}


def row(obj) -> dict:
    return type(obj).objects.values().get(pk=obj.pk)


@pytest.mark.parametrize(
    ("name", "step"), [(name, step) for name, steps in POLICY.items() for step in steps]
)
def test_exactly_the_people_of_the_table_may_take_the_step(name, step, partner, people):
    wf = WORKFLOWS[name]
    spec = wf[step]
    source = spec.sources[0]
    target = spec.target or BEFORE_PAUSE
    obj = subject(name, source, partner, people)
    history = wf.log_model.objects.filter(**{wf.log_fk: obj})
    before, logged = row(obj), history.count()
    reason = REASON if spec.reason_required else ""
    changes = changes_for(name, step, partner)

    for who in EVERYONE:
        actor = as_actor(who, people)
        if who in POLICY[name][step]:
            with transaction.atomic():  # taken, then undone for the next person
                record = wf.apply(obj, step, reason=reason, changes=changes, **actor)
                assert row(obj)[wf.status_field] == target, who
                assert history.count() == logged + 1, who
                assert (record.from_state, record.to_state) == (source, target)
                assert (record.actor, record.actor_kind) == (actor["user"], actor["actor_kind"])
                assert record.reason == reason
                transaction.set_rollback(True)
        else:
            with pytest.raises(NotAllowed) as refused:
                wf.apply(obj, step, reason=REASON, changes=changes, **actor)
            with translation.override("en"):
                assert str(refused.value.message) == "You are not allowed to take this step."
            assert row(obj) == before, who
            assert history.count() == logged, who
