"""Explained match suggestions, and the best plan for all open cases of a partner.

Fit between a home and a household is defined once, here:

- hard limits exclude a home: enough beds for the household; available by the date housing is
  needed and for long enough; no pets when the household is allergic; a non-smoking home when
  needed; step-free access when needed; within ``area_radius_km`` of one of the household's
  preferred places (when it has any);
- soft factors score, each between 0 and 1 and weighted by ``MatchingWeights``: a language in
  common; the distance to the nearest preferred place; the rent against the household's budget;
  how long the household has waited; how long the home has waited.

The hard limits filter in the database (indexed columns); the scoring is vectorised with numpy.
The plan for all open cases maximises the total fit with scipy's ``linear_sum_assignment`` on a
rectangular matrix (infeasible pairs can never be chosen), so it is never below the greedy
choice shown beside it. A suggestion is never a match until a coordinator proposes it.
"""

from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from scipy.optimize import linear_sum_assignment

from hosts.languages import LANGUAGE_CHOICES
from hosts.models import Home
from newcomers.models import NewcomerCase

from .models import Match, MatchingWeights, Place
from .places import haversine_km

INFEASIBLE = -1e9
LANGUAGE_BITS = {code: 1 << i for i, (code, _label) in enumerate(LANGUAGE_CHOICES)}


def language_mask(codes) -> int:
    mask = 0
    for code in codes or []:
        mask |= LANGUAGE_BITS.get(code, 0)
    return mask


@dataclass
class Suggestion:
    home_id: int
    score: float
    reasons: list[str] = field(default_factory=list)
    home: Home | None = None


@dataclass
class CaseProfile:
    """What the fit needs to know about a case, read once."""

    case: NewcomerCase
    size: int
    places: list[Place]
    mask: int
    waited_days: int


def case_profile(case: NewcomerCase, today: date) -> CaseProfile:
    return CaseProfile(
        case=case,
        size=case.household_size,
        places=list(case.preferred_places.all()),
        mask=language_mask(case.languages),
        waited_days=max((today - case.assigned_on).days, 0),
    )


def places_within(places: list[Place], radius_km: float) -> list[int]:
    """Ids of all places within the radius of any of ``places`` (the places table is small)."""
    rows = list(Place.objects.values_list("pk", "latitude", "longitude"))
    if not rows or not places:
        return []
    ids = np.array([r[0] for r in rows])
    lat = np.array([r[1] for r in rows])
    lon = np.array([r[2] for r in rows])
    near = np.zeros(len(rows), dtype=bool)
    for place in places:
        near |= haversine_km(place.latitude, place.longitude, lat, lon) <= radius_km
    return ids[near].tolist()


def candidate_homes(profile: CaseProfile, weights: MatchingWeights):
    """The homes the hard limits leave for this case, filtered in the database."""
    case = profile.case
    live = Match.objects.filter(home=OuterRef("pk"), status__in=Match.LIVE)
    homes = Home.objects.filter(
        status=Home.Status.REFERRED,
        partner_id=case.partner_id,
        beds__gte=profile.size,
        available_from__lte=case.housing_needed_by,
    ).exclude(Exists(live))
    if case.needs_months:
        homes = homes.filter(
            Q(available_months__isnull=True) | Q(available_months__gte=case.needs_months)
        )
    if case.pet_allergy:
        homes = homes.filter(has_pets=False)
    if case.needs_non_smoking:
        homes = homes.filter(smoking=Home.Smoking.NO)
    if case.needs_step_free_access:
        homes = homes.filter(step_free_access=True)
    if profile.places:
        homes = homes.filter(place_id__in=places_within(profile.places, weights.area_radius_km))
    return homes


HOME_COLUMNS = (
    "pk",
    "rent_per_month",
    "languages",
    "place__latitude",
    "place__longitude",
    "status_changed_at",
)


def _home_arrays(rows):
    n = len(rows)
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
    rent = np.fromiter((r[1] for r in rows), dtype=np.float64, count=n)
    masks = np.fromiter((language_mask(r[2]) for r in rows), dtype=np.int64, count=n)
    lat = np.array([np.nan if r[3] is None else r[3] for r in rows], dtype=np.float64)
    lon = np.array([np.nan if r[4] is None else r[4] for r in rows], dtype=np.float64)
    now = timezone.now()
    waited = np.fromiter(((now - r[5]).days for r in rows), dtype=np.float64, count=n)
    return ids, rent, masks, lat, lon, waited


