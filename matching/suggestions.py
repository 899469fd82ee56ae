"""Explained match suggestions, and the best plan for all open cases of a partner.

Fit between a home and a household is defined once, here:

- hard limits exclude a home: enough beds for the household; available by the date housing is
  needed and for long enough; no pets when the household is allergic; a non-smoking home when
  needed; step-free access when needed; within ``area_radius_km`` of one of the household's
  preferred places (when it has any);
- soft factors score, each between 0 and 1 and weighted by ``MatchingWeights``: a language in
  common; the distance to the nearest preferred place; the rent against the household's budget;
  how long the household has waited; how long the home has waited.

The hard limits filter in the database (indexed columns) for one case, and as numpy bit masks for
the plan; the scoring (``_score``) is one numpy function of (case, home) pairs: a case's candidate
homes, or the plan's allowed pairs only.
The database hands over numbers only (a language bit mask, seconds since 1970), each column
joined into one text: decoding JSON and date-times of tens of thousands of homes row by row in
Python would cost more than the scoring.
Distances are computed between places (a few hundred), not homes. Every candidate is scored, so
the top ten are the true top ten (ties: the older home first).

The plan for all open cases maximises the total fit: a minimum-cost matching on the sparse graph
of allowed pairs, where every case may also stay without a home (a "no home" edge). It is never
below the greedy choice shown beside it. A suggestion is never a match until a coordinator
proposes it.

Priority: a household whose stay ended early waits *with priority* (``NewcomerCase.priority_since``)
and comes first: first in the list of open cases, and first in the plan. The plan is solved in
two rounds: the households with priority get the best assignment among themselves over all free
homes, then the others share the homes left (``best_assignment`` for each round; the greedy
choice takes the priority rows first too). So a household with priority gets a home it fits even
when a household without priority would fit it better; within each round the total fit is the
greatest. Two rounds rather than a bonus added to the fit: a bonus that always wins must exceed
any difference of fits (and every reader must check that it does), while two rounds say the rule
as it is meant, and keep the fits shown the true fits.
"""

