"""Check-ins during a stay: the partnership's schedule (week 1, month 1, then every 91 days by
default) planned at the move-in and rolled on until the stay ends; due to the volunteers of the
home's group for a private home and to the partner for a company flat; recorded as all well, a
concern (which opens a concern) or urgent; cancelled when the stay ends."""

from contextlib import contextmanager
from datetime import date, timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.http import Http404
from django.utils import timezone

from matching.actions import approve_match, end_match, propose_match, record_move_in
from stays.actions import (
    check_in_schedule,
    close_stay,
    plan_next_check_ins,
    record_check_in,
    schedule_check_ins,
)
from stays.models import CheckIn, CheckInTransition, Concern
from tests.factories import (
    DEFAULT_MUNICIPALITY,
    HostFactory,
    NewcomerCaseFactory,
    OrganisationFactory,
    UserFactory,
    local_group,
    municipality,
    offered_flat,
    partnership_covering,
    referred_home,
    said_yes,
)
from volunteers.selectors import due_check_ins
from workflow.errors import Conflict, Invalid, NotAllowed

pytestmark = pytest.mark.django_db

MOVED_IN = timezone.localdate() - timedelta(days=1)
real_localdate = timezone.localdate


@contextmanager
def today_is(day: date):
    """Time travel: the portal's "today" is ``day`` (the clock itself is left alone, so the
    log-in stays valid)."""

    def localdate(value=None, timezone=None):
        return day if value is None else real_localdate(value, timezone)

    with mock.patch("django.utils.timezone.localdate", localdate):
        yield


def move_in(home, case, coordinator, day=MOVED_IN):
    match = propose_match(home=home, case=case, user=coordinator)
    approve_match(match=said_yes(match, coordinator), user=coordinator)
    record_move_in(match=match, user=coordinator, move_in_date=day)
    match.refresh_from_db()
    return match


@pytest.fixture
def stays(organisations, coordinator, quota, company_staff):
    """A household in a private home in Krokom (the volunteers' local group checks in) and one
    in a company flat (the partner checks in), both moved in yesterday; no partnership covers
    them, so the default schedule applies."""
    partner = organisations["partner"]
    group = local_group(organisations["volunteers"], covers=[DEFAULT_MUNICIPALITY, "2309"])
    private = move_in(
        referred_home(
            partner, host=HostFactory(name="Astrid Lindqvist"), municipality=municipality("2309")
        ),
        NewcomerCaseFactory(partner=partner, reference="KRK-2026-001"),
        coordinator,
    )
    company = move_in(
        offered_flat(quota, user=company_staff).home,
        NewcomerCaseFactory(partner=partner, reference="KRK-2026-002"),
        coordinator,
    )
    return SimpleNamespace(private=private, company=company, group=group)


@pytest.fixture
def member(organisations, stays):
    """A volunteer of the private home's local group, reading the site in English."""
    return UserFactory(
        roles=["volunteer"],
        organisation=organisations["volunteers"],
        local_group=stays.group,
        username="lina",
        language="en",
    )


@pytest.fixture
def stranger(organisations, stays):
    """A volunteer of another local group of the same organisation (Östersund's, not Krokom's)."""
    other = local_group(organisations["volunteers"], name="Frösö-gruppen")
    return UserFactory(
        roles=["volunteer"],
        organisation=organisations["volunteers"],
        local_group=other,
        username="olle",
    )


def plan(match) -> list[tuple[int, date, str, str]]:
    return list(
        match.check_ins.order_by("after_days").values_list(
            "after_days", "due_on", "responsible", "status"
        )
    )


def days_of(match, **filters) -> list[int]:
    return list(
        match.check_ins.filter(**filters)
        .order_by("after_days")
        .values_list("after_days", flat=True)
    )


# The schedule --------------------------------------------------------------------------------


