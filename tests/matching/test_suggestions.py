"""Explained match suggestions: the hard limits exclude, the soft factors rank and explain."""

import math
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from hosts.models import Home
from matching.models import Match, MatchingWeights
from matching.suggestions import INFEASIBLE, fit_matrix, suggest_homes
from tests.factories import NewcomerCaseFactory, district, match_with_history, open_home

TODAY = timezone.localdate()
EARTH_RADIUS_KM = 6371.0
KM_PER_DEGREE_OF_LATITUDE = 2 * math.pi * EARTH_RADIUS_KM / 360  # 111.19 km


def great_circle_km(a, b) -> float:
    """Haversine, written here independently of ``matching.places``."""
    p1, p2 = math.radians(a.latitude), math.radians(b.latitude)
    dp, dl = p2 - p1, math.radians(b.longitude - a.longitude)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


@pytest.fixture
def partner(organisations):
    return organisations["partner"]


def north_of(place, km: float, partner, name: str):
    """A district ``km`` due north of ``place``."""
    return district(partner, name, place.latitude + km / KM_PER_DEGREE_OF_LATITUDE, place.longitude)


def a_case(partner, *, places=(), **fields):
    """A waiting household of one adult with no needs, unless ``fields`` say otherwise."""
    defaults = {
        "partner": partner,
        "adults": 1,
        "children_ages": [],
        "languages": ["ar", "en"],
        "housing_needed_by": TODAY + timedelta(days=50),
        "assigned_on": TODAY - timedelta(days=10),
    }
    case = NewcomerCaseFactory(**{**defaults, **fields})
    case.preferred_places.set(places)
    return case


def suggested(case, limit=100) -> list[int]:
    return [s.home_id for s in suggest_homes(case, limit=limit)]


# Hard limits: one home fails only the limit, one passes it ----------------------------------------

# Each row: the household's need (or None for limits on the home alone), the failing home and the
# passing home (overrides of ``open_home``). Functions get the test's context (partner, places).
HARD_LIMITS = {
    "beds below the household size": (
        {"adults": 2, "children_ages": [4, 9]},
        {"beds": 3},
        {"beds": 4},
    ),
    "available after housing is needed": (
        {"housing_needed_by": TODAY + timedelta(days=20)},
        {"available_from": TODAY + timedelta(days=21)},
        {"available_from": TODAY + timedelta(days=20)},
    ),
    "available for too short a time": (
        {"needs_months": 6},
        {"available_months": 5},
        {"available_months": 6},
    ),
    "available until further notice": (
        {"needs_months": 24},
        {"available_months": 12},
        {"available_months": None},
    ),
    "pets and an allergy": ({"pet_allergy": True}, {"has_pets": True}, {"has_pets": False}),
    "smoking outdoors and a non-smoking need": (
        {"needs_non_smoking": True},
        {"smoking": Home.Smoking.OUTDOORS},
        {"smoking": Home.Smoking.NO},
    ),
    "smoking indoors and a non-smoking need": (
        {"needs_non_smoking": True},
        {"smoking": Home.Smoking.INDOORS},
        {"smoking": Home.Smoking.NO},
    ),
    "stairs and a step-free need": (
        {"needs_step_free_access": True},
        {"step_free_access": False},
        {"step_free_access": True},
    ),
    "outside the radius of every preferred place": (
        lambda ctx: {"places": [ctx.krokom, ctx.ostersund]},
        lambda ctx: {"place": north_of(ctx.krokom, 30.5, ctx.partner, "Långt norrut")},
        lambda ctx: {"place": north_of(ctx.krokom, 29.5, ctx.partner, "Nära nog")},
    ),
    "no known place when places are preferred": (
        lambda ctx: {"places": [ctx.krokom]},
        {"place": None},
        lambda ctx: {"place": ctx.krokom},
    ),
    "not referred": (None, {"status": Home.Status.VISITED}, {}),
    "referred to another partner": (None, lambda ctx: {"partner": ctx.other_partner}, {}),
    "in a live match": (None, {"live_match": "proposed"}, {"live_match": "rejected"}),
    "in an approved match": (None, {"live_match": "approved"}, {"live_match": "cancelled"}),
}


class Context:
    def __init__(self, organisations, localities):
        self.partner = organisations["partner"]
        self.other_partner = organisations["other_partner"]
        self.krokom = localities["Krokom"]
        self.ostersund = localities["Östersund"]

    def resolve(self, value):
        return value(self) if callable(value) else dict(value or {})

    def home(self, overrides):
        fields = {"place": self.krokom, **self.resolve(overrides)}
        match_status = fields.pop("live_match", None)
        home = open_home(fields.pop("partner", self.partner), **fields)
        if match_status:
            other_case = a_case(self.partner)
            steps = [] if match_status == "proposed" else [(match_status, timezone.now())]
            match_with_history(home, other_case, steps)
        return home