from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.db.models import (
    Aggregate,
    Case,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from scipy.sparse import coo_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from hosts.languages import LANGUAGE_CHOICES
from hosts.models import Home
from newcomers.models import NewcomerCase

from .models import Match, MatchingWeights, Place
from .places import haversine_km

INFEASIBLE = -1e9
LANGUAGE_BITS = {code: 1 << i for i, (code, _label) in enumerate(LANGUAGE_CHOICES)}
SECONDS_PER_DAY = 86400.0


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


def case_profile(case: NewcomerCase, today: date, places=None) -> CaseProfile:
    """``places``: the case's preferred places when already read (else they are read now)."""
    return CaseProfile(
        case=case,
        size=case.household_size,
        places=list(case.preferred_places.all()) if places is None else places,
        mask=language_mask(case.languages),
        waited_days=max((today - case.assigned_on).days, 0),
    )


# What the database hands over -------------------------------------------------------------------


class EpochSeconds(Func):
    """Seconds since 1970 of a date-time column, as a number (PostgreSQL; SQLite by julianday)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)::double precision"
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
            **extra,
        )


class EpochDays(Func):
    """Days since 1970 of a date column."""

    template = "(%(expressions)s - DATE '1970-01-01')"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)",
            **extra,
        )


class Joined(Aggregate):
    """A number of every row, joined with commas into one text that numpy reads in C: tens of
    thousands of homes cost no Python object each (nor their converters and garbage)."""

    function = "STRING_AGG"
    template = "%(function)s(CAST(%(expressions)s AS TEXT), ',')"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            function="GROUP_CONCAT",
            template="%(function)s(%(expressions)s, ',')",
            **extra,
        )


class LanguageMask(Func):
    """The bits of ``codes`` a home's languages hold, computed by the database as one
    expression (a Case per code costs the ORM more to build than the database to run): on
    PostgreSQL by jsonb's ``?`` (an element of the list, read in place); elsewhere from the
    JSON text, ``"ar"`` with its quotes, so that no code matches inside another. The codes are
    the language choices' (lower case), so both say the same."""

    output_field = IntegerField()

    def __init__(self, codes, expression="languages", **extra):
        self.codes = [code for code in dict.fromkeys(codes or []) if code in LANGUAGE_BITS]
        super().__init__(F(expression), **extra)

    def as_sql(self, compiler, connection, **extra):
        if not self.codes:
            return "0", []
        column, column_params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            test, code_param = f"{column} ? %s", "{}"
        else:
            test, code_param = f"UPPER(CAST({column} AS TEXT)) LIKE UPPER(%s)", '%"{}"%'
        terms, params = [], []
        for code in self.codes:
            terms.append(f"CASE WHEN {test} THEN {LANGUAGE_BITS[code]} ELSE 0 END")
            params += [*column_params, code_param.format(code)]
        return "(" + " + ".join(terms) + ")", params


def _flag(**condition):
    return Case(When(then=Value(1), **condition), default=Value(0), output_field=IntegerField())


def home_columns(codes, *, limits: bool = False) -> dict:
    """Aggregates for the numbers the fit needs of each home of a queryset, one text each,
    in the same row order (one scan feeds every aggregate): the language bits of ``codes``
    only; with ``limits`` also what the hard limits read. NULLs become numbers (0: no place;
    -1: available until further notice), since a joined list skips NULLs."""
    columns = {
        "ids": F("pk"),
        "rent": F("rent_per_month"),
        "place": Coalesce("place_id", Value(0)),
        "masks": LanguageMask(codes),
        "changed": EpochSeconds("status_changed_at"),
    }
    if limits:
        columns |= {
            "beds": F("beds"),
            "available_from": EpochDays("available_from"),
            "months": Coalesce("available_months", Value(-1)),
            "pets": _flag(has_pets=True),
            "smoke_free": _flag(smoking=Home.Smoking.NO),
            "step_free": _flag(step_free_access=True),
        }
    return {name: Joined(expression) for name, expression in columns.items()}


def _numbers(text, dtype) -> np.ndarray:
    if not text:
        return np.zeros(0, dtype=dtype)
    return np.fromstring(text, sep=",").astype(dtype)


@dataclass
class PlaceTable:
    """Every place's coordinates, sorted by id (a few hundred rows: read once per request)."""

    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray

    @classmethod
    def load(cls) -> "PlaceTable":
        rows = list(Place.objects.order_by("pk").values_list("pk", "latitude", "longitude"))
        columns = list(zip(*rows, strict=True)) if rows else [(), (), ()]
        return cls(
            ids=np.array(columns[0], dtype=np.int64),
            lat=np.array(columns[1], dtype=np.float64),
            lon=np.array(columns[2], dtype=np.float64),
        )

    def positions(self, place_ids: np.ndarray) -> np.ndarray:
        """Each place's row in the table; -1 for no place (0) or one deleted meanwhile."""
        if not len(self.ids):
            return np.full(len(place_ids), -1)
        found = np.searchsorted(self.ids, place_ids).clip(0, len(self.ids) - 1)
        return np.where(self.ids[found] == place_ids, found, -1)


@dataclass
class HomeArrays:
    ids: np.ndarray
    rent: np.ndarray
    place: np.ndarray  # row in the PlaceTable, -1 for none
    masks: np.ndarray
    waited: np.ndarray  # whole days since the last change of stage
    beds: np.ndarray | None = None
    available_from: np.ndarray | None = None  # proleptic ordinals
    months: np.ndarray | None = None  # inf: until further notice
    pets: np.ndarray | None = None
    smoke_free: np.ndarray | None = None
    step_free: np.ndarray | None = None


EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _home_arrays(homes, codes, table: PlaceTable, *, limits: bool = False) -> HomeArrays:
    """The homes of the queryset ``homes`` as numpy arrays (one query)."""
    text = homes.order_by().aggregate(**home_columns(codes, limits=limits))
    now = timezone.now().timestamp()
    arrays = HomeArrays(
        ids=_numbers(text["ids"], np.int64),
        rent=_numbers(text["rent"], np.float64),
        place=table.positions(_numbers(text["place"], np.int64)),
        masks=_numbers(text["masks"], np.int64),
        # As timedelta.days: whole days, rounded down.
        waited=np.floor((now - _numbers(text["changed"], np.float64)) / SECONDS_PER_DAY),
    )
    if limits:
        months = _numbers(text["months"], np.float64)
        arrays.beds = _numbers(text["beds"], np.int64)
        arrays.available_from = _numbers(text["available_from"], np.int64) + EPOCH_ORDINAL
        arrays.months = np.where(months < 0, np.inf, months)
        arrays.pets = _numbers(text["pets"], np.int64).astype(bool)
        arrays.smoke_free = _numbers(text["smoke_free"], np.int64).astype(bool)
        arrays.step_free = _numbers(text["step_free"], np.int64).astype(bool)
    return arrays


@dataclass
class CaseArrays:
    masks: np.ndarray
    has_places: np.ndarray
    budget: np.ndarray  # 0: no budget given
    waited: np.ndarray
    size: np.ndarray
    needed_by: np.ndarray  # proleptic ordinals
    needs_months: np.ndarray  # 0: no need given
    pet_allergy: np.ndarray
    needs_non_smoking: np.ndarray
    needs_step_free: np.ndarray


def _case_arrays(cases: list[NewcomerCase], places: list[list[int]], today: date) -> CaseArrays:
    """The cases' numbers, ``places`` holding each case's preferred place ids (one pass over
    the cases: a plan has thousands)."""
    rows = [
        (
            language_mask(case.languages),
            bool(preferred),
            case.rent_budget or 0,
            max((today - case.assigned_on).days, 0),  # as case_profile's waited_days
            case.household_size,
            case.housing_needed_by.toordinal(),
            case.needs_months or 0,
            case.pet_allergy,
            case.needs_non_smoking,
            case.needs_step_free_access,
        )
        for case, preferred in zip(cases, places, strict=True)
    ]
    columns = list(zip(*rows, strict=True)) if rows else [()] * 10
    return CaseArrays(
        masks=np.array(columns[0], dtype=np.int64),
        has_places=np.array(columns[1], dtype=bool),
        budget=np.array(columns[2], dtype=np.float64),
        waited=np.array(columns[3], dtype=np.float64),
        size=np.array(columns[4], dtype=np.int64),
        needed_by=np.array(columns[5], dtype=np.int64),
        needs_months=np.array(columns[6], dtype=np.float64),
        pet_allergy=np.array(columns[7], dtype=bool),
        needs_non_smoking=np.array(columns[8], dtype=bool),
        needs_step_free=np.array(columns[9], dtype=bool),
    )


@dataclass
class Distances:
    """Km from each case's nearest preferred place to the homes' places, kept per distinct
    place (``per_place``: cases × places) with each home's column in ``inverse``: a plan's
    cases × homes would repeat the same few hundred numbers. NaN where the case prefers no
    place; inf for a home without a place."""

    per_place: np.ndarray
    inverse: np.ndarray

    def of(self, row: int, home: int) -> float:
        return float(self.per_place[row, self.inverse[home]])


def _distances(places: list[list[int]], home_places: np.ndarray, table: PlaceTable):
    """``places``: each case's preferred place ids, whose coordinates the table holds."""
    used, inverse = np.unique(home_places, return_inverse=True)
    per_place = np.full((len(places), len(used)), np.nan)
    with_places = [i for i, preferred in enumerate(places) if preferred]
    if with_places and len(used) and len(table.ids):
        index = {}  # each preferred place once, in the order the cases name them
        for i in with_places:
            for place_id in places[i]:
                index.setdefault(place_id, len(index))
        rows = table.positions(np.array(list(index), dtype=np.int64))
        gone = rows < 0  # deleted since the case's places were read: it counts no more
        lat = table.lat[np.where(gone, 0, rows)][:, None]
        lon = table.lon[np.where(gone, 0, rows)][:, None]
        between = haversine_km(lat, lon, table.lat[used][None, :], table.lon[used][None, :])
        between[:, used < 0] = np.inf
        between[gone] = np.inf
        between = np.vstack([between, np.full((1, len(used)), np.inf)])  # the last: padding
        # Each case's preferred places as a row of ``between``'s rows, padded.
        counts = np.array([len(places[i]) for i in with_places])
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        chosen = np.full((len(with_places), counts.max()), len(index))
        chosen[np.repeat(np.arange(len(with_places)), counts), np.arange(counts.sum()) - starts] = [
            index[place_id] for i in with_places for place_id in places[i]
        ]
        most = chosen.shape[1]
        nearest = between[chosen[:, 0]]
        for k in range(1, most):
            nearest = np.minimum(nearest, between[chosen[:, k]])
        per_place[with_places] = nearest
    return Distances(per_place=per_place, inverse=inverse.reshape(-1))


def _pairwise(case_values, home_values, table, rows, cols):
    """``table(distinct case values, distinct home values)`` at the pairs (``rows``,
    ``cols``): the factors take few distinct values (budgets, rents, language masks), so they
    are computed once per distinct pair."""
    case_distinct, case_index = np.unique(case_values, return_inverse=True)
    home_distinct, home_index = np.unique(home_values, return_inverse=True)
    small = table(case_distinct[:, None], home_distinct[None, :])
    return small[case_index.reshape(-1)[rows], home_index.reshape(-1)[cols]]


def _score(cases: CaseArrays, homes: HomeArrays, distances: Distances, weights, rows, cols):
    """Scores (0–100) of the pairs case ``rows[k]`` × home ``cols[k]``: the definition of the
    soft factors."""
    total_weight = (
        weights.language
        + weights.distance
        + weights.rent
        + weights.case_waiting
        + weights.home_waiting
    ) or 1
    scale = 100 / total_weight
    radius = max(weights.area_radius_km, 1)
    long_wait = max(weights.long_wait_days, 1)

    def language(case_masks, home_masks):
        return weights.language * scale * ((case_masks & home_masks) != 0)

    def rent(budget, rent_per_month):
        with_budget = budget > 0
        over = np.maximum(rent_per_month - budget, 0)
        fit = np.clip(1 - over / np.where(with_budget, budget, 1), 0, 1)
        return weights.rent * scale * np.where(with_budget, fit, 0.5)

    # No preferred place: half the distance score; a home with no place: none of it.
    near = distances.per_place
    closeness = np.where(np.isnan(near), 0.5, np.clip(1 - near / radius, 0, 1))
    score = (weights.distance * scale * closeness)[rows, distances.inverse[cols]]
    score += _pairwise(cases.masks, homes.masks, language, rows, cols)
    score += _pairwise(cases.budget, homes.rent, rent, rows, cols)
    score += (weights.case_waiting * scale * np.minimum(cases.waited / long_wait, 1.0))[rows]
    score += (weights.home_waiting * scale * np.clip(homes.waited / long_wait, 0, 1))[cols]
    return score


FEASIBLE_BLOCK = 1 << 18  # pairs tested at once: a block of rows stays in the CPU's cache


def _packed(case_values: np.ndarray, allows) -> tuple[np.ndarray, np.ndarray]:
    """For each distinct value of a case column, the homes ``allows(value)`` lets through, 8
    homes a byte; and each case's row among them."""
    distinct, index = np.unique(case_values, return_inverse=True)
    return np.packbits(allows(distinct[:, None]), axis=1, bitorder="little"), index.reshape(-1)


def _feasible(cases: CaseArrays, homes: HomeArrays, distances: Distances, weights):
    """The pairs (rows, cols) the hard limits allow, by row then column (``candidate_homes``
    says the same to the database). A limit on a number of the case is tested once per
    distinct number (a few sizes, dates, lengths of stay), as bits; the distance, a block of
    cases at a time."""
    n_cases, n_homes = len(cases.size), len(homes.ids)
    if not n_cases or not n_homes:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    near = np.nan_to_num(distances.per_place, nan=np.inf) <= weights.area_radius_km
    near |= ~cases.has_places[:, None]
    # What a home has that a case may refuse, one bit each: pets (refused when allergic);
    # smoking (when a non-smoking home is needed); steps (when step-free access is needed).
    home_has = homes.pets | (~homes.smoke_free << 1) | (~homes.step_free << 2)
    case_refuses = cases.pet_allergy | (cases.needs_non_smoking << 1) | (cases.needs_step_free << 2)
    limits = [
        _packed(cases.size, lambda size: homes.beds[None, :] >= size),
        _packed(cases.needed_by, lambda needed_by: homes.available_from[None, :] <= needed_by),
        _packed(cases.needs_months, lambda months: homes.months[None, :] >= months),
        _packed(case_refuses, lambda refuses: (home_has[None, :] & refuses) == 0),
    ]
    step = max(1, FEASIBLE_BLOCK // n_homes)
    found_rows, found_cols = [], []
    for start in range(0, n_cases, step):
        block = slice(start, start + step)
        ok = np.packbits(np.take(near[block], distances.inverse, axis=1), axis=1, bitorder="little")
        for allowed, index in limits:
            ok &= allowed[index[block]]
        ok = np.unpackbits(ok, axis=1, count=n_homes, bitorder="little").view(bool)
        rows, cols = np.divmod(np.flatnonzero(ok), n_homes)  # as np.nonzero, in a tenth the time
        found_rows.append(rows + start)
        found_cols.append(cols)
    return np.concatenate(found_rows), np.concatenate(found_cols)


# One case -----------------------------------------------------------------------------------------


def places_within(places: list[Place], radius_km: float, table: PlaceTable | None = None):
    """Ids of all places within the radius of any of ``places`` (the places table is small)."""
    table = table or PlaceTable.load()
    if not len(table.ids) or not places:
        return []
    near = np.zeros(len(table.ids), dtype=bool)
    for place in places:
        near |= haversine_km(place.latitude, place.longitude, table.lat, table.lon) <= radius_km
    return table.ids[near].tolist()


def candidate_homes(profile: CaseProfile, weights: MatchingWeights, table=None):
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
        within = places_within(profile.places, weights.area_radius_km, table)
        homes = homes.filter(place_id__in=within)
    return homes


def _reasons(profile: CaseProfile, home: Home, distance: float, home_waited: int) -> list[str]:
    labels = dict(LANGUAGE_CHOICES)
    reasons = []
    shared = [code for code in (home.languages or []) if code in (profile.case.languages or [])]
    if shared:
        reasons.append(
            _("speaks %(language)s like the household")
            % {"language": str(labels.get(shared[0], shared[0]))}
        )
    else:
        reasons.append(_("no language in common"))
    if profile.places and home.place is not None and np.isfinite(distance):
        nearest = min(
            profile.places,
            key=lambda p: float(
                haversine_km(p.latitude, p.longitude, home.place.latitude, home.place.longitude)
            ),
        )
        reasons.append(
            _("%(km)s km from %(place)s")
            % {"km": number_format(round(float(distance), 1)), "place": nearest.name}
        )
    budget = profile.case.rent_budget
    if budget:
        difference = home.rent_per_month - budget
        if difference > 0:
            reasons.append(
                _("rent %(amount)s kr above budget")
                % {"amount": number_format(difference, force_grouping=True)}
            )
        else:
            reasons.append(_("rent within budget"))
    if home_waited >= 30:
        reasons.append(_("the home has waited %(days)d days") % {"days": home_waited})
    if profile.waited_days >= 30:
        reasons.append(_("the household has waited %(days)d days") % {"days": profile.waited_days})
    return reasons


def suggest_homes(case: NewcomerCase, *, limit: int = 10) -> list[Suggestion]:
    """The homes that fit ``case`` best, each with its reasons in words."""
    weights = MatchingWeights.current()
    today = timezone.localdate()
    profile = case_profile(case, today)
    table = PlaceTable.load()
    homes = _home_arrays(candidate_homes(profile, weights, table), case.languages, table)
    if not len(homes.ids):
        return []
    places = [[place.pk for place in profile.places]]
    distances = _distances(places, homes.place, table)
    columns = np.arange(len(homes.ids))
    scores = _score(
        _case_arrays([case], places, today),
        homes,
        distances,
        weights,
        np.zeros_like(columns),
        columns,
    )
    order = np.lexsort((homes.ids, -scores))[:limit]  # best first; ties: the older home
    # The page names each home by its municipality, and the reasons need its place.
    objects = Home.objects.select_related("place", "municipality").in_bulk(
        homes.ids[order].tolist()
    )
    suggestions = []
    for i in order:
        home = objects.get(int(homes.ids[i]))
        if home is None:  # deleted meanwhile
            continue
        suggestions.append(
            Suggestion(
                home_id=home.pk,
                score=round(float(scores[i]), 1),
                reasons=_reasons(profile, home, distances.of(0, i), int(homes.waited[i])),
                home=home,
            )
        )
    return suggestions


# The plan for all open cases ----------------------------------------------------------------


@dataclass
class Plan:
    pairs: list[tuple[int, int, float]]  # (case id, home id, fit)
    total: float
    greedy_total: float
    greedy_pairs: list[tuple[int, int, float]]


def _preferred_places(cases: list[NewcomerCase]) -> list[list[int]]:
    """Each case's preferred place ids, in one query (their coordinates are in the places
    table): those of the cases of the same partners in the same statuses, of which these
    cases' are kept (a join, rather than thousands of ids sent to the database)."""
    through = NewcomerCase.preferred_places.through
    pairs = through.objects.filter(
        newcomercase__partner_id__in={case.partner_id for case in cases},
        newcomercase__status__in={case.status for case in cases},
    ).values_list("newcomercase_id", "place_id")
    result: dict[int, list[int]] = {case.pk: [] for case in cases}
    for case_id, place_id in pairs:
        if case_id in result:
            result[case_id].append(place_id)
    return [result[case.pk] for case in cases]


@dataclass
class Fits:
    """The allowed pairs of open cases × free homes and their fit: case ``rows[k]`` with home
    ``cols[k]`` fits ``fits[k]``, by row then column (every other pair is excluded by a hard
    limit). A plan's 2,000 × 2,000 pairs hold a few in ten allowed, so the fit is computed for
    those alone."""

    rows: np.ndarray
    cols: np.ndarray
    fits: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def of_matrix(cls, matrix) -> "Fits":
        rows, cols = np.nonzero(matrix > INFEASIBLE / 2)
        return cls(rows, cols, matrix[rows, cols], matrix.shape)

    def matrix(self) -> np.ndarray:
        matrix = np.full(self.shape, INFEASIBLE)
        matrix[self.rows, self.cols] = self.fits
        return matrix

    def at(self, pairs: list[tuple[int, int]]) -> list[float]:
        """The fits of the (row, column) ``pairs``, each an allowed pair."""
        if not pairs:
            return []
        wanted = np.array(pairs, dtype=np.int64)
        keys = self.rows.astype(np.int64) * self.shape[1] + self.cols  # ascending
        found = np.searchsorted(keys, wanted[:, 0] * self.shape[1] + wanted[:, 1])
        return self.fits[found].tolist()

    def of_rows(self, chosen: np.ndarray, without_cols=()) -> "Fits":
        """The pairs of the rows ``chosen`` (a sorted index array), numbered among them, less
        those of the columns ``without_cols``."""
        keep = np.zeros(self.shape[0], dtype=bool)
        keep[chosen] = True
        kept = keep[self.rows]
        if len(without_cols):
            taken = np.zeros(self.shape[1], dtype=bool)
            taken[list(without_cols)] = True
            kept &= ~taken[self.cols]
        number = np.cumsum(keep) - 1
        return Fits(
            number[self.rows[kept]], self.cols[kept], self.fits[kept], (len(chosen), self.shape[1])
        )


def plan_fits(cases: list[NewcomerCase], weights: MatchingWeights) -> tuple[Fits, list[int]]:
    """The fit of every open case with every free home of the partner, and the homes' ids: the
    hard limits for all pairs at once, the scores for the allowed pairs."""
    today = timezone.localdate()
    if not cases:
        return Fits(np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0), (0, 0)), []
    partner_id = cases[0].partner_id
    live = Match.objects.filter(home=OuterRef("pk"), status__in=Match.LIVE)
    free = Home.objects.filter(status=Home.Status.REFERRED, partner_id=partner_id).exclude(
        Exists(live)
    )
    table = PlaceTable.load()
    homes = _home_arrays(free, LANGUAGE_BITS, table, limits=True)
    places = _preferred_places(cases)
    arrays = _case_arrays(cases, places, today)
    distances = _distances(places, homes.place, table)
    rows, cols = _feasible(arrays, homes, distances, weights)
    fits = _score(arrays, homes, distances, weights, rows, cols)
    return Fits(rows, cols, fits, (len(cases), len(homes.ids))), homes.ids.tolist()


def fit_matrix(cases: list[NewcomerCase], weights: MatchingWeights):
    """Fit of every open case with every free home of the partner: INFEASIBLE where a hard
    limit excludes the pair."""
    fits, home_ids = plan_fits(cases, weights)
    return fits.matrix(), cases, home_ids


def _graph(fits: Fits):
    """The sparse graph of ``assignment_graph`` for the pairs ``fits``."""
    if not len(fits.rows):
        return None
    n_cases, n_homes = fits.shape
    ceiling = float(fits.fits.max()) + 1.0
    own = np.arange(n_cases)
    return coo_array(
        (
            np.concatenate([ceiling - fits.fits, np.full(n_cases, ceiling)]),
            (np.concatenate([fits.rows, own]), np.concatenate([fits.cols, n_homes + own])),
        ),
        shape=(n_cases, n_homes + n_cases),
    ).tocsr()


def assignment_graph(matrix):
    """The sparse graph ``best_assignment`` solves (``None`` when no pair is allowed): each
    allowed pair is an edge costing ``ceiling − fit``, and each case (row) also has an edge to
    a "no home" column of its own costing ``ceiling``."""
    return _graph(Fits.of_matrix(matrix))


def _assign(fits: Fits) -> list[tuple[int, int]]:
    graph = _graph(fits)
    if graph is None:
        return []
    n_homes = fits.shape[1]
    row_ind, col_ind = min_weight_full_bipartite_matching(graph)
    return [(r, c) for r, c in zip(row_ind.tolist(), col_ind.tolist(), strict=True) if c < n_homes]


def best_assignment(matrix) -> list[tuple[int, int]]:
    """(row, column) pairs of allowed entries with the greatest total: a minimum-cost full
    matching of the cases on the sparse graph of allowed pairs (``assignment_graph``), where
    each case also has an edge to a "no home" column of its own. Fits are never negative; each
    real edge costs ``ceiling − fit`` and "no home" ``ceiling``, so the least cost is the
    greatest total fit (housing two households badly is not preferred to housing one well)."""
    return _assign(Fits.of_matrix(matrix))


def priority_rows(cases: list[NewcomerCase]) -> np.ndarray:
    """Which cases wait with priority (a stay of theirs ended early)."""
    return np.array([case.priority_since is not None for case in cases], dtype=bool)


def _assign_with_priority(fits: Fits, first: np.ndarray) -> list[tuple[int, int]]:
    if not first.any() or first.all():
        return _assign(fits)
    first_rows = np.flatnonzero(first)
    other_rows = np.flatnonzero(~first)
    pairs = [(int(first_rows[r]), c) for r, c in _assign(fits.of_rows(first_rows))]
    taken = {c for _r, c in pairs}
    rest = fits.of_rows(other_rows, without_cols=sorted(taken))
    pairs += [(int(other_rows[r]), c) for r, c in _assign(rest)]
    return sorted(pairs)


def assignment_with_priority(matrix, first: np.ndarray) -> list[tuple[int, int]]:
    """(row, column) pairs: the rows of ``first`` (households with priority) get the best
    assignment among themselves over every column, then the other rows over the columns left;
    each round by ``best_assignment``."""
    return _assign_with_priority(Fits.of_matrix(matrix), first)


def best_plan(cases: list[NewcomerCase]) -> Plan:
    """The assignment of homes to cases with the greatest total fit under the hard limits, the
    households with priority first (``assignment_with_priority``)."""
    weights = MatchingWeights.current()
    fits, home_ids = plan_fits(cases, weights)
    if not fits.shape[0] or not fits.shape[1]:
        return Plan([], 0.0, 0.0, [])
    first = priority_rows(cases)
    assigned = _assign_with_priority(fits, first)
    pairs = [
        (cases[r].pk, home_ids[c], round(fit, 1))
        for (r, c), fit in zip(assigned, fits.at(assigned), strict=True)
    ]
    greedy = _greedy(fits, cases, home_ids, first)
    return Plan(
        pairs=pairs,
        total=round(sum(p[2] for p in pairs), 1),
        greedy_total=round(sum(p[2] for p in greedy), 1),
        greedy_pairs=greedy,
    )


def greedy_plan(matrix, cases, home_ids) -> list[tuple[int, int, float]]:
    """The simple choice: take the best remaining pair, again and again (the pairs of households
    with priority before all others)."""
    return _greedy(Fits.of_matrix(matrix), cases, home_ids, priority_rows(cases))


GREEDY_TIER = 4096  # pairs sorted and walked at once


def _greedy(fits: Fits, cases, home_ids, first: np.ndarray) -> list[tuple[int, int, float]]:
    """``greedy_plan`` on the pairs ``fits``: the pairs of households with priority, then the
    others, each best first (ties in their own order). Rather than sorting every pair, each
    round takes the best few thousand left (every pair of the least fit among them too), sorts
    and walks those, then drops every pair left whose case or home was taken."""
    taken_row = np.zeros(fits.shape[0], dtype=bool)  # for numpy, between rounds
    taken_col = np.zeros(fits.shape[1], dtype=bool)
    free_row = [True] * fits.shape[0]  # for the walk, one pair at a time
    free_col = [True] * fits.shape[1]
    most = min(fits.shape)
    taken: list[int] = []  # pairs taken, in the order taken
    with_priority = first[fits.rows]
    for group in (np.flatnonzero(with_priority), np.flatnonzero(~with_priority)):
        left = group
        while len(left) and len(taken) < most:
            left = left[~(taken_row[fits.rows[left]] | taken_col[fits.cols[left]])]
            if len(left) > GREEDY_TIER:
                values = fits.fits[left]
                least = np.partition(values, len(left) - GREEDY_TIER)[len(left) - GREEDY_TIER]
                best = values >= least
                tier, left = left[best], left[~best]
            else:
                tier, left = left, left[:0]
            tier = tier[np.argsort(-fits.fits[tier], kind="stable")]
            before = len(taken)
            for k, r, c in zip(
                tier.tolist(), fits.rows[tier].tolist(), fits.cols[tier].tolist(), strict=True
            ):
                if free_row[r] and free_col[c]:
                    free_row[r] = free_col[c] = False
                    taken.append(k)
                    if len(taken) == most:
                        break
            now = taken[before:]
            taken_row[fits.rows[now]] = True
            taken_col[fits.cols[now]] = True
    return [
        (cases[r].pk, home_ids[c], round(f, 1))
        for r, c, f in zip(
            fits.rows[taken].tolist(),
            fits.cols[taken].tolist(),
            fits.fits[taken].tolist(),
            strict=True,
        )
    ]


def open_cases(partner_id: int) -> list[NewcomerCase]:
    """The partner's waiting cases without a live match: those waiting with priority first (the
    longest waiting with priority first), then by the date housing is needed.

    Only the columns the plan and its page read are read (``OPEN_CASES_FIELDS``; any other is
    read on access, a query each): a plan reads thousands of cases, and a date-time costs more
    to read than any other column (Django's time-zone loader is Python, not C)."""
    live = Match.objects.filter(case=OuterRef("pk"), status__in=Match.LIVE)
    return list(
        NewcomerCase.objects.filter(partner_id=partner_id, status=NewcomerCase.Status.WAITING)
        .exclude(Exists(live))
        .only(*OPEN_CASES_FIELDS)
        .order_by(F("priority_since").asc(nulls_last=True), "housing_needed_by", "pk")
    )


# What the fit reads (``_case_arrays``, ``priority_rows``) and the plan's page shows (the case
# as "KRK-2026-017 (4 people)", its priority badge).
OPEN_CASES_FIELDS = (
    "partner",
    "reference",
    "status",
    "adults",
    "children_ages",
    "languages",
    "needs_step_free_access",
    "pet_allergy",
    "needs_non_smoking",
    "needs_months",
    "rent_budget",
    "assigned_on",
    "housing_needed_by",
    "priority_since",
)
