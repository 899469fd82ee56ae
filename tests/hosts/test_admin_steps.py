"""A home's steps in the admin: each button and bulk action calls the home's action, so its side
effects happen (the call queue, the e-mails, the visit report); a step that needs input has its
own form, which refuses bad input with 400 and keeps what was typed; bulk actions are only the
steps that need no input."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from hosts.actions import mark_home_unreachable
from hosts.models import Home
from matching.actions import propose_match
from notifications.models import OutboundEmail
from tests.factories import (
    NewcomerCaseFactory,
    UserFactory,
    partnership_covering,
    queued_home,
    referred_home,
    visit_booked_home,
)
from volunteers.actions import cancel_visit, report_visit
from volunteers.models import HomeVisit, QueueEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def step_url(home, step: str) -> str:
    return f"/admin/hosts/home/{home.pk}/step/{step}/"


def buttons(client, home) -> list[str]:
    response = client.get(f"/admin/hosts/home/{home.pk}/change/")
    assert response.status_code == 200
    return [step["name"] for step in response.context["workflow_steps"]]


def bulk_actions(client) -> set[str]:
    changelist = client.get("/admin/hosts/home/")
    return set(dict(changelist.context["action_form"].fields["action"].choices))


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def refusals_on(response) -> list[str]:
    """The action's refusal, once: on the form, and not also as a message."""
    assert messages_of(response) == []
    return [str(e) for e in response.context["form"].non_field_errors()]


@pytest.fixture
def desk(english, volunteer_coordinator):
    english.force_login(volunteer_coordinator)
    return english


@pytest.fixture
def volunteer(organisations):
    """A volunteer of the coordinator's own organisation: a visit is booked only with those."""
    return UserFactory(roles=["volunteer"], organisation=organisations["volunteers"])


@pytest.fixture
def booked(volunteer):
    """A home whose visit is booked for the day after tomorrow (it can be moved or cancelled)."""
    return visit_booked_home([volunteer])


