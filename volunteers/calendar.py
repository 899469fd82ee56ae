"""Calendar files (.ics) for home visits, written with the icalendar library."""

from datetime import UTC, timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vText


def visit_ics(visit, *, language: str, for_host: bool) -> dict[str, str]:
    """The visit as an attachment for ``queue_email``: {filename, content, mimetype}.

    Every version of a visit has the same UID; SEQUENCE is the visit's ``calendar_sequence``, which
    each move and the cancellation raise, so that a calendar replaces the event it already holds
    (and removes it once it is cancelled) instead of adding another."""
    home = visit.home
    with translation.override(language):
        calendar = Calendar()
        calendar.add("prodid", "-//Homes for newcomers//Home visits//EN")
        calendar.add("version", "2.0")
        calendar.add("method", "PUBLISH")
        event = Event()
        event.add("uid", f"home-visit-{visit.pk}@{settings.SITE_URL.split('//')[-1]}")
        event.add("dtstamp", timezone.now())
        event.add("sequence", visit.calendar_sequence)
        cancelled = visit.status == visit.Status.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        # In UTC: a TZID would need its VTIMEZONE (RFC 5545), and some calendars misplace the
        # time without it.
        starts = visit.starts_at.astimezone(UTC)
        event.add("dtstart", starts)
        event.add("dtend", starts + timedelta(minutes=visit.duration_minutes))
        if cancelled:
            event.add("summary", _("Cancelled: home visit"))
        elif for_host:
            event.add("summary", _("Home visit from the volunteer organisation"))
            event.add(
                "description",
                _(
                    "Volunteers visit you to talk about your offer, the conditions and what you expect."
                ),
            )
        else:
            event.add("summary", _("Home visit: %(host)s") % {"host": home.host.name})
            event.add("description", _("Phone: %(phone)s") % {"phone": home.host.phone})
        event["location"] = vText(
            f"{home.street_address}, {home.postcode} {home.municipality or home.municipality_as_given}"
        )
        calendar.add_component(event)
    return {
        "filename": "home-visit.ics",
        "content": calendar.to_ical().decode("utf-8"),
        "mimetype": "text/calendar",
    }
