"""Information meetings, step by step: planning, changing, cancelling, signing up (double opt-in),
confirming under the meeting's lock, cancelling through the link, attendance, reminders, erasure."""

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone, translation
from icalendar import Calendar

from notifications.models import OutboundEmail
from outreach import actions
from outreach.actions.meetings import calendar_sequence, make_signup_token
from outreach.models import InformationMeeting, MeetingSignup, MeetingTransition, SignupTransition
from tests.conftest import link_in
from tests.factories import OrganisationFactory, local_group, municipality, staff_user
from tests.outreach.meetings import (
    confirmed_signup,
    meeting_fields,
    next_week_at,
    organiser,
    planned_meeting,
    started_meeting,
)
from workflow.errors import Conflict, Invalid, NotAllowed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("role_groups")]

M = InformationMeeting.Status
S = MeetingSignup.Status


@pytest.fixture(autouse=True)
def _messages_in_english():
    """The refusals are matched by their English words (the default language is Swedish)."""
    with translation.override("en"):
        yield


@pytest.fixture
def coordinator(organisations):
    return organiser(organisations)


@pytest.fixture
def meeting(coordinator):
    return planned_meeting(coordinator, capacity=2)


def calendar_event(message):
    (ics,) = [a for a in message.attachments if a[2] == "text/calendar"]
    (event,) = Calendar.from_ical(ics[1]).walk("VEVENT")
    return event


def token_in(message, prefix: str, purpose: str):
    """The sign-up the e-mail's link (starting with ``prefix``) names."""
    token = link_in(message, prefix).removeprefix(prefix).split("/")[0]
    return actions.signup_from_token(token, purpose=purpose)


# Planning ---------------------------------------------------------------------------------------


def test_a_coordinator_plans_a_meeting_of_their_group_with_its_first_history_row(coordinator):
    meeting = planned_meeting(coordinator)
    assert meeting.status == M.PLANNED
    assert meeting.local_group == coordinator.local_group and meeting.partner is None
    (row,) = MeetingTransition.objects.filter(meeting=meeting)
    assert (row.from_state, row.to_state, row.actor) == ("", M.PLANNED, coordinator)


def test_a_meeting_is_planned_only_in_the_groups_municipalities(coordinator):
    with pytest.raises(Invalid, match="does not cover"):
        planned_meeting(coordinator, municipality=municipality("1280"))
    assert not InformationMeeting.objects.exists()


@pytest.mark.parametrize(
    "overrides, problem",
    [
        ({"starts_at": timezone.now() - timedelta(hours=1)}, "future"),
        ({"ends_at": next_week_at(17)}, "end after"),
        ({"place": "", "online_url": ""}, "place"),
        ({"capacity": 0}, "one place"),
        ({"title": "  "}, "title"),
    ],
)
def test_a_meeting_that_cannot_be_held_is_refused_in_words(coordinator, overrides, problem):
    with pytest.raises(Invalid, match=problem):
        planned_meeting(coordinator, **overrides)


def test_only_a_coordinator_who_reaches_the_organiser_plans_for_it(organisations, coordinator):
    other_org = OrganisationFactory(name="Andra föreningen", kind="volunteer_organisation")
    other_group = local_group(other_org, covers=["1280"])
    with pytest.raises(NotAllowed):
        actions.plan_meeting(
            user=coordinator,
            local_group=other_group,
            **meeting_fields(municipality=municipality("1280")),
        )
    volunteer = staff_user("volunteer", organisations["volunteers"], username="bara-volontar")
    with pytest.raises(NotAllowed):
        planned_meeting(volunteer)
    dpo = staff_user("data_protection_officer", organisations["volunteers"], username="dso")
    with pytest.raises(NotAllowed):
        planned_meeting(dpo)


def test_a_partners_coordinator_plans_for_their_own_partner(organisations, coordinator):
    partner_coordinator = staff_user(
        "partner_coordinator", organisations["partner"], username="partnersam"
    )
    meeting = actions.plan_meeting(
        user=partner_coordinator,
        partner=organisations["partner"],
        **meeting_fields(municipality=municipality("1280")),
    )
    assert meeting.partner == organisations["partner"]
    with pytest.raises(NotAllowed):
        actions.plan_meeting(
            user=partner_coordinator, partner=organisations["other_partner"], **meeting_fields()
        )
    with pytest.raises(NotAllowed):
        actions.cancel_meeting(meeting=meeting, user=coordinator, reason="Fel grupp")


# Signing up and confirming ----------------------------------------------------------------------


