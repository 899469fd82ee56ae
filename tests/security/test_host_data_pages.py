"""Every page of the web app that shows a host's personal data (name, phone, e-mail, address)
writes one access-log row per host it shows: who, which host, which page (its URL name), through
``privacy.actions.log_hosts_shown``. The walk below opens each such page; a template of the web
app that shows a host's data and is not walked here fails the test."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from accounts import roles
from accounts.models import Organisation
from privacy.models import AccessLog
from stays.models import CheckIn
from tests.factories import (
    HostFactory,
    NewcomerCaseFactory,
    UserFactory,
    match_with_history,
    municipality,
    queued_home,
    referred_home,
    staff_user,
    started_visit,
    visit_booked_home,
)
from volunteers import actions
from volunteers.models import CallAttempt, QueueEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_cache")]

HOST_DATA = re.compile(r"host\.(name|phone|email)\b|street_address")
WEB_APP_TEMPLATES = ["volunteers", "reports", "privacy"]


def templates_showing_host_data() -> set[str]:
    found = set()
    for folder in WEB_APP_TEMPLATES:
        for path in (Path(settings.BASE_DIR) / "templates" / folder).glob("*.html"):
            if HOST_DATA.search(path.read_text()):
                found.add(f"{folder}/{path.name}")
    return found


@pytest.fixture
def scene(organisations):
    volunteers = organisations["volunteers"]
    anna = UserFactory(roles=[roles.VOLUNTEER], organisation=volunteers, username="anna")
    coordinator = staff_user(roles.VOLUNTEER_COORDINATOR, volunteers, username="samo")
    officer = staff_user(roles.DATA_PROTECTION_OFFICER, volunteers, username="dpo")
    today = timezone.localdate()

    # Anna holds a host registered twice (same phone number).
    held = queued_home(registered_at=timezone.now() - timedelta(days=3))
    twice = queued_home(host=HostFactory(phone=held.host.phone))
    entry = actions.claim_next_host(volunteer=anna)
    assert entry.home == held
    # A host she agreed a visit with on the phone, and a visit she is on this week.
    agreed = queued_home()
    actions.record_call(entry=agreed.queue_entry, volunteer=anna, outcome="interested")
    visit = visit_booked_home([anna], starts_at=timezone.now() + timedelta(days=1))
    # A host who asked her to call back today (set up as the queue holds it).
    callback = queued_home()
    CallAttempt.objects.create(
        home=callback, volunteer=anna, outcome="not_now", callback_at=timezone.now()
    )
    QueueEntry.objects.filter(home=callback).update(rank=QueueEntry.Rank.CALLBACK)
    # A stay whose check-in is due, and a visited home waiting to be referred.
    stay = referred_home(organisations["partner"])
    stay_check_in = CheckIn.objects.create(
        match=match_with_history(stay, NewcomerCaseFactory(partner=organisations["partner"])),
        after_days=7,
        due_on=today,
        responsible=CheckIn.Responsible.VOLUNTEERS,
    )
    visited = started_visit([anna])
    actions.report_visit(visit=visited, user=anna, verdict="suitable", checklist={}, report="Ok")
    # A host no local group covers, on the list of the organisation's national coordinator.
    Organisation.objects.filter(pk=volunteers.pk).update(takes_uncovered_hosts=True)
    national = staff_user(roles.VOLUNTEER_COORDINATOR, volunteers, username="national")
    national.groups.add(Group.objects.get(name=roles.NATIONAL_COORDINATOR))
    uncovered = queued_home(municipality=municipality("2584"))
    assert uncovered.local_group is None
    AccessLog.objects.all().delete()  # a queryset delete: set-up only
    return locals()


def walk(scene):
    """(who, path, method, data, the hosts the page shows, its URL name)."""
    anna, coordinator, officer = scene["anna"], scene["coordinator"], scene["officer"]
    held, twice = scene["held"], scene["twice"]
    return [
        (
            anna,
            "/volunteer/",
            "get",
            None,
            {held, scene["visit"].home, scene["callback"], scene["stay"]},
            "volunteers:start",
        ),
        (anna, "/volunteer/queue/", "get", None, {held, twice}, "volunteers:queue"),
        (
            anna,
            f"/volunteer/queue/{scene['entry'].pk}/outcome/",
            "post",
            {"outcome": ""},  # refused: the call page again, with the host
            {held, twice},
            "volunteers:record_outcome",
        ),
        (
            anna,
            f"/volunteer/homes/{scene['agreed'].pk}/visit/",
            "get",
            None,
            {scene["agreed"]},
            "volunteers:book_visit",
        ),
        (
            anna,
            f"/volunteer/visits/{scene['visit'].pk}/",
            "get",
            None,
            {scene["visit"].home},
            "volunteers:visit",
        ),
        (
            anna,
            f"/volunteer/check-ins/{scene['stay_check_in'].pk}/",
            "get",
            None,
            {scene["stay"]},
            "volunteers:check_in",
        ),
        (
            coordinator,
            f"/volunteer/homes/{held.pk}/duplicates/",
            "get",
            None,
            {held, twice},
            "volunteers:duplicates",
        ),
        (
            coordinator,
            "/volunteer/referrals/",
            "get",
            None,
            {scene["visited"].home},
            "volunteers:referrals",
        ),
        (
            coordinator,
            f"/volunteer/homes/{held.pk}/hand-over/",
            "get",
            None,
            {held},
            "volunteers:hand_over",
        ),
        (
            scene["national"],
            "/volunteer/uncovered/",
            "get",
            None,
            {scene["uncovered"]},
            "volunteers:uncovered",
        ),
        (
            officer,
            "/privacy-officer/requests/",
            "post",
            {"email": held.host.email, "action": "find"},
            {held},
            "privacy:data_request",
        ),
    ]


def test_every_page_showing_a_host_logs_who_which_host_and_which_page(scene):
    rendered = set()
    for user, path, method, data, homes, page in walk(scene):
        client = Client()
        client.force_login(user)
        before = set(AccessLog.objects.values_list("pk", flat=True))
        response = getattr(client, method)(path, data or {})
        assert response.status_code in (200, 400), (path, response.status_code)
        html = response.content.decode()
        for home in homes:  # by name (the officer's search shows the host's number)
            assert home.host.name in html or f"#{home.host_id} (" in html, (path, home.host)
        rows = AccessLog.objects.exclude(pk__in=before)
        assert sorted(rows.values_list("user", "action", "object_type", "object_id", "where")) == (
            sorted(
                (user.pk, AccessLog.Action.VIEW, "hosts.host", str(home.host_id), page)
                for home in homes
            )
        ), path
        rendered |= {t.name for t in response.templates if t.name}
    missing = templates_showing_host_data() - rendered
    assert not missing, f"Pages showing a host's data that the walk does not open: {missing}"


def test_a_page_not_found_logs_nothing(scene):
    client = Client()
    client.force_login(UserFactory(roles=[roles.VOLUNTEER], username="bo"))
    for path in [
        f"/volunteer/homes/{scene['held'].pk}/visit/",
        f"/volunteer/visits/{scene['visit'].pk}/",
    ]:
        assert client.get(path).status_code == 404
    assert not AccessLog.objects.exists()
