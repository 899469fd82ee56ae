"""A stateful, model-based test of placements (hypothesis ``RuleBasedStateMachine``).

Three employers (an outside employer taking both integration units' newcomers, the housing
company taking one unit's, and a municipality that is itself an integration unit and takes the
other's) and two integration units, with people of every role: supervisors and the housing
company's staff, the units' coordinators, managers, the data protection officer, volunteers and
their coordinators, someone of no organisation, someone whose account is closed, and a
superuser. Random people take every step of ``work.actions`` (offer, withdraw the offer, propose
with and without consent, withdraw the proposal, decline, start, complete, end early, employ,
check in, the staff figures) on random placements with random, hostile and out-of-range input,
now and then on a copy of the placement loaded earlier (a page left open while someone else
acted); time moves forward.

A small model predicts each step: Http404 when the placement (or the case, the employer) is out
of the person's reach, NotAllowed when it is in reach but the person does not act for the side
whose step it is, otherwise success exactly when the stage allows the step and the input is
valid (``tests/work/typed_inputs.py`` says what valid text is), and an Invalid or Conflict
otherwise. Nothing else may be raised. After every step: each placement's status is the
model's; its history has one row per change of status, each row starting where the last one
ended, and the last row's ``to_state`` is the status; a placement at proposed or beyond has its
case, adult and consent, one back at offered (or withdrawn) has none of them; each person sees
(``visible_to``) exactly the placements, check-ins and employers of their reach (an employer's
staff only their own employer's; checked whenever a placement or a check-in is added); the
check-ins and staff figures are the model's. Each example opens with a placement at each
employer, one of them proposed and one under way, so that short examples reach the later
stages too. The failures it found are replayed in ``test_placement_regressions.py``.

The budget (``machine_settings``): 8 examples of up to 40 steps in ``make test``; ``make fuzz``
runs it under the "fuzz" profile with a time budget (``tests/fuzz_budget.py``) and a fresh seed.
"""

import os
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import Http404
from django.utils import timezone
from hypothesis import event as hypothesis_event
from hypothesis import note as hypothesis_note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts import roles
from accounts.models import Organisation
from newcomers.models import NewcomerCase
from tests.factories import NewcomerCaseFactory, OrganisationFactory, UserFactory
from tests.work import typed_inputs as typed
from work import actions
from work.models import (
    Employer,
    Placement,
    PlacementCheckIn,
    PlacementTransition,
    StaffFigures,
)
from workflow.errors import Conflict, DomainError, Invalid, NotAllowed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("role_groups", "local_cache")]

S = Placement.Status
MAX_PLACEMENTS = 8

# The steps' groups of roles, as the spec (the issue) puts them.
EMPLOYER_ROLES = {
    roles.PLACEMENT_SUPERVISOR,
    roles.HOUSING_COMPANY_STAFF,
    roles.PARTNER_COORDINATOR,
}


# The world ------------------------------------------------------------------------------------


@dataclass
class Person:
    user: object
    organisation: str | None  # the key in World.orgs
    roles: set[str]
    active: bool = True
    superuser: bool = False

    @property
    def sees_everything(self) -> bool:
        return self.active and (self.superuser or roles.DATA_PROTECTION_OFFICER in self.roles)


@dataclass
class World:
    orgs: dict
    employers: dict  # key -> (Employer, organisation key, unit keys)
    people: dict
    cases: dict  # key -> (NewcomerCase, unit key)

    def __repr__(self):
        return "<the placements' world>"


PARTNERS = {"unit_a", "unit_b"}