def test_signing_up_waits_for_the_link_and_takes_no_place(
    meeting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signup = actions.sign_up_for_meeting(
            meeting=meeting, name="Rut Ek", email=" Rut@Example.org ", language="en"
        )
    assert signup.status == S.PENDING and signup.email == "rut@example.org"
    assert signup.consent_notice_version == settings.PRIVACY_NOTICE_VERSION
    assert actions.places_taken(meeting) == 0
    (message,) = mail.outbox
    assert message.to == ["rut@example.org"]
    assert "Confirm your place" in message.subject  # in the language she signed up in
    assert token_in(message, "/meetings/confirm/", "confirm") == signup
    assert SignupTransition.objects.get(signup=signup).actor_kind == "system"


def test_signing_up_again_sends_the_link_again_and_changes_nothing(
    meeting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = actions.sign_up_for_meeting(
            meeting=meeting, name="Rut Ek", email="rut@example.org", language="sv"
        )
        again = actions.sign_up_for_meeting(
            meeting=meeting, name="Någon annan", email="RUT@example.org", language="en"
        )
    assert again.pk == first.pk
    assert MeetingSignup.objects.get().name == "Rut Ek"
    assert len(mail.outbox) == 2 and all(m.to == ["rut@example.org"] for m in mail.outbox)
    # The second e-mail is the first one's twin (her language, her name): nothing told to
    # whoever typed her address.
    assert mail.outbox[0].subject == mail.outbox[1].subject
    assert "Någon annan" not in mail.outbox[1].body


def test_a_bad_address_is_refused_in_words(meeting):
    with pytest.raises(Invalid):
        actions.sign_up_for_meeting(
            meeting=meeting, name="Rut", email="inte en adress", language="sv"
        )
    assert not MeetingSignup.objects.exists()


def test_confirming_takes_a_place_and_sends_the_calendar_file(
    meeting, django_capture_on_commit_callbacks
):
    signup = actions.sign_up_for_meeting(
        meeting=meeting, name="Rut Ek", email="rut@example.org", language="sv"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.confirm_signup(signup=signup) is True
    signup.refresh_from_db()
    assert signup.status == S.CONFIRMED and signup.confirmed_at is not None
    assert actions.places_taken(meeting) == 1
    (message,) = mail.outbox
    event = calendar_event(message)
    assert event.decoded("dtstart") == meeting.starts_at
    assert str(event["summary"]) == meeting.title
    assert token_in(message, "/meetings/my-place/", "manage") == signup
    assert "/calendar.ics" in message.body
    # Following the link again changes nothing.
    assert actions.confirm_signup(signup=signup) is False
    assert SignupTransition.objects.filter(signup=signup).count() == 2


def test_a_full_meeting_keeps_the_late_confirmation_pending_until_a_place_is_freed(meeting):
    first = confirmed_signup(meeting, email="a@example.org")
    late = actions.sign_up_for_meeting(
        meeting=meeting, name="Sen", email="sen@example.org", language="sv"
    )
    confirmed_signup(meeting, email="b@example.org")
    with pytest.raises(Conflict, match="full"):
        actions.confirm_signup(signup=late)
    late.refresh_from_db()
    assert late.status == S.PENDING
    # New sign-ups are refused while it is full.
    with pytest.raises(Conflict, match="full"):
        actions.sign_up_for_meeting(meeting=meeting, name="X", email="x@example.org", language="sv")
    actions.cancel_signup(signup=first)
    assert actions.confirm_signup(signup=late) is True
    assert actions.places_taken(meeting) == 2


def test_tokens_name_their_purpose_and_stop_working_on_erasure(meeting):
    signup = confirmed_signup(meeting)
    confirm_token = make_signup_token(signup, purpose="confirm")
    manage_token = make_signup_token(signup, purpose="manage")
    assert actions.signup_from_token(manage_token, purpose="manage") == signup
    with pytest.raises(actions.InvalidLink):
        actions.signup_from_token(confirm_token, purpose="manage")
    with pytest.raises(actions.InvalidLink):
        actions.signup_from_token(manage_token + "x", purpose="manage")
    actions.erase_signup(signup=signup)
    for token, purpose in [(confirm_token, "confirm"), (manage_token, "manage")]:
        with pytest.raises(actions.InvalidLink):
            actions.signup_from_token(token, purpose=purpose)


# Changing and cancelling ------------------------------------------------------------------------


def test_a_new_time_is_told_to_the_people_signed_up_with_a_calendar_file_that_moves_it(
    meeting, coordinator, django_capture_on_commit_callbacks
):
    signup = confirmed_signup(meeting)
    actions.sign_up_for_meeting(
        meeting=meeting, name="Väntar", email="v@example.org", language="sv"
    )
    first_sequence = calendar_sequence(meeting)
    mail.outbox.clear()
    later = meeting.starts_at + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        actions.change_meeting(
            meeting=meeting, user=coordinator, starts_at=later, ends_at=later + timedelta(hours=1)
        )
    (message,) = mail.outbox  # only the confirmed one
    assert message.to == [signup.email]
    event = calendar_event(message)
    assert event.decoded("dtstart") == later
    assert int(event["sequence"]) > first_sequence
    assert (
        MeetingTransition.objects.filter(
            meeting=meeting, from_state=M.PLANNED, to_state=M.PLANNED
        ).count()
        == 1
    )
    # A change of the title only is not e-mailed.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.change_meeting(meeting=meeting, user=coordinator, title="Ny titel")
    assert mail.outbox == []


def test_places_cannot_drop_below_the_people_signed_up(meeting, coordinator):
    confirmed_signup(meeting, email="a@example.org")
    confirmed_signup(meeting, email="b@example.org")
    with pytest.raises(Invalid, match="at least"):
        actions.change_meeting(meeting=meeting, user=coordinator, capacity=1)
    meeting.refresh_from_db()
    assert meeting.capacity == 2


def test_cancelling_a_meeting_tells_the_people_signed_up(
    meeting, coordinator, django_capture_on_commit_callbacks
):
    signup = confirmed_signup(meeting)
    mail.outbox.clear()
    with pytest.raises(Invalid):
        actions.cancel_meeting(meeting=meeting, user=coordinator, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        actions.cancel_meeting(meeting=meeting, user=coordinator, reason="Lokalen är stängd")
    meeting.refresh_from_db()
    assert meeting.status == M.CANCELLED
    (message,) = mail.outbox
    assert message.to == [signup.email]
    assert calendar_event(message)["status"] == "CANCELLED"
    # The sign-up stays as it was (the meeting's figures keep it); nobody can sign up now.
    signup.refresh_from_db()
    assert signup.status == S.CONFIRMED
    with pytest.raises(Conflict):
        actions.sign_up_for_meeting(meeting=meeting, name="X", email="x@example.org", language="sv")
    with pytest.raises(Conflict):
        actions.change_meeting(meeting=meeting, user=coordinator, title="Igen")


def test_the_person_cancels_through_their_link_and_frees_the_place(meeting):
    signup = confirmed_signup(meeting)
    actions.cancel_signup(signup=signup)
    signup.refresh_from_db()
    assert signup.status == S.CANCELLED and actions.places_taken(meeting) == 0
    last = SignupTransition.objects.filter(signup=signup).last()
    assert (last.from_state, last.to_state, last.actor_kind) == (S.CONFIRMED, S.CANCELLED, "system")
    actions.cancel_signup(signup=signup)  # twice: nothing more
    assert SignupTransition.objects.filter(signup=signup).count() == 3
    # Signing up again after cancelling is a new sign-up.
    again = actions.sign_up_for_meeting(
        meeting=meeting, name="Rut Ek", email=signup.email, language="sv"
    )
    assert again.pk != signup.pk


# Attendance -------------------------------------------------------------------------------------


def test_who_came_is_recorded_from_the_start_and_the_meeting_is_held(coordinator):
    meeting = started_meeting(coordinator)
    with mock.patch(
        "django.utils.timezone.now", return_value=meeting.starts_at - timedelta(days=2)
    ):
        came = confirmed_signup(meeting, email="came@example.org")
        stayed_home = confirmed_signup(meeting, email="home@example.org")
    actions.record_attendance(meeting=meeting, user=coordinator, came=[came.pk], walk_ins=3)
    meeting.refresh_from_db()
    assert (meeting.status, meeting.walk_ins) == (M.HELD, 3)
    came.refresh_from_db()
    stayed_home.refresh_from_db()
    assert (came.attended, stayed_home.attended) == (True, False)
    # Recording again corrects the figures without another step.
    actions.record_attendance(
        meeting=meeting, user=coordinator, came=[came.pk, stayed_home.pk], walk_ins=4
    )
    meeting.refresh_from_db()
    stayed_home.refresh_from_db()
    assert (meeting.walk_ins, stayed_home.attended) == (4, True)
    assert MeetingTransition.objects.filter(meeting=meeting, to_state=M.HELD).count() == 1


def test_attendance_is_refused_before_the_start_and_for_strangers(meeting, coordinator):
    with pytest.raises(Conflict, match="start"):
        actions.record_attendance(meeting=meeting, user=coordinator, came=[], walk_ins=0)
    other = planned_meeting(coordinator, title="Annat möte")
    stranger = confirmed_signup(other)
    started = started_meeting(coordinator)
    with pytest.raises(Invalid):
        actions.record_attendance(meeting=started, user=coordinator, came=[stranger.pk], walk_ins=0)
    with pytest.raises(Invalid):
        actions.record_attendance(meeting=started, user=coordinator, came=[], walk_ins=-1)
    meeting.refresh_from_db()
    assert meeting.status == M.PLANNED


# Reminders --------------------------------------------------------------------------------------


def test_the_reminder_goes_out_once_the_day_before(coordinator, django_capture_on_commit_callbacks):
    meeting = planned_meeting(coordinator)
    signup = confirmed_signup(meeting)
    pending = actions.sign_up_for_meeting(
        meeting=meeting, name="Väntar", email="v@example.org", language="sv"
    )
    mail.outbox.clear()
    assert actions.send_meeting_reminders() == 0  # a week before: not yet
    the_day_before = meeting.starts_at - timedelta(hours=20)
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.send_meeting_reminders(now=the_day_before) == 1
        assert actions.send_meeting_reminders(now=the_day_before + timedelta(hours=1)) == 0
    (message,) = mail.outbox
    assert message.to == [signup.email] and pending.email not in message.to[0]
    signup.refresh_from_db()
    assert signup.reminded_at == the_day_before


def test_a_worker_stopped_midway_and_run_again_reminds_no_one_twice(coordinator):
    meeting = planned_meeting(coordinator)
    for n in range(3):
        confirmed_signup(meeting, email=f"p{n}@example.org", language="en")
    the_day_before = meeting.starts_at - timedelta(hours=20)
    real_tell = actions.meetings._tell
    calls = []

    def dies_on_the_second(signup, **kwargs):
        calls.append(signup.pk)
        if len(calls) == 2:
            raise SystemExit("the worker was stopped")
        return real_tell(signup, **kwargs)

    reminders = OutboundEmail.objects.filter(body__contains="A reminder")
    before = reminders.count()
    with (
        mock.patch.object(actions.meetings, "_tell", dies_on_the_second),
        pytest.raises(SystemExit),
    ):
        actions.send_meeting_reminders(now=the_day_before)
    assert reminders.count() - before == 1
    assert MeetingSignup.objects.filter(reminded_at__isnull=False).count() == 1
    assert actions.send_meeting_reminders(now=the_day_before) == 2
    assert reminders.count() - before == 3
    assert set(reminders.values_list("to", flat=True)) == {f"p{n}@example.org" for n in range(3)}


# Erasure ----------------------------------------------------------------------------------------


def test_erasure_empties_the_name_and_address_and_keeps_the_anonymous_row(
    coordinator, django_capture_on_commit_callbacks
):
    meeting = started_meeting(coordinator)
    with mock.patch(
        "django.utils.timezone.now", return_value=meeting.starts_at - timedelta(days=2)
    ):
        signup = confirmed_signup(meeting, email="rut@example.org")
    actions.record_attendance(meeting=meeting, user=coordinator, came=[signup.pk], walk_ins=0)
    assert OutboundEmail.objects.filter(to="rut@example.org").exists()
    assert actions.erase_signup(signup=signup) is True
    signup.refresh_from_db()
    assert (signup.name, signup.email) == ("", "")
    assert signup.erased_at is not None
    assert (signup.status, signup.attended) == (S.CONFIRMED, True)  # the counts still add up
    assert not OutboundEmail.objects.filter(to="rut@example.org").exists()
    assert actions.erase_signup(signup=signup) is False


def test_erasing_before_the_meeting_frees_the_place(meeting):
    signup = confirmed_signup(meeting)
    actions.erase_signup(signup=signup)
    signup.refresh_from_db()
    assert signup.status == S.CANCELLED and actions.places_taken(meeting) == 0


def test_erasure_keeps_the_emails_of_someone_else_with_the_address(meeting):
    from tests.factories import HostFactory

    HostFactory(email="rut@example.org")
    signup = confirmed_signup(meeting, email="rut@example.org")
    actions.erase_signup(signup=signup)
    assert OutboundEmail.objects.filter(to="rut@example.org").exists()


def test_retention_erases_the_sign_ups_of_meetings_long_over(coordinator):
    meeting = started_meeting(coordinator)
    with mock.patch(
        "django.utils.timezone.now", return_value=meeting.starts_at - timedelta(days=2)
    ):
        signup = confirmed_signup(meeting)
    days = settings.RETENTION_DAYS["meeting_signups"]
    assert actions.erase_expired_signups(now=meeting.ends_at + timedelta(days=days - 1)) == 0
    assert actions.erase_expired_signups(now=meeting.ends_at + timedelta(days=days + 1)) == 1
    signup.refresh_from_db()
    assert signup.erased_at is not None and signup.name == ""
