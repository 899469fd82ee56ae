"""Meetings for the tests, made through the actions (``outreach.actions``)."""

from datetime import datetime, time, timedelta
from unittest import mock

from django.core import mail
from django.utils import timezone

from outreach import actions
from outreach.models import MeetingSignup
from tests.factories import DEFAULT_MUNICIPALITY, municipality, staff_user


def organiser(organisations, username="motesvard"):
    """A volunteer coordinator of the tests' local group (covering Östersund)."""
    return staff_user("volunteer_coordinator", organisations["volunteers"], username=username)


def next_week_at(hour: int = 18):
    day = timezone.localdate() + timedelta(days=7)
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def meeting_fields(**overrides) -> dict:
    starts_at = overrides.pop("starts_at", None) or next_week_at()
    fields = {
        "municipality": municipality(DEFAULT_MUNICIPALITY),
        "title": "Bli värd: en kväll på biblioteket",
        "topic": "hosting",
        "language": "sv",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=1, minutes=30),
        "place": "Stadsbiblioteket, Rådhusgatan 25",
        "capacity": 20,
    }
    fields.update(overrides)
    return fields


def planned_meeting(user, **overrides):
    return actions.plan_meeting(
        user=user, local_group=user.local_group, **meeting_fields(**overrides)
    )


def started_meeting(user, **overrides):
    """A meeting planned a week ago that began an hour ago (who came can be recorded)."""
    starts_at = timezone.now() - timedelta(hours=1)
    with mock.patch("django.utils.timezone.now", return_value=starts_at - timedelta(days=7)):
        return planned_meeting(user, starts_at=starts_at, **overrides)


def confirmed_signup(meeting, *, name="Rut Ek", email="rut@example.org", language="sv"):
    signup = actions.sign_up_for_meeting(meeting=meeting, name=name, email=email, language=language)
    actions.confirm_signup(signup=signup)
    signup.refresh_from_db()
    return signup


def link_in_mail(prefix: str, to: str | None = None) -> str:
    """The site-relative path of the last e-mailed link starting with ``prefix``."""
    from tests.conftest import link_in

    messages = [m for m in mail.outbox if to is None or m.to == [to]]
    assert messages, "no e-mail"
    return link_in(messages[-1], prefix)


__all__ = ["MeetingSignup"]