def build_world() -> World:
    orgs = {
        "unit_a": OrganisationFactory(name="Mottagningen A", kind=Organisation.Kind.PARTNER),
        "unit_b": OrganisationFactory(name="Krokoms kommun", kind=Organisation.Kind.PARTNER),
        "shop": OrganisationFactory(name="Krokoms Bygg", kind=Organisation.Kind.EMPLOYER),
        "housing": OrganisationFactory(
            name="Krokomsbostäder", kind=Organisation.Kind.HOUSING_COMPANY
        ),
        "volunteers": OrganisationFactory(
            name="Volontärbyrån", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
        ),
    }
    employers = {}
    for key, org, units in [
        ("shop", "shop", ["unit_a", "unit_b"]),
        ("housing", "housing", ["unit_a"]),
        # The municipality is an integration unit and an employer, taking the other unit's.
        ("municipality", "unit_b", ["unit_a"]),
    ]:
        employer = actions.register_employer(
            organisation=orgs[org], integration_units=[orgs[unit] for unit in units]
        )
        employers[key] = (employer, org, set(units))

    people = {}
    for name, org, held, extra in [
        ("shop_supervisor", "shop", [roles.PLACEMENT_SUPERVISOR], {}),
        ("shop_closed", "shop", [roles.PLACEMENT_SUPERVISOR], {"is_active": False}),
        ("housing_staff", "housing", [roles.HOUSING_COMPANY_STAFF], {}),
        (
            "housing_supervisor",
            "housing",
            [roles.HOUSING_COMPANY_STAFF, roles.PLACEMENT_SUPERVISOR],
            {},
        ),
        ("coordinator_a", "unit_a", [roles.PARTNER_COORDINATOR], {}),
        ("coordinator_b", "unit_b", [roles.PARTNER_COORDINATOR], {}),
        ("supervisor_b", "unit_b", [roles.PLACEMENT_SUPERVISOR], {}),
        ("manager_a", "unit_a", [roles.MANAGER], {}),
        ("housing_manager", "housing", [roles.MANAGER], {}),
        ("dpo", "unit_a", [roles.DATA_PROTECTION_OFFICER], {}),
        ("volunteer", "volunteers", [roles.VOLUNTEER], {}),
        ("volunteer_coordinator", "volunteers", [roles.VOLUNTEER_COORDINATOR], {}),
        (
            "national_coordinator",
            "volunteers",
            [roles.VOLUNTEER_COORDINATOR, roles.NATIONAL_COORDINATOR],
            {},
        ),
        ("nobody", None, [], {}),
        ("superuser", None, [], {"is_superuser": True}),
    ]:
        user = UserFactory(
            username=f"p_{name}",
            organisation=orgs[org] if org else None,
            roles=held,
            is_staff=True,
            password=None,
            **extra,
        )
        people[name] = Person(
            user=user,
            organisation=org,
            roles=set(held),
            active=extra.get("is_active", True),
            superuser=extra.get("is_superuser", False),
        )
    cases = {}
    for key, unit, adults, status in [
        ("a_single", "unit_a", 1, NewcomerCase.Status.WAITING),
        ("a_couple", "unit_a", 2, NewcomerCase.Status.HOUSED),
        ("a_closed", "unit_a", 1, NewcomerCase.Status.CLOSED),
        ("b_couple", "unit_b", 2, NewcomerCase.Status.MATCHED),
    ]:
        case = NewcomerCaseFactory(partner=orgs[unit], adults=adults, status=status)
        cases[key] = (case, unit)
    return World(orgs=orgs, employers=employers, people=people, cases=cases)


@pytest.fixture
def placement_world(db, role_groups):
    return build_world()


# The model ------------------------------------------------------------------------------------


@dataclass
class Modelled:
    """What the model knows of one placement."""

    pk: int
    employer: str  # key in World.employers
    employer_org: str
    unit: str  # key in World.orgs
    kind: str
    status: str = S.OFFERED
    changes: int = 0  # steps that changed the status (the history has one more row)
    consent_given_on: date | None = None
    started_on: date | None = None
    check_ins: int = 0
    tabs: list = field(default_factory=list)  # copies loaded after earlier steps


OK = "ok"
NOT_FOUND = "404"
NOT_ALLOWED = "not allowed"
REFUSED = "refused"


# The people who work for each employer (a step taken by "anyone" drawn as None is theirs).
STAFF = {
    "shop": ["shop_supervisor"],
    "housing": ["housing_staff", "housing_supervisor"],
    "municipality": ["coordinator_b", "supervisor_b"],
}
PEOPLE = [
    "shop_supervisor",
    "shop_closed",
    "housing_staff",
    "housing_supervisor",
    "coordinator_a",
    "coordinator_b",
    "supervisor_b",
    "manager_a",
    "housing_manager",
    "dpo",
    "volunteer",
    "volunteer_coordinator",
    "national_coordinator",
    "nobody",
    "superuser",
]


def note(text: str) -> None:
    """Hypothesis's note, and nothing when a regression test replays the steps by hand."""
    if currently_in_test_context():
        hypothesis_note(text)


def event(text: str) -> None:
    if currently_in_test_context():
        hypothesis_event(text)


def usually(typical, other):
    """Mostly a value of ``typical``, one time in six one of ``other`` (hostile, out of range):
    so that the machine gets past the first steps often enough."""
    return st.integers(0, 5).flatmap(lambda n: other if n == 0 else typical)


# Who takes a step: None (mostly) is someone who acts for the step's side; otherwise anyone.
anyone = usually(st.none(), st.sampled_from(PEOPLE))
indexes = usually(
    st.tuples(st.just("fitting"), st.integers(0, MAX_PLACEMENTS)),
    st.tuples(st.just("any"), st.integers(0, MAX_PLACEMENTS)),
)
# The page the step is taken from: loaded now (None), or one loaded after an earlier step.
tabs = st.sampled_from([None, None, None, None, 0, 1])
# The day of a step: mostly in the last few days (a proposal's consent is mostly older).
dates = usually(st.integers(-2, 0), typed.days)


