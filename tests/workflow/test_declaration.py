"""What the engine does with a step, whoever takes it: a step from a stage it does not start
from, or without the reason it needs, is refused and changes nothing; a step taken writes exactly
one history row; the guards hold. Who may take which step is pinned by hand in test_policy.py.
Objects are put in a stage with a queryset ``update()``: test set-up only.
"""

import pytest
from django.utils import translation

from accounts.roles import (
    HOUSING_COMPANY_STAFF,
    PARTNER_COORDINATOR,
    PLACEMENT_SUPERVISOR,
    VOLUNTEER,
    VOLUNTEER_COORDINATOR,
)
from hosts.models import Home, HomeTransition
from hosts.workflow import HOME_WORKFLOW
from matching.models import Match
from matching.workflow import MATCH_WORKFLOW
from newcomers.models import NewcomerCase
from newcomers.workflow import CASE_WORKFLOW
from tests.factories import (
    HomeFactory,
    NewcomerCaseFactory,
    OrganisationFactory,
    proposed_placement,
    staff_user,
    work_place,
)
from tests.workflow.test_policy import EVERYONE
from tests.workflow.test_policy import WORKFLOWS as EVERY_WORKFLOW
from work.models import Placement
from work.workflow import PLACEMENT_WORKFLOW
from workflow.engine import HOST, SYSTEM, TransitionNotAllowed
from workflow.errors import Conflict, Invalid

pytestmark = pytest.mark.django_db

WORKFLOWS = {
    "home": HOME_WORKFLOW,
    "case": CASE_WORKFLOW,
    "match": MATCH_WORKFLOW,
    "placement": PLACEMENT_WORKFLOW,
}
REASON = "Värden har flyttat."
# The stage a paused home was in before the pause: "resume" must lead back to it.
BEFORE_PAUSE = Home.Status.VISITED
H, C, M, P = Home.Status, NewcomerCase.Status, Match.Status, Placement.Status
V, VC, PC = VOLUNTEER, VOLUNTEER_COORDINATOR, PARTNER_COORDINATOR
PS, HCS = PLACEMENT_SUPERVISOR, HOUSING_COMPANY_STAFF


@pytest.fixture
def partner(db):
    return OrganisationFactory(name="Mottagningsenheten")


def make_object(wf_name: str, stage: str, partner):
    """An object of the workflow, put straight into ``stage`` (test set-up only)."""
    if wf_name == "home":
        obj = HomeFactory()
        if stage == Home.Status.PAUSED:
            HomeTransition.objects.create(
                home=obj, from_state=BEFORE_PAUSE, to_state=stage, actor_kind="host"
            )
    elif wf_name == "case":
        obj = NewcomerCaseFactory(partner=partner)
    elif wf_name == "placement":
        # With a newcomer proposed (case, adult, consent), which every stage but "offered" needs.
        obj = proposed_placement(work_place(partner))
    else:
        obj = Match.objects.create(
            home=HomeFactory(partner=partner),
            case=NewcomerCaseFactory(partner=partner),
            household_answer=Match.HouseholdAnswer.YES,
        )
    type(obj).objects.filter(pk=obj.pk).update(status=stage)
    obj.refresh_from_db()
    return obj


def actor(role: str, partner) -> dict:
    if role in (HOST, SYSTEM):
        return {"user": None, "actor_kind": role}
    return {"user": staff_user(role, partner), "actor_kind": "user"}


def company_flat():
    from housing.models import Unit

    company = OrganisationFactory(name="Krokomsbostäder", kind="housing_company")
    return Unit.objects.create(
        company=company,
        reference="1-042",
        street_address="Gröna gatan 4",
        postcode="83531",
        municipality_id="2309",  # Krokom
        rooms=2,
        size_m2=58,
        rent_per_month=6200,
    )


def changes_for(wf_name: str, name: str, partner) -> dict | None:
    """What a step saves together with the stage, as the services pass it."""
    if wf_name == "home" and name in ("refer", "refer_again"):
        return {"partner": partner}
    if wf_name == "home" and name == "offer_from_company":
        return {"partner": partner, "unit": company_flat()}
    return None


def history(wf, obj):
    return wf.log_model.objects.filter(**{wf.log_fk: obj})


def in_english(message) -> str:
    with translation.override("en"):
        return str(message)


def row(obj) -> dict:
    return type(obj).objects.values().get(pk=obj.pk)


# A step taken writes one row; a step refused changes nothing ----------------------------------

