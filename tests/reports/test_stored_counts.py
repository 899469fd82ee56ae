"""The stored counts (``reports.daily``) give exactly the live figures.

Over the hand-built history of ``test_metrics`` (a registration at 00:30 on 1 January, Swedish
time, still December in UTC; one at 23:30 on the period's last evening; calls at 00:10 and 23:00
either side of a month's end; steps across months), the dashboard's figures are compared with
the stored counts and without them: never refreshed, refreshed up to a day in the middle of the
period, then after rows written behind the refresh's back (back-dated calls and steps, a new
registration dated in February, an approval, a first referral, an earlier move-in of a
household already housed, a municipality chosen), then refreshed again (incrementally and in
full), and for a partnership that names its municipalities and local group as for one that
falls back on the whole portal.
"""

from datetime import date

import pytest
from django.utils import translation

from hosts import actions as host_actions
from hosts.models import Home, HomeTransition
from reports import daily, metrics
from reports.models import (
    ApprovalFacts,
    CallDay,
    ChangedHome,
    HomeFacts,
    HomeMatchFacts,
    MoveInFacts,
    ReferralFacts,
    StoredCountsState,
    VisitDay,
)
from tests.factories import (
    NewcomerCaseFactory,
    PartnershipFactory,
    home_with_history,
    match_with_history,
    municipality,
)
from tests.factories import local_group as make_local_group
from tests.reports.test_metrics import at, build_history, call, visit
from volunteers.models import CallAttempt, HomeVisitTransition

COMPARED = (
    "totals",
    "lead_times",
    "funnel",
    "monthly",
    "by_municipality",
    "targets",
    "outreach",
)
# The period's last day, a day in March (inside a month), the last day of January and of February.
CUT_OFFS = (None, date(2026, 3, 10), date(2026, 1, 31), date(2026, 2, 28))


def figures(partnership, **kwargs):
    with translation.override("en"):
        return metrics.compute_figures(partnership, **kwargs)


def assert_stored_equals_live(*partnerships):
    for partnership in partnerships:
        for as_of in CUT_OFFS:
            live = figures(partnership, as_of=as_of or date(2026, 11, 25), stored=False)
            kept = figures(partnership, as_of=as_of or date(2026, 11, 25))
            for key in COMPARED:
                assert kept[key] == live[key], (partnership.name, as_of, key)


@pytest.fixture
def world(organisations):
    history = build_history(organisations)
    (vol1, *_rest) = history.volunteers
    # The same partner and period, naming its municipality and the volunteers' local group.
    named = PartnershipFactory(
        name="Värdskap med kommun och lokalgrupp",
        volunteer_organisation=organisations["volunteers"],
        partner=organisations["partner"],
        local_group=vol1.local_group,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30),
    )
    named.municipalities.set([history.homes.h1.municipality_id])
    history.named = named
    return history


def write_behind_the_refresh(world):
    """Rows written after a refresh that change days and registrations it stored."""
    h = world.homes
    vol1 = world.volunteers[0]
    # A call back-dated into February: the calls of February, and h5 reached (50 days).
    call(h.h5, vol1, at(2, 20), CallAttempt.Outcome.INTERESTED)
    call(h.h5, vol1, at(1, 31, 23, 30))  # the last half hour of January
    # A late step: h3 (contacted on 1 March) visited on 20 March.
    HomeTransition.objects.create(
        home=h.h3,
        from_state="contacted",
        to_state="visited",
        actor_kind="user",
        created_at=at(3, 20),
    )
    # A registration entered late, dated 14 February at 23:59.
    home_with_history(at(2, 14, 23, 59), [("contacted", at(2, 16))])
    # An approval of one of A's households for h3.
    match_with_history(
        h.h3, NewcomerCaseFactory(partner=world.main.partner), [("approved", at(3, 25))]
    )
    # m1's household (housed in h1 on 15 February, stored) recorded as having moved in earlier,
    # on 20 January, into a batch home: its first move-in is now that one, read live.
    earlier = match_with_history(
        h.batch[2],
        NewcomerCaseFactory(partner=world.main.partner),
        [("approved", at(1, 10)), ("moved_in", at(1, 20)), ("ended", at(2, 10))],
    )
    type(earlier).objects.filter(pk=earlier.pk).update(
        case=world.matches[0].case, move_in_date=date(2026, 1, 20)
    )
    # A late first referral: a batch home referred to A on 20 May.
    HomeTransition.objects.create(
        home=h.batch[1],
        from_state="registered",
        to_state="referred",
        actor_kind="user",
        created_at=at(5, 20),
    )
    Home.objects.filter(pk=h.batch[1].pk).update(partner=world.main.partner)
    # A municipality chosen for a batch home: it leaves the named partnership's municipality.
    host_actions.choose_municipality(home=h.batch[0], municipality=municipality("0180"))
    # A visit on 31 January at 23:30 reported late (its report is a step of its history).
    late = visit(h.h5, at(1, 31, 23, 30), [vol1])
    HomeVisitTransition.objects.create(
        visit=late,
        from_state="booked",
        to_state="reported",
        actor_kind="user",
        starts_at=late.starts_at,
    )
    # A visitor moves to another local group (in the admin: no history row).
    vol3 = world.volunteers[2]
    elsewhere = make_local_group(vol3.organisation, name="Another group")
    type(vol3).objects.filter(pk=vol3.pk).update(local_group=elsewhere)