def test_a_move_in_plans_week_1_and_month_1_due_to_the_homes_side(stays):
    assert plan(stays.private) == [
        (7, MOVED_IN + timedelta(days=7), "volunteers", "planned"),
        (30, MOVED_IN + timedelta(days=30), "volunteers", "planned"),
    ]
    assert plan(stays.company) == [
        (7, MOVED_IN + timedelta(days=7), "partner", "planned"),
        (30, MOVED_IN + timedelta(days=30), "partner", "planned"),
    ]
    assert check_in_schedule(stays.private).partnership is None  # the defaults
    # Each has one row of history: planned by the portal.
    for check_in in CheckIn.objects.all():
        (row,) = check_in.transitions.all()
        assert (row.from_state, row.to_state, row.actor_kind, row.actor) == (
            "",
            "planned",
            "system",
            None,
        )
    assert [c.label for c in stays.private.check_ins.order_by("after_days")] == [
        "Vecka 1",
        "Månad 1",
    ]
    # Planning again plans nothing more.
    assert schedule_check_ins(match=stays.private, moved_in_on=MOVED_IN) == []
    assert CheckIn.objects.count() == 4


def test_the_check_ins_roll_on_every_91_days_for_a_stay_of_over_a_year(stays, member):
    """Day by day through 16 months: the next every-91-days check-in is planned when the last
    one comes due, or when it is recorded before that; one is always ahead."""
    match = stays.private
    recorded_early = None
    for day in range(0, 480):
        today = MOVED_IN + timedelta(days=day)
        plan_next_check_ins(today=today)
        ahead = match.check_ins.filter(status="planned", due_on__gt=today)
        assert ahead.count() == (2 if day < 7 else 1), (day, plan(match))
        if day == 29:
            assert days_of(match) == [7, 30]  # month 1 has not come due yet
        if day == 30:
            assert days_of(match) == [7, 30, 91]
            # The volunteers record month 1 on its day.
            record_check_in(
                check_in=match.check_ins.get(after_days=30),
                user=member,
                outcome="all_well",
                note="De trivs.",
                today=today,
            )
        if day == 177:
            # Month 6 is recorded five days early: month 9 is planned at once.
            six = match.check_ins.get(after_days=182)
            record_check_in(check_in=six, user=member, outcome="all_well", today=today)
            recorded_early = days_of(match)
    assert recorded_early == [7, 30, 91, 182, 273]
    assert days_of(match) == [7, 30, 91, 182, 273, 364, 455, 546]
    assert days_of(match, status="done") == [30, 182]
    for check_in in match.check_ins.all():
        assert check_in.due_on == MOVED_IN + timedelta(days=check_in.after_days)
        assert check_in.responsible == "volunteers"
        assert check_in.transitions.first().actor_kind == "system"
    assert [c.label for c in match.check_ins.filter(after_days__gte=91)] == [
        "Månad 3",
        "Månad 6",
        "Månad 9",
        "Månad 12",
        "Månad 15",
        "Månad 18",
    ]
    # Planning on the same day again plans nothing: the task is idempotent.
    assert plan_next_check_ins(today=MOVED_IN + timedelta(days=479)) == 0


def test_a_stay_that_ends_early_cancels_its_planned_check_ins_and_plans_no_more(
    stays, member, coordinator
):
    match = stays.private
    day_40 = MOVED_IN + timedelta(days=40)
    record_check_in(
        check_in=match.check_ins.get(after_days=7), user=member, outcome="all_well", today=day_40
    )
    plan_next_check_ins(today=day_40)
    assert days_of(match, status="planned") == [30, 91]

    end_match(match=match, user=coordinator, note="Hushållet flyttade till släkt.")

    assert days_of(match, status="cancelled") == [30, 91]
    assert days_of(match, status="done") == [7]
    cancel = CheckInTransition.objects.get(
        check_in__match=match, check_in__after_days=91, to_state="cancelled"
    )
    assert (cancel.actor_kind, cancel.actor, cancel.reason) == (
        "system",
        None,
        "Hushållet flyttade till släkt.",
    )
    # No more are planned, however long after.
    plan_next_check_ins(today=MOVED_IN + timedelta(days=400))
    assert match.check_ins.count() == 3
    with pytest.raises(Conflict):
        record_check_in(
            check_in=match.check_ins.get(after_days=30), user=member, outcome="all_well"
        )
    # Closing again changes nothing. The company flat's stay goes on: its next check-in is the
    # first point of the schedule still ahead (those missed while nobody planned are not made up).
    assert close_stay(match=match, reason="x") == 0
    assert days_of(stays.company, status="planned") == [7, 30, 91, 455]