# A home's whole way, and a match's: (step, who, reason), each from where the last one left it.
HOME_WAY = [
    ("contact", V, ""),
    ("book_visit", V, ""),
    ("cancel_visit", VC, "Värden är sjuk."),
    ("book_visit", V, ""),
    ("approve_visit", V, ""),
    ("pause", HOST, ""),
    ("resume", HOST, ""),
    ("refer", VC, ""),
    ("match", SYSTEM, ""),
    ("end", SYSTEM, "Familjen har flyttat."),
    ("refer_again", PC, ""),
    ("withdraw", HOST, ""),
]
MATCH_WAY = [
    ("approve", PC, ""),
    ("move_in", PC, ""),
    ("end", PC, "Familjen har fått ett eget kontrakt."),
]
PLACEMENT_WAY = [
    ("propose", PC, ""),
    ("decline", PS, "Ingen handledare på plats i januari."),
    ("propose", PC, ""),
    ("withdraw_proposal", PC, "Personen har fått en annan plats."),
    ("propose", PC, ""),
    ("start", HCS, ""),
    ("complete", PS, ""),
    ("employ", PC, ""),
]


@pytest.mark.parametrize(
    ("wf_name", "way"), [("home", HOME_WAY), ("match", MATCH_WAY), ("placement", PLACEMENT_WAY)]
)
def test_each_step_taken_writes_exactly_one_history_row(wf_name, way, partner):
    wf = WORKFLOWS[wf_name]
    obj = make_object(wf_name, wf.initial, partner)
    rows = list(history(wf, obj))

    for step, who, reason in way:
        source = obj.status
        people = actor(who, partner)
        record = wf.apply(
            obj, step, reason=reason, changes=changes_for(wf_name, step, partner), **people
        )
        added = list(history(wf, obj).exclude(pk__in=[r.pk for r in rows]))
        assert added == [record], step
        assert (record.from_state, record.actor, record.actor_kind, record.reason) == (
            source,
            people["user"],
            people["actor_kind"],
            reason,
        ), step
        obj.refresh_from_db()
        assert obj.status == record.to_state, step
        rows.append(record)

    assert obj.status == rows[-1].to_state
    if wf_name == "home":
        assert obj.status == H.WITHDRAWN
        # Resumed where it was paused, not at the start.
        assert (H.PAUSED, H.VISITED) in [(r.from_state, r.to_state) for r in rows]


# (workflow, step, a stage it does not start from, someone who may take it elsewhere)
WRONG_STAGES = [
    ("home", "book_visit", H.REGISTERED, V),  # the host was not reached yet
    ("home", "approve_visit", H.CONTACTED, V),  # no visit booked
    ("home", "refer", H.CONTACTED, VC),  # not visited
    ("home", "resume", H.REFERRED, HOST),  # not paused
    ("home", "withdraw", H.WITHDRAWN, HOST),  # withdrawn already
    ("home", "contact", H.MATCHED, V),  # far past contact
    ("home", "match", H.VISITED, SYSTEM),  # not referred
    ("case", "reopen", C.WAITING, PC),  # not closed
    ("case", "move_in", C.WAITING, SYSTEM),  # no match
    ("match", "approve", M.APPROVED, PC),  # approved already
    ("match", "move_in", M.PROPOSED, PC),  # not approved
    ("match", "end", M.APPROVED, PC),  # nobody moved in
    ("match", "cancel", M.MOVED_IN, PC),  # too late to cancel
    ("placement", "start", P.OFFERED, PS),  # nobody proposed
    ("placement", "complete", P.PROPOSED, PS),  # not started
    ("placement", "employ", P.OFFERED, PC),  # nobody took it
    ("placement", "employ", P.ENDED_EARLY, PC),  # ended early: no employment from it
    ("placement", "propose", P.STARTED, PC),  # taken already
    ("placement", "withdraw", P.PROPOSED, PS),  # someone proposed: decline first
    ("placement", "decline", P.STARTED, PS),  # too late to decline
    ("placement", "end_early", P.COMPLETED, PS),  # over already
]


@pytest.mark.parametrize(
    ("wf_name", "step", "stage", "who"),
    WRONG_STAGES,
    ids=[f"{w}-{step}-{stage}" for w, step, stage, _ in WRONG_STAGES],
)
def test_a_step_from_a_stage_it_does_not_start_from_is_refused_and_nothing_changes(
    wf_name, step, stage, who, partner
):
    wf = WORKFLOWS[wf_name]
    t = wf[step]
    assert stage not in t.sources
    obj = make_object(wf_name, stage, partner)
    before, logged = row(obj), history(wf, obj).count()

    # The message names the step and the stage, in the language of the person who tried.
    with translation.override("en"), pytest.raises(Conflict) as refused:
        wf.apply(
            obj,
            step,
            reason=REASON,
            changes=changes_for(wf_name, step, partner),
            **actor(who, partner),
        )

    with translation.override("en"):
        expected = f"“{t.label}” is not possible at the stage “{wf.label_of(stage)}”."
    assert str(refused.value.message) == expected
    assert row(obj) == before
    assert history(wf, obj).count() == logged