def _score(profile: CaseProfile, arrays, weights: MatchingWeights):
    """Scores (0–100) of one case against many homes, and the parts behind them."""
    _ids, rent, masks, lat, lon, home_waited = arrays
    total_weight = (
        weights.language
        + weights.distance
        + weights.rent
        + weights.case_waiting
        + weights.home_waiting
    ) or 1
    language = ((masks & profile.mask) != 0).astype(np.float64)
    if profile.places:
        distances = np.min(
            np.stack([haversine_km(p.latitude, p.longitude, lat, lon) for p in profile.places]),
            axis=0,
        )
        radius = max(weights.area_radius_km, 1)
        closeness = np.where(np.isnan(distances), 0.0, np.clip(1 - distances / radius, 0, 1))
    else:
        distances = np.full(len(rent), np.nan)
        closeness = np.full(len(rent), 0.5)
    budget = profile.case.rent_budget
    if budget:
        over = np.maximum(rent - budget, 0)
        rent_fit = np.clip(1 - over / budget, 0, 1)
    else:
        rent_fit = np.full(len(rent), 0.5)
    long_wait = max(weights.long_wait_days, 1)
    case_wait = min(profile.waited_days / long_wait, 1.0)
    home_wait = np.clip(home_waited / long_wait, 0, 1)
    score = (
        weights.language * language
        + weights.distance * closeness
        + weights.rent * rent_fit
        + weights.case_waiting * case_wait
        + weights.home_waiting * home_wait
    ) * (100 / total_weight)
    return score, {"language": language, "distances": distances, "home_waited": home_waited}


def _reasons(profile: CaseProfile, home_row, parts, i) -> list[str]:
    labels = dict(LANGUAGE_CHOICES)
    reasons = []
    shared = [code for code in (home_row[2] or []) if code in (profile.case.languages or [])]
    if shared:
        reasons.append(
            _("speaks %(language)s like the household")
            % {"language": str(labels.get(shared[0], shared[0]))}
        )
    else:
        reasons.append(_("no language in common"))
    distance = parts["distances"][i]
    if profile.places and not np.isnan(distance):
        nearest = min(
            profile.places,
            key=lambda p: float(haversine_km(p.latitude, p.longitude, home_row[3], home_row[4])),
        )
        reasons.append(
            _("%(km)s km from %(place)s")
            % {"km": number_format(round(float(distance), 1)), "place": nearest.name}
        )
    budget = profile.case.rent_budget
    if budget:
        difference = home_row[1] - budget
        if difference > 0:
            reasons.append(
                _("rent %(amount)s kr above budget")
                % {"amount": number_format(difference, force_grouping=True)}
            )
        else:
            reasons.append(_("rent within budget"))
    waited = int(parts["home_waited"][i])
    if waited >= 30:
        reasons.append(_("the home has waited %(days)d days") % {"days": waited})
    if profile.waited_days >= 30:
        reasons.append(_("the household has waited %(days)d days") % {"days": profile.waited_days})
    return reasons


def suggest_homes(case: NewcomerCase, *, limit: int = 10) -> list[Suggestion]:
    """The homes that fit ``case`` best, each with its reasons in words."""
    weights = MatchingWeights.current()
    profile = case_profile(case, timezone.localdate())
    rows = list(candidate_homes(profile, weights).values_list(*HOME_COLUMNS))
    if not rows:
        return []
    arrays = _home_arrays(rows)
    scores, parts = _score(profile, arrays, weights)
    order = np.argsort(-scores, kind="stable")[:limit]
    suggestions = [
        Suggestion(
            home_id=int(arrays[0][i]),
            score=round(float(scores[i]), 1),
            reasons=_reasons(profile, rows[i], parts, i),
        )
        for i in order
    ]
    homes = Home.objects.in_bulk([s.home_id for s in suggestions])
    for suggestion in suggestions:
        suggestion.home = homes.get(suggestion.home_id)
    return suggestions


# The plan for all open cases ----------------------------------------------------------------


@dataclass
class Plan:
    pairs: list[tuple[int, int, float]]  # (case id, home id, fit)
    total: float
    greedy_total: float
    greedy_pairs: list[tuple[int, int, float]]