def test_a_partnership_sets_its_own_schedule(organisations, coordinator):
    partner = organisations["partner"]
    # The partner's partnership for Krokom (the home's municipality) checks in more often; the
    # one for Östersund, another partner's, and last year's are not the stay's.
    own = partnership_covering(partner, "2309", check_in_days=[3, 14, 45], check_in_every_days=60)
    partnership_covering(partner, DEFAULT_MUNICIPALITY, check_in_days=[1], check_in_every_days=10)
    partnership_covering(
        organisations["other_partner"], "2309", check_in_days=[2], check_in_every_days=20
    )
    partnership_covering(
        partner,
        "2309",
        check_in_days=[5],
        check_in_every_days=5,
        period_start=MOVED_IN - timedelta(days=400),
        period_end=MOVED_IN - timedelta(days=40),
    )
    match = move_in(
        referred_home(partner, municipality=municipality("2309")),
        NewcomerCaseFactory(partner=partner),
        coordinator,
    )

    assert check_in_schedule(match).partnership == own
    assert days_of(match) == [3, 14, 45]
    for day in range(0, 200):
        plan_next_check_ins(today=MOVED_IN + timedelta(days=day))
    assert days_of(match) == [3, 14, 45, 60, 120, 180, 240]


def test_a_partnership_without_first_check_ins_plans_the_first_regular_one_at_the_move_in(
    organisations, coordinator
):
    partner = organisations["partner"]
    partnership_covering(partner, check_in_days=[], check_in_every_days=30)
    match = move_in(referred_home(partner), NewcomerCaseFactory(partner=partner), coordinator)
    assert days_of(match) == [30]


# Recording -----------------------------------------------------------------------------------


def test_a_concern_or_urgent_outcome_opens_a_concern(stays, member, coordinator):
    week = stays.private.check_ins.get(after_days=7)
    month = stays.company.check_ins.get(after_days=7)
    today = MOVED_IN + timedelta(days=7)

    with pytest.raises(Invalid):  # a concern needs a few words
        record_check_in(check_in=week, user=member, outcome="concern", note=" ", today=today)
    with pytest.raises(Invalid):
        record_check_in(check_in=week, user=member, outcome="maybe", today=today)
    week.refresh_from_db()
    assert week.status == "planned" and not Concern.objects.exists()

    record_check_in(
        check_in=week, user=member, outcome="concern", note="  Bråk om tvättstugan.  ", today=today
    )
    record_check_in(
        check_in=month, user=coordinator, outcome="urgent", note="Fukt i sovrummet.", today=today
    )

    week.refresh_from_db()
    assert (week.status, week.outcome, week.note, week.done_by) == (
        "done",
        "concern",
        "Bråk om tvättstugan.",
        member,
    )
    assert week.done_at is not None
    concern = Concern.objects.get(check_in=week)
    assert (
        concern.match,
        concern.raised_by,
        concern.urgency,
        concern.raised_by_user,
        concern.text,
        concern.status,
    ) == (stays.private, "check_in", "normal", member, "Bråk om tvättstugan.", "opened")
    urgent = Concern.objects.get(check_in=month)
    assert (urgent.urgency, urgent.raised_by_user, urgent.match) == (
        "urgent",
        coordinator,
        stays.company,
    )
    (row,) = week.transitions.filter(to_state="done")
    assert (row.from_state, row.actor, row.actor_kind) == ("planned", member, "user")

    # All well opens nothing.
    record_check_in(
        check_in=stays.private.check_ins.get(after_days=30),
        user=member,
        outcome="all_well",
        today=MOVED_IN + timedelta(days=30),
    )
    assert Concern.objects.count() == 2


