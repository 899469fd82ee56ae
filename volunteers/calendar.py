"""Calendar files (.ics) for home visits, written with the icalendar library."""

from datetime import UTC, timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vText


def meeting_ics(
    *,
    uid: str,
    sequence: int,
    cancelled: bool,
    starts_at,
    minutes: int,
    summary: str,
    location: str,
    description: str = "",
    product: str,
    filename: str,
) -> dict[str, str]:
    """A meeting as an attachment for ``queue_email``: {filename, content, mimetype}.

    Every version of a meeting has the same UID; ``sequence`` rises with each move and the
    cancellation, so that a calendar replaces the event it already holds (and removes it once it
    is cancelled) instead of adding another. Home visits and mediation meetings are written by
    it."""
    calendar = Calendar()
    calendar.add("prodid", f"-//Homes for newcomers//{product}//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{uid}@{settings.SITE_URL.split('//')[-1]}")
    event.add("dtstamp", timezone.now())
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    # In UTC: a TZID would need its VTIMEZONE (RFC 5545), and some calendars misplace the time
    # without it.
    starts = starts_at.astimezone(UTC)
    event.add("dtstart", starts)
    event.add("dtend", starts + timedelta(minutes=minutes))
    event.add("summary", summary)
    if description:
        event.add("description", description)
    event["location"] = vText(location)
    calendar.add_component(event)
    return {
        "filename": filename,
        "content": calendar.to_ical().decode("utf-8"),
        "mimetype": "text/calendar",
    }


def visit_ics(visit, *, language: str, for_host: bool) -> dict[str, str]:
    """The visit as an attachment for ``queue_email`` (``meeting_ics``): the same UID for every
    version, SEQUENCE the visit's ``calendar_sequence``."""
    home = visit.home
    cancelled = visit.status == visit.Status.CANCELLED
    with translation.override(language):
        description = ""
        if cancelled:
            summary = _("Cancelled: home visit")
        elif for_host:
            summary = _("Home visit from the volunteer organisation")
            description = _(
                "Volunteers visit you to talk about your offer, the conditions and what you expect."
            )
        else:
            summary = _("Home visit: %(host)s") % {"host": home.host.name}
            description = _("Phone: %(phone)s") % {"phone": home.host.phone}
        return meeting_ics(
            uid=f"home-visit-{visit.pk}",
            sequence=visit.calendar_sequence,
            cancelled=cancelled,
            starts_at=visit.starts_at,
            minutes=visit.duration_minutes,
            summary=summary,
            description=description,
            location=(
                f"{home.street_address}, {home.postcode} "
                f"{home.municipality or home.municipality_as_given}"
            ),
            product="Home visits",
            filename="home-visit.ics",
        )