@pytest.mark.parametrize("limit", list(HARD_LIMITS))
def test_a_hard_limit_excludes_a_home(limit, organisations, localities):
    need, failing, passing = HARD_LIMITS[limit]
    ctx = Context(organisations, localities)
    fails, passes = ctx.home(failing), ctx.home(passing)
    need = ctx.resolve(need)
    case = a_case(ctx.partner, **need)

    assert suggested(case) == [passes.pk]

    # The plan's matrix applies the same limits to all pairs at once.
    matrix, _cases, home_ids = fit_matrix([case], MatchingWeights.current())
    assert matrix[0, home_ids.index(passes.pk)] > INFEASIBLE / 2
    if fails.pk in home_ids:
        assert matrix[0, home_ids.index(fails.pk)] == INFEASIBLE

    # The failing home fails only this limit: a household without the need may have it.
    if need:
        assert fails.pk in suggested(a_case(ctx.partner, reference="RELAXED"))


def test_a_household_may_prefer_several_places(partner, localities):
    krokom, ostersund, are = localities["Krokom"], localities["Östersund"], localities["Åre"]
    near_krokom = open_home(partner, place=krokom)
    near_ostersund = open_home(partner, place=localities["Brunflo"])  # ~15 km from Östersund
    far = open_home(partner, place=are)  # ~70 km from both
    anywhere = a_case(partner)
    either = a_case(partner, places=[krokom, ostersund])
    assert set(suggested(anywhere)) == {near_krokom.pk, near_ostersund.pk, far.pk}
    assert set(suggested(either)) == {near_krokom.pk, near_ostersund.pk}


# The reasons, in words ---------------------------------------------------------------------------


def reasons_of(case, home) -> list[str]:
    (suggestion,) = [s for s in suggest_homes(case, limit=100) if s.home_id == home.pk]
    return [str(reason) for reason in suggestion.reasons]


def test_a_language_in_common_is_named(partner, localities):
    case = a_case(partner, languages=["ar", "en"])
    arabic = open_home(partner, languages=["sv", "ar"])
    none = open_home(partner, languages=["sv", "de"])
    with translation.override("en"):
        assert "speaks Arabic like the household" in reasons_of(case, arabic)
        assert "no language in common" in reasons_of(case, none)
        assert not any("speaks" in reason for reason in reasons_of(case, none))
    with translation.override("sv"):
        # The language is named in the language of the page.
        assert any("Arabiska" in reason for reason in reasons_of(case, arabic))


def test_the_distance_to_the_nearest_preferred_place_is_given_in_km(partner, localities):
    krokom, ostersund = localities["Krokom"], localities["Östersund"]
    nalden = district(partner, "Nälden", 63.35, 14.26)
    brunflo = localities["Brunflo"]
    in_nalden = open_home(partner, place=nalden)
    in_brunflo = open_home(partner, place=brunflo)
    case = a_case(partner, places=[krokom, ostersund])

    to_krokom = round(great_circle_km(nalden, krokom), 1)
    to_ostersund = round(great_circle_km(brunflo, ostersund), 1)
    assert to_krokom < great_circle_km(nalden, ostersund)
    assert to_ostersund < great_circle_km(brunflo, krokom)
    assert 5 < to_krokom < 15 and 10 < to_ostersund < 20

    with translation.override("en"):
        assert f"{to_krokom:.1f} km from Krokom" in reasons_of(case, in_nalden)
        assert f"{to_ostersund:.1f} km from Östersund" in reasons_of(case, in_brunflo)
    with translation.override("sv"):  # a decimal comma
        decimal_comma = f"{to_krokom:.1f}".replace(".", ",")
        assert any(f"{decimal_comma} km" in reason for reason in reasons_of(case, in_nalden))

    # No preferred place: no distance is given (the household can live anywhere).
    with translation.override("en"):
        assert not any(" km from " in r for r in reasons_of(a_case(partner), in_nalden))


def test_rent_above_the_budget_is_given_in_kronor(partner, localities):
    case = a_case(partner, rent_budget=4000)
    dear = open_home(partner, rent_per_month=5000)
    much_dearer = open_home(partner, rent_per_month=16500)
    cheap = open_home(partner, rent_per_month=4000)
    with translation.override("en"):
        assert "rent 1,000 kr above budget" in reasons_of(case, dear)
        assert "rent 12,500 kr above budget" in reasons_of(case, much_dearer)
        assert "rent within budget" in reasons_of(case, cheap)
        assert not any("budget" in r for r in reasons_of(a_case(partner), dear))  # no budget
    with translation.override("sv"):  # grouped with a (non-breaking) space
        assert any("1\xa0000 kr" in reason for reason in reasons_of(case, dear))


def test_waiting_days_are_given_from_thirty_days(partner, localities):
    long_waiting = a_case(partner, assigned_on=TODAY - timedelta(days=40))
    new = a_case(partner, assigned_on=TODAY - timedelta(days=29))
    old_home = open_home(partner)
    Home.objects.filter(pk=old_home.pk).update(
        status_changed_at=timezone.now() - timedelta(days=35, hours=1)
    )
    new_home = open_home(partner)
    with translation.override("en"):
        assert "the household has waited 40 days" in reasons_of(long_waiting, new_home)
        assert "the home has waited 35 days" in reasons_of(long_waiting, old_home)
        assert not any("waited" in r for r in reasons_of(new, new_home))