def test_recording_twice_is_a_conflict_and_changes_nothing(stays, member):
    week = stays.private.check_ins.get(after_days=7)
    today = MOVED_IN + timedelta(days=7)
    record_check_in(check_in=week, user=member, outcome="all_well", note="Bra.", today=today)
    with pytest.raises(Conflict):
        record_check_in(check_in=week, user=member, outcome="urgent", note="Igen.", today=today)
    week.refresh_from_db()
    assert (week.outcome, week.note) == ("all_well", "Bra.")
    assert week.transitions.count() == 2
    assert not Concern.objects.exists()


def test_a_check_in_is_recorded_once_it_is_due_within_the_week(stays, member):
    month = stays.private.check_ins.get(after_days=30)
    with pytest.raises(Conflict):
        record_check_in(check_in=month, user=member, outcome="all_well", today=MOVED_IN)
    record_check_in(
        check_in=month, user=member, outcome="all_well", today=MOVED_IN + timedelta(days=23)
    )


def test_only_the_side_it_is_due_to_records_it_within_its_reach(
    stays, member, stranger, coordinator, other_coordinator, volunteer_coordinator
):
    today = MOVED_IN + timedelta(days=7)
    private = stays.private.check_ins.get(after_days=7)
    company = stays.company.check_ins.get(after_days=7)

    # Another group's volunteer, and another partner's coordinator: it does not exist for them.
    with pytest.raises(Http404):
        record_check_in(check_in=private, user=stranger, outcome="all_well", today=today)
    with pytest.raises(Http404):
        record_check_in(check_in=company, user=other_coordinator, outcome="all_well", today=today)
    # The volunteers do not see the partner's check-ins; the partner sees the volunteers' ones
    # (its own case) but they are the volunteers' to make.
    with pytest.raises(Http404):
        record_check_in(check_in=company, user=member, outcome="all_well", today=today)
    with pytest.raises(NotAllowed):
        record_check_in(check_in=private, user=coordinator, outcome="all_well", today=today)
    private.refresh_from_db()
    company.refresh_from_db()
    assert private.status == company.status == "planned"

    record_check_in(check_in=private, user=volunteer_coordinator, outcome="all_well", today=today)
    record_check_in(check_in=company, user=coordinator, outcome="all_well", today=today)


def test_due_check_ins_are_those_within_a_week(stays, member, stranger, volunteer_coordinator):
    week = stays.private.check_ins.get(after_days=7)
    month = stays.private.check_ins.get(after_days=30)

    def due(user, day):
        return list(due_check_ins(user=user, today=day))

    assert due(member, MOVED_IN - timedelta(days=1)) == []
    assert due(member, MOVED_IN) == [week]
    assert due(member, MOVED_IN + timedelta(days=22)) == [week]  # overdue stays listed
    assert due(member, MOVED_IN + timedelta(days=23)) == [week, month]
    assert due(volunteer_coordinator, MOVED_IN + timedelta(days=23)) == [week, month]
    assert due(stranger, MOVED_IN + timedelta(days=23)) == []


# The volunteers' pages -----------------------------------------------------------------------


def check_in_cards(response) -> list[str]:
    assert response.status_code == 200
    return [c.label for c in response.context["check_ins"]]


