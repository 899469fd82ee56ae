"""After a move-in: follow-ups after two weeks and three months (the volunteers for a private home,
the partner for a housing company flat), and the outcome after the establishment period."""

from contextlib import contextmanager
from datetime import date, timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone, translation

from matching.actions import approve_match, propose_match, record_move_in
from newcomers.actions import record_establishment_outcome
from newcomers.models import NewcomerCase
from tests.factories import (
    DEFAULT_MUNICIPALITY,
    HostFactory,
    NewcomerCaseFactory,
    UserFactory,
    local_group,
    municipality,
    offered_flat,
    referred_home,
    said_yes,
)
from volunteers.actions import complete_follow_up, schedule_follow_ups
from volunteers.models import FollowUp
from volunteers.selectors import due_follow_ups
from workflow.engine import TransitionNotAllowed

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
    return record_move_in(match=match, user=coordinator, move_in_date=day)


@pytest.fixture
def stays(organisations, coordinator, quota, company_staff):
    """A household in a private home (the volunteers follow up) and one in a company flat (the
    partner follows up), both moved in yesterday."""
    partner = organisations["partner"]
    # The volunteers' local group covers Krokom too, where the private home is.
    local_group(organisations["volunteers"], covers=[DEFAULT_MUNICIPALITY, "2309"])
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
    return SimpleNamespace(private=private, company=company)


@pytest.fixture
def member(organisations):
    """A volunteer of the volunteer organisation, reading the site in English."""
    return UserFactory(
        roles=["volunteer"],
        organisation=organisations["volunteers"],
        username="lina",
        language="en",
    )


def planned(match) -> list[tuple[int, date, str, object]]:
    return list(
        match.follow_ups.order_by("after_days").values_list(
            "after_days", "due_on", "responsible", "done_at"
        )
    )


def test_a_move_in_schedules_follow_ups_after_two_weeks_and_three_months(stays):
    assert planned(stays.private) == [
        (14, MOVED_IN + timedelta(days=14), "volunteers", None),
        (91, MOVED_IN + timedelta(days=91), "volunteers", None),
    ]
    assert planned(stays.company) == [
        (14, MOVED_IN + timedelta(days=14), "partner", None),
        (91, MOVED_IN + timedelta(days=91), "partner", None),
    ]
    with translation.override("en"):
        labels = [f.label for f in stays.private.follow_ups.order_by("after_days")]
    assert labels == ["After two weeks", "After three months"]

    assert schedule_follow_ups(match=stays.private, moved_in_on=MOVED_IN) == []
    assert FollowUp.objects.count() == 4


def test_due_follow_ups_are_those_within_a_week(stays, member, coordinator):
    two_weeks = stays.private.follow_ups.get(after_days=14)
    three_months = stays.private.follow_ups.get(after_days=91)

    def due(user, day):
        return list(due_follow_ups(user=user, today=day))

    assert due(member, MOVED_IN) == []
    assert due(member, MOVED_IN + timedelta(days=6)) == []
    assert due(member, MOVED_IN + timedelta(days=7)) == [two_weeks]
    assert due(member, MOVED_IN + timedelta(days=30)) == [two_weeks]  # overdue stays listed
    assert due(member, MOVED_IN + timedelta(days=84)) == [two_weeks, three_months]
    company_two_weeks = stays.company.follow_ups.get(after_days=14)
    assert set(due(coordinator, MOVED_IN + timedelta(days=7))) == {two_weeks, company_two_weeks}


def follow_up_cards(response) -> list[str]:
    assert response.status_code == 200
    return [str(f.label) for f in response.context["follow_ups"]]


def test_the_volunteer_start_page_shows_follow_ups_when_due_and_done_completes_them(
    client, stays, member
):
    client.force_login(member)
    two_weeks = stays.private.follow_ups.get(after_days=14)

    with today_is(MOVED_IN + timedelta(days=6)):
        assert follow_up_cards(client.get("/volunteer/")) == []
    with today_is(MOVED_IN + timedelta(days=7)):
        response = client.get("/volunteer/")
        # The page is in Swedish, the default language.
        assert follow_up_cards(response) == ["Efter två veckor"]
        page = response.content.decode()
        assert "Astrid Lindqvist" in page and "Krokom" in page
        assert f"/volunteer/follow-ups/{two_weeks.pk}/done/" in page
        # The company flat is the partner's to follow up: not on the volunteers' page.
        company = stays.company.follow_ups.get(after_days=14)
        assert f"/volunteer/follow-ups/{company.pk}/done/" not in page

        response = client.post(
            f"/volunteer/follow-ups/{two_weeks.pk}/done/", {"note": "Allt går bra, de trivs."}
        )
        assert response.status_code == 302 and response.url == "/volunteer/"
        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            "Uppföljningen är sparad. Tack!"
        ]
        two_weeks.refresh_from_db()
        assert two_weeks.done_by == member
        assert two_weeks.note == "Allt går bra, de trivs."
        done_at = two_weeks.done_at
        assert done_at is not None
        assert follow_up_cards(client.get("/volunteer/")) == []

        again = client.post(f"/volunteer/follow-ups/{two_weeks.pk}/done/", {"note": "Igen."})
        assert again.status_code == 302
        assert [str(m) for m in get_messages(again.wsgi_request)] == [
            "Den här uppföljningen är redan gjord."
        ]
        two_weeks.refresh_from_db()
        assert (two_weeks.done_at, two_weeks.note) == (done_at, "Allt går bra, de trivs.")

    with today_is(MOVED_IN + timedelta(days=84)):
        assert follow_up_cards(client.get("/volunteer/")) == ["Efter tre månader"]