# The ranking ----------------------------------------------------------------------------------------


def test_the_score_follows_the_definition(partner, localities):
    """Default weights 30/25/20/15/10 (sum 100), radius 30 km, full waiting score at 180 days."""
    krokom = localities["Krokom"]
    case = a_case(
        partner,
        places=[krokom],
        languages=["ar"],
        rent_budget=4000,
        assigned_on=TODAY - timedelta(days=90),  # half the waiting score
    )
    home = open_home(partner, place=krokom, languages=["ar"], rent_per_month=5000)
    Home.objects.filter(pk=home.pk).update(
        status_changed_at=timezone.now() - timedelta(days=18, hours=1)  # a tenth
    )
    # 10 km away, another language, within budget.
    other = open_home(
        partner,
        place=north_of(krokom, 10, partner, "Tio km"),
        languages=["sv"],
        rent_per_month=4000,
    )
    scores = {s.home_id: s.score for s in suggest_homes(case)}
    # language 30 + distance 25 × 1 + rent 20 × (1 − 1000/4000) + case 15 × 0.5 + home 10 × 0.1
    assert scores[home.pk] == pytest.approx(30 + 25 + 15 + 7.5 + 1, abs=0.05)
    # no language + distance 25 × (1 − 10/30) + rent 20 + case 7.5 + home 0
    assert scores[other.pk] == pytest.approx(0 + 25 * 2 / 3 + 20 + 7.5 + 0, abs=0.05)


def test_suggestions_come_best_first_and_the_limit_keeps_the_true_best(partner, localities):
    krokom = localities["Krokom"]
    case = a_case(partner, places=[krokom], rent_budget=4000)
    for i in range(14):
        open_home(
            partner,
            place=north_of(krokom, i * 2, partner, f"Ort {i}"),
            rent_per_month=3000 + 250 * i,
            languages=["ar"] if i % 3 == 0 else ["sv"],
        )
    everything = suggest_homes(case, limit=100)
    assert len(everything) == 14
    scores = [s.score for s in everything]
    assert scores == sorted(scores, reverse=True)
    assert len(set(scores)) > 5
    assert [s.home_id for s in suggest_homes(case)] == [s.home_id for s in everything[:10]]
    assert all(s.home is not None and s.home.pk == s.home_id for s in everything)


def test_the_weights_change_the_ranking(partner, localities):
    krokom = localities["Krokom"]
    case = a_case(partner, places=[krokom], languages=["ar"])
    speaks_arabic_far = open_home(
        partner, place=north_of(krokom, 25, partner, "Tjugofem km"), languages=["ar"]
    )
    at_krokom = open_home(partner, place=krokom, languages=["sv"])

    assert suggested(case) == [speaks_arabic_far.pk, at_krokom.pk]  # language 30 > distance 25

    MatchingWeights.objects.create(language=5, distance=60)
    assert suggested(case) == [at_krokom.pk, speaks_arabic_far.pk]

    # The latest weights count; a smaller radius is a hard limit.
    MatchingWeights.objects.create(area_radius_km=20)
    assert suggested(case) == [at_krokom.pk]


# The case page in the admin ------------------------------------------------------------------------


def test_the_case_page_lists_homes_that_fit_with_reasons_and_a_propose_button(
    english, coordinator, partner, localities
):
    krokom = localities["Krokom"]
    case = a_case(partner, places=[krokom], languages=["ar"], rent_budget=3000)
    best = open_home(partner, place=krokom, languages=["ar"], rent_per_month=3000)
    second = open_home(partner, place=krokom, languages=["sv"], rent_per_month=4000)
    excluded = open_home(partner, place=krokom, beds=1, has_pets=True)
    case.pet_allergy = True
    case.save()
    english.force_login(coordinator)
    page = f"/admin/newcomers/newcomercase/{case.pk}/change/"

    html = english.get(page).content.decode()

    assert "Homes that fit, best first" in html
    assert html.index(f"/admin/hosts/home/{best.pk}/change/") < html.index(
        f"/admin/hosts/home/{second.pk}/change/"
    )
    assert f"/admin/hosts/home/{excluded.pk}/change/" not in html
    assert "speaks Arabic like the household" in html
    assert "rent 1,000 kr above budget" in html
    propose = f"/admin/newcomers/newcomercase/{case.pk}/propose/{best.pk}/"
    assert f'formaction="{propose}"' in html

    response = english.post(propose)  # the change form, sent to the propose button's address

    assert response.status_code == 302 and response.url == page
    match = Match.objects.get()
    assert (match.home, match.case, match.status) == (best, case, "proposed")
    # With a live match the case page suggests nothing more.
    assert "Homes that fit, best first" not in english.get(page).content.decode()