def test_the_start_page_and_the_call_queue_show_the_check_ins_due_and_the_page_records_one(
    client, stays, member
):
    client.force_login(member)
    week = stays.private.check_ins.get(after_days=7)
    company = stays.company.check_ins.get(after_days=7)
    page_url = f"/volunteer/check-ins/{week.pk}/"

    with today_is(MOVED_IN - timedelta(days=1)):
        assert check_in_cards(client.get("/volunteer/")) == []
        assert check_in_cards(client.get("/volunteer/queue/")) == []
        assert client.get(page_url).status_code == 404  # not due within the week yet
    with today_is(MOVED_IN + timedelta(days=8)):
        response = client.get("/volunteer/")
        assert check_in_cards(response) == ["Vecka 1"]  # in Swedish, the default language
        page = response.content.decode()
        assert "Astrid Lindqvist" in page and "Krokom" in page and page_url in page
        # The company flat is the partner's to check in on: not on the volunteers' pages.
        assert f"/volunteer/check-ins/{company.pk}/" not in page
        assert client.get(f"/volunteer/check-ins/{company.pk}/").status_code == 404
        queue = client.get("/volunteer/queue/")
        assert check_in_cards(queue) == ["Vecka 1"] and page_url in queue.content.decode()

        response = client.get(page_url)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Allt väl" in page and "Brådskande" in page and 'type="radio"' in page

        # No outcome chosen: the page again, with the note as typed.
        response = client.post(page_url, {"note": "De har det bra."})
        assert response.status_code == 400
        assert "De har det bra." in response.content.decode()
        week.refresh_from_db()
        assert week.status == "planned"

        response = client.post(page_url, {"outcome": "all_well", "note": "De har det bra."})
        assert response.status_code == 302 and response.url == "/volunteer/"
        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            "Avstämningen är sparad. Tack!"
        ]
        week.refresh_from_db()
        assert (week.status, week.outcome, week.done_by, week.note) == (
            "done",
            "all_well",
            member,
            "De har det bra.",
        )
        assert check_in_cards(client.get("/volunteer/")) == []
        # Recorded: the page says so and offers no form; posting again is refused.
        response = client.get(page_url)
        assert response.status_code == 200 and 'type="radio"' not in response.content.decode()
        again = client.post(page_url, {"outcome": "urgent", "note": "Igen."})
        assert again.status_code == 409
        assert "Den här avstämningen är redan registrerad." in again.content.decode()
        week.refresh_from_db()
        assert week.outcome == "all_well"


def test_an_urgent_check_in_on_the_page_opens_a_concern(client, stays, member):
    client.force_login(member)
    week = stays.private.check_ins.get(after_days=7)
    with today_is(MOVED_IN + timedelta(days=7)):
        response = client.post(
            f"/volunteer/check-ins/{week.pk}/",
            {"outcome": "urgent", "note": "Värden har sagt upp dem."},
        )
    assert response.status_code == 302
    concern = Concern.objects.get(check_in=week)
    assert (concern.urgency, concern.text) == ("urgent", "Värden har sagt upp dem.")


def test_another_groups_volunteer_finds_no_check_in(client, stays, stranger):
    client.force_login(stranger)
    week = stays.private.check_ins.get(after_days=7)
    with today_is(MOVED_IN + timedelta(days=7)):
        assert check_in_cards(client.get("/volunteer/")) == []
        assert client.get(f"/volunteer/check-ins/{week.pk}/").status_code == 404
        response = client.post(f"/volunteer/check-ins/{week.pk}/", {"outcome": "all_well"})
        assert response.status_code == 404
        assert client.post(f"/volunteer/follow-ups/{week.pk}/done/").status_code == 404
    week.refresh_from_db()
    assert week.status == "planned"


def test_the_old_follow_up_address_leads_to_the_check_in(client, stays, member):
    client.force_login(member)
    week = stays.private.check_ins.get(after_days=7)
    with today_is(MOVED_IN + timedelta(days=7)):
        response = client.post(f"/volunteer/follow-ups/{week.pk}/done/", {"note": "Bra."})
    assert response.status_code == 307
    assert response.url == f"/volunteer/check-ins/{week.pk}/"


