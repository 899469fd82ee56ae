"""Retention: what has been kept long enough is anonymised by the daily task, and nothing younger.

The task runs with ``now`` moved into the future (time travel), once just before and once just
after each period of ``settings.RETENTION_DAYS``. The reports keep working on the anonymised rows:
their figures are the same before and after.
"""

from datetime import date, timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from hosts.models import ErasureRecord, Home, Host
from newcomers.models import CaseTransition, NewcomerCase
from privacy import actions
from privacy.models import RetentionRun
from reports import metrics
from tests.factories import (
    HomeFactory,
    NewcomerCaseFactory,
    UserFactory,
    VolunteerApplicationFactory,
    district,
    home_with_history,
    staff_user,
)
from tests.reports.test_metrics import at, build_history, call, visit
from volunteers.models import CallAttempt, HomeVisit, HostNote, VolunteerApplication

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

DAYS = settings.RETENTION_DAYS


def stale_home(status, *, changed_at, partner=None, **kwargs):
    """A home that reached ``status`` (withdrawn, unreachable, rejected, ...) at ``changed_at``."""
    home = home_with_history(
        changed_at - timedelta(days=10), [(status, changed_at)], partner=partner, **kwargs
    )
    Home.objects.filter(pk=home.pk).update(status_changed_at=changed_at)
    home.refresh_from_db()
    return home


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def people(organisations, now):
    """Everyone and everything the rules look at, as it stands today."""
    volunteer = UserFactory(roles=["volunteer"], organisation=organisations["volunteers"])
    coordinator = staff_user("volunteer_coordinator", organisations["volunteers"])
    withdrawn = stale_home(Home.Status.WITHDRAWN, changed_at=now)
    unreachable = stale_home(Home.Status.UNREACHABLE, changed_at=now)
    rejected = stale_home(Home.Status.REJECTED, changed_at=now)
    # Withdrew 100 days from now: at the 181-day run it is 81 days ago.
    withdrawn_later = stale_home(Home.Status.WITHDRAWN, changed_at=now + timedelta(days=100))
    # One offer withdrawn, another still open: the host is still taking part.
    two_offers = stale_home(Home.Status.WITHDRAWN, changed_at=now)
    HomeFactory(host=two_offers.host)
    paused = stale_home(Home.Status.PAUSED, changed_at=now)
    open_home = HomeFactory()

    declined = VolunteerApplicationFactory(
        status=VolunteerApplication.Status.DECLINED,
        reviewed_at=now,
        reviewed_by=coordinator,
        decline_reason="Anna bor för långt bort, i Strömsund.",
        motivation="Jag vill hjälpa till.",
    )
    pending = VolunteerApplicationFactory()
    approved = VolunteerApplicationFactory(
        status=VolunteerApplication.Status.APPROVED, reviewed_at=now
    )

    closed = NewcomerCaseFactory(
        partner=organisations["partner"],
        status=NewcomerCase.Status.CLOSED,
        status_changed_at=now,
        notes="Pappan heter Omar och ringer helst efter 17.",
        preferred_areas=["Krokom"],
    )
    closed.preferred_places.add(district(organisations["partner"], "Nälden", 63.35, 14.25))
    CaseTransition.objects.create(
        case=closed,
        from_state="waiting",
        to_state="closed",
        actor_kind="user",
        reason="Familjen Haddad har fått egen bostad.",
    )
    waiting = NewcomerCaseFactory(partner=organisations["partner"], notes="Vill bo nära skolan.")

    note_home = HomeFactory()
    call_with_note = CallAttempt.objects.create(
        home=note_home, volunteer=volunteer, outcome="not_now", note="Ring efter fem, Sven."
    )
    host_note = HostNote.objects.create(home=note_home, author=volunteer, text="Hunden heter Tyra.")
    visit_report = HomeVisit.objects.create(
        home=note_home,
        starts_at=now,
        status=HomeVisit.Status.REPORTED,
        report="Ett ljust rum; Eva visade oss runt.",
        verdict="suitable",
    )
    AccessAttempt.objects.create(
        username="someone", ip_address="10.0.0.1", user_agent="t", failures_since_start=2
    )
    return locals()


def run(now, days):
    return actions.apply_retention(now=now + timedelta(days=days))


def erased(home) -> bool:
    return Host.objects.get(pk=home.host_id).erased_at is not None


