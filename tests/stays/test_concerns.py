"""Concerns: raised, acknowledged, mediated and resolved through the actions; who is told (each
in their own language, never with the concern's own words), the clock to first response, and who
may act on which concern."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.http import Http404
from django.utils import timezone

from stays import actions
from stays.models import Concern, Mediation
from tests.factories import staff_user
from workflow.errors import Conflict, Invalid, NotAllowed

pytestmark = pytest.mark.django_db

SECRET = "Värden har skrikit på barnen hela veckan"


def raise_it(stay, urgency="normal", text=SECRET, captured=None):
    return actions.raise_concern(
        match=stay, raised_by=Concern.RaisedBy.HOST, text=text, urgency=urgency, language="sv"
    )


def company_flat_stay(organisations, team):
    from tests.factories import QuotaAgreementFactory, moved_in_match, offered_flat

    agreement = QuotaAgreementFactory(
        company=organisations["housing"], integration_unit=organisations["partner"], every_nth=1
    )
    home = offered_flat(agreement).home
    assert home.unit_id is not None
    return moved_in_match(organisations["partner"], coordinator=team.partner, home=home)


def outbox_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_raising_a_concern_tells_the_team_each_in_their_language(
    stay, team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        concern = raise_it(stay)

    assert concern.status == Concern.Status.OPENED
    assert concern.transitions.get().actor_kind == "host"
    [to_partner] = outbox_to(team.partner.email)
    [to_volunteers] = outbox_to(team.volunteers.email)
    assert to_partner.subject == "Ett bekymmer om en vistelse behöver uppmärksamhet"
    assert to_volunteers.subject == "A concern about a stay needs attention"
    for message in (to_partner, to_volunteers):
        assert SECRET not in message.body and "skrikit" not in message.body
        assert f"/admin/stays/concern/{concern.pk}/change/" in message.body
    assert "Bekymmer nummer" in to_partner.body and "Framfört av: Värden" in to_partner.body
    assert "Raised by: The host" in to_volunteers.body
    # The host is not written to about their own concern.
    assert outbox_to("host@example.org") == []


def test_an_urgent_concern_says_so_in_the_subject(stay, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        raise_it(stay, urgency="urgent")

    assert outbox_to(team.partner.email)[0].subject.startswith("BRÅDSKANDE")
    assert outbox_to(team.volunteers.email)[0].subject.startswith("URGENT")


def test_a_company_flat_tells_only_the_partner(
    organisations, team, django_capture_on_commit_callbacks
):
    stay = company_flat_stay(organisations, team)
    with django_capture_on_commit_callbacks(execute=True):
        raise_it(stay)

    assert len(outbox_to(team.partner.email)) == 1
    assert outbox_to(team.volunteers.email) == []


def test_another_groups_coordinator_and_another_partner_are_not_told(
    stay, team, other_group_coordinator, other_coordinator, django_capture_on_commit_callbacks
):
    other_group_coordinator.email = "annan@example.org"
    other_group_coordinator.save()
    other_coordinator.email = "granne@example.org"
    other_coordinator.save()
    with django_capture_on_commit_callbacks(execute=True):
        raise_it(stay)

    assert outbox_to("annan@example.org") == []
    assert outbox_to("granne@example.org") == []


def test_the_first_response_stops_the_clock_once(stay, team):
    raised_at = timezone.now() - timedelta(hours=5)
    with mock.patch("django.utils.timezone.now", return_value=raised_at):
        concern = raise_it(stay)

    actions.acknowledge_concern(concern=concern, user=team.volunteers)
    concern.refresh_from_db()
    first = concern.first_response_at
    assert concern.status == Concern.Status.ACKNOWLEDGED
    assert concern.first_response_by == team.volunteers
    assert timedelta(hours=5) <= first - concern.created_at < timedelta(hours=5, minutes=1)

    actions.resolve_concern(concern=concern, user=team.partner, resolution="Vi pratade ihop oss.")
    concern.refresh_from_db()
    assert concern.status == Concern.Status.RESOLVED
    assert concern.resolution == "Vi pratade ihop oss."
    assert (concern.first_response_at, concern.first_response_by) == (first, team.volunteers)


def test_resolving_straight_away_is_the_first_response(stay, team):
    concern = raise_it(stay)
    with pytest.raises(Invalid):
        actions.resolve_concern(concern=concern, user=team.partner, resolution="  ")
    actions.resolve_concern(concern=concern, user=team.partner, resolution="Ett missförstånd.")
    concern.refresh_from_db()
    assert concern.first_response_by == team.partner
    with pytest.raises(Conflict):
        actions.acknowledge_concern(concern=concern, user=team.partner)


def test_only_the_people_working_on_the_case_reach_a_concern(
    stay, team, other_coordinator, other_group_coordinator, organisations
):
    concern = raise_it(stay)
    for outsider in (other_coordinator, other_group_coordinator):
        with pytest.raises(Http404):
            actions.acknowledge_concern(concern=concern, user=outsider)
        with pytest.raises(Http404):
            actions.resolve_concern(concern=concern, user=outsider, resolution="Nej")
        assert not Concern.objects.visible_to(outsider).filter(pk=concern.pk).exists()
    # The partner's manager sees it but does not respond to it.
    manager = staff_user("manager", organisations["partner"])
    with pytest.raises(NotAllowed):
        actions.acknowledge_concern(concern=concern, user=manager)
    concern.refresh_from_db()
    assert concern.status == Concern.Status.OPENED and concern.first_response_at is None


def test_a_volunteer_coordinator_does_not_reach_a_company_flat(organisations, team):
    stay = company_flat_stay(organisations, team)
    concern = raise_it(stay)
    with pytest.raises(Http404):
        actions.acknowledge_concern(concern=concern, user=team.volunteers)


def test_a_concern_about_an_ended_or_proposed_stay_is_refused(organisations, team):
    from matching.actions import propose_match
    from tests.factories import NewcomerCaseFactory, referred_home

    proposed = propose_match(
        home=referred_home(organisations["partner"]),
        case=NewcomerCaseFactory(partner=organisations["partner"]),
        user=team.partner,
    )
    with pytest.raises(Conflict):
        raise_it(proposed)
    assert not Concern.objects.exists()


# Mediation -------------------------------------------------------------------------------------


def book(concern, team, *, days=2, **kwargs):
    return actions.book_mediation(
        concern=concern,
        user=team.partner,
        starts_at=timezone.now() + timedelta(days=days),
        place=kwargs.pop("place", "Kommunhuset, rum 3"),
        mediator=kwargs.pop("mediator", team.partner),
        **kwargs,
    )


def test_booking_a_mediation_invites_everyone_with_calendar_files(
    stay, team, django_capture_on_commit_callbacks
):
    concern = raise_it(stay)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        mediation = book(concern, team)

    concern.refresh_from_db()
    assert concern.status == Concern.Status.IN_MEDIATION
    assert concern.first_response_by == team.partner
    assert mediation.status == Mediation.Status.BOOKED
    for person in (team.partner, team.volunteers):
        [message] = outbox_to(person.email)
        [(filename, content, mimetype)] = message.attachments
        assert (filename, mimetype) == ("mediation.ics", "text/calendar")
        assert f"UID:mediation-{mediation.pk}@" in content and "SEQUENCE:0" in content
        assert "Kommunhuset" in message.body and SECRET not in message.body + content
    assert outbox_to(team.partner.email)[0].subject == "Ett medlingsmöte är bokat"
    assert outbox_to(team.volunteers.email)[0].subject == "A mediation meeting is booked"
    [to_host] = outbox_to("host@example.org")
    assert to_host.attachments == []
    assert "Kommunhuset, rum 3" in to_host.body and "The meeting is on" in to_host.body
    assert SECRET not in to_host.body


def test_moving_and_cancelling_raise_the_sequence_and_tell_everyone(
    stay, team, django_capture_on_commit_callbacks
):
    concern = raise_it(stay)
    mediation = book(concern, team)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.move_mediation(
            mediation=mediation,
            user=team.partner,
            starts_at=mediation.starts_at + timedelta(hours=3),
        )
    assert "SEQUENCE:1" in outbox_to(team.volunteers.email)[0].attachments[0][1]
    assert "has been moved" in outbox_to("host@example.org")[0].body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.cancel_mediation(mediation=mediation, user=team.partner, reason="Värden är sjuk.")
    ics = outbox_to(team.volunteers.email)[0].attachments[0][1]
    assert "SEQUENCE:2" in ics and "STATUS:CANCELLED" in ics
    assert "Värden är sjuk." not in outbox_to("host@example.org")[0].body
    mediation.refresh_from_db()
    concern.refresh_from_db()
    assert mediation.status == Mediation.Status.CANCELLED
    assert concern.status == Concern.Status.ACKNOWLEDGED


def test_a_meeting_is_recorded_from_its_start_then_the_concern_resolved(stay, team):
    concern = raise_it(stay)
    mediation = book(concern, team, days=1)
    with pytest.raises(Conflict):
        actions.record_mediation(mediation=mediation, user=team.partner, outcome="Överens.")
    later = timezone.now() + timedelta(days=1, hours=1)
    with pytest.raises(Invalid):
        actions.record_mediation(mediation=mediation, user=team.partner, outcome=" ", now=later)
    actions.record_mediation(mediation=mediation, user=team.partner, outcome="Överens.", now=later)
    mediation.refresh_from_db()
    assert (mediation.status, mediation.outcome) == (Mediation.Status.HELD, "Överens.")
    # Another meeting can be booked after one was held; not two at once.
    second = book(concern, team, days=3)
    with pytest.raises(Conflict):
        book(concern, team, days=4)
    actions.resolve_concern(concern=concern, user=team.volunteers, resolution="Det löste sig.")
    second.refresh_from_db()
    concern.refresh_from_db()
    assert second.status == Mediation.Status.CANCELLED
    assert second.transitions.last().actor_kind == "system"
    assert concern.status == Concern.Status.RESOLVED


def test_mediation_input_is_checked(stay, team, other_coordinator):
    concern = raise_it(stay)
    with pytest.raises(Invalid):
        book(concern, team, days=-1)
    with pytest.raises(Invalid):
        book(concern, team, place="   ")
    with pytest.raises(Invalid):
        book(concern, team, mediator=other_coordinator)
    with pytest.raises(Invalid):
        book(concern, team, duration_minutes=5)
    # Only the partner's coordinators book meetings.
    with pytest.raises(NotAllowed):
        actions.book_mediation(
            concern=concern,
            user=team.volunteers,
            starts_at=timezone.now() + timedelta(days=1),
            place="Biblioteket",
            mediator=team.volunteers,
        )
    with pytest.raises(Http404):
        actions.book_mediation(
            concern=concern,
            user=other_coordinator,
            starts_at=timezone.now() + timedelta(days=1),
            place="Biblioteket",
            mediator=other_coordinator,
        )
    concern.refresh_from_db()
    assert concern.status == Concern.Status.OPENED and not concern.mediations.exists()
