"""Home visits: booking (with calendar files for the host and the volunteers, each in their own
language), the visit report, and the coordinator's referral to a partner."""

from contextlib import contextmanager
from datetime import datetime, time, timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext
from icalendar import Calendar

from hosts.actions import transition_home
from hosts.models import Home, HomeTransition
from notifications.models import OutboundEmail
from tests.factories import (
    UserFactory,
    partnership_covering,
    queued_home,
    started_visit,
    visit_booked_home,
)
from volunteers import actions
from volunteers.models import HomeVisit
from workflow.engine import TransitionNotAllowed
from workflow.errors import Conflict

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def tr(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def next_week_at_five():
    day = timezone.localdate() + timedelta(days=7)
    return timezone.make_aware(datetime.combine(day, time(17, 0)))


def calendar_of(message) -> Calendar:
    """The one text/calendar attachment of an e-mail, parsed."""
    files = [a for a in message.attachments if a[2] == "text/calendar"]
    assert len(files) == 1, message.attachments
    filename, content, _mimetype = files[0]
    assert filename.endswith(".ics")
    # Every TZID used must come with its VTIMEZONE (RFC 5545), or some calendars misplace the time.
    assert "TZID=" not in content or "BEGIN:VTIMEZONE" in content
    return Calendar.from_ical(content)


def event_of(message):
    (event,) = calendar_of(message).walk("VEVENT")
    return event


@pytest.fixture
def contacted_home(volunteer):
    """A host who said yes on the phone to ``volunteer``: the next step is a visit."""
    home = queued_home(host__name="Hedda Holm", host__email="hedda@example.org")
    entry = actions.claim_next_host(volunteer=volunteer)
    actions.record_call(entry=entry, volunteer=volunteer, outcome="interested")
    home.refresh_from_db()
    assert home.status == Home.Status.CONTACTED
    return home


def logged_in(user, language="en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client


# Booking -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host_language", "volunteer_language", "second_language"),
    [("sv", "en", "sv"), ("en", "sv", "en")],
)
def test_booking_a_visit_e_mails_everyone_a_calendar_file_in_their_own_language(
    volunteer,
    contacted_home,
    django_capture_on_commit_callbacks,
    host_language,
    volunteer_language,
    second_language,
):
    contacted_home.host.language = host_language
    contacted_home.host.save()
    volunteer.language = volunteer_language
    volunteer.email = "first@example.org"
    volunteer.save()
    second = UserFactory(
        roles=["volunteer"],
        language=second_language,
        email="second@example.org",
        organisation=volunteer.organisation,
    )
    client = logged_in(volunteer)
    starts = next_week_at_five()

    page = client.get(f"/volunteer/homes/{contacted_home.pk}/visit/").content.decode()
    assert "Hedda Holm" in page and f'value="{second.pk}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/volunteer/homes/{contacted_home.pk}/visit/",
            {
                "day": starts.date().isoformat(),
                "time": "17:00",
                "second_volunteer": second.pk,
            },
        )

    visit = HomeVisit.objects.get()
    assert response.status_code == 302 and response.url == f"/volunteer/visits/{visit.pk}/"
    contacted_home.refresh_from_db()
    assert contacted_home.status == Home.Status.VISIT_BOOKED
    assert visit.starts_at == starts and visit.booked_by == volunteer
    assert set(visit.volunteers.all()) == {volunteer, second}

    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"hedda@example.org", "first@example.org", "second@example.org"}

    host_mail = by_address["hedda@example.org"]
    assert host_mail.subject == tr(host_language, "Your home visit is booked")
    event = event_of(host_mail)
    assert event.decoded("dtstart") == starts
    assert event.decoded("dtend") == starts + timedelta(minutes=60)
    assert str(event["summary"]) == tr(host_language, "Home visit from the volunteer organisation")
    assert contacted_home.street_address in str(event["location"])

    for address, language in [
        ("first@example.org", volunteer_language),
        ("second@example.org", second_language),
    ]:
        message = by_address[address]
        assert message.subject == tr(language, "Home visit booked")
        event = event_of(message)
        assert event.decoded("dtstart") == starts
        with translation.override(language):
            summary = gettext("Home visit: %(host)s") % {"host": "Hedda Holm"}
        assert str(event["summary"]) == summary
        # The volunteers' e-mail leads to the visit page, to file the report afterwards.
        assert f"{settings.SITE_URL}/volunteer/visits/{visit.pk}/" in message.body

    # The visit is on both volunteers' day page.
    for user in (volunteer, second):
        start_page = logged_in(user).get("/volunteer/").content.decode()
        assert f"/volunteer/visits/{visit.pk}/" in start_page