@pytest.mark.django_db
def test_without_stored_counts_the_dashboard_is_live(world):
    assert daily.current_state() is None
    assert_stored_equals_live(world.main, world.named, world.other)


@pytest.mark.django_db
def test_stored_counts_give_the_live_figures_through_refreshes(world):
    # Partly: the calls of the days up to 9 March are stored, the rest read live.
    state = daily.refresh(today=date(2026, 3, 10))
    assert state.full and state.covered_until == date(2026, 3, 9)
    assert HomeFacts.objects.exists() and CallDay.objects.exists()
    assert not CallDay.objects.filter(day__gte=date(2026, 3, 10)).exists()
    assert_stored_equals_live(world.main, world.named, world.other)

    write_behind_the_refresh(world)
    assert ChangedHome.objects.count() == 1
    assert_stored_equals_live(world.main, world.named, world.other)

    # Incrementally: the days not covered, the last seven and the back-dated calls' days.
    state = daily.refresh()
    assert not state.full
    assert ChangedHome.objects.count() == 0
    assert_stored_equals_live(world.main, world.named, world.other)

    # In full, the same rows as the incremental refresh stored.
    before = stored_rows()
    daily.refresh(full=True)
    assert stored_rows() == before
    assert_stored_equals_live(world.main, world.named, world.other)


def stored_rows():
    return tuple(
        sorted(map(repr, rows))
        for rows in (
            CallDay.objects.values_list("day", "local_group_id", "organisation_id", "n"),
            VisitDay.objects.values_list(
                "day", "municipality_id", "local_group_id", "organisation_id", "n"
            ),
            HomeFacts.objects.values_list(),
            HomeMatchFacts.objects.values_list(
                "home_id", "partner_id", "registered_us", "matched_us", "moved_in_on"
            ),
            ReferralFacts.objects.values_list(),
            ApprovalFacts.objects.values_list(),
            MoveInFacts.objects.values_list(),
        )
    )


@pytest.mark.django_db
def test_a_refresh_is_idempotent(world):
    daily.refresh()
    first = stored_rows()
    daily.refresh()
    assert stored_rows() == first
    assert StoredCountsState.objects.count() == 2


