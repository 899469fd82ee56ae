"""Status campaigns: a group of hosts goes first in the call queue until the campaign ends, and
the coordinator follows how many were called and reached."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from hosts.actions import transition_home
from hosts.models import Home
from tests.factories import HomeFactory, UserFactory, queued_home
from volunteers import actions, selectors
from volunteers.models import CallAttempt, Campaign, QueueEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

Outcome = CallAttempt.Outcome


def days_ago(n: int):
    return timezone.now() - timedelta(days=n)


def date_days_ago(n: int) -> str:
    return (timezone.localdate() - timedelta(days=n)).isoformat()


@pytest.fixture
def coordinator_client(volunteer_coordinator):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(volunteer_coordinator)
    return client


def next_home(volunteer, now=None) -> Home | None:
    entry = actions.claim_next_host(volunteer=volunteer, now=now)
    return entry.home if entry else None


def call(volunteer, outcome, now=None, **kwargs) -> Home:
    """Claim the next host and record ``outcome``; returns the host's home."""
    entry = actions.claim_next_host(volunteer=volunteer, now=now)
    assert entry is not None, "the queue is empty"
    actions.record_call(entry=entry, volunteer=volunteer, outcome=outcome, now=now, **kwargs)
    return entry.home


def start(client, **data):
    response = client.post("/volunteer/campaigns/", {"name": "Vinterns värdar", **data})
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign = Campaign.objects.latest("pk")
    assert response.url == f"/volunteer/campaigns/{campaign.pk}/"
    return campaign


def test_a_campaigns_hosts_come_first_oldest_first(coordinator_client, volunteer):
    oldest = queued_home(registered_at=days_ago(90))
    december = queued_home(registered_at=days_ago(40))
    january = queued_home(registered_at=days_ago(30))
    newest = queued_home(registered_at=days_ago(2))

    campaign = start(
        coordinator_client, registered_from=date_days_ago(45), registered_to=date_days_ago(25)
    )

    assert set(campaign.homes.all()) == {december, january}
    assert campaign.is_active
    order = []
    while (home := next_home(volunteer)) is not None:
        order.append(home)
        actions.record_call(entry=home.queue_entry, volunteer=volunteer, outcome="interested")
    assert order == [december, january, oldest, newest]


def test_the_call_page_shows_the_campaign(coordinator_client, volunteer):
    queued_home(registered_at=days_ago(30))
    start(coordinator_client, registered_from=date_days_ago(31))
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(volunteer)
    client.post("/volunteer/queue/next/")
    assert "Vinterns värdar" in client.get("/volunteer/queue/").content.decode()


def test_progress_counts_called_reached_and_remaining(coordinator_client, volunteer):
    homes = [queued_home(registered_at=days_ago(30 - i)) for i in range(5)]
    queued_home(registered_at=days_ago(100))  # not in the campaign
    campaign = start(
        coordinator_client, registered_from=date_days_ago(31), registered_to=date_days_ago(20)
    )
    now = timezone.now()

    assert selectors.campaign_progress(campaign) == {
        "total": 5,
        "called": 0,
        "reached": 0,
        "remaining": 5,
        "called_percent": 0,
        "reached_percent": 0,
    }
    assert call(volunteer, Outcome.NO_ANSWER, now=now) == homes[0]
    assert call(volunteer, Outcome.INTERESTED, now=now) == homes[1]
    assert (
        call(volunteer, Outcome.NOT_NOW, now=now, callback_at=now + timedelta(days=1)) == homes[2]
    )
    assert call(volunteer, Outcome.WRONG_NUMBER, now=now) == homes[3]
    # Later the first host answers: still one host called, now also reached.
    later = now + timedelta(hours=3)
    assert call(volunteer, Outcome.WITHDRAWS, now=later) == homes[0]

    progress = selectors.campaign_progress(campaign)
    assert (progress["called"], progress["reached"], progress["remaining"]) == (4, 3, 1)
    assert (progress["called_percent"], progress["reached_percent"]) == (80, 60)

    page = coordinator_client.get(f"/volunteer/campaigns/{campaign.pk}/").content.decode()
    assert "3 reached, 4 called, 1 remaining of 5" in page
    overview = coordinator_client.get("/volunteer/campaigns/").content.decode()
    assert "Vinterns värdar" in overview and "3 reached, 4 called, 1 remaining of 5" in overview