def test_a_visit_in_the_past_is_refused(volunteer, contacted_home):
    client = logged_in(volunteer)
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(
        f"/volunteer/homes/{contacted_home.pk}/visit/",
        {"day": yesterday.isoformat(), "time": "17:00"},
    )
    assert response.status_code == 400
    assert "Choose a time in the future for the visit." in response.content.decode()
    assert not HomeVisit.objects.exists()
    contacted_home.refresh_from_db()
    assert contacted_home.status == Home.Status.CONTACTED


def test_a_visit_cannot_be_booked_before_the_host_was_reached(
    volunteer, django_capture_on_commit_callbacks
):
    home = queued_home()
    client = logged_in(volunteer)
    client.post("/volunteer/queue/next/")  # the volunteer holds the host, not yet reached
    starts = next_week_at_five()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/volunteer/homes/{home.pk}/visit/",
            {"day": starts.date().isoformat(), "time": "17:00"},
        )
    assert response.status_code == 409
    assert not HomeVisit.objects.exists()
    assert mail.outbox == []


def test_a_visit_takes_one_or_two_volunteers(volunteer, contacted_home):
    two_more = [UserFactory(roles=["volunteer"]) for _ in range(2)]
    with pytest.raises(TransitionNotAllowed):
        actions.book_visit(
            home=contacted_home,
            starts_at=next_week_at_five(),
            volunteers=[volunteer, *two_more],
            user=volunteer,
        )
    assert not HomeVisit.objects.exists()


# The report --------------------------------------------------------------------------------


CHECKLIST = dict.fromkeys(HomeVisit.CHECKLIST, "on")


def test_a_suitable_home_is_visited_with_the_checklist_kept(volunteer):
    visit = started_visit([volunteer])
    client = logged_in(volunteer)
    assert client.get(f"/volunteer/visits/{visit.pk}/").status_code == 200

    response = client.post(
        f"/volunteer/visits/{visit.pk}/",
        {
            **dict.fromkeys(HomeVisit.CHECKLIST[:4], "on"),
            "report": "Ljust rum med eget lås.",
            "verdict": "suitable",
        },
    )

    assert response.status_code == 302 and response.url == "/volunteer/"
    visit.refresh_from_db()
    visit.home.refresh_from_db()
    assert visit.home.status == Home.Status.VISITED
    assert visit.status == HomeVisit.Status.REPORTED and visit.verdict == "suitable"
    assert visit.reported_by == volunteer and visit.reported_at is not None
    assert [getattr(visit, name) for name in HomeVisit.CHECKLIST] == [True] * 4 + [False] * 2
    assert visit.report == "Ljust rum med eget lås."


