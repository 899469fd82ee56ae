"""The best plan for all open cases: never below greedy, equal to an exhaustive search, and
accepted line by line through the one-live-match rule."""

import itertools
import random
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from hosts.models import Home, HomeTransition
from matching.actions import propose_match
from matching.models import Match, MatchingWeights, MatchTransition
from matching.suggestions import INFEASIBLE, best_plan, fit_matrix, open_cases, suggest_homes
from newcomers.models import CaseTransition, NewcomerCase
from tests.factories import NewcomerCaseFactory, open_home

TODAY = timezone.localdate()
LANGUAGES = ["sv", "en", "ar", "ti", "so", "fa"]


def exhaustive_best(matrix) -> float:
    """The greatest total fit over every assignment of distinct homes to some of the cases (any
    case may stay without a home; an infeasible pair may never be chosen)."""
    n_cases, n_homes = matrix.shape
    values = np.where(matrix > INFEASIBLE / 2, matrix, -np.inf)
    best = 0.0
    for k in range(1, min(n_cases, n_homes) + 1):
        orders = np.array(list(itertools.permutations(range(n_homes), k)))
        for chosen in itertools.combinations(range(n_cases), k):
            totals = values[list(chosen), orders].sum(axis=1)
            best = max(best, float(totals.max()))
    return best


def total_of(pairs, matrix, cases, home_ids) -> float:
    """The exact total of a list of (case id, home id, fit), read back from the matrix; checks
    that every pair is allowed and that no case or home is used twice."""
    rows = {case.pk: i for i, case in enumerate(cases)}
    cols = {home_id: j for j, home_id in enumerate(home_ids)}
    assert len({c for c, _h, _f in pairs}) == len(pairs)
    assert len({h for _c, h, _f in pairs}) == len(pairs)
    total = 0.0
    for case_id, home_id, fit in pairs:
        value = matrix[rows[case_id], cols[home_id]]
        assert value > INFEASIBLE / 2, "an infeasible pair was chosen"
        assert fit == round(float(value), 1)
        total += float(value)
    return total


def random_instance(seed, partner, places):
    """Cases and homes with random needs and properties (each hard limit bites sometimes)."""
    rng = random.Random(seed)
    n_cases, n_homes = [(6, 7), (7, 5), (5, 6)][seed % 3]
    MatchingWeights.objects.create(
        language=rng.randint(0, 40),
        distance=rng.randint(0, 40),
        rent=rng.randint(0, 40),
        case_waiting=rng.randint(0, 40),
        home_waiting=rng.randint(0, 40),
        area_radius_km=rng.choice([20, 30, 60]),
        long_wait_days=rng.choice([90, 180]),
    )
    for _ in range(n_homes):
        home = open_home(
            partner,
            beds=rng.randint(1, 5),
            available_from=TODAY + timedelta(days=rng.randint(0, 60)),
            available_months=rng.choice([None, 3, 6, 12]),
            has_pets=rng.random() < 0.3,
            smoking=rng.choice(list(Home.Smoking.values)),
            step_free_access=rng.random() < 0.6,
            place=rng.choice([*places, None]),
            rent_per_month=rng.randrange(2000, 8000, 250),
            languages=rng.sample(LANGUAGES, rng.randint(1, 3)),
        )
        Home.objects.filter(pk=home.pk).update(
            status_changed_at=timezone.now() - timedelta(days=rng.randint(0, 200), hours=1)
        )
    for _ in range(n_cases):
        case = NewcomerCaseFactory(
            partner=partner,
            adults=rng.randint(1, 2),
            children_ages=[rng.randint(0, 17) for _ in range(rng.randint(0, 2))],
            languages=rng.sample(LANGUAGES, rng.randint(1, 2)),
            needs_step_free_access=rng.random() < 0.2,
            pet_allergy=rng.random() < 0.3,
            needs_non_smoking=rng.random() < 0.3,
            needs_months=rng.choice([None, None, 6, 12]),
            rent_budget=rng.choice([None, 3000, 4500, 6000]),
            assigned_on=TODAY - timedelta(days=rng.randint(0, 300)),
            housing_needed_by=TODAY + timedelta(days=rng.randint(5, 70)),
        )
        case.preferred_places.set(rng.sample(places, rng.randint(0, 2)))