# The partner's coordinators, in the admin ----------------------------------------------------


def test_partner_coordinators_record_the_check_ins_of_company_flats_in_the_admin(
    client, stays, coordinator, other_coordinator, volunteer_coordinator
):
    company = list(stays.company.check_ins.order_by("after_days"))
    private = list(stays.private.check_ins.order_by("after_days"))

    def listed(user, query=""):
        client.force_login(user)
        response = client.get(f"/admin/stays/checkin/{query}")
        assert response.status_code == 200
        return set(response.context["cl"].result_list)

    # The partner's coordinators see both sides of their own cases; the volunteer
    # organisation's coordinator the volunteers' ones; another partner none.
    assert listed(coordinator) == set(company) | set(private)
    assert listed(volunteer_coordinator) == set(private)
    assert listed(other_coordinator) == set()

    client.force_login(coordinator)
    url = f"/admin/stays/checkin/{company[0].pk}/"
    with today_is(MOVED_IN + timedelta(days=7)):
        assert listed(coordinator, "?due=week&responsible=partner") == {company[0]}
        change = client.get(f"{url}change/")
        assert change.status_code == 200
        assert f"{url}step/record/" in change.content.decode()
        # The volunteers' check-in has no button for the partner.
        other = client.get(f"/admin/stays/checkin/{private[0].pk}/change/").content.decode()
        assert "step/record/" not in other

        response = client.post(
            f"{url}step/record/", {"outcome": "concern", "note": "Hyran är oklar."}
        )
        assert response.status_code == 302, response.context["form"].errors
    company[0].refresh_from_db()
    assert (company[0].status, company[0].outcome, company[0].done_by) == (
        "done",
        "concern",
        coordinator,
    )
    assert Concern.objects.get(check_in=company[0]).text == "Hyran är oklar."

    client.force_login(other_coordinator)
    assert client.get(f"/admin/stays/checkin/{company[1].pk}/change/").status_code == 404
    assert client.get(f"/admin/stays/checkin/{company[1].pk}/step/record/").status_code == 404


def test_the_volunteers_see_no_case_reference_in_the_admin(
    client, stays, volunteer_coordinator, coordinator
):
    week = stays.private.check_ins.get(after_days=7)
    client.force_login(volunteer_coordinator)
    page = client.get(f"/admin/stays/checkin/{week.pk}/change/").content.decode()
    assert "KRK-2026-001" not in page
    client.force_login(coordinator)
    assert "KRK-2026-001" in client.get(f"/admin/stays/checkin/{week.pk}/change/").content.decode()


def test_a_partnership_for_another_volunteer_organisation_is_not_preferred(
    organisations, coordinator
):
    """Of two partnerships of the partner for the home's municipality, the one of the home's own
    local group's organisation is the stay's."""
    partner = organisations["partner"]
    local_group(organisations["volunteers"], covers=[DEFAULT_MUNICIPALITY])
    other_volunteers = OrganisationFactory(name="Andra", kind="volunteer_organisation")
    home = referred_home(partner)
    partnership_covering(
        partner, volunteer_organisation=other_volunteers, check_in_days=[2], check_in_every_days=9
    )
    own = partnership_covering(partner, check_in_days=[4], check_in_every_days=40)
    assert own.volunteer_organisation_id == home.local_group.organisation_id
    match = move_in(home, NewcomerCaseFactory(partner=partner), coordinator)
    assert check_in_schedule(match).partnership == own


def test_the_daily_task_plans_the_next_check_ins(stays, settings):
    from stays.tasks import plan_next_check_ins as task

    entry = settings.CELERY_BEAT_SCHEDULE["plan-next-check-ins"]
    assert entry["task"] == "stays.tasks.plan_next_check_ins"
    with today_is(MOVED_IN + timedelta(days=30)):
        assert task() == 2  # month 3 of both stays
        assert task() == 0
    assert days_of(stays.private) == days_of(stays.company) == [7, 30, 91]