def test_volunteers_cannot_complete_the_partners_follow_ups(client, stays, member):
    client.force_login(member)
    company = stays.company.follow_ups.get(after_days=14)

    response = client.post(f"/volunteer/follow-ups/{company.pk}/done/", {"note": "x"})

    assert response.status_code == 404
    company.refresh_from_db()
    assert company.done_at is None


def test_completing_a_follow_up_twice_is_refused(stays, member):
    follow_up = stays.private.follow_ups.get(after_days=14)
    complete_follow_up(follow_up=follow_up, user=member, note="  Bra.  ")
    follow_up.refresh_from_db()
    assert follow_up.note == "Bra."

    with pytest.raises(TransitionNotAllowed):
        complete_follow_up(follow_up=follow_up, user=member, note="Igen.")
    follow_up.refresh_from_db()
    assert follow_up.note == "Bra."


def test_partner_coordinators_follow_up_company_flats_in_the_admin(
    client, stays, coordinator, other_coordinator, volunteer_coordinator
):
    company = list(stays.company.follow_ups.order_by("after_days"))
    private = list(stays.private.follow_ups.order_by("after_days"))

    def listed(user):
        client.force_login(user)
        response = client.get("/admin/volunteers/followup/")
        assert response.status_code == 200
        return set(response.context["cl"].result_list)

    # The partner's coordinators see their households' follow-ups; the volunteer organisation's
    # coordinator sees the volunteers' ones; another partner sees none.
    assert set(company) <= listed(coordinator)
    assert listed(volunteer_coordinator) == set(private)
    assert listed(other_coordinator) == set()

    client.force_login(coordinator)
    response = client.post(
        "/admin/volunteers/followup/",
        {"action": "mark_done", "_selected_action": [company[0].pk]},
    )
    assert response.status_code == 302
    company[0].refresh_from_db()
    assert company[0].done_by == coordinator and company[0].done_at is not None

    client.force_login(other_coordinator)
    assert client.get(f"/admin/volunteers/followup/{company[1].pk}/change/").status_code == 404


# Outcomes after the establishment period -----------------------------------------------------


def test_the_establishment_period_ends_two_years_after_the_assignment(organisations):
    case = NewcomerCaseFactory(partner=organisations["partner"], assigned_on=date(2024, 2, 29))
    assert case.establishment_ends_on == date(2026, 2, 28)
    case = NewcomerCaseFactory(partner=organisations["partner"], assigned_on=date(2024, 5, 6))
    assert case.establishment_ends_on == date(2026, 5, 6)


def test_recording_the_outcome(organisations, coordinator):
    case = NewcomerCaseFactory(partner=organisations["partner"], assigned_on=date(2024, 5, 6))
    assert (case.outcome, case.outcome_recorded_at) == ("", None)

    record_establishment_outcome(case=case, outcome="in_work", user=coordinator)

    case.refresh_from_db()
    assert case.outcome == NewcomerCase.Outcome.IN_WORK
    assert abs(case.outcome_recorded_at - timezone.now()) < timedelta(minutes=1)
    with pytest.raises(TransitionNotAllowed):
        record_establishment_outcome(case=case, outcome="retired", user=coordinator)
    case.refresh_from_db()
    assert case.outcome == NewcomerCase.Outcome.IN_WORK


def change_form_data(response, **overrides) -> dict:
    """What the admin's change form sends back unchanged, with ``overrides``."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False or value == "":
            continue
        if value is True:
            data[name] = "on"
        elif isinstance(value, date):
            data[name] = value.isoformat()
        elif isinstance(value, (list, tuple)):
            data[name] = [str(item) for item in value]
        else:
            data[name] = str(value)
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for inline_form in formset.formset.forms:
            for name in ("id", inline_form.fk.name if hasattr(inline_form, "fk") else ""):
                if name and name in inline_form.fields:
                    data[inline_form.add_prefix(name)] = inline_form[name].value()
    data.update(overrides, _save="Save")
    return data


def test_the_case_admin_records_the_outcome(client, organisations, coordinator):
    case = NewcomerCaseFactory(partner=organisations["partner"], assigned_on=date(2024, 5, 6))
    client.force_login(coordinator)
    url = f"/admin/newcomers/newcomercase/{case.pk}/change/"

    response = client.post(url, change_form_data(client.get(url), outcome="in_studies"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    case.refresh_from_db()
    assert case.outcome == NewcomerCase.Outcome.IN_STUDIES
    assert case.outcome_recorded_at is not None
    first_recorded = case.outcome_recorded_at

    # Saving again without changing the outcome keeps when it was recorded.
    response = client.post(url, change_form_data(client.get(url), notes="Ringde i maj."))
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.outcome, case.outcome_recorded_at, case.notes) == (
        "in_studies",
        first_recorded,
        "Ringde i maj.",
    )