@pytest.mark.parametrize("seed", range(30))
def test_the_plan_is_as_good_as_an_exhaustive_search(seed, organisations, localities):
    partner = organisations["partner"]
    places = [localities[name] for name in ["Krokom", "Östersund", "Brunflo", "Järpen", "Åre"]]
    random_instance(seed, partner, places)
    cases = open_cases(partner.pk)

    plan = best_plan(cases)
    matrix, cases, home_ids = fit_matrix(cases, MatchingWeights.current())

    best = exhaustive_best(matrix)
    plan_total = total_of(plan.pairs, matrix, cases, home_ids)
    greedy_total = total_of(plan.greedy_pairs, matrix, cases, home_ids)
    assert plan_total == pytest.approx(best, abs=1e-6)
    assert greedy_total <= plan_total + 1e-9
    assert plan.total >= plan.greedy_total
    assert plan.total == pytest.approx(best, abs=0.05 * (len(plan.pairs) + 1))
    feasible = matrix > INFEASIBLE / 2
    assert 0 < feasible.sum() < matrix.size, "the random limits should exclude some pairs only"

    # The matrix and the suggestions for one case agree pair by pair (two ways to one fit).
    for row, case in enumerate(cases):
        suggestions = {s.home_id: s.score for s in suggest_homes(case, limit=100)}
        expected = {
            home_ids[col]: round(float(matrix[row, col]), 1)
            for col in np.flatnonzero(feasible[row])
        }
        assert suggestions == expected


# A plan beats the greedy choice -----------------------------------------------------------------


@pytest.fixture
def greedy_trap(organisations, localities):
    """Case A can live in either home and prefers home 1 (a language in common); case B needs
    step-free access, which only home 1 has. Greedy gives home 1 to A and nothing to B."""
    partner = organisations["partner"]
    krokom = localities["Krokom"]
    common = {"places": [krokom], "rent_budget": 5000}
    a = NewcomerCaseFactory(partner=partner, reference="A", languages=["ar"], rent_budget=5000)
    b = NewcomerCaseFactory(
        partner=partner,
        reference="B",
        languages=["ti"],
        rent_budget=5000,
        needs_step_free_access=True,
    )
    for case in (a, b):
        case.preferred_places.set(common["places"])
    home_1 = open_home(partner, place=krokom, languages=["ar"], step_free_access=True)
    home_2 = open_home(partner, place=krokom, languages=["sv"], step_free_access=False)
    return a, b, home_1, home_2


def test_the_plan_is_strictly_better_than_greedy_where_greedy_is_trapped(
    organisations, greedy_trap
):
    a, b, home_1, home_2 = greedy_trap
    plan = best_plan(open_cases(organisations["partner"].pk))

    assert {(c, h) for c, h, _f in plan.pairs} == {(a.pk, home_2.pk), (b.pk, home_1.pk)}
    assert [(c, h) for c, h, _f in plan.greedy_pairs] == [(a.pk, home_1.pk)]
    assert plan.total > plan.greedy_total + 10
    assert plan.total == pytest.approx(sum(f for _c, _h, f in plan.pairs), abs=0.05)


def test_no_open_case_or_no_free_home_gives_an_empty_plan(organisations, localities):
    partner = organisations["partner"]
    assert best_plan([]).pairs == []
    NewcomerCaseFactory(partner=partner)
    plan = best_plan(open_cases(partner.pk))
    assert (plan.pairs, plan.total, plan.greedy_pairs, plan.greedy_total) == ([], 0, [], 0)


def test_open_cases_are_the_partners_waiting_cases_without_a_live_match(organisations):
    partner = organisations["partner"]
    waiting = NewcomerCaseFactory(partner=partner)
    matched = NewcomerCaseFactory(partner=partner)
    propose_match(
        home=open_home(partner),
        case=matched,
        user=_coordinator_of(partner),
    )
    NewcomerCaseFactory(partner=partner, status=NewcomerCase.Status.CLOSED)
    NewcomerCaseFactory(partner=organisations["other_partner"])
    assert [case.pk for case in open_cases(partner.pk)] == [waiting.pk]


def _coordinator_of(partner):
    from tests.factories import staff_user

    return staff_user("partner_coordinator", partner)


# Accepting the plan in the admin ------------------------------------------------------------------

PLAN = "/admin/newcomers/newcomercase/plan/"