def test_each_rule_waits_for_its_period_and_no_longer(people, now):
    p = people
    erasures_before = ErasureRecord.objects.count()

    # Just before the shortest period: nothing.
    counts = run(now, DAYS["declined_volunteers"] - 1)
    assert counts == dict.fromkeys(counts, 0) | {"login_attempts": 1}
    assert not AccessAttempt.objects.exists()  # kept only for the lock-out's half hour
    p["declined"].refresh_from_db()
    assert p["declined"].name and p["declined"].email

    # Declined applications, once their period is over.
    counts = run(now, DAYS["declined_volunteers"] + 1)
    assert counts["volunteer_applications"] == 1 and counts["hosts"] == 0
    p["declined"].refresh_from_db()
    assert (p["declined"].name, p["declined"].email, str(p["declined"].phone)) == ("", "", "")
    assert (p["declined"].motivation, p["declined"].area, p["declined"].availability) == (
        "",
        "",
        "",
    )
    assert p["declined"].decline_reason == ""  # it named the applicant
    assert p["declined"].status == VolunteerApplication.Status.DECLINED  # the row stays
    for kept in (p["pending"], p["approved"]):
        kept.refresh_from_db()
        assert kept.name and kept.email

    # Hosts who left the process: not a day early.
    assert run(now, DAYS["hosts_after_withdrawal"] - 1)["hosts"] == 0
    assert not any(erased(p[name]) for name in ("withdrawn", "unreachable", "rejected"))

    counts = run(now, DAYS["hosts_after_withdrawal"] + 1)
    assert counts["hosts"] == 3
    for name in ("withdrawn", "unreachable", "rejected"):
        home = p[name]
        assert erased(home), name
        host = Host.objects.get(pk=home.host_id)
        assert (host.name, host.email, str(host.phone)) == ("", "", "")
        home.refresh_from_db()
        assert home.street_address == "" and home.household_description == ""
        assert home.status in (Home.Status.WITHDRAWN, Home.Status.REJECTED)  # the row stays
    for name in ("withdrawn_later", "two_offers", "paused", "open_home"):
        assert not erased(p[name]), name
    records = ErasureRecord.objects.order_by("-pk")[:3]
    assert ErasureRecord.objects.count() == erasures_before + 3
    assert {record.channel for record in records} == {ErasureRecord.Channel.RETENTION}

    # Closed cases, call notes, notes on hosts and visit reports: after a year.
    counts = run(now, DAYS["closed_cases"] - 1)
    assert counts["closed_cases"] == counts["call_notes"] == counts["visit_reports"] == 0
    assert counts["hosts"] == 1  # the one who withdrew later, now 264 days ago
    assert erased(p["withdrawn_later"])
    counts = run(now, max(DAYS["closed_cases"], DAYS["call_notes"], DAYS["visit_reports"]) + 1)
    assert counts["closed_cases"] == 1
    assert counts["call_notes"] == 1 and counts["host_notes"] == 1 and counts["visit_reports"] == 1
    assert counts["hosts"] == 0
    assert not any(erased(p[name]) for name in ("two_offers", "paused", "open_home"))

    closed = NewcomerCase.objects.get(pk=p["closed"].pk)
    assert closed.notes == "" and closed.reference == f"anon-{closed.pk}"
    assert closed.preferred_areas == [] and not closed.preferred_places.exists()
    assert not closed.transitions.exclude(reason="").exists()
    assert (closed.adults, closed.children_ages, closed.status) == (2, [4, 9], "closed")
    waiting = NewcomerCase.objects.get(pk=p["waiting"].pk)
    assert waiting.notes == "Vill bo nära skolan." and not waiting.reference.startswith("anon-")

    call_attempt = CallAttempt.objects.get(pk=p["call_with_note"].pk)
    assert call_attempt.note == "" and call_attempt.outcome == "not_now"
    assert not HostNote.objects.filter(pk=p["host_note"].pk).exists()
    report = HomeVisit.objects.get(pk=p["visit_report"].pk)
    assert report.report == "" and report.verdict == "suitable"

    # Every run is recorded with its counts; running again changes nothing.
    assert RetentionRun.objects.count() == 6
    assert RetentionRun.objects.order_by("-ran_at").first().counts == counts
    again = run(now, max(DAYS.values()) + 1)
    assert set(again.values()) == {0}


def test_the_reports_keep_their_figures(organisations, settings, tmp_path):
    """The anonymised rows stay; every figure of the follow-up is the same after retention."""
    settings.MEDIA_ROOT = tmp_path
    history = build_history(organisations)
    volunteer = history.volunteers[0]
    # In the period: offers that were withdrawn, went unreachable or were rejected, and text
    # that will be removed.
    left = [
        stale_home(Home.Status.WITHDRAWN, changed_at=at(2, 20)),
        stale_home(Home.Status.UNREACHABLE, changed_at=at(3, 20)),
        stale_home(Home.Status.REJECTED, changed_at=at(4, 20)),
    ]
    for home in left:
        attempt = call(home, volunteer, at(2, 15))
        CallAttempt.objects.filter(pk=attempt.pk).update(note="Svarade inte, Kalle.")
    reported = visit(history.homes.h3, at(3, 5), [volunteer])
    HomeVisit.objects.filter(pk=reported.pk).update(report="Rummet var fint.")
    NewcomerCaseFactory(
        partner=organisations["partner"],
        status=NewcomerCase.Status.CLOSED,
        status_changed_at=at(5, 1),
        notes="Flyttade till Umeå.",
    )
    as_of = date(2026, 11, 25)

    def figures():
        with translation.override("en"):
            found = metrics.compute_figures(history.main, as_of=as_of)
        return {key: value for key, value in found.items() if key != "partnership"}

    before = figures()
    counts = actions.apply_retention(now=timezone.now() + timedelta(days=3 * 365))
    assert counts["hosts"] == 3 and counts["call_notes"] == 3 and counts["visit_reports"] >= 1
    assert counts["closed_cases"] == 1

    assert figures() == before
    manager = staff_user("manager", organisations["partner"], username="chefen")
    client = Client()
    client.force_login(manager)
    assert client.get(f"/reports/{history.main.pk}/").status_code == 200


def test_the_schedule_runs_retention_every_night():
    entry = settings.CELERY_BEAT_SCHEDULE["apply-retention"]
    assert entry["task"] == "privacy.tasks.apply_retention"
    assert entry["schedule"].hour == {3}
    from matching_portal.celery import app

    app.loader.import_default_modules()  # as a worker does when it starts
    assert "privacy.tasks.apply_retention" in app.tasks


def test_the_task_runs_the_rules(people, now):
    from privacy.tasks import apply_retention

    AccessAttempt.objects.update(attempt_time=now - timedelta(hours=1))
    counts = apply_retention.delay().get()
    assert counts["login_attempts"] == 1
    assert RetentionRun.objects.count() == 1