@pytest.fixture
def due(booked):
    """The same visit, whose time has come: it can be reported."""
    HomeVisit.objects.filter(pk=booked.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    booked.refresh_from_db()
    return booked


def refreshed(home) -> str:
    home.refresh_from_db()
    return home.status


def test_bulk_offers_only_the_steps_that_need_no_input(desk, booked):
    """The bulk step "approve visit" once made homes visited without any report: the visit's
    steps need a form, so they are no bulk actions, and no address takes them blind."""
    offered = bulk_actions(desk)
    assert {"step_pause", "step_resume", "step_reopen", "step_withdraw"} <= offered
    for needs_input in [
        "approve_visit",
        "report_visit",
        "book_visit",
        "cancel_visit",
        "refer",
        "close",
        "mark_unreachable",
        "reject",
    ]:
        assert f"step_{needs_input}" not in offered

    home = booked.home
    response = desk.post(
        "/admin/hosts/home/",
        {"action": "step_approve_visit", "_selected_action": [home.pk]},
    )
    assert response.status_code in (200, 302)
    assert desk.post(step_url(home, "approve_visit")).status_code == 404
    assert refreshed(home) == Home.Status.VISIT_BOOKED
    assert HomeVisit.objects.get(pk=booked.pk).status == HomeVisit.Status.BOOKED


def test_reporting_the_visit_files_the_report(desk, due):
    booked, home = due, due.home
    assert buttons(desk, home) == ["report_visit", "pause", "withdraw", "hand_over"]

    typed = {"report": "Ljust rum med eget lås.", "reject_reason": ""}  # no verdict
    response = desk.post(step_url(home, "report_visit"), typed)
    assert response.status_code == 400
    assert "Ljust rum med eget lås." in response.content.decode()  # what was typed is kept
    assert refreshed(home) == Home.Status.VISIT_BOOKED

    response = desk.post(
        step_url(home, "report_visit"),
        {**typed, "verdict": "suitable", "room_checked": "on", "rent_agreed": "on"},
    )
    assert response.status_code == 302
    assert refreshed(home) == Home.Status.VISITED
    visit = HomeVisit.objects.get(pk=booked.pk)
    assert (visit.status, visit.verdict, visit.report) == (
        HomeVisit.Status.REPORTED,
        HomeVisit.Verdict.SUITABLE,
        "Ljust rum med eget lås.",
    )
    assert (visit.room_checked, visit.rent_agreed, visit.house_rules) == (True, True, False)
    assert home.transitions.last().to_state == Home.Status.VISITED


def test_a_visit_not_suitable_needs_its_reason(desk, due):
    booked, home = due, due.home
    response = desk.post(step_url(home, "report_visit"), {"verdict": "not_suitable"})
    assert response.status_code == 400
    response = desk.post(
        step_url(home, "report_visit"), {"verdict": "not_suitable", "reject_reason": "Fukt."}
    )
    assert response.status_code == 302
    assert refreshed(home) == Home.Status.REJECTED
    assert HomeVisit.objects.get(pk=booked.pk).reject_reason == "Fukt."


def test_without_a_booked_visit_there_is_no_report_to_file(desk, due, volunteer):
    """A visit reported on the volunteers' page while the admin's form was open: the button is
    gone, and sending the form is refused with the reason, once, and 409."""
    booked, home = due, due.home
    page = desk.get(step_url(home, "report_visit"))  # opened before the other report
    assert page.status_code == 200
    report_visit(visit=booked, user=volunteer, verdict="suitable", checklist={})
    assert "report_visit" not in buttons(desk, home)

    response = desk.post(step_url(home, "report_visit"), {"verdict": "suitable"})
    assert response.status_code == 409
    assert len(refusals_on(response)) == 1
    assert HomeVisit.objects.filter(home=home, status=HomeVisit.Status.REPORTED).count() == 1


def test_booking_a_visit_sends_the_invitations(desk, booked, volunteer):
    cancel_visit(visit=booked, user=volunteer, reason="Värden är sjuk")
    home = booked.home
    assert refreshed(home) == Home.Status.CONTACTED
    assert "book_visit" in buttons(desk, home)
    second = UserFactory(
        roles=["volunteer"], username="volontar3", organisation=volunteer.organisation
    )
    OutboundEmail.objects.all().delete()

    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = desk.post(
        step_url(home, "book_visit"),
        {"day": yesterday, "time": "17:30", "volunteers": [volunteer.pk]},
    )
    assert response.status_code == 400
    assert f'value="{yesterday}"' in response.content.decode()
    assert 'value="17:30"' in response.content.decode()
    third = UserFactory(
        roles=["volunteer"], username="volontar4", organisation=volunteer.organisation
    )
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    too_many = {"day": day, "time": "17:30", "volunteers": [volunteer.pk, second.pk, third.pk]}
    assert desk.post(step_url(home, "book_visit"), too_many).status_code == 400
    assert refreshed(home) == Home.Status.CONTACTED and not OutboundEmail.objects.exists()

    response = desk.post(
        step_url(home, "book_visit"),
        {"day": day, "time": "17:30", "volunteers": [volunteer.pk, second.pk]},
    )
    assert response.status_code == 302
    assert refreshed(home) == Home.Status.VISIT_BOOKED
    visit = HomeVisit.objects.get(home=home, status=HomeVisit.Status.BOOKED)
    assert set(visit.volunteers.all()) == {volunteer, second}
    assert set(OutboundEmail.objects.values_list("to", flat=True)) == {
        home.host.email,
        volunteer.email,
        second.email,
    }


def test_before_the_visit_it_can_be_moved_or_cancelled_and_not_reported(desk, booked):
    home = booked.home
    assert buttons(desk, home) == ["move_visit", "cancel_visit", "pause", "withdraw", "hand_over"]
    response = desk.post(step_url(home, "report_visit"), {"verdict": "suitable"})
    assert response.status_code == 409  # the action's time rule
    assert len(refusals_on(response)) == 1
    assert refreshed(home) == Home.Status.VISIT_BOOKED


def test_moving_the_visit_sends_the_new_time(desk, booked, volunteer):
    home = booked.home
    OutboundEmail.objects.all().delete()
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    response = desk.post(
        step_url(home, "move_visit"), {"day": day, "time": "10:15", "reason": "Värden bad om det."}
    )
    assert response.status_code == 302
    visit = HomeVisit.objects.get(pk=booked.pk)
    assert timezone.localtime(visit.starts_at).strftime("%Y-%m-%d %H:%M") == f"{day} 10:15"
    assert set(OutboundEmail.objects.values_list("to", flat=True)) == {
        home.host.email,
        volunteer.email,
    }


def test_cancelling_the_visit_needs_a_reason(desk, booked):
    home = booked.home
    assert desk.post(step_url(home, "cancel_visit"), {"reason": ""}).status_code == 400
    response = desk.post(step_url(home, "cancel_visit"), {"reason": "Värden har covid."})
    assert response.status_code == 302
    assert refreshed(home) == Home.Status.CONTACTED
    assert HomeVisit.objects.get(pk=booked.pk).status == HomeVisit.Status.CANCELLED


@pytest.mark.parametrize("how", ["button", "bulk"])
def test_reopening_an_unreachable_home_puts_it_back_in_the_call_queue(desk, how):
    """As when the host says so through self-service: the same action, the same result."""
    home = queued_home()
    mark_home_unreachable(home=home, reason="Fem obesvarade samtal.")
    assert refreshed(home) == Home.Status.UNREACHABLE
    assert not QueueEntry.objects.get(home=home).needs_call
    assert "reopen" in buttons(desk, home)

    if how == "button":
        assert desk.get(step_url(home, "reopen")).status_code == 200  # a confirmation
        response = desk.post(step_url(home, "reopen"))
    else:
        response = desk.post(
            "/admin/hosts/home/", {"action": "step_reopen", "_selected_action": [home.pk]}
        )
    assert response.status_code == 302
    assert refreshed(home) == Home.Status.REGISTERED
    entry = QueueEntry.objects.get(home=home)
    assert entry.needs_call and entry.claimed_by is None


def test_a_bulk_step_reports_each_refusal_with_its_message(desk):
    unreachable, fresh = queued_home(), queued_home()
    mark_home_unreachable(home=unreachable, reason="Fel nummer.")
    response = desk.post(
        "/admin/hosts/home/",
        {"action": "step_reopen", "_selected_action": [unreachable.pk, fresh.pk]},
        follow=True,
    )
    said = [str(m) for m in response.context["messages"]]
    assert said[0] == "The host is interested again: done for 1 object."
    assert said[1:] == [
        f"{fresh}: “The host is interested again” is not possible at the stage “Registered”."
    ]
    assert (refreshed(unreachable), refreshed(fresh)) == ("registered", "registered")


def test_marking_unreachable_asks_the_host_to_get_in_touch(desk):
    home = queued_home()
    assert desk.post(step_url(home, "mark_unreachable"), {"reason": ""}).status_code == 400
    response = desk.post(step_url(home, "mark_unreachable"), {"reason": "Fel nummer."})
    assert response.status_code == 302
    assert refreshed(home) == Home.Status.UNREACHABLE
    assert not QueueEntry.objects.get(home=home).needs_call
    assert OutboundEmail.objects.filter(to=home.host.email).count() == 1


def test_referring_asks_for_the_partner_and_tells_the_host(desk, due, volunteer, organisations):
    home = due.home
    report_visit(visit=due, user=volunteer, verdict="suitable", checklist={})
    assert home.partner_id is None
    partnership_covering(organisations["partner"])  # in Östersund, where the home is
    assert "refer" in buttons(desk, home)  # the partner is chosen on the step's page
    OutboundEmail.objects.all().delete()

    assert desk.post(step_url(home, "refer"), {"partner": ""}).status_code == 400
    response = desk.post(step_url(home, "refer"), {"partner": organisations["partner"].pk})
    assert response.status_code == 302
    home.refresh_from_db()
    assert (home.status, home.partner) == (Home.Status.REFERRED, organisations["partner"])
    assert list(OutboundEmail.objects.values_list("to", flat=True)) == [home.host.email]


def test_withdrawing_cancels_a_proposed_match_and_tells_the_partner(
    english, coordinator, organisations
):
    partner = organisations["partner"]
    home = referred_home(partner)
    match = propose_match(home=home, case=NewcomerCaseFactory(partner=partner), user=coordinator)
    english.force_login(coordinator)
    assert "withdraw" in buttons(english, home)

    response = english.post(step_url(home, "withdraw"))
    assert response.status_code == 302
    assert refreshed(home) == Home.Status.WITHDRAWN
    match.refresh_from_db()
    assert match.status == "cancelled"
    assert OutboundEmail.objects.filter(to=coordinator.email).count() == 1


def test_another_partners_coordinator_finds_no_step_of_ours(
    client, coordinator, other_coordinator, organisations
):
    home = referred_home(organisations["partner"])
    client.force_login(other_coordinator)
    for step in ["withdraw", "pause", "refer", "book_visit", "report_visit", "nothing"]:
        assert client.get(step_url(home, step)).status_code == 404, step
        assert client.post(step_url(home, step), {"reason": "x"}).status_code == 404, step
    response = client.post(
        "/admin/hosts/home/", {"action": "step_withdraw", "_selected_action": [home.pk]}
    )
    assert response.status_code in (200, 302)
    assert refreshed(home) == Home.Status.REFERRED


def test_the_stage_cannot_be_typed_into_the_change_form(desk):
    home = queued_home()
    form = desk.get(f"/admin/hosts/home/{home.pk}/change/").context["adminform"].form
    assert "status" not in form.fields
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update({"status": "referred", "languages": ["sv"], "_save": "Save"})
    desk.post(f"/admin/hosts/home/{home.pk}/change/", data)
    assert refreshed(home) == Home.Status.REGISTERED