def fit_matrix(cases: list[NewcomerCase], weights: MatchingWeights):
    """Fit of every open case with every free home of the partner: INFEASIBLE where a hard
    limit excludes the pair. Hard limits and scores are computed for all pairs at once."""
    today = timezone.localdate()
    if not cases:
        return np.zeros((0, 0)), [], []
    partner_id = cases[0].partner_id
    live = Match.objects.filter(home=OuterRef("pk"), status__in=Match.LIVE)
    homes = list(
        Home.objects.filter(status=Home.Status.REFERRED, partner_id=partner_id)
        .exclude(Exists(live))
        .values_list(
            *HOME_COLUMNS,
            "beds",
            "available_from",
            "available_months",
            "has_pets",
            "smoking",
            "step_free_access",
        )
    )
    if not homes:
        return np.zeros((len(cases), 0)), cases, []
    arrays = _home_arrays(homes)
    beds = np.array([h[6] for h in homes])
    available_from = np.array([h[7].toordinal() for h in homes])
    months = np.array([np.inf if h[8] is None else h[8] for h in homes], dtype=np.float64)
    pets = np.array([h[9] for h in homes], dtype=bool)
    smoke_free = np.array([h[10] == Home.Smoking.NO for h in homes], dtype=bool)
    step_free = np.array([h[11] for h in homes], dtype=bool)
    _ids, _rent, _masks, lat, lon, _waited = arrays
    matrix = np.full((len(cases), len(homes)), INFEASIBLE)
    radius = weights.area_radius_km
    for row, case in enumerate(cases):
        profile = case_profile(case, today)
        ok = (beds >= profile.size) & (available_from <= case.housing_needed_by.toordinal())
        if case.needs_months:
            ok &= months >= case.needs_months
        if case.pet_allergy:
            ok &= ~pets
        if case.needs_non_smoking:
            ok &= smoke_free
        if case.needs_step_free_access:
            ok &= step_free
        if profile.places:
            nearest = np.min(
                np.stack([haversine_km(p.latitude, p.longitude, lat, lon) for p in profile.places]),
                axis=0,
            )
            ok &= np.nan_to_num(nearest, nan=np.inf) <= radius
        if ok.any():
            scores, _parts = _score(profile, arrays, weights)
            matrix[row, ok] = scores[ok]
    return matrix, cases, [h[0] for h in homes]


def best_plan(cases: list[NewcomerCase]) -> Plan:
    """The assignment of homes to cases with the greatest total fit under the hard limits."""
    weights = MatchingWeights.current()
    matrix, cases, home_ids = fit_matrix(cases, weights)
    if matrix.size == 0:
        return Plan([], 0.0, 0.0, [])
    # A rectangular assignment pairs min(cases, homes) rows; with a large penalty on infeasible
    # pairs it would first maximise the number of feasible pairs, and could then give two
    # households a poor fit where one good fit is worth more (below greedy). Fits are never
    # negative, so an infeasible pair counts 0 instead ("no home"): the best full assignment is
    # then worth exactly the best partial one, and its infeasible pairs are dropped.
    feasible = matrix > INFEASIBLE / 2
    rows, cols = linear_sum_assignment(np.where(feasible, matrix, 0.0), maximize=True)
    pairs = [
        (cases[r].pk, home_ids[c], round(float(matrix[r, c]), 1))
        for r, c in zip(rows, cols, strict=True)
        if feasible[r, c]
    ]
    greedy = greedy_plan(matrix, cases, home_ids)
    return Plan(
        pairs=pairs,
        total=round(sum(p[2] for p in pairs), 1),
        greedy_total=round(sum(p[2] for p in greedy), 1),
        greedy_pairs=greedy,
    )


def greedy_plan(matrix, cases, home_ids) -> list[tuple[int, int, float]]:
    """The simple choice: take the best remaining pair, again and again."""
    feasible = np.argwhere(matrix > INFEASIBLE / 2)
    if len(feasible) == 0:
        return []
    values = matrix[feasible[:, 0], feasible[:, 1]]
    order = np.argsort(-values, kind="stable")
    used_rows, used_cols, pairs = set(), set(), []
    most = min(matrix.shape)
    for index in order:
        if len(pairs) == most:
            break
        r, c = feasible[index]
        if r in used_rows or c in used_cols:
            continue
        used_rows.add(r)
        used_cols.add(c)
        pairs.append((cases[r].pk, home_ids[c], round(float(matrix[r, c]), 1)))
    return pairs


def open_cases(partner_id: int) -> list[NewcomerCase]:
    live = Match.objects.filter(case=OuterRef("pk"), status__in=Match.LIVE)
    return list(
        NewcomerCase.objects.filter(partner_id=partner_id, status=NewcomerCase.Status.WAITING)
        .exclude(Exists(live))
        .prefetch_related("preferred_places")
        .order_by("housing_needed_by", "pk")
    )
