"""Every workflow does exactly what its table declares, and nothing else.

The cases are generated from HOME_WORKFLOW, CASE_WORKFLOW and MATCH_WORKFLOW: each step from each
of its stages, by each role allowed to take it, moves the object and writes one history row; each
other role, each other stage and an empty reason (where one is required) is refused and changes
nothing. Objects are put in a stage with a queryset ``update()``: test set-up only.
"""

import pytest
from django.utils import translation

from accounts.roles import ROLE_LABELS
from hosts.models import Home, HomeTransition
from hosts.workflow import HOME_WORKFLOW
from matching.models import Match
from matching.workflow import MATCH_WORKFLOW
from newcomers.models import NewcomerCase
from newcomers.workflow import CASE_WORKFLOW
from tests.factories import HomeFactory, NewcomerCaseFactory, OrganisationFactory, staff_user
from workflow.engine import HOST, SYSTEM, TransitionNotAllowed

pytestmark = pytest.mark.django_db

WORKFLOWS = {"home": HOME_WORKFLOW, "case": CASE_WORKFLOW, "match": MATCH_WORKFLOW}
EVERY_ACTOR = [*ROLE_LABELS, HOST, SYSTEM]
REASON = "Värden har flyttat."
# The stage a paused home was in before the pause: "resume" must lead back to it.
BEFORE_PAUSE = Home.Status.VISITED


def _allowed():
    for wf_name, wf in WORKFLOWS.items():
        for t in wf.transitions.values():
            for source in t.sources:
                for role in sorted(t.roles):
                    yield pytest.param(
                        wf_name, t.name, source, role, id=f"{wf_name}-{t.name}-{source}-{role}"
                    )


def _refused_roles():
    for wf_name, wf in WORKFLOWS.items():
        for t in wf.transitions.values():
            for role in EVERY_ACTOR:
                if role not in t.roles:
                    yield pytest.param(wf_name, t.name, role, id=f"{wf_name}-{t.name}-{role}")


def _wrong_stages():
    for wf_name, wf in WORKFLOWS.items():
        for t in wf.transitions.values():
            for stage in wf.states.values:
                if stage not in t.sources:
                    yield pytest.param(wf_name, t.name, stage, id=f"{wf_name}-{t.name}-{stage}")


def _reason_required():
    for wf_name, wf in WORKFLOWS.items():
        for t in wf.transitions.values():
            if t.reason_required:
                yield pytest.param(wf_name, t.name, id=f"{wf_name}-{t.name}")


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
    else:
        obj = Match.objects.create(
            home=HomeFactory(partner=partner), case=NewcomerCaseFactory(partner=partner)
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
        municipality="Krokom",
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


def expected_target(wf, t) -> str:
    return t.target or BEFORE_PAUSE


def history(wf, obj):
    return wf.log_model.objects.filter(**{wf.log_fk: obj})


def in_english(message) -> str:
    with translation.override("en"):
        return str(message)


def row(obj) -> dict:
    return type(obj).objects.values().get(pk=obj.pk)


@pytest.mark.parametrize(("wf_name", "step", "source", "role"), list(_allowed()))
def test_an_allowed_step_moves_the_object_and_writes_one_history_row(
    wf_name, step, source, role, partner
):
    wf = WORKFLOWS[wf_name]
    t = wf[step]
    obj = make_object(wf_name, source, partner)
    who = actor(role, partner)
    before = history(wf, obj).count()
    reason = REASON if t.reason_required else ""
    changes = changes_for(wf_name, step, partner)

    record = wf.apply(obj, step, reason=reason, changes=changes, **who)

    target = expected_target(wf, t)
    obj.refresh_from_db()
    assert obj.status == target
    assert history(wf, obj).count() == before + 1
    last = history(wf, obj).order_by("-pk").first()
    assert last.pk == record.pk
    assert (last.from_state, last.to_state) == (source, target)
    assert (last.actor, last.actor_kind) == (who["user"], who["actor_kind"])
    assert last.reason == reason
    for field_name, value in (changes or {}).items():
        assert getattr(obj, field_name) == value  # saved together with the stage


@pytest.mark.parametrize(("wf_name", "step", "role"), list(_refused_roles()))
def test_a_role_the_step_does_not_name_is_refused_and_nothing_changes(wf_name, step, role, partner):
    wf = WORKFLOWS[wf_name]
    t = wf[step]
    obj = make_object(wf_name, t.sources[0], partner)
    before, logged = row(obj), history(wf, obj).count()

    with pytest.raises(TransitionNotAllowed) as refused:
        wf.apply(
            obj,
            step,
            reason=REASON,
            changes=changes_for(wf_name, step, partner),
            **actor(role, partner),
        )

    assert in_english(refused.value.message) == "You are not allowed to take this step."
    assert row(obj) == before
    assert history(wf, obj).count() == logged


@pytest.mark.parametrize(("wf_name", "step", "stage"), list(_wrong_stages()))
def test_a_step_from_a_stage_it_does_not_start_from_is_refused_and_nothing_changes(
    wf_name, step, stage, partner
):
    wf = WORKFLOWS[wf_name]
    t = wf[step]
    obj = make_object(wf_name, stage, partner)
    before, logged = row(obj), history(wf, obj).count()
    who = actor(sorted(t.roles)[0], partner)

    # The message names the step and the stage, in the language of the person who tried.
    with translation.override("en"), pytest.raises(TransitionNotAllowed) as refused:
        wf.apply(obj, step, reason=REASON, changes=changes_for(wf_name, step, partner), **who)

    with translation.override("en"):
        expected = f"“{t.label}” is not possible at the stage “{wf.label_of(stage)}”."
    assert str(refused.value.message) == expected
    assert row(obj) == before
    assert history(wf, obj).count() == logged


@pytest.mark.parametrize(("wf_name", "step"), list(_reason_required()))
@pytest.mark.parametrize("reason", ["", "   \n"])
def test_a_step_that_needs_a_reason_refuses_an_empty_one(wf_name, step, reason, partner):
    wf = WORKFLOWS[wf_name]
    t = wf[step]
    obj = make_object(wf_name, t.sources[0], partner)
    before, logged = row(obj), history(wf, obj).count()

    with pytest.raises(TransitionNotAllowed) as refused:
        wf.apply(obj, step, reason=reason, **actor(sorted(t.roles)[0], partner))

    assert in_english(refused.value.message) == "Please give a reason for this step."
    assert row(obj) == before
    assert history(wf, obj).count() == logged


def test_the_tables_use_only_known_stages_and_roles():
    for wf in WORKFLOWS.values():
        stages = set(wf.states.values)
        assert wf.initial in stages
        for t in wf.transitions.values():
            assert set(t.sources) <= stages, t.name
            assert t.target in stages or (t.target is None and set(t.returns_to) <= stages)
            assert t.roles and t.roles <= set(EVERY_ACTOR), t.name


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