class PlacementMachine(RuleBasedStateMachine):
    world: World
    clock: object

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        mail.outbox = []
        self.clock.offset = timedelta(0)
        self.placements: list[Modelled] = []
        self.figures: dict[tuple[str, date], tuple[int, int]] = {}
        self.reach_changed = True
        self.steps = 0

    def teardown(self):
        # `--hypothesis-show-statistics` shows in how many examples each stage was reached.
        for status in sorted({placement.status for placement in self.placements}):
            event(f"a placement ends {status}")
        event(f"{self.steps // 10 * 10}+ steps")
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # What the model knows of reach and sides -----------------------------------------------

    def person(self, name) -> Person:
        return self.world.people[name]

    def org_kind_is_partner(self, person: Person) -> bool:
        return person.organisation in PARTNERS

    def works_for_unit(self, person: Person) -> bool:
        """A coordinator or manager at a partner: they see the unit's placements. A supervisor
        at the municipality is the municipality's staff as an employer, nothing more."""
        return self.org_kind_is_partner(person) and bool(
            person.roles & {roles.PARTNER_COORDINATOR, roles.MANAGER}
        )

    def reaches(self, person: Person, placement: Modelled) -> bool:
        """The employer's own staff, the unit offered to (its coordinators and managers), the
        data protection officer; nobody else."""
        if person.sees_everything:
            return True
        if person.organisation is None:
            return False
        if placement.employer_org == person.organisation:
            return True
        return self.works_for_unit(person) and placement.unit == person.organisation

    def reaches_employer(self, person: Person, employer: str) -> bool:
        _employer, org, units = self.world.employers[employer]
        if person.sees_everything:
            return True
        if person.organisation is None:
            return False
        if org == person.organisation:
            return True
        return self.works_for_unit(person) and person.organisation in units

    def acts_for_employer(self, person: Person, employer_org: str) -> bool:
        if not person.active:
            return False
        return person.superuser or (
            person.organisation == employer_org and bool(person.roles & EMPLOYER_ROLES)
        )

    def acts_for_unit(self, person: Person, unit: str) -> bool:
        if not person.active:
            return False
        return person.superuser or (
            person.organisation == unit and roles.PARTNER_COORDINATOR in person.roles
        )

    def reaches_case(self, person: Person, case: str) -> bool:
        return person.sees_everything or (
            self.org_kind_is_partner(person) and self.world.cases[case][1] == person.organisation
        )

    def side(self, who: str, placement: Modelled, side: str) -> str | None:
        """404 or NotAllowed as the model sees it, or None when the person may go on."""
        person = self.person(who)
        if not self.reaches(person, placement):
            return NOT_FOUND
        employer = self.acts_for_employer(person, placement.employer_org)
        unit = self.acts_for_unit(person, placement.unit)
        if {"employer": employer, "unit": unit, "either": employer or unit}[side]:
            return None
        return NOT_ALLOWED

    # Running a step --------------------------------------------------------------------------

    def pick(self, index: tuple[str, int], *stages: str) -> Modelled | None:
        """A placement: mostly ("fitting") one at a stage the step is taken from, if any."""
        how, number = index
        fitting = [placement for placement in self.placements if placement.status in stages]
        chosen = fitting if how == "fitting" and fitting else self.placements
        return chosen[number % len(chosen)] if chosen else None

    def handle(self, placement: Modelled, tab: int | None) -> Placement:
        """The placement as the page that takes the step loaded it: now, or a tab left open."""
        if tab is not None and placement.tabs:
            return placement.tabs[-1 - tab % len(placement.tabs)]
        return Placement.objects.get(pk=placement.pk)

    def take(self, action: str, what: str, expected: str, step, problems: list[str] = ()):
        """Run ``step`` and compare its outcome with the model's ``expected``."""
        note(f"{what}: the model expects {expected} {list(problems)}")
        self.steps += 1
        message = ""
        try:
            result = step()
        except Http404:
            outcome = NOT_FOUND
        except NotAllowed as error:
            outcome, message = NOT_ALLOWED, str(error.message)
        except (Invalid, Conflict) as error:
            outcome, message = REFUSED, f"{type(error).__name__}: {error.message}"
        except DomainError as error:  # pragma: no cover - the three kinds above are all there is
            raise AssertionError(f"{what}: a domain error of no kind: {error!r}") from error
        else:
            outcome, message = OK, ""
        event(f"{action} -> {outcome}")
        if outcome in (NOT_ALLOWED, REFUSED):
            note(f"   refused: {message}")
        assert outcome == expected, f"{what}: {outcome} ({message}), the model expected {expected}"
        return result if outcome == OK else None

    def changed(self, placement: Modelled, status: str) -> None:
        placement.status = status
        placement.changes += 1

    def today(self) -> date:
        return timezone.localdate()

    # Offers ------------------------------------------------------------------------------------

    @precondition(lambda self: len(self.placements) < MAX_PLACEMENTS)
    @rule(
        who=anyone,
        employer=st.sampled_from(sorted(STAFF)),
        unit=usually(st.none(), st.sampled_from(["unit_a", "unit_b", "shop", "housing"])),
        kind=usually(
            st.sampled_from(Placement.Kind.values), st.sampled_from(["", "PRAO", "apprentice"])
        ),
        title=usually(st.just("Fastighetsskötare"), typed.texts),
        place=usually(st.just("Storgatan 1, Krokom"), typed.texts),
        starts=usually(st.integers(-30, 30), typed.days),
        length=usually(st.integers(0, 200), st.sampled_from([-1, 3 * 366, 3 * 366 + 1, 5000])),
        hours=usually(st.integers(1, 40), st.sampled_from([0, -5, 41, 10**9])),
        languages=usually(st.just(["sv"]), typed.language_lists),
        supervisor=usually(st.sampled_from([None, "own"]), st.sampled_from(PEOPLE)),
        pick=st.integers(0, 10),
    )
    def offer(
        self,
        who,
        employer,
        unit,
        kind,
        title,
        place,
        starts,
        length,
        hours,
        languages,
        supervisor,
        pick,
    ):
        record, employer_org, units = self.world.employers[employer]
        if who is None:  # one of the employer's staff
            who = STAFF[employer][pick % len(STAFF[employer])]
        if unit is None:  # one of the units the employer takes newcomers from
            unit = sorted(units)[pick % len(units)]
        person = self.person(who)
        if supervisor == "own":
            supervisor = who
        supervisor_user = self.person(supervisor).user if supervisor else None
        starts_on = typed.day(self.today(), starts)
        try:
            ends_on = starts_on + timedelta(days=length)
        except OverflowError:
            ends_on = date.max
        problems = []
        if typed.title_or_place(title) is typed.REFUSED:
            problems.append("title")
        if typed.title_or_place(place) is typed.REFUSED:
            problems.append("place")
        if kind not in Placement.Kind.values:
            problems.append("kind")
        if ends_on < starts_on or (ends_on - starts_on).days > 3 * 366:
            problems.append("period")
        if not 1 <= hours <= 40:
            problems.append("hours")
        if typed.languages(languages) is typed.REFUSED:
            problems.append("languages")
        if unit not in PARTNERS or not (unit == employer_org or unit in units):
            problems.append("not a unit the employer takes newcomers from")
        if supervisor is not None and self.person(supervisor).organisation != employer_org:
            problems.append("supervisor")
        if not self.reaches_employer(person, employer):
            expected = NOT_FOUND
        elif not self.acts_for_employer(person, employer_org):
            expected = NOT_ALLOWED
        else:
            expected = REFUSED if problems else OK
        placement = self.take(
            "offer",
            f"{who} offers a placement at {employer} to {unit}",
            expected,
            lambda: actions.offer_placement(
                employer=record,
                integration_unit=self.world.orgs[unit],
                kind=kind,
                title=title,
                place=place,
                starts_on=starts_on,
                ends_on=ends_on,
                hours_per_week=hours,
                languages=languages,
                supervisor=supervisor_user,
                user=person.user,
            ),
            problems,
        )
        if placement is not None:
            stored = Placement.objects.get(pk=placement.pk)
            assert stored.title == typed.title_or_place(title)
            assert stored.place == typed.title_or_place(place)
            assert stored.languages == typed.languages(languages)
            assert (stored.starts_on, stored.ends_on) == (starts_on, ends_on)
            self.placements.append(
                Modelled(
                    pk=placement.pk,
                    employer=employer,
                    employer_org=employer_org,
                    unit=unit,
                    kind=kind,
                    tabs=[stored],
                )
            )
            self.reach_changed = True

    @precondition(lambda self: len(self.placements) < MAX_PLACEMENTS)
    @rule(
        employer=st.sampled_from(sorted(STAFF)),
        kind=st.sampled_from(Placement.Kind.values),
        length=st.integers(0, 200),
        pick=st.integers(0, 10),
    )
    def offer_as_usual(self, employer, kind, length, pick):
        """A valid offer by the employer's staff to a unit it takes newcomers from."""
        self.offer(
            who=None,
            employer=employer,
            unit=None,
            kind=kind,
            title="Fastighetsskötare",
            place="Storgatan 1, Krokom",
            starts=-pick,
            length=length,
            hours=20,
            languages=["sv", "en"],
            supervisor="own",
            pick=pick,
        )

    @initialize(kinds=st.lists(st.sampled_from(Placement.Kind.values), min_size=3, max_size=3))
    def a_placement_at_each_employer(self, kinds):
        """Each example starts with a placement offered at each employer, one with a newcomer
        proposed and one under way (through the same steps as the rules), so that the later
        stages are reached in short examples too."""
        for number, (employer, kind) in enumerate(zip(sorted(STAFF), kinds, strict=True)):
            self.offer_as_usual(employer=employer, kind=kind, length=90, pick=number)
        for number in (1, 2):
            placement = self.placements[number]
            who = self.actor(None, placement, "unit", 0)
            self.propose("propose", who, placement, None, None, None, "AF-1-PLAN", -10, "in_person")
        self.start(who=None, index=("fitting", 1), on=-1, tab=None)
        assert [placement.status for placement in self.placements] == [
            S.OFFERED,
            S.PROPOSED,
            S.STARTED,
        ]

    # Steps on a placement ----------------------------------------------------------------------

    def actor(self, who, placement: Modelled, side: str, pick: int) -> str:
        """``who``, or (None) someone who acts for the side: mostly the right person."""
        if who is not None:
            return who
        acting = [
            name
            for name, person in self.world.people.items()
            if not person.superuser
            and self.reaches(person, placement)
            and (
                side != "unit"
                and self.acts_for_employer(person, placement.employer_org)
                or side != "employer"
                and self.acts_for_unit(person, placement.unit)
            )
        ]
        return acting[pick % len(acting)] if acting else "superuser"

    def step(self, action, who, placement: Modelled, tab, what, side, sources, problems, call):
        """A step of the workflow from ``sources`` taken by ``who`` on the ``side``'s behalf."""
        expected = self.side(who, placement, side)
        if expected is None:
            if placement.status not in sources:
                problems = [*problems, f"stage {placement.status}"]
            expected = REFUSED if problems else OK
        handle = self.handle(placement, tab)
        result = self.take(
            action,
            f"{who} {what} (placement {self.placements.index(placement)} at {placement.status}"
            f"{', from a page loaded earlier' if tab is not None else ''})",
            expected,
            lambda: call(handle, self.person(who).user),
            problems,
        )
        if expected == OK:
            placement.tabs = [*placement.tabs[-2:], Placement.objects.get(pk=placement.pk)]
        return expected == OK, result

    @rule(
        who=anyone,
        index=indexes,
        reason=usually(st.just("Tjänsten är tillsatt."), typed.texts),
        tab=tabs,
    )
    def withdraw_offer(self, who, index, reason, tab):
        placement = self.pick(index, S.OFFERED)
        if placement is None:
            return
        who = self.actor(who, placement, "employer", index[1])
        problems = ["reason"] if typed.reason(reason) is typed.REFUSED else []
        ok, _result = self.step(
            "withdraw offer",
            who,
            placement,
            tab,
            "withdraws the offer",
            "employer",
            (S.OFFERED,),
            problems,
            lambda handle, user: actions.withdraw_offer(placement=handle, user=user, reason=reason),
        )
        if ok:
            self.changed(placement, S.WITHDRAWN)

    def propose(self, action, who, placement, tab, case, adult, reference, consent_on, consent):
        person = self.person(who)
        expected = self.side(who, placement, "unit")
        problems = []
        today = self.today()
        consent_given_on = None if consent_on is None else typed.day(today, consent_on)
        if case is None:  # one of the unit's own open cases
            own = [
                key
                for key, (record, unit) in self.world.cases.items()
                if unit == placement.unit and record.status != NewcomerCase.Status.CLOSED
            ]
            case = own[placement.pk % len(own)] if own else "a_single"
        if adult is None:  # one of the household's adults
            adult = 1 + placement.pk % self.world.cases[case][0].adults
        if expected is None and not self.reaches_case(person, case):
            expected = NOT_FOUND
        if expected is None:
            record, unit = self.world.cases[case]
            if unit != placement.unit:
                problems.append("not the unit's case")
            if record.status == NewcomerCase.Status.CLOSED:
                problems.append("closed case")
            if not 1 <= adult <= record.adults:
                problems.append("adult")
            if consent not in Placement.ConsentGiven.values:
                problems.append("how consent was given")
            if consent_given_on is None or consent_given_on > today:
                problems.append("consent date")
            if typed.reference(reference) is typed.REFUSED:
                problems.append("reference")
            if placement.status != S.OFFERED:
                problems.append(f"stage {placement.status}")
            expected = REFUSED if problems else OK
        handle = self.handle(placement, tab)
        self.take(
            action,
            f"{who} proposes {case} adult {adult} (placement "
            f"{self.placements.index(placement)} at {placement.status})",
            expected,
            lambda: actions.propose_newcomer(
                placement=handle,
                case=self.world.cases[case][0],
                adult_number=adult,
                employment_service_reference=reference,
                consent_given_on=consent_given_on,
                consent_given=consent,
                user=person.user,
            ),
            problems,
        )
        if expected == OK:
            stored = Placement.objects.get(pk=placement.pk)
            assert stored.employment_service_reference == typed.reference(reference)
            assert (stored.case_id, stored.adult_number, stored.consent_given_on) == (
                self.world.cases[case][0].pk,
                adult,
                consent_given_on,
            )
            assert stored.consent_recorded_by_id == person.user.pk
            self.changed(placement, S.PROPOSED)
            placement.consent_given_on = consent_given_on
            placement.tabs = [*placement.tabs[-2:], stored]

    cases = usually(st.none(), st.sampled_from(["a_single", "a_couple", "b_couple", "a_closed"]))

    @rule(
        who=anyone,
        index=indexes,
        case=cases,
        adult=usually(st.none(), st.sampled_from([0, -1, 1, 2, 3, 13, 10**6])),
        reference=usually(st.just("AF-12345-PLAN"), typed.texts),
        consent_on=usually(st.integers(-30, -3), typed.days),
        consent=usually(
            st.sampled_from(Placement.ConsentGiven.values), st.sampled_from(["", "by_email"])
        ),
        tab=tabs,
    )
    def propose_with_consent(self, who, index, case, adult, reference, consent_on, consent, tab):
        placement = self.pick(index, S.OFFERED)
        if placement is not None:
            who = self.actor(who, placement, "unit", index[1])
            self.propose(
                "propose", who, placement, tab, case, adult, reference, consent_on, consent
            )

    @rule(who=anyone, index=indexes, case=cases, consent=st.sampled_from(["", "in_writing"]))
    def propose_without_consent(self, who, index, case, consent):
        placement = self.pick(index, S.OFFERED)
        if placement is not None:
            who = self.actor(who, placement, "unit", index[1])
            self.propose(
                "propose without consent", who, placement, None, case, 1, "AF-1", None, consent
            )

    @rule(
        who=anyone,
        index=indexes,
        reason=usually(st.just("Personen har flyttat."), typed.texts),
        tab=tabs,
    )
    def withdraw_proposal(self, who, index, reason, tab):
        placement = self.pick(index, S.PROPOSED)
        if placement is None:
            return
        who = self.actor(who, placement, "unit", index[1])
        problems = ["reason"] if typed.reason(reason) is typed.REFUSED else []
        ok, _result = self.step(
            "withdraw proposal",
            who,
            placement,
            tab,
            "withdraws the proposal",
            "unit",
            (S.PROPOSED,),
            problems,
            lambda handle, user: actions.withdraw_proposal(
                placement=handle, user=user, reason=reason
            ),
        )
        if ok:
            self.changed(placement, S.OFFERED)
            placement.consent_given_on = None

    @rule(
        who=anyone,
        index=indexes,
        reason=usually(st.just("Vi har inte plats just nu."), typed.texts),
        tab=tabs,
    )
    def decline(self, who, index, reason, tab):
        placement = self.pick(index, S.PROPOSED)
        if placement is None:
            return
        who = self.actor(who, placement, "employer", index[1])
        problems = ["reason"] if typed.reason(reason) is typed.REFUSED else []
        ok, _result = self.step(
            "decline",
            who,
            placement,
            tab,
            "declines",
            "employer",
            (S.PROPOSED,),
            problems,
            lambda handle, user: actions.decline_proposal(
                placement=handle, user=user, reason=reason
            ),
        )
        if ok:
            self.changed(placement, S.OFFERED)
            placement.consent_given_on = None

    @rule(who=anyone, index=indexes, on=dates, tab=tabs)
    def start(self, who, index, on, tab):
        placement = self.pick(index, S.PROPOSED)
        if placement is None:
            return
        who = self.actor(who, placement, "employer", index[1])
        started_on = typed.day(self.today(), on)
        problems = []
        if started_on > self.today():
            problems.append("in the future")
        if placement.consent_given_on and started_on < placement.consent_given_on:
            problems.append("before the consent")
        ok, _result = self.step(
            "start",
            who,
            placement,
            tab,
            f"starts on {started_on}",
            "employer",
            (S.PROPOSED,),
            problems,
            lambda handle, user: actions.start_placement(
                placement=handle, started_on=started_on, user=user
            ),
        )
        if ok:
            self.changed(placement, S.STARTED)
            placement.started_on = started_on

    def end_problems(self, placement: Modelled, ended_on: date) -> list[str]:
        problems = []
        if ended_on > self.today():
            problems.append("in the future")
        if placement.started_on and ended_on < placement.started_on:
            problems.append("before the start")
        return problems

    @rule(who=anyone, index=indexes, on=dates, tab=tabs)
    def complete(self, who, index, on, tab):
        placement = self.pick(index, S.STARTED)
        if placement is None:
            return
        who = self.actor(who, placement, "employer", index[1])
        ended_on = typed.day(self.today(), on)
        ok, _result = self.step(
            "complete",
            who,
            placement,
            tab,
            f"completes on {ended_on}",
            "employer",
            (S.STARTED,),
            self.end_problems(placement, ended_on),
            lambda handle, user: actions.complete_placement(
                placement=handle, ended_on=ended_on, user=user
            ),
        )
        if ok:
            self.changed(placement, S.COMPLETED)

    @rule(
        who=anyone,
        index=indexes,
        on=dates,
        end_reason=usually(
            st.sampled_from(Placement.EndReason.values), st.sampled_from(["", "bored"])
        ),
        reason=usually(st.just(""), typed.texts),
        tab=tabs,
    )
    def end_early(self, who, index, on, end_reason, reason, tab):
        placement = self.pick(index, S.STARTED)
        if placement is None:
            return
        who = self.actor(who, placement, "either", index[1])
        ended_on = typed.day(self.today(), on)
        problems = self.end_problems(placement, ended_on)
        if end_reason not in Placement.EndReason.values:
            problems.append("end reason")
        valid_reason = end_reason in Placement.EndReason.values
        label = str(Placement.EndReason(end_reason).label) if valid_reason else "?"
        if typed.early_end_words(reason, label) is typed.REFUSED:
            problems.append("the words")
        ok, _result = self.step(
            "end early",
            who,
            placement,
            tab,
            f"ends early on {ended_on}",
            "either",
            (S.STARTED,),
            problems,
            lambda handle, user: actions.end_placement_early(
                placement=handle, ended_on=ended_on, end_reason=end_reason, user=user, reason=reason
            ),
        )
        if ok:
            self.changed(placement, S.ENDED_EARLY)
            last = Placement.objects.get(pk=placement.pk).transitions.order_by("pk").last()
            assert last.reason == typed.early_end_words(reason, label)

    @rule(who=anyone, index=indexes, on=dates, tab=tabs)
    def employ(self, who, index, on, tab):
        placement = self.pick(index, S.STARTED, S.COMPLETED)
        if placement is None:
            return
        who = self.actor(who, placement, "either", index[1])
        employed_on = typed.day(self.today(), on)
        problems = self.end_problems(placement, employed_on)
        if placement.kind == Placement.Kind.EMPLOYMENT:
            problems.append("an employment already")
        ok, _result = self.step(
            "employ",
            who,
            placement,
            tab,
            f"records employment from {employed_on}",
            "either",
            (S.STARTED, S.COMPLETED),
            problems,
            lambda handle, user: actions.record_employment(
                placement=handle, employed_on=employed_on, user=user
            ),
        )
        if ok:
            self.changed(placement, S.EMPLOYED)

    @rule(
        who=anyone,
        index=indexes,
        on=dates,
        expected_days=usually(st.integers(0, 10), st.sampled_from([-1, 366, 367, 10**6])),
        present=usually(st.integers(0, 5), st.sampled_from([-1, 11, 366, 10**6])),
        language=usually(
            st.sampled_from(PlacementCheckIn.Language.values), st.sampled_from(["", "klingon"])
        ),
        going=usually(
            st.sampled_from(PlacementCheckIn.Going.values), st.sampled_from(["", "great"])
        ),
        note_text=usually(st.just(""), typed.texts),
        tab=tabs,
    )
    def check_in(self, who, index, on, expected_days, present, language, going, note_text, tab):
        placement = self.pick(index, S.STARTED)
        if placement is None:
            return
        who = self.actor(who, placement, "employer", index[1])
        day = typed.day(self.today(), on)
        problems = self.end_problems(placement, day)
        if not 0 <= present <= expected_days <= 366:
            problems.append("days")
        if language not in PlacementCheckIn.Language.values:
            problems.append("language")
        if going not in PlacementCheckIn.Going.values:
            problems.append("going")
        if typed.note(note_text) is typed.REFUSED:
            problems.append("note")
        ok, check_in = self.step(
            "check in",
            who,
            placement,
            tab,
            f"checks in on {day}",
            "employer",
            (S.STARTED,),
            problems,
            lambda handle, user: actions.record_placement_check_in(
                placement=handle,
                on=day,
                days_expected=expected_days,
                days_present=present,
                language=language,
                going=going,
                note=note_text,
                user=user,
            ),
        )
        if ok:
            placement.check_ins += 1
            self.reach_changed = True
            stored = PlacementCheckIn.objects.get(pk=check_in.pk)
            assert stored.note == typed.note(note_text)
            assert (stored.on, stored.days_expected, stored.days_present) == (
                day,
                expected_days,
                present,
            )

    # The employer's own figures ------------------------------------------------------------------

    @rule(
        who=anyone,
        employer=st.sampled_from(sorted(STAFF)),
        on=usually(st.integers(-400, 0), typed.days),
        employees=usually(st.integers(0, 60), st.sampled_from([-1, 2**31, 10**12])),
        newcomers=usually(st.integers(0, 5), st.sampled_from([-1, 61, 2**31, 10**12])),
        pick=st.integers(0, 10),
    )
    def staff_figures(self, who, employer, on, employees, newcomers, pick):
        if who is None:
            who = STAFF[employer][pick % len(STAFF[employer])]
        person = self.person(who)
        record, employer_org, _units = self.world.employers[employer]
        recorded_on = typed.day(self.today(), on)
        problems = []
        if recorded_on > self.today():
            problems.append("in the future")
        if not 0 <= newcomers <= employees:
            problems.append("numbers")
        if employees > actions.MAX_STAFF:
            problems.append("more than any employer has")
        if not self.reaches_employer(person, employer):
            expected = NOT_FOUND
        elif not self.acts_for_employer(person, employer_org):
            expected = NOT_ALLOWED
        else:
            expected = REFUSED if problems else OK
        self.take(
            "staff figures",
            f"{who} records {newcomers} of {employees} at {employer} on {recorded_on}",
            expected,
            lambda: actions.record_staff_figures(
                employer=record,
                recorded_on=recorded_on,
                employees=employees,
                came_as_newcomers=newcomers,
                user=person.user,
            ),
            problems,
        )
        if expected == OK:
            self.figures[(employer, recorded_on)] = (employees, newcomers)

    # Time ----------------------------------------------------------------------------------------

    @rule(days=st.sampled_from([1, 3, 30, 200]))
    def move_time(self, days):
        self.clock.advance(timedelta(days=days))

    # After every step ---------------------------------------------------------------------------

    @invariant()
    def each_placement_is_where_the_model_says(self):
        stored = Placement.objects.annotate(
            check_in_count=Count("check_ins", distinct=True)
        ).prefetch_related(
            Prefetch("transitions", queryset=PlacementTransition.objects.order_by("pk"))
        )
        stored = {placement.pk: placement for placement in stored}
        assert set(stored) == {modelled.pk for modelled in self.placements}
        for number, modelled in enumerate(self.placements):
            placement = stored[modelled.pk]
            assert placement.status == modelled.status, (number, placement.status, modelled)
            assert (placement.employer_id, placement.integration_unit_id) == (
                self.world.employers[modelled.employer][0].pk,
                self.world.orgs[modelled.unit].pk,
            ), number
            history = list(placement.transitions.all())
            assert len(history) == modelled.changes + 1, (number, history)
            assert history[0].from_state == "", (number, history)
            for before, after in zip(history, history[1:], strict=False):
                assert after.from_state == before.to_state, (number, history)
            assert history[-1].to_state == placement.status, (number, history)
            proposal = (
                placement.case_id,
                placement.adult_number,
                placement.consent_given_on,
            )
            if placement.status in (S.OFFERED, S.WITHDRAWN):
                assert proposal == (None, None, None), (number, placement.status, proposal)
                assert not placement.employment_service_reference, number
                assert not placement.consent_given and placement.consent_recorded_by_id is None
            else:
                assert None not in proposal, (number, placement.status, proposal)
                assert placement.employment_service_reference and placement.consent_given
            assert placement.check_in_count == modelled.check_ins, number

    @invariant()
    def each_person_sees_what_they_reach(self):
        """Who sees what changes only when a placement or a check-in is added (the invariant
        above checks that no step moves a placement to another employer or unit): checked again
        only then."""
        if not self.reach_changed:
            return
        self.reach_changed = False
        placements = {modelled.pk: modelled for modelled in self.placements}
        for name, person in self.world.people.items():
            seen = set(Placement.objects.visible_to(person.user).values_list("pk", flat=True))
            reach = {pk for pk, modelled in placements.items() if self.reaches(person, modelled)}
            assert seen == reach, (name, seen, reach)
            if person.organisation in ("shop", "housing"):
                # An employer's staff never see another employer's placements.
                assert all(placements[pk].employer_org == person.organisation for pk in seen)
            check_ins = PlacementCheckIn.objects.visible_to(person.user)
            assert set(check_ins.values_list("placement_id", flat=True)) <= reach, name
            employers = set(Employer.objects.visible_to(person.user).values_list("pk", flat=True))
            expected = {
                record.pk
                for key, (record, _org, _units) in self.world.employers.items()
                if self.reaches_employer(person, key)
            }
            assert employers == expected, (name, employers, expected)

    @invariant()
    def the_staff_figures_are_the_models(self):
        stored = {
            (figures.employer_id, figures.recorded_on): (
                figures.employees,
                figures.came_as_newcomers,
            )
            for figures in StaffFigures.objects.all()
        }
        expected = {
            (self.world.employers[key][0].pk, day): numbers
            for (key, day), numbers in self.figures.items()
        }
        assert stored == expected


