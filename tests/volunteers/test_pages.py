"""The volunteers' and coordinators' pages: the number of database queries does not grow with
the data on them, and every page opens in Swedish and in English."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext

from hosts.models import Home
from tests.factories import (
    HostFactory,
    OrganisationFactory,
    UserFactory,
    VolunteerApplicationFactory,
    partnership_covering,
    queued_home,
    started_visit,
    visit_booked_home,
)
from volunteers import actions, selectors
from volunteers.models import CallAttempt, Campaign, HostNote, QueueEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def logged_in(user, language="en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client


def queries(client, url) -> int:
    """How many queries one GET of ``url`` makes (it must answer 200)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def grows(client, url, add_more) -> tuple[int, int]:
    """Query counts of ``url`` before and after ``add_more()`` put more data on it."""
    client.get(url)  # warm up (sessions, content types)
    before = queries(client, url)
    add_more()
    after = queries(client, url)
    return before, after


# Data --------------------------------------------------------------------------------------


def add_calls_and_notes(home, n):
    """``n`` earlier calls (each by another volunteer) and ``n`` notes on ``home``."""
    callers = [UserFactory(roles=["volunteer"]) for _ in range(n)]
    now = timezone.now()
    CallAttempt.objects.bulk_create(
        CallAttempt(
            home=home,
            volunteer=caller,
            outcome=CallAttempt.Outcome.NO_ANSWER,
            note=f"Försök {i}",
            created_at=now - timedelta(days=i + 1),
        )
        for i, caller in enumerate(callers)
    )
    HostNote.objects.bulk_create(
        HostNote(home=home, author=caller, text=f"Anteckning {i}")
        for i, caller in enumerate(callers)
    )


def add_duplicates(home, n):
    for _ in range(n):
        queued_home(host=HostFactory(phone=home.host.phone), registered_at=home.created_at)


def add_day(volunteer, n):
    """``n`` visits this week and ``n`` callbacks today for ``volunteer``."""
    for i in range(n):
        visit_booked_home([volunteer], starts_at=timezone.now() + timedelta(days=1, hours=i))
    now = timezone.now()
    for _ in range(n):
        home = queued_home(registered_at=now - timedelta(days=400))
        CallAttempt.objects.create(
            home=home,
            volunteer=volunteer,
            outcome=CallAttempt.Outcome.NOT_NOW,
            callback_at=now,
            created_at=now - timedelta(minutes=5),
        )
        QueueEntry.objects.filter(home=home).update(
            rank=QueueEntry.Rank.CALLBACK, next_call_at=now + timedelta(hours=1)
        )


def add_campaigns(coordinator, n):
    volunteer = UserFactory(roles=["volunteer"])
    first = Campaign.objects.count()
    for i in range(first, first + n):
        # Each campaign reaches the one host registered on its day.
        home = queued_home(registered_at=timezone.now() - timedelta(days=500 + i))
        day = timezone.localdate(home.created_at)  # the local day the campaign form filters by
        actions.start_campaign(
            name=f"Kampanj {i}",
            organisation=coordinator.organisation,
            user=coordinator,
            registered_from=day,
            registered_to=day,
        )
        actions.record_call(entry=home.queue_entry, volunteer=volunteer, outcome="interested")


def add_visited_homes(n):
    volunteers = [UserFactory(roles=["volunteer"]) for _ in range(2)]
    for i in range(n):
        visit = started_visit(volunteers)
        actions.report_visit(
            visit=visit,
            user=volunteers[0],
            verdict="suitable",
            checklist={},
            report=f"Besök {i}",
        )
        partnership_covering(OrganisationFactory(name=f"Mottagning {i}"))


def add_applications(n):
    for _ in range(n):
        VolunteerApplicationFactory()


# Query counts ------------------------------------------------------------------------------


def test_the_call_page_does_not_query_per_call_note_or_duplicate(volunteer):
    home = queued_home()
    add_calls_and_notes(home, 1)
    client = logged_in(volunteer)
    client.post("/volunteer/queue/next/")
    assert selectors.held_entry(volunteer=volunteer).home == home

    def more():
        add_calls_and_notes(home, 8)
        add_duplicates(home, 4)

    before, after = grows(client, "/volunteer/queue/", more)
    assert after == before, (before, after)
    page = client.get("/volunteer/queue/").content.decode()
    assert "Försök 7" in page and "Anteckning 7" in page and "Possible duplicate" in page


def test_the_volunteers_day_page_does_not_query_per_visit_or_callback(volunteer):
    add_day(volunteer, 1)
    client = logged_in(volunteer)
    before, after = grows(client, "/volunteer/", lambda: add_day(volunteer, 5))
    assert after == before, (before, after)
    assert client.get("/volunteer/").content.decode().count("/volunteer/visits/") == 6