def counts():
    return (
        Match.objects.count(),
        MatchTransition.objects.count(),
        CaseTransition.objects.count(),
        HomeTransition.objects.count(),
    )


def test_a_coordinator_accepts_the_plan_line_by_line(english, coordinator, greedy_trap):
    a, b, home_1, home_2 = greedy_trap
    english.force_login(coordinator)

    page = english.get(PLAN)
    assert page.status_code == 200
    plan = page.context["plan"]
    html = page.content.decode()
    assert f'<td id="plan-total">{plan.total}</td>' in html
    assert f"{plan.greedy_total} (1 pair)" in html
    accept_a = f"/admin/newcomers/newcomercase/{a.pk}/propose/{home_2.pk}/"
    accept_b = f"/admin/newcomers/newcomercase/{b.pk}/propose/{home_1.pk}/"
    assert f'action="{accept_a}"' in html and f'action="{accept_b}"' in html
    assert not Match.objects.exists()  # a plan is only a suggestion

    response = english.post(accept_a, {"next": PLAN})

    assert response.status_code == 302 and response.url == PLAN
    match = Match.objects.get()
    assert (match.case, match.home, match.status) == (a, home_2, "proposed")
    after = english.get(PLAN)
    assert [(i["case"], i["home"]) for i in after.context["items"]] == [(b, home_1)]

    # Meanwhile a colleague proposes home 1 for a household that came in after the plan was
    # shown; accepting the stale line for home 1 is refused, and nothing of it is saved.
    c = NewcomerCaseFactory(partner=a.partner, reference="C")
    propose_match(home=home_1, case=c, user=coordinator)
    before = counts()

    refused = english.post(accept_b, {"next": PLAN})

    assert refused.status_code == 409  # the refusal, once, with the way back to the plan
    html = refused.content.decode()
    assert html.count("This home already has a live match.") == 1
    assert f'href="{PLAN}"' in html
    assert counts() == before
    b.refresh_from_db()
    assert b.status == "waiting" and not b.matches.exists()
    assert set(Match.objects.values_list("case", "home", "status")) == {
        (a.pk, home_2.pk, "proposed"),
        (c.pk, home_1.pk, "proposed"),
    }


def test_a_plan_line_leads_only_back_into_the_site(english, coordinator, greedy_trap):
    a, _b, _home_1, home_2 = greedy_trap
    english.force_login(coordinator)
    response = english.post(
        f"/admin/newcomers/newcomercase/{a.pk}/propose/{home_2.pk}/",
        {"next": "https://elsewhere.example/"},
    )
    assert response.status_code == 302
    assert response.url == f"/admin/newcomers/newcomercase/{a.pk}/change/"


def test_another_partners_coordinator_sees_only_their_own_plan(
    english, other_coordinator, organisations, greedy_trap
):
    a, _b, _home_1, home_2 = greedy_trap
    english.force_login(other_coordinator)
    page = english.get(f"{PLAN}?partner={organisations['partner'].pk}")
    assert page.status_code == 200
    assert page.context["partner"] == organisations["other_partner"]
    assert page.context["items"] == []
    refused = english.post(f"/admin/newcomers/newcomercase/{a.pk}/propose/{home_2.pk}/")
    assert refused.status_code == 404
    assert not Match.objects.exists()


def test_the_plan_leaves_a_case_without_a_home_when_that_gives_more_fit(organisations, localities):
    """Housing one household very well can be worth more than housing two badly: the plan
    maximises the total fit, not the number of pairs (and is never below greedy)."""
    partner = organisations["partner"]
    MatchingWeights.objects.create(language=100, distance=0, rent=0, case_waiting=0, home_waiting=0)
    a = NewcomerCaseFactory(partner=partner, reference="A", languages=["ar"])
    b = NewcomerCaseFactory(
        partner=partner, reference="B", languages=["ti"], needs_step_free_access=True
    )
    home_1 = open_home(partner, languages=["ar"], step_free_access=True)  # A: 100, B: 0
    open_home(partner, languages=["sv"], step_free_access=False)  # A: 0, B: excluded

    plan = best_plan(open_cases(partner.pk))

    assert [(c, h, f) for c, h, f in plan.pairs] == [(a.pk, home_1.pk, 100.0)]
    assert plan.total == plan.greedy_total == 100.0
    assert b.pk not in {c for c, _h, _f in plan.pairs}