def test_ending_a_campaign_restores_the_normal_order(coordinator_client, volunteer):
    oldest = queued_home(registered_at=days_ago(90))
    in_campaign = [queued_home(registered_at=days_ago(30)), queued_home(registered_at=days_ago(29))]
    campaign = start(
        coordinator_client, registered_from=date_days_ago(31), registered_to=date_days_ago(28)
    )
    assert next_home(volunteer) == in_campaign[0]
    actions.record_call(entry=in_campaign[0].queue_entry, volunteer=volunteer, outcome="interested")

    response = coordinator_client.post(f"/volunteer/campaigns/{campaign.pk}/", {"end": "1"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert not campaign.is_active and campaign.ended_at is not None
    page = coordinator_client.get(f"/volunteer/campaigns/{campaign.pk}/").content.decode()
    assert 'name="end"' not in page

    # The oldest registration is first again; the campaign's uncalled host waits its turn.
    assert next_home(volunteer) == oldest
    actions.record_call(entry=oldest.queue_entry, volunteer=volunteer, outcome="interested")
    assert next_home(volunteer) == in_campaign[1]
    assert QueueEntry.objects.get(home=in_campaign[1]).campaign is None
    # Calls after the end no longer count for the campaign.
    actions.record_call(entry=in_campaign[1].queue_entry, volunteer=volunteer, outcome="interested")
    assert selectors.campaign_progress(campaign)["called"] == 1


def test_homes_a_campaign_brought_back_leave_the_queue_when_it_ends(coordinator_client, volunteer):
    """A status campaign also calls hosts who were reached long ago. Once it ends, the ones it
    did not reach do not stay in the queue ahead of new registrations."""
    old_contacted = queued_home(registered_at=days_ago(60))
    actions.record_call(
        entry=old_contacted.queue_entry, volunteer=volunteer, outcome=Outcome.INTERESTED
    )
    old_contacted.refresh_from_db()
    assert old_contacted.status == Home.Status.CONTACTED
    new = queued_home(registered_at=days_ago(1))

    campaign = start(coordinator_client, registered_from=date_days_ago(61))
    assert set(campaign.homes.all()) == {old_contacted, new}
    assert next_home(volunteer) == old_contacted  # a status call, first in the queue
    actions.hand_back(entry=old_contacted.queue_entry, volunteer=volunteer)

    coordinator_client.post(f"/volunteer/campaigns/{campaign.pk}/", {"end": "1"})
    assert next_home(volunteer) == new
    actions.record_call(entry=new.queue_entry, volunteer=volunteer, outcome=Outcome.INTERESTED)
    assert next_home(volunteer) is None


def test_a_due_callback_still_comes_before_the_campaign(coordinator_client, volunteer):
    now = timezone.now()
    callback = queued_home(registered_at=days_ago(1))
    actions.record_call(
        entry=callback.queue_entry,
        volunteer=volunteer,
        outcome=Outcome.NOT_NOW,
        callback_at=now + timedelta(hours=1),
        now=now,
    )
    in_campaign = queued_home(registered_at=days_ago(30))
    campaign = start(coordinator_client, registered_from=date_days_ago(31))
    # The callback is in the campaign too, but keeps its time.
    assert callback in campaign.homes.all()
    assert next_home(volunteer) == in_campaign
    actions.record_call(entry=in_campaign.queue_entry, volunteer=volunteer, outcome="interested")
    assert next_home(volunteer) is None
    assert next_home(volunteer, now=now + timedelta(hours=1, minutes=1)) == callback


def test_a_campaign_reaches_confirmed_open_homes_only(coordinator_client):
    confirmed = queued_home(registered_at=days_ago(10))
    HomeFactory(host__confirmed_at=None, created_at=days_ago(10))
    paused = queued_home(registered_at=days_ago(10))
    transition_home(home=paused, name="pause", user=UserFactory(roles=["volunteer"]))

    campaign = start(coordinator_client, registered_from=date_days_ago(11))
    assert list(campaign.homes.all()) == [confirmed]


def test_a_campaign_can_target_one_stage(coordinator_client, volunteer):
    registered = queued_home(registered_at=days_ago(10))
    unreachable = queued_home(registered_at=days_ago(10))
    actions.record_call(
        entry=unreachable.queue_entry, volunteer=volunteer, outcome=Outcome.WRONG_NUMBER
    )
    campaign = start(coordinator_client, stage="unreachable")
    assert list(campaign.homes.all()) == [unreachable]
    assert next_home(volunteer) == unreachable
    assert registered.queue_entry.needs_call


def test_the_campaign_form_checks_its_dates(coordinator_client):
    response = coordinator_client.post(
        "/volunteer/campaigns/",
        {
            "name": "Baklänges",
            "registered_from": date_days_ago(1),
            "registered_to": date_days_ago(9),
        },
    )
    assert response.status_code == 400
    assert "The end date must come after the start date." in response.content.decode()
    assert not Campaign.objects.exists()
    response = coordinator_client.post("/volunteer/campaigns/", {"name": "  "})
    assert response.status_code == 400
    assert not Campaign.objects.exists()


def test_a_campaign_leaves_out_homes_already_referred_to_a_partner(
    coordinator_client, volunteer, organisations
):
    """Referred homes are the partner's now: a campaign never puts them in the call queue, and
    the stage list does not offer them."""
    from tests.factories import referred_home

    visited_earlier = queued_home(registered_at=days_ago(10))
    referred = referred_home(organisations["partner"], created_at=days_ago(10))

    campaign = start(coordinator_client, registered_from=date_days_ago(11))

    assert list(campaign.homes.all()) == [visited_earlier]
    assert not QueueEntry.objects.filter(home=referred, needs_call=True).exists()
    page = coordinator_client.get("/volunteer/campaigns/").content.decode()
    assert 'value="referred"' not in page and 'value="matched"' not in page
    response = coordinator_client.post(
        "/volunteer/campaigns/", {"name": "Fel", "stage": "referred"}
    )
    assert response.status_code == 400


def test_a_host_past_contact_reached_in_a_campaign_keeps_their_stage(coordinator_client, volunteer):
    """A visited host called in a campaign: the call page offers what fits (no wrong number),
    "interested" records the contact without moving the home back, and the volunteer goes on
    with the queue instead of being sent to book a visit that cannot be booked."""
    from tests.factories import visit_booked_home

    visit = visit_booked_home([volunteer], registered_at=days_ago(20))
    home = visit.home
    start(coordinator_client, registered_from=date_days_ago(21), stage="visit_booked")
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(volunteer)
    entry = actions.claim_next_host(volunteer=volunteer)
    assert entry.home == home

    page = client.get("/volunteer/queue/").content.decode()
    assert 'value="interested"' in page
    assert 'value="wrong_number"' not in page

    response = client.post(
        f"/volunteer/queue/{entry.pk}/outcome/", {"outcome": "interested", "note": "Allt står fast"}
    )
    assert response.status_code == 302
    assert response.url == "/volunteer/queue/"
    home.refresh_from_db()
    assert home.status == Home.Status.VISIT_BOOKED
    entry.refresh_from_db()
    assert not entry.needs_call
    assert CallAttempt.objects.get(home=home).outcome == Outcome.INTERESTED