@pytest.mark.django_db
def test_the_dashboard_reads_the_stored_counts(world):
    """The stored counts are what the dashboard reads for the days and homes they cover (so
    the equality above is not the live queries answering twice)."""
    daily.refresh()
    assert_stored_equals_live(world.named)
    for rows in ({"local_group_id": world.named.local_group_id}, {"local_group_id": None}):
        row = CallDay.objects.filter(day__month=2, **rows).first()
        CallDay.objects.filter(pk=row.pk).update(n=row.n + 100)
    HomeFacts.objects.filter(home_id=world.homes.h1.pk).delete()
    ReferralFacts.objects.filter(home_id=world.homes.h1.pk).delete()
    ApprovalFacts.objects.filter(home_id=world.homes.h1.pk).delete()
    MoveInFacts.objects.filter(home_id=world.homes.h1.pk).delete()
    VisitDay.objects.filter(local_group_id=world.named.local_group_id).update(n=10)
    for partnership in (world.main, world.named):
        live = figures(partnership, as_of=date(2026, 11, 25), stored=False)
        kept = figures(partnership, as_of=date(2026, 11, 25))
        assert kept["totals"]["call_attempts"] == live["totals"]["call_attempts"] + 100
        assert kept["totals"]["registrations"] == live["totals"]["registrations"] - 1
        assert kept["funnel"][1]["count"] == live["funnel"][1]["count"] - 1  # h1 was reached
        # h1 was first referred to A in January, and matched with one of A's households.
        assert kept["totals"]["homes_referred"] == live["totals"]["homes_referred"] - 1
        assert kept["totals"]["matches_approved"] == live["totals"]["matches_approved"] - 1
        assert kept["totals"]["households_housed"] == live["totals"]["households_housed"] - 1
    # The named partnership's visits are its group's stored days (the main one's, the
    # organisation's).
    live = figures(world.named, as_of=date(2026, 11, 25), stored=False)
    kept = figures(world.named, as_of=date(2026, 11, 25))
    assert live["totals"]["home_visits"] == 3
    in_period = VisitDay.objects.filter(
        local_group_id=world.named.local_group_id, day__range=(date(2026, 1, 1), date(2026, 6, 30))
    )
    assert kept["totals"]["home_visits"] == 10 * in_period.count() == 30


@pytest.mark.django_db
def test_percentiles_are_postgresqls():
    """``percentile_disc`` as PostgreSQL's, for every n up to 120 (its double-precision rank)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("compared with PostgreSQL's percentile_disc")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n, percentile_disc(0.5) WITHIN GROUP (ORDER BY x), "
            "percentile_disc(0.9) WITHIN GROUP (ORDER BY x) "
            "FROM generate_series(1, 120) n, generate_series(1, n) x GROUP BY n ORDER BY n"
        )
        for n, median, p90 in cursor.fetchall():
            values = list(range(n, 0, -1))
            assert (daily.percentile_disc(values, 0.5), daily.percentile_disc(values, 0.9)) == (
                median,
                p90,
            )
    assert daily.percentile_disc([], 0.5) is None


@pytest.mark.django_db
def test_the_command_and_the_nightly_task_refresh(world):
    from io import StringIO

    from django.conf import settings
    from django.core.management import call_command

    from reports.tasks import refresh_stored_counts

    out = StringIO()
    call_command("refresh_stored_counts", stdout=out)
    assert "Stored counts refreshed (in full)" in out.getvalue()
    assert refresh_stored_counts.delay().get() == 0  # nothing touched since
    assert not daily.current_state().full
    schedule = settings.CELERY_BEAT_SCHEDULE["refresh-stored-counts"]
    assert schedule["task"] == "reports.tasks.refresh_stored_counts"
    assert_stored_equals_live(world.named)


@pytest.mark.django_db
def test_a_case_moved_to_another_partner_in_the_admin_is_counted_for_its_new_partner(
    world, client, organisations
):
    """Someone who sees every partner's cases gives a case to another partner on its page: its
    matches (approved and moved in, stored under the old partner) count for the new one at once,
    and the next refresh stores them so."""
    from accounts.models import User
    from tests.newcomers.test_outcome import change_url, form_data

    daily.refresh()
    case = world.matches[0].case
    assert case.partner == organisations["partner"]
    before = figures(world.other, as_of=date(2026, 11, 25), stored=False)["totals"]

    admin = User.objects.create_superuser("riks", "riks@example.org", "x")
    client.force_login(admin)
    page = client.get(change_url(case))
    response = client.post(
        change_url(case), form_data(page, partner=str(organisations["other_partner"].pk))
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    case.refresh_from_db()
    assert case.partner == organisations["other_partner"]

    after = figures(world.other, as_of=date(2026, 11, 25), stored=False)["totals"]
    assert after != before  # the move changes what the other partner's dashboard counts
    assert_stored_equals_live(world.main, world.named, world.other)
    daily.refresh()
    assert not ChangedHome.objects.exists()
    assert_stored_equals_live(world.main, world.named, world.other)