def machine_settings():
    """Under ``make fuzz`` the "fuzz" profile's budget (time, see ``tests/fuzz_budget.py``) and 50
    steps; otherwise (``make test``, locally and in CI) 8 examples of up to 40 steps.
    ``PLACEMENT_MACHINE_EXAMPLES`` and ``MACHINE_STEPS`` override them."""
    if hypothesis_settings.get_current_profile_name() == "fuzz":
        return hypothesis_settings(stateful_step_count=int(os.environ.get("MACHINE_STEPS", "50")))
    examples = int(os.environ.get("PLACEMENT_MACHINE_EXAMPLES", "8"))
    steps = int(os.environ.get("MACHINE_STEPS", "40"))
    return hypothesis_settings(max_examples=examples, stateful_step_count=steps)


def test_placement_state_machine(request, placement_world, clock):
    """See the module's docstring; the statistics (steps and their outcomes) are printed with
    ``--hypothesis-show-statistics``."""
    from hypothesis.statistics import collector, describe_statistics

    machine = type(
        "PlacementMachine", (PlacementMachine,), {"world": placement_world, "clock": clock}
    )
    collected = {}
    try:
        with collector.with_value(collected.update):
            run_state_machine_as_test(machine, settings=machine_settings())
    finally:
        if collected:
            collected["nodeid"] = request.node.nodeid
            request.node.hypothesis_statistics = describe_statistics(collected)