def test_the_campaigns_page_does_not_query_per_campaign(volunteer_coordinator):
    add_campaigns(volunteer_coordinator, 1)
    client = logged_in(volunteer_coordinator)
    before, after = grows(
        client, "/volunteer/campaigns/", lambda: add_campaigns(volunteer_coordinator, 5)
    )
    assert after == before, (before, after)
    page = client.get("/volunteer/campaigns/").content.decode()
    assert page.count("1 reached, 1 called, 0 remaining of 1") == 6


def test_the_referrals_page_does_not_query_per_home_or_partner(volunteer_coordinator):
    add_visited_homes(1)
    client = logged_in(volunteer_coordinator)
    before, after = grows(client, "/volunteer/referrals/", lambda: add_visited_homes(5))
    assert after == before, (before, after)
    page = client.get("/volunteer/referrals/").content.decode()
    assert page.count('name="home"') == 6 and "Besök 4" in page


def test_the_applications_page_does_not_query_per_application(volunteer_coordinator):
    add_applications(1)
    client = logged_in(volunteer_coordinator)
    before, after = grows(client, "/volunteer/applications/", lambda: add_applications(6))
    assert after == before, (before, after)


# Swedish and English -----------------------------------------------------------------------


def pages(volunteer, coordinator):
    """(user, url) of every page, with data on it."""
    held = queued_home(host__name="Hilma Held")
    visit = visit_booked_home([volunteer])
    campaign = actions.start_campaign(
        name="Vår", organisation=coordinator.organisation, user=coordinator
    )
    add_visited_homes(1)
    add_applications(1)
    queued_home(host=HostFactory(phone=held.host.phone))
    QueueEntry.objects.filter(home=held).update(registered_at=held.created_at - timedelta(days=9))
    actions.claim_next_host(volunteer=volunteer)
    assert selectors.held_entry(volunteer=volunteer).home == held
    contacted = visit_booked_home([volunteer]).home
    actions.cancel_visit(visit=contacted.visits.get(), user=volunteer, reason="Sjuk")
    assert Home.objects.get(pk=contacted.pk).status == Home.Status.CONTACTED
    return [
        (None, "/volunteer/join/"),
        (None, "/volunteer/join/thanks/"),
        (None, "/accounts/login/"),
        (volunteer, "/volunteer/"),
        (volunteer, "/volunteer/queue/"),  # the call page of the held host
        (coordinator, "/volunteer/queue/"),  # the empty queue
        (volunteer, f"/volunteer/homes/{contacted.pk}/visit/"),
        (volunteer, f"/volunteer/visits/{visit.pk}/"),
        (coordinator, "/volunteer/applications/"),
        (coordinator, "/volunteer/campaigns/"),
        (coordinator, f"/volunteer/campaigns/{campaign.pk}/"),
        (coordinator, "/volunteer/referrals/"),
        (coordinator, f"/volunteer/homes/{held.pk}/duplicates/"),
    ]


@pytest.mark.parametrize(("language", "switch"), [("sv", "English"), ("en", "Svenska")])
def test_every_page_opens_in_swedish_and_in_english(
    volunteer, volunteer_coordinator, language, switch
):
    for user, url in pages(volunteer, volunteer_coordinator):
        client = Client()
        if user is not None:
            client.force_login(user)
        # The language button every page has.
        response = client.post("/i18n/setlang/", {"language": language, "next": url})
        assert response.status_code == 302 and response.url == url
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert f'<html lang="{language}">' in page, url
        assert f">{switch}</button>" in page, url

    # The outcomes of a call are in the page's language.
    client = Client()
    client.force_login(volunteer)
    client.post("/i18n/setlang/", {"language": language, "next": "/volunteer/queue/"})
    page = client.get("/volunteer/queue/").content.decode()
    with translation.override(language):
        for outcome in CallAttempt.Outcome.labels:
            assert str(outcome) in page
        assert gettext("Reached: interested") in page
    if language == "sv":
        assert "Nådd: intresserad" in page


def test_the_volunteers_pages_have_their_texts_in_swedish():
    """Every ``{% translate "…" %}`` of the volunteers' and log-in templates has a Swedish text."""
    import re
    from pathlib import Path

    folders = [
        Path(settings.BASE_DIR) / "templates" / name for name in ("volunteers", "registration")
    ]
    missing = []
    for template in sorted(path for folder in folders for path in folder.glob("*.html")):
        for message in re.findall(r'{%\s*translate\s+"([^"]+)"', template.read_text()):
            with translation.override("sv"):
                if gettext(message) == message:
                    missing.append(f"{template.name}: {message}")
    assert missing == []
