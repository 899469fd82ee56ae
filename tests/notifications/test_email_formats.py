"""Every e-mail the portal sends, rendered in Swedish and in English with a representative
context: dates and times are said in the recipient's language ("25 nov. 2026" / "25 Nov 2026"),
never as ISO dates or English month names in Swedish, and every message the Swedish e-mail
asks for is in the catalogue."""

import re
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import translation

from matching.actions import record_move_in
from notifications.actions import one_line, render_plain_text
from notifications.models import OutboundEmail
from tests.i18n_guard import swedish_misses

TEMPLATES = sorted(
    path.stem
    for path in (Path(settings.BASE_DIR) / "templates" / "emails").glob("*.txt")
    if not path.stem.endswith("_subject")
)

MOMENT = datetime(2026, 11, 25, 13, 30, tzinfo=ZoneInfo("UTC"))  # 14:30 in Stockholm
EARLIER = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("UTC"))
DAY = date(2026, 11, 25)

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
ENGLISH_MONTHS = re.compile(
    r"\b(January|February|March|April|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b"
)


def _context() -> dict:
    concern = SimpleNamespace(
        pk=12,
        created_at=MOMENT,
        get_raised_by_display=lambda: "host",
        Urgency=SimpleNamespace(URGENT="urgent"),
    )
    return {
        "site_url": "https://portal.example",
        "name": "Anna Berg",
        "username": "anna",
        "url": "https://portal.example/x/",
        "link_url": "https://portal.example/l/",
        "confirm_url": "https://portal.example/c/",
        "set_password_url": "https://portal.example/p/",
        "visit_url": "https://portal.example/v/",
        "concern_url": "https://portal.example/k/",
        "days": 14,
        "expires_on": DAY,
        "move_in_date": DAY,
        "visit": SimpleNamespace(starts_at=MOMENT),
        "mediation": SimpleNamespace(starts_at=MOMENT, place="Biblioteket", concern_id=12),
        "previous": EARLIER,
        "concern": concern,
        "urgent": True,
        "kind": "booked",
        "reason": "Sjuk",
        "mediator": "Eva Lund",
        "volunteers": "Olle, Stina",
        "host": SimpleNamespace(name="Astrid", phone="070-123 45 67"),
        "home": SimpleNamespace(
            street_address="Storgatan 1", postcode="835 00", municipality_label="Krokom"
        ),
        "case": "K-2026-001",
        "unit": "Storgatan 1 lgh 1001",
        "partnership": "Krokom 2026",
        "placement": "Lagerarbete",
        "employer": "Butiken AB",
        "contact": "Eva Lund",
        "something": True,
        # An information meeting (outreach) and the links of a sign-up to it.
        "meeting": SimpleNamespace(
            title="Bli värd",
            starts_at=MOMENT,
            ends_at=MOMENT.replace(hour=15),
            place="Biblioteket",
            online_url="https://meet.example/bli-vard",
            get_language_display=lambda: "Svenska",
        ),
        "municipality": SimpleNamespace(name="Krokom", code="2309"),
        "manage_url": "https://portal.example/m/",
        "calendar_url": "https://portal.example/m/calendar.ics",
    }


def _render(template: str, language: str, context: dict) -> str:
    with translation.override(language):
        subject = one_line(render_plain_text(f"emails/{template}_subject.txt", context))
        body = render_plain_text(f"emails/{template}.txt", context)
    return f"{subject}\n{body}"


@pytest.mark.parametrize("template", TEMPLATES)
def test_an_e_mail_says_its_dates_in_the_recipients_language(template):
    context = _context()
    with swedish_misses() as missed:
        swedish = _render(template, "sv", context)
    english = _render(template, "en", context)
    assert not missed, f"{template}: not in the Swedish catalogue: {sorted(missed)}"
    for language, text in (("sv", swedish), ("en", english)):
        assert not ISO_DATE.search(text), f"{template} ({language}) shows an ISO date:\n{text}"
        assert "None" not in text, f"{template} ({language}):\n{text}"
    assert not ENGLISH_MONTHS.search(swedish), f"{template}: an English month:\n{swedish}"
    # Where the e-mail says the day, it says it the language's way.
    if "25" in english:
        assert "25\xa0nov." in swedish, swedish
        assert "25\xa0Nov" in english, english


@pytest.mark.parametrize("kind", ["booked", "moved", "cancelled"])
def test_a_meeting_e_mail_has_its_weekday_and_time(kind):
    context = {**_context(), "kind": kind}
    swedish = _render("mediation_host", "sv", context)
    english = _render("mediation_host", "en", context)
    assert "ons 25\xa0nov. 14:30" in swedish
    assert "Wed 25\xa0Nov 14:30" in english
    if kind == "moved":
        assert "mån 23\xa0nov. 10:00" in swedish


@pytest.mark.django_db
def test_the_move_in_e_mail_says_the_day_in_the_hosts_language():
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import approved_match, staff_user

    planned = timezone.localdate() + timedelta(days=10)
    for language, month in (("sv", SWEDISH_MONTHS), ("en", ENGLISH_SHORT)):
        match = approved_match()
        host = match.home.host
        type(host).objects.filter(pk=host.pk).update(language=language, email=f"{language}@h.se")
        coordinator = staff_user("partner_coordinator", match.case.partner)
        record_move_in(match=match, user=coordinator, move_in_date=planned)
        body = OutboundEmail.objects.get(to=f"{language}@h.se").body
        expected = f"{planned.day}\xa0{month[planned.month]} {planned.year}"
        assert expected in body, body
        assert planned.isoformat() not in body


SWEDISH_MONTHS = dict(
    enumerate(
        [
            "jan.",
            "feb.",
            "mars",
            "apr.",
            "maj",
            "juni",
            "juli",
            "aug.",
            "sep.",
            "okt.",
            "nov.",
            "dec.",
        ],
        start=1,
    )
)
ENGLISH_SHORT = dict(
    enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
        start=1,
    )
)
