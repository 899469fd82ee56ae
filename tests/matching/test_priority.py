"""Rematch with priority: a household whose stay ended early (``priority_since``) comes first in
the open cases, in the plan (even where another household fits the home better) and in the
coordinator's case list, shows its badge, and loses the priority when it is matched again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from matching.actions import approve_match, propose_match
from matching.models import MatchingWeights
from matching.suggestions import (
    INFEASIBLE,
    assignment_with_priority,
    best_plan,
    fit_matrix,
    open_cases,
)
from newcomers.models import NewcomerCase
from tests.factories import NewcomerCaseFactory, open_home, said_yes, staff_user

pytestmark = pytest.mark.django_db


def _ended_early(case, days_ago=3):
    NewcomerCase.objects.filter(pk=case.pk).update(
        priority_since=timezone.now() - timedelta(days=days_ago)
    )
    case.refresh_from_db()
    return case


@pytest.fixture
def one_home(organisations, localities):
    """One home both households fit; the household without priority fits it better (a
    language in common with the host)."""
    partner = organisations["partner"]
    krokom = localities["Krokom"]
    better = NewcomerCaseFactory(partner=partner, reference="BETTER", languages=["ar"])
    first = NewcomerCaseFactory(partner=partner, reference="PRIO", languages=["ti"])
    for case in (better, first):
        case.preferred_places.set([krokom])
    home = open_home(partner, place=krokom, languages=["ar"])
    return partner, better, _ended_early(first), home


def test_priority_household_gets_the_home_though_another_fits_it_better(one_home):
    partner, better, first, home = one_home
    cases = open_cases(partner.pk)
    matrix, cases, home_ids = fit_matrix(cases, MatchingWeights.current())
    fit = {case.reference: float(matrix[i, 0]) for i, case in enumerate(cases)}
    assert fit["BETTER"] > fit["PRIO"] > INFEASIBLE / 2  # the other really fits better

    plan = best_plan(cases)

    assert [(c, h) for c, h, _f in plan.pairs] == [(first.pk, home.pk)]
    assert [(c, h) for c, h, _f in plan.greedy_pairs] == [(first.pk, home.pk)]


def test_without_priority_the_better_fit_gets_the_home(one_home):
    partner, better, first, home = one_home
    NewcomerCase.objects.filter(pk=first.pk).update(priority_since=None)

    plan = best_plan(open_cases(partner.pk))

    assert [(c, h) for c, h, _f in plan.pairs] == [(better.pk, home.pk)]


def test_the_others_share_the_homes_left_with_the_greatest_total():
    # Rows 0 and 1 have priority; row 2 not. Priority rows take the best among themselves
    # (0→col 1, 1→col 0 = 90+80), then row 2 gets the column left (2) though it fits col 0 best.
    matrix = [[50.0, 90.0, 10.0], [80.0, 20.0, 5.0], [99.0, 99.0, 30.0]]
    import numpy as np

    pairs = assignment_with_priority(np.array(matrix), np.array([True, True, False]))
    assert pairs == [(0, 1), (1, 0), (2, 2)]


def test_open_cases_list_priority_first(organisations):
    partner = organisations["partner"]
    soon = NewcomerCaseFactory(partner=partner)
    later = NewcomerCaseFactory(
        partner=partner, housing_needed_by=soon.housing_needed_by + timedelta(days=30)
    )
    newer = _ended_early(NewcomerCaseFactory(partner=partner), days_ago=1)
    older = _ended_early(
        NewcomerCaseFactory(
            partner=partner, housing_needed_by=soon.housing_needed_by + timedelta(days=60)
        ),
        days_ago=10,
    )
    assert [c.pk for c in open_cases(partner.pk)] == [older.pk, newer.pk, soon.pk, later.pk]


def test_approval_clears_priority_a_rematch(organisations):
    partner = organisations["partner"]
    coordinator = staff_user("partner_coordinator", partner)
    case = _ended_early(NewcomerCaseFactory(partner=partner))
    match = propose_match(home=open_home(partner), case=case, user=coordinator)
    assert NewcomerCase.objects.get(pk=case.pk).priority_since is not None  # proposed only

    approve_match(match=said_yes(match, coordinator), user=coordinator)

    assert NewcomerCase.objects.get(pk=case.pk).priority_since is None
    assert match.case.priority_since is None


def test_case_list_puts_priority_first_filters_and_shows_the_badge(organisations, client):
    partner = organisations["partner"]
    coordinator = staff_user("partner_coordinator", partner)
    plain = NewcomerCaseFactory(partner=partner, reference="PLAIN-1")
    first = _ended_early(
        NewcomerCaseFactory(
            partner=partner,
            reference="PRIO-1",
            housing_needed_by=plain.housing_needed_by + timedelta(days=90),
        )
    )
    client.force_login(coordinator)
    day = timezone.localtime(first.priority_since).date()

    page = client.get("/admin/newcomers/newcomercase/").content.decode()
    assert page.index("PRIO-1") < page.index("PLAIN-1")
    assert "Förtur: boendet avslutades i förtid den" in page  # the staff pages default to Swedish

    only = client.get("/admin/newcomers/newcomercase/?priority=yes").content.decode()
    assert "PRIO-1" in only and "PLAIN-1" not in only

    change = client.get(f"/admin/newcomers/newcomercase/{first.pk}/change/").content.decode()
    assert 'id="priority"' in change
    assert str(day.year) in change

    plan = client.get("/admin/newcomers/newcomercase/plan/").content.decode()
    assert 'id="plan-priority"' in plan


def test_the_propose_form_lists_priority_households_first_with_their_badge(organisations):
    from matching.admin import ProposeMatchForm

    partner = organisations["partner"]
    coordinator = staff_user("partner_coordinator", partner)
    plain = NewcomerCaseFactory(partner=partner, reference="PLAIN-2")
    first = _ended_early(
        NewcomerCaseFactory(
            partner=partner,
            reference="PRIO-2",
            housing_needed_by=plain.housing_needed_by + timedelta(days=90),
        )
    )
    form = ProposeMatchForm(user=coordinator)
    choices = [label for value, label in form.fields["case"].choices if value]
    assert [c.pk for c in form.fields["case"].queryset] == [first.pk, plain.pk]
    assert "PRIO-2" in str(choices[0]) and "–" in str(choices[0])
    assert str(choices[1]) == str(plain)