def test_not_suitable_needs_a_reason(volunteer):
    visit = started_visit([volunteer])
    client = logged_in(volunteer)

    response = client.post(f"/volunteer/visits/{visit.pk}/", {"verdict": "not_suitable"})
    assert response.status_code == 400
    assert "Say why the home is not suitable." in response.content.decode()
    visit.home.refresh_from_db()
    assert visit.home.status == Home.Status.VISIT_BOOKED

    response = client.post(
        f"/volunteer/visits/{visit.pk}/",
        {"verdict": "not_suitable", "reject_reason": "Rummet är ett genomgångsrum."},
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    visit.home.refresh_from_db()
    assert visit.home.status == Home.Status.REJECTED
    assert visit.reject_reason == "Rummet är ett genomgångsrum."
    last = HomeTransition.objects.filter(home=visit.home).latest("created_at")
    assert (last.to_state, last.reason) == ("rejected", "Rummet är ett genomgångsrum.")


def test_a_verdict_must_be_chosen(volunteer):
    visit = started_visit([volunteer])
    response = logged_in(volunteer).post(f"/volunteer/visits/{visit.pk}/", {"report": "Hmm"})
    assert response.status_code == 400
    visit.refresh_from_db()
    assert visit.status == HomeVisit.Status.BOOKED


def test_a_visit_is_reported_once(volunteer, other_volunteer):
    visit = started_visit([volunteer, other_volunteer])
    logged_in(volunteer).post(
        f"/volunteer/visits/{visit.pk}/", {"verdict": "suitable", "report": "Bra."}
    )
    # The second volunteer reports too, not knowing the first already did.
    response = logged_in(other_volunteer).post(
        f"/volunteer/visits/{visit.pk}/",
        {"verdict": "not_suitable", "reject_reason": "Annan åsikt"},
        follow=True,
    )
    assert "This visit has already been reported or cancelled." in response.content.decode()
    visit.refresh_from_db()
    visit.home.refresh_from_db()
    assert visit.verdict == "suitable" and visit.reported_by == volunteer
    assert visit.home.status == Home.Status.VISITED
    with pytest.raises(TransitionNotAllowed):
        actions.report_visit(
            visit=visit, user=other_volunteer, verdict="suitable", checklist=CHECKLIST
        )


def test_a_cancelled_visit_can_be_booked_again(volunteer):
    visit = visit_booked_home([volunteer])
    actions.cancel_visit(visit=visit, user=volunteer, reason="Värden är sjuk")
    visit.home.refresh_from_db()
    assert visit.home.status == Home.Status.CONTACTED
    with pytest.raises(TransitionNotAllowed):
        actions.report_visit(visit=visit, user=volunteer, verdict="suitable", checklist={})
    again = actions.book_visit(
        home=visit.home, starts_at=next_week_at_five(), volunteers=[volunteer], user=volunteer
    )
    assert again.status == HomeVisit.Status.BOOKED


# Referral ----------------------------------------------------------------------------------


def visited_home(volunteer, **kwargs) -> Home:
    visit = started_visit([volunteer], **kwargs)
    actions.report_visit(
        visit=visit, user=volunteer, verdict="suitable", checklist=CHECKLIST, report="Fint rum."
    )
    visit.home.refresh_from_db()
    return visit.home


def test_a_coordinator_refers_a_visited_home_and_only_that_partner_sees_it(
    volunteer,
    volunteer_coordinator,
    coordinator,
    other_coordinator,
    organisations,
    django_capture_on_commit_callbacks,
):
    home = visited_home(volunteer, host__name="Rut Rask", host__email="rut@example.org")
    waiting = visited_home(volunteer, host__name="Vera Väntar")
    client = logged_in(volunteer_coordinator)
    partner = organisations["partner"]
    partnership_covering(partner)  # Östersund, where the homes are

    page = client.get("/volunteer/referrals/").content.decode()
    assert "Rut Rask" in page and "Vera Väntar" in page and "Fint rum." in page
    assert f'<option value="{partner.pk}">{partner.name}</option>' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/volunteer/referrals/", {"home": home.pk, "partner": partner.pk})
    assert response.status_code == 302 and response.url == "/volunteer/referrals/"
    home.refresh_from_db()
    assert home.status == Home.Status.REFERRED and home.partner == partner
    assert [m.to for m in mail.outbox] == [["rut@example.org"]]
    page = client.get("/volunteer/referrals/").content.decode()
    assert "Rut Rask" not in page and "Vera Väntar" in page

    # The partner's coordinator finds the home in the admin; another partner's does not.
    changelist = logged_in(coordinator).get("/admin/hosts/home/")
    assert changelist.status_code == 200
    assert f"/admin/hosts/home/{home.pk}/change/" in changelist.content.decode()
    assert f"/admin/hosts/home/{waiting.pk}/change/" not in changelist.content.decode()
    other = logged_in(other_coordinator).get("/admin/hosts/home/")
    assert other.status_code == 200
    assert f"/admin/hosts/home/{home.pk}/change/" not in other.content.decode()
    assert logged_in(other_coordinator).get(f"/admin/hosts/home/{home.pk}/change/").status_code in (
        302,
        404,
    )


def test_referring_needs_a_partner_and_a_visited_home(volunteer, volunteer_coordinator):
    visited = visited_home(volunteer)
    contacted = queued_home()
    transition_home(home=contacted, name="contact", user=volunteer)
    client = logged_in(volunteer_coordinator)

    response = client.post("/volunteer/referrals/", {"home": visited.pk}, follow=True)
    assert "Choose a partner to refer the home to." in response.content.decode()
    visited.refresh_from_db()
    assert visited.status == Home.Status.VISITED and visited.partner is None

    partner = UserFactory().organisation  # the factory's organisations are partners
    partnership_covering(partner)
    client.post("/volunteer/referrals/", {"home": contacted.pk, "partner": partner.pk})
    contacted.refresh_from_db()
    assert contacted.status == Home.Status.CONTACTED and contacted.partner is None


def test_a_volunteer_cannot_refer(volunteer, organisations):
    home = visited_home(volunteer)
    response = logged_in(volunteer).post(
        "/volunteer/referrals/", {"home": home.pk, "partner": organisations["partner"].pk}
    )
    assert response.status_code == 403
    home.refresh_from_db()
    assert home.status == Home.Status.VISITED


# Time: report from the start on; move or cancel before ------------------------------------


@contextmanager
def clock_at(moment):
    """Time travel: the portal's clock reads ``moment`` (log in again inside: a session made
    before would have run out)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def saturday_at_ten():
    """A Saturday at 10:00 more than a week ahead, so that the Tuesday before is still ahead."""
    day = timezone.localdate() + timedelta(days=8)
    day += timedelta(days=(5 - day.weekday()) % 7)
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def booked_for(volunteer, starts_at, django_capture_on_commit_callbacks, **kwargs):
    """A visit booked for ``starts_at``; the booking's e-mails are sent and then cleared."""
    with django_capture_on_commit_callbacks(execute=True):
        visit = visit_booked_home([volunteer], starts_at=starts_at, **kwargs)
    mail.outbox.clear()
    return visit


REPORT = {"verdict": "suitable", "report": "Ljust rum.", **CHECKLIST}


def test_a_visit_booked_for_saturday_cannot_be_reported_on_the_tuesday_before(
    volunteer, django_capture_on_commit_callbacks
):
    saturday = saturday_at_ten()
    visit = booked_for(volunteer, saturday, django_capture_on_commit_callbacks)
    emails_before = OutboundEmail.objects.count()

    with clock_at(saturday - timedelta(days=4)):  # Tuesday, 10:00
        client = logged_in(volunteer)
        page = client.get(f"/volunteer/visits/{visit.pk}/").content.decode()
        assert 'name="verdict"' not in page  # no report form before the visit
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/volunteer/visits/{visit.pk}/", REPORT)

    assert response.status_code == 409
    page = response.content.decode()
    assert page.count("the report can be filed from then on") == 1
    visit.refresh_from_db()
    visit.home.refresh_from_db()
    assert visit.status == HomeVisit.Status.BOOKED and visit.reported_at is None
    assert visit.home.status == Home.Status.VISIT_BOOKED
    assert mail.outbox == [] and OutboundEmail.objects.count() == emails_before
    assert [t.to_state for t in visit.transitions.all()] == ["booked"]
    with clock_at(saturday - timedelta(minutes=1)), pytest.raises(Conflict):
        actions.report_visit(visit=visit, user=volunteer, verdict="suitable", checklist={})


def test_from_its_start_time_on_the_visit_is_reported(
    volunteer, django_capture_on_commit_callbacks
):
    saturday = saturday_at_ten()
    visit = booked_for(volunteer, saturday, django_capture_on_commit_callbacks)

    with clock_at(saturday):
        client = logged_in(volunteer)
        page = client.get(f"/volunteer/visits/{visit.pk}/").content.decode()
        assert 'name="verdict"' in page
        assert f"/volunteer/visits/{visit.pk}/move/" not in page
        assert f"/volunteer/visits/{visit.pk}/cancel/" not in page
        response = client.post(f"/volunteer/visits/{visit.pk}/", REPORT)

    assert response.status_code == 302
    visit.refresh_from_db()
    visit.home.refresh_from_db()
    assert visit.status == HomeVisit.Status.REPORTED and visit.reported_at == saturday
    assert visit.home.status == Home.Status.VISITED


def test_before_the_start_the_page_offers_to_move_or_cancel_and_not_to_report(
    volunteer, django_capture_on_commit_callbacks
):
    visit = booked_for(volunteer, next_week_at_five(), django_capture_on_commit_callbacks)
    page = logged_in(volunteer).get(f"/volunteer/visits/{visit.pk}/").content.decode()
    assert f'action="/volunteer/visits/{visit.pk}/move/"' in page
    assert f'action="/volunteer/visits/{visit.pk}/cancel/"' in page
    assert 'name="move-day"' in page and 'name="cancel-reason"' in page
    assert 'name="verdict"' not in page
    assert "The report can be filed from the start of the visit on" in page


def test_moving_a_visit_sends_everyone_the_same_calendar_event_with_a_higher_sequence(
    volunteer, other_volunteer, django_capture_on_commit_callbacks
):
    first_time = next_week_at_five()
    with django_capture_on_commit_callbacks(execute=True):
        visit = visit_booked_home(
            [volunteer, other_volunteer],
            starts_at=first_time,
            host__name="Hedda Holm",
            host__email="hedda@example.org",
            host__language="en",
        )
    booked = {message.to[0]: event_of(message) for message in mail.outbox}
    mail.outbox.clear()
    new_time = first_time + timedelta(days=2, hours=1)

    client = logged_in(volunteer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/volunteer/visits/{visit.pk}/move/",
            {
                "move-day": new_time.date().isoformat(),
                "move-time": "18:00",
                "move-reason": "Värden jobbar sent.",
            },
        )
    assert response.status_code == 302 and response.url == f"/volunteer/visits/{visit.pk}/"
    page = client.get(response.url).content.decode()
    assert page.count("The visit is moved.") == 1

    visit.refresh_from_db()
    assert visit.starts_at == new_time and visit.status == HomeVisit.Status.BOOKED
    visit.home.refresh_from_db()
    assert visit.home.status == Home.Status.VISIT_BOOKED
    by_address = {message.to[0]: message for message in mail.outbox}
    assert (
        set(by_address)
        == set(booked)
        == {
            "hedda@example.org",
            volunteer.email,
            other_volunteer.email,
        }
    )
    assert by_address["hedda@example.org"].subject == "Your home visit has a new time"
    for address, message in by_address.items():
        event = event_of(message)
        assert str(event["uid"]) == str(booked[address]["uid"])
        assert int(event["sequence"]) > int(booked[address]["sequence"])
        assert event.decoded("dtstart") == new_time
    moved = visit.transitions.last()
    assert (moved.from_state, moved.to_state, moved.actor) == ("booked", "booked", volunteer)
    assert moved.starts_at == new_time and moved.reason == "Värden jobbar sent."


def test_a_visit_that_has_started_cannot_be_moved_or_cancelled(
    volunteer, django_capture_on_commit_callbacks
):
    saturday = saturday_at_ten()
    visit = booked_for(volunteer, saturday, django_capture_on_commit_callbacks)
    later = saturday + timedelta(days=3)

    with clock_at(saturday + timedelta(minutes=5)):
        client = logged_in(volunteer)
        with django_capture_on_commit_callbacks(execute=True):
            moved = client.post(
                f"/volunteer/visits/{visit.pk}/move/",
                {"move-day": later.date().isoformat(), "move-time": "10:00"},
            )
            cancelled = client.post(
                f"/volunteer/visits/{visit.pk}/cancel/", {"cancel-reason": "Värden är sjuk."}
            )

    for response in (moved, cancelled):
        assert response.status_code == 409
        page = response.content.decode()
        assert page.count("it can no longer be moved or cancelled") == 1
        assert 'name="verdict"' in page  # the report is what is left to do
    visit.refresh_from_db()
    assert visit.status == HomeVisit.Status.BOOKED and visit.starts_at == saturday
    assert mail.outbox == []
    assert visit.transitions.count() == 1


def test_cancelling_a_visit_needs_a_reason_and_tells_the_host(
    volunteer, django_capture_on_commit_callbacks
):
    visit = booked_for(
        volunteer,
        next_week_at_five(),
        django_capture_on_commit_callbacks,
        host__email="hedda@example.org",
        host__language="en",
    )
    client = logged_in(volunteer)
    response = client.post(f"/volunteer/visits/{visit.pk}/cancel/", {"cancel-reason": "  "})
    assert response.status_code == 400
    assert "Please give a reason for this step." in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == HomeVisit.Status.BOOKED

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/volunteer/visits/{visit.pk}/cancel/",
            {"cancel-reason": "The volunteer is ill."},
        )
    assert response.status_code == 302
    visit.refresh_from_db()
    visit.home.refresh_from_db()
    assert visit.status == HomeVisit.Status.CANCELLED
    assert visit.home.status == Home.Status.CONTACTED
    host_mail = next(m for m in mail.outbox if m.to == ["hedda@example.org"])
    assert host_mail.subject == "Your home visit is cancelled"
    assert "The volunteer is ill." in host_mail.body
    event = event_of(host_mail)
    assert str(event["status"]) == "CANCELLED" and int(event["sequence"]) == 1
    assert {m.to[0] for m in mail.outbox} == {"hedda@example.org", volunteer.email}
    cancelled = visit.transitions.last()
    assert (cancelled.from_state, cancelled.to_state) == ("booked", "cancelled")
    assert cancelled.reason == "The volunteer is ill."


def test_booking_a_home_that_cannot_be_booked_says_why_once(volunteer):
    home = queued_home()  # registered: the host has not been reached yet
    starts = next_week_at_five()
    client = logged_in(volunteer)
    client.post("/volunteer/queue/next/")  # held, so the booking page is the volunteer's
    response = client.post(
        f"/volunteer/homes/{home.pk}/visit/",
        {"day": starts.date().isoformat(), "time": "17:00"},
    )
    assert response.status_code == 409
    assert response.content.decode().count("is not possible at the stage") == 1
    assert not HomeVisit.objects.exists()