# (workflow, step, someone who may take it): steps that say why
NEED_A_REASON = [
    ("home", "cancel_visit", V),
    ("home", "reject", V),
    ("home", "mark_unreachable", VC),
    ("home", "close", PC),
    ("case", "close", PC),
    ("case", "rehouse", PC),
    ("match", "reject", PC),
    ("match", "cancel", PC),
    ("match", "end", PC),
    ("placement", "withdraw_proposal", PC),
    ("placement", "decline", PS),
    ("placement", "end_early", HCS),
    ("placement", "withdraw", PS),
]


@pytest.mark.parametrize(
    ("wf_name", "step", "who"), NEED_A_REASON, ids=[f"{w}-{s}" for w, s, _ in NEED_A_REASON]
)
def test_a_step_that_needs_a_reason_refuses_an_empty_one(wf_name, step, who, partner):
    wf = WORKFLOWS[wf_name]
    t = wf[step]
    obj = make_object(wf_name, t.sources[0], partner)
    before, logged = row(obj), history(wf, obj).count()

    for reason in ["", "   \n"]:
        with pytest.raises(Invalid) as refused:
            wf.apply(obj, step, reason=reason, **actor(who, partner))
        assert in_english(refused.value.message) == "Please give a reason for this step."

    assert row(obj) == before
    assert history(wf, obj).count() == logged


def test_the_tables_use_only_known_stages_and_roles():
    for wf in EVERY_WORKFLOW.values():
        stages = set(wf.states.values)
        assert wf.initial in stages and set(wf.also_initial) <= stages
        for t in wf.transitions.values():
            assert set(t.sources) <= stages, t.name
            assert t.target in stages or (t.target is None and set(t.returns_to) <= stages)
            assert t.roles and t.roles <= set(EVERYONE), t.name


# Guards: the conditions a table cannot express as stages --------------------------------------


@pytest.mark.parametrize("step", ["refer", "refer_again"])
def test_referring_a_home_needs_a_partner(step, partner):
    t = HOME_WORKFLOW[step]
    home = make_object("home", t.sources[0], partner)
    before, logged = row(home), history(HOME_WORKFLOW, home).count()

    with pytest.raises(TransitionNotAllowed) as refused:
        HOME_WORKFLOW.apply(home, step, **actor("volunteer_coordinator", partner))

    assert in_english(refused.value.message) == "Choose the partner the home is referred to."
    assert row(home) == before
    assert history(HOME_WORKFLOW, home).count() == logged


def test_only_a_housing_companys_flat_is_offered_by_the_company(partner):
    home = make_object("home", Home.Status.REGISTERED, partner)
    before, logged = row(home), history(HOME_WORKFLOW, home).count()

    with pytest.raises(TransitionNotAllowed) as refused:
        HOME_WORKFLOW.apply(
            home, "offer_from_company", changes={"partner": partner}, **actor(SYSTEM, partner)
        )

    assert in_english(refused.value.message) == (
        "Only a housing company's flat, with its partner, can be offered this way."
    )
    assert row(home) == before
    assert history(HOME_WORKFLOW, home).count() == logged


@pytest.mark.parametrize("step", ["pause", "withdraw"])
def test_a_home_with_a_live_match_cannot_be_paused_or_withdrawn(step, partner):
    home = make_object("home", Home.Status.REFERRED, partner)
    Match.objects.create(home=home, case=NewcomerCaseFactory(partner=partner))
    before, logged = row(home), history(HOME_WORKFLOW, home).count()

    with pytest.raises(TransitionNotAllowed) as refused:
        HOME_WORKFLOW.apply(home, step, **actor(HOST, partner))

    assert in_english(refused.value.message) == (
        "The home has a live match: end or cancel the match first."
    )
    assert row(home) == before
    assert history(HOME_WORKFLOW, home).count() == logged


def test_a_case_with_a_live_match_cannot_be_closed(partner):
    case = make_object("case", NewcomerCase.Status.WAITING, partner)
    Match.objects.create(home=HomeFactory(partner=partner), case=case)
    before, logged = row(case), history(CASE_WORKFLOW, case).count()

    with pytest.raises(TransitionNotAllowed) as refused:
        CASE_WORKFLOW.apply(case, "close", reason=REASON, **actor(SYSTEM, partner))

    assert in_english(refused.value.message) == (
        "The case has a live match: end or cancel the match first."
    )
    assert row(case) == before
    assert history(CASE_WORKFLOW, case).count() == logged


def test_an_unknown_step_is_refused(partner):
    home = make_object("home", Home.Status.REGISTERED, partner)
    with pytest.raises(TransitionNotAllowed) as refused:
        HOME_WORKFLOW.apply(home, "teleport", **actor(SYSTEM, partner))
    assert in_english(refused.value.message) == "There is no such step."
