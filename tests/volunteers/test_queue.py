"""The shared call queue: who is offered which host, the lease that keeps a host with one
volunteer, and what each outcome of a call does."""

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from hosts.actions import host_step
from hosts.models import Home, HomeTransition
from tests.conftest import link_in
from tests.factories import HomeFactory, HostFactory, UserFactory, queued_home
from volunteers import actions, selectors
from volunteers.models import CallAttempt, HostNote, QueueEntry
from workflow.engine import TransitionNotAllowed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

Outcome = CallAttempt.Outcome
LEASE = timedelta(minutes=settings.CALL_LEASE_MINUTES)


def tr(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def days_ago(n: float):
    return timezone.now() - timedelta(days=n)


def claimed_home(volunteer, now=None) -> Home | None:
    entry = actions.claim_next_host(volunteer=volunteer, now=now)
    return entry.home if entry else None


def drain(volunteer, now=None) -> list[Home]:
    """Every host the queue offers, in order; each call is recorded as reached, so the host
    leaves the queue."""
    homes = []
    while (entry := actions.claim_next_host(volunteer=volunteer, now=now)) is not None:
        homes.append(entry.home)
        actions.record_call(entry=entry, volunteer=volunteer, outcome=Outcome.INTERESTED, now=now)
    return homes


@pytest.fixture
def logged_in(client, volunteer):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(volunteer)
    return client


# The order of the queue --------------------------------------------------------------------


def test_the_oldest_confirmed_registration_is_offered_first(volunteer, other_volunteer):
    newest = queued_home(registered_at=days_ago(1))
    oldest = queued_home(registered_at=days_ago(9))
    middle = queued_home(registered_at=days_ago(4))
    third = UserFactory(roles=["volunteer"])

    assert claimed_home(volunteer) == oldest
    assert claimed_home(other_volunteer) == middle
    assert claimed_home(third) == newest
    assert claimed_home(UserFactory(roles=["volunteer"])) is None


def test_pressing_next_host_shows_the_call_page_of_the_oldest_host(logged_in):
    queued_home(registered_at=days_ago(1), host__name="Nils Ny")
    queued_home(registered_at=days_ago(3), host__name="Olga Gammal", host__phone="+46701112233")

    response = logged_in.post("/volunteer/queue/next/")
    assert response.status_code == 302 and response.url == "/volunteer/queue/"
    page = logged_in.get("/volunteer/queue/").content.decode()
    assert "Olga Gammal" in page and "Nils Ny" not in page
    assert 'href="tel:+46701112233"' in page


def test_an_empty_queue_says_so(logged_in):
    response = logged_in.post("/volunteer/queue/next/", follow=True)
    assert "Nobody needs a call right now. Thank you!" in response.content.decode()


def test_a_host_who_has_not_confirmed_the_e_mail_is_never_offered(sign_up, logged_in, volunteer):
    HomeFactory(host__confirmed_at=None)  # made by hand: never in the queue
    sign_up(email="new.host@example.org")
    assert Home.objects.count() == 2
    assert claimed_home(volunteer) is None

    # The host confirms the address from the e-mail: now, and only now, a volunteer calls.
    confirm = link_in(mail.outbox[-1], "/offer/confirm/")
    Client().get(confirm)
    home = claimed_home(volunteer)
    assert home is not None and home.host.email == "new.host@example.org"


def test_due_callbacks_come_first_then_the_active_campaign_then_the_oldest(
    volunteer, other_volunteer, volunteer_coordinator
):
    now = timezone.now()
    plain = queued_home(registered_at=days_ago(30))
    in_campaign = queued_home(registered_at=days_ago(10))
    callback = queued_home(registered_at=days_ago(1))

    # The host of ``callback`` asked to be called back in an hour.
    actions.record_call(
        entry=callback.queue_entry,
        volunteer=volunteer,
        outcome=Outcome.NOT_NOW,
        callback_at=now + timedelta(hours=1),
        now=now,
    )
    actions.start_campaign(
        name="Hösten",
        organisation=volunteer_coordinator.organisation,
        user=volunteer_coordinator,
        registered_from=(now - timedelta(days=12)).date(),
        registered_to=(now - timedelta(days=8)).date(),
    )

    # Now: the campaign first, then the oldest; the callback is not due yet.
    later = timezone.now()
    assert [h.pk for h in drain(other_volunteer, now=later)] == [in_campaign.pk, plain.pk]

    # In an hour the callback is due, and it comes first of all.
    plain_again = queued_home(registered_at=days_ago(60))
    in_hour = later + timedelta(hours=1, minutes=1)
    assert [h.pk for h in drain(other_volunteer, now=in_hour)] == [callback.pk, plain_again.pk]


def test_a_callback_is_not_offered_before_its_time(volunteer, other_volunteer):
    home = queued_home()
    now = timezone.now()
    entry = actions.claim_next_host(volunteer=volunteer, now=now)
    actions.record_call(
        entry=entry,
        volunteer=volunteer,
        outcome=Outcome.NOT_NOW,
        callback_at=now + timedelta(hours=3),
        now=now,
    )
    assert claimed_home(other_volunteer, now=now + timedelta(hours=2, minutes=59)) is None
    assert claimed_home(other_volunteer, now=now + timedelta(hours=3, minutes=1)) == home


@pytest.mark.parametrize("step", ["pause", "withdraw"])
def test_paused_and_withdrawn_homes_are_not_offered(volunteer, step):
    home = queued_home(registered_at=days_ago(5))
    newer = queued_home(registered_at=days_ago(1))
    host_step(home=home, name=step)

    assert claimed_home(volunteer) == newer
    actions.record_call(entry=newer.queue_entry, volunteer=volunteer, outcome=Outcome.INTERESTED)
    assert claimed_home(volunteer) is None
    if step == "pause":
        # Resumed by the host: back in the queue.
        host_step(home=home, name="resume")
        assert claimed_home(volunteer) == home


# The lease ---------------------------------------------------------------------------------


def test_another_volunteer_never_gets_a_held_host(volunteer, other_volunteer):
    first = queued_home(registered_at=days_ago(2))
    second = queued_home(registered_at=days_ago(1))

    assert claimed_home(volunteer) == first
    assert claimed_home(other_volunteer) == second
    third = UserFactory(roles=["volunteer"])
    # Until the lease runs out, nobody else gets either host.
    assert claimed_home(third, now=timezone.now() + LEASE - timedelta(seconds=5)) is None


def test_a_volunteer_who_holds_a_host_gets_the_same_host_again(logged_in, volunteer):
    held = queued_home(registered_at=days_ago(2), host__name="Första Värden")
    queued_home(registered_at=days_ago(1), host__name="Andra Värden")

    assert claimed_home(volunteer) == held
    assert claimed_home(volunteer) == held
    logged_in.post("/volunteer/queue/next/")
    page = logged_in.get("/volunteer/queue/").content.decode()
    assert "Första Värden" in page and "Andra Värden" not in page
    assert QueueEntry.objects.filter(claimed_by=volunteer).count() == 1


def test_an_expired_lease_returns_the_host_to_the_queue(volunteer, other_volunteer):
    home = queued_home()
    entry = actions.claim_next_host(volunteer=volunteer)
    assert claimed_home(other_volunteer) is None

    # Time travel: the volunteer went for coffee and the lease ran out.
    later = entry.lease_until + timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert selectors.held_entry(volunteer=volunteer) is None
        assert claimed_home(other_volunteer) == home
        # The first volunteer's outcome no longer counts: the host is someone else's now.
        with pytest.raises(TransitionNotAllowed):
            actions.record_call(entry=entry, volunteer=volunteer, outcome=Outcome.NO_ANSWER)
    assert not CallAttempt.objects.exists()


def test_the_call_page_after_the_lease_was_taken_over_says_so(
    logged_in, volunteer, other_volunteer
):
    queued_home()
    logged_in.post("/volunteer/queue/next/")
    entry = QueueEntry.objects.get(claimed_by=volunteer)
    actions.claim_next_host(volunteer=other_volunteer, now=entry.lease_until + timedelta(seconds=1))

    response = logged_in.post(
        f"/volunteer/queue/{entry.pk}/outcome/", {"outcome": "no_answer"}, follow=True
    )
    assert "You no longer hold this host" in response.content.decode()
    assert not CallAttempt.objects.exists()
    entry.refresh_from_db()
    assert entry.claimed_by == other_volunteer


def test_handing_back_puts_the_host_in_the_queue_with_a_note(logged_in, volunteer, other_volunteer):
    home = queued_home()
    logged_in.post("/volunteer/queue/next/")
    entry = QueueEntry.objects.get(claimed_by=volunteer)

    response = logged_in.post(
        f"/volunteer/queue/{entry.pk}/hand-back/", {"note": "Talar bara arabiska"}
    )
    assert response.status_code == 302 and response.url == "/volunteer/"
    entry.refresh_from_db()
    assert entry.claimed_by is None and entry.lease_until is None
    assert not CallAttempt.objects.exists()  # handing back is not a call

    other = Client()
    other.force_login(other_volunteer)
    other.post("/volunteer/queue/next/")
    page = other.get("/volunteer/queue/").content.decode()
    assert home.host.name in page and "Talar bara arabiska" in page


def test_logging_out_releases_the_held_host(logged_in, volunteer, other_volunteer):
    home = queued_home()
    logged_in.post("/volunteer/queue/next/")
    assert selectors.held_entry(volunteer=volunteer).home == home

    response = logged_in.post("/accounts/logout/")
    assert response.status_code == 302
    assert not QueueEntry.objects.filter(claimed_by=volunteer).exists()
    assert claimed_home(other_volunteer) == home


# What each outcome does --------------------------------------------------------------------


def record(client, entry, **data):
    return client.post(f"/volunteer/queue/{entry.pk}/outcome/", data)


def claim(client, volunteer) -> QueueEntry:
    client.post("/volunteer/queue/next/")
    return selectors.held_entry(volunteer=volunteer)


def test_interested_moves_the_home_on_and_leads_to_booking_a_visit(logged_in, volunteer):
    home = queued_home()
    entry = claim(logged_in, volunteer)

    response = record(logged_in, entry, outcome="interested", note="Vill ha besök på kvällen")

    assert response.status_code == 302 and response.url == f"/volunteer/homes/{home.pk}/visit/"
    home.refresh_from_db()
    entry.refresh_from_db()
    assert home.status == Home.Status.CONTACTED
    assert not entry.needs_call and entry.claimed_by is None
    attempt = CallAttempt.objects.get()
    assert (attempt.home, attempt.volunteer, attempt.outcome, attempt.note) == (
        home,
        volunteer,
        "interested",
        "Vill ha besök på kvällen",
    )
    assert HomeTransition.objects.filter(home=home, to_state="contacted").exists()
    assert logged_in.get(response.url).status_code == 200
    assert actions.claim_next_host(volunteer=volunteer) is None


def test_not_now_needs_a_time_in_the_future(logged_in, volunteer):
    queued_home()
    entry = claim(logged_in, volunteer)

    missing = record(logged_in, entry, outcome="not_now")
    assert missing.status_code == 400
    assert "Choose when to call back." in missing.content.decode()
    past = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    in_the_past = record(logged_in, entry, outcome="not_now", callback_at=past)
    assert in_the_past.status_code == 400
    assert "Choose a time in the future to call back." in in_the_past.content.decode()
    assert not CallAttempt.objects.exists()
    # The volunteer still holds the host and can correct the answer.
    assert selectors.held_entry(volunteer=volunteer) == entry


def test_not_now_calls_the_host_back_at_the_chosen_time(logged_in, volunteer, other_volunteer):
    home = queued_home()
    entry = claim(logged_in, volunteer)
    when = (timezone.localtime() + timedelta(hours=2)).replace(second=0, microsecond=0)

    response = record(
        logged_in,
        entry,
        outcome="not_now",
        callback_at=when.strftime("%Y-%m-%dT%H:%M"),
        note="Ring efter två",
    )

    assert response.status_code == 302 and response.url == "/volunteer/queue/"
    entry.refresh_from_db()
    home.refresh_from_db()
    assert entry.needs_call and entry.rank == QueueEntry.Rank.CALLBACK
    assert entry.next_call_at == when and entry.claimed_by is None
    assert home.status == Home.Status.REGISTERED
    assert CallAttempt.objects.get().callback_at == when
    assert claimed_home(other_volunteer) is None
    assert claimed_home(other_volunteer, now=when + timedelta(minutes=1)) == home
    if when.date() == timezone.localdate():
        page = logged_in.get("/volunteer/").content.decode()
        assert home.host.name in page and when.strftime("%H:%M") in page


def test_no_answer_tries_again_after_hours_then_days_then_gives_up_and_e_mails_the_host(
    volunteer, django_capture_on_commit_callbacks
):
    home = queued_home(host__language="en", host__email="quiet@example.org")
    now = timezone.now()
    waits = []
    for _ in range(4):
        entry = actions.claim_next_host(volunteer=volunteer, now=now)
        assert entry is not None and entry.home == home
        actions.record_call(entry=entry, volunteer=volunteer, outcome=Outcome.NO_ANSWER, now=now)
        entry.refresh_from_db()
        waits.append(entry.next_call_at - now)
        assert entry.needs_call and entry.unanswered == len(waits)
        # Not offered before its time.
        assert actions.claim_next_host(volunteer=volunteer, now=now) is None
        now = entry.next_call_at + timedelta(seconds=1)
    assert waits == [timedelta(hours=2), timedelta(hours=6), timedelta(days=1), timedelta(days=2)]
    assert mail.outbox == []

    # The fifth unanswered call (the organisation's default) gives up.
    entry = actions.claim_next_host(volunteer=volunteer, now=now)
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_call(entry=entry, volunteer=volunteer, outcome=Outcome.NO_ANSWER, now=now)
    home.refresh_from_db()
    entry.refresh_from_db()
    assert home.status == Home.Status.UNREACHABLE
    assert not entry.needs_call
    assert CallAttempt.objects.filter(home=home, outcome="no_answer").count() == 5
    assert actions.claim_next_host(volunteer=volunteer, now=now + timedelta(days=30)) is None

    # The host gets an e-mail, in English, with a link to say they are still interested.
    assert [m.to for m in mail.outbox] == [["quiet@example.org"]]
    message = mail.outbox[0]
    assert tr("en", "We could not reach you about your offer") in message.subject
    link = link_in(message, "/my-offer/open/")
    host_browser = Client()
    assert host_browser.get(link).url == "/my-offer/"
    assert host_browser.post("/my-offer/reopen/").status_code == 302
    home.refresh_from_db()
    assert home.status == Home.Status.REGISTERED
    assert claimed_home(volunteer) == home


def test_the_organisation_chooses_after_how_many_unanswered_calls_a_host_is_unreachable(
    volunteer,
):
    volunteer.organisation.unreachable_after_attempts = 2
    volunteer.organisation.save()
    home = queued_home()
    now = timezone.now()
    for _ in range(2):
        entry = actions.claim_next_host(volunteer=volunteer, now=now)
        actions.record_call(entry=entry, volunteer=volunteer, outcome=Outcome.NO_ANSWER, now=now)
        now += timedelta(hours=3)
    home.refresh_from_db()
    assert home.status == Home.Status.UNREACHABLE


def test_an_answered_call_starts_the_unanswered_count_again(volunteer):
    queued_home()
    now = timezone.now()
    for outcome in [Outcome.NO_ANSWER, Outcome.NO_ANSWER]:
        entry = actions.claim_next_host(volunteer=volunteer, now=now)
        actions.record_call(entry=entry, volunteer=volunteer, outcome=outcome, now=now)
        now += timedelta(days=1)
    entry = actions.claim_next_host(volunteer=volunteer, now=now)
    actions.record_call(
        entry=entry,
        volunteer=volunteer,
        outcome=Outcome.NOT_NOW,
        callback_at=now + timedelta(hours=1),
        now=now,
    )
    entry.refresh_from_db()
    assert entry.unanswered == 0
    now += timedelta(hours=2)
    entry = actions.claim_next_host(volunteer=volunteer, now=now)
    actions.record_call(entry=entry, volunteer=volunteer, outcome=Outcome.NO_ANSWER, now=now)
    entry.refresh_from_db()
    assert entry.next_call_at - now == timedelta(hours=2)  # the first wait again


def test_a_wrong_number_makes_the_home_unreachable_and_asks_the_host_to_correct_it(
    logged_in, volunteer, django_capture_on_commit_callbacks
):
    home = queued_home(host__email="fel@example.org", host__language="sv")
    entry = claim(logged_in, volunteer)
    with django_capture_on_commit_callbacks(execute=True):
        response = record(logged_in, entry, outcome="wrong_number", note="Svarade: fel person")
    assert response.status_code == 302 and response.url == "/volunteer/queue/"
    home.refresh_from_db()
    assert home.status == Home.Status.UNREACHABLE
    assert not QueueEntry.objects.get(home=home).needs_call
    assert [m.to for m in mail.outbox] == [["fel@example.org"]]
    assert tr("sv", "We could not reach you about your offer") in mail.outbox[0].subject
    link_in(mail.outbox[0], "/my-offer/open/")
    assert actions.claim_next_host(volunteer=volunteer) is None


def test_a_host_who_withdraws_on_the_phone_is_withdrawn(logged_in, volunteer):
    home = queued_home()
    entry = claim(logged_in, volunteer)
    response = record(logged_in, entry, outcome="withdraws", note="Har hittat en hyresgäst")
    assert response.status_code == 302
    home.refresh_from_db()
    assert home.status == Home.Status.WITHDRAWN
    transition = HomeTransition.objects.filter(home=home).latest("created_at")
    assert transition.to_state == "withdrawn" and transition.reason == "Har hittat en hyresgäst"
    assert actions.claim_next_host(volunteer=volunteer) is None


def test_an_outcome_must_be_chosen(logged_in, volunteer):
    queued_home()
    entry = claim(logged_in, volunteer)
    response = record(logged_in, entry, note="Glömde välja")
    assert response.status_code == 400
    assert not CallAttempt.objects.exists()
    with pytest.raises(TransitionNotAllowed):
        actions.record_call(entry=entry, volunteer=volunteer, outcome="maybe")
    assert not CallAttempt.objects.exists()


def test_every_call_is_a_row_and_the_next_volunteer_sees_the_calls_and_notes(
    logged_in, volunteer, other_volunteer
):
    home = queued_home(host__name="Greta Garbo")
    now = timezone.now()
    entry = claim(logged_in, volunteer)
    record(logged_in, entry, outcome="no_answer", note="Första försöket")
    logged_in.post(
        f"/volunteer/homes/{home.pk}/note/",
        {"text": "Föredrar samtal efter kl. 17", "next": "/volunteer/queue/"},
    )
    QueueEntry.objects.filter(home=home).update(next_call_at=now)
    entry = claim(logged_in, volunteer)
    record(logged_in, entry, outcome="no_answer", note="Andra försöket")
    QueueEntry.objects.filter(home=home).update(next_call_at=now)

    assert list(
        CallAttempt.objects.filter(home=home)
        .order_by("created_at")
        .values_list("note", "volunteer")
    ) == [("Första försöket", volunteer.pk), ("Andra försöket", volunteer.pk)]
    assert HostNote.objects.get(home=home).author == volunteer

    other = Client()
    other.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    other.force_login(other_volunteer)
    other.post("/volunteer/queue/next/")
    page = other.get("/volunteer/queue/").content.decode()
    assert "Greta Garbo" in page
    assert "Föredrar samtal efter kl. 17" in page
    assert "Första försöket" in page and "Andra försöket" in page
    assert page.count("No answer") >= 2


def test_an_empty_note_is_not_saved(logged_in, volunteer):
    home = queued_home()
    actions.claim_next_host(volunteer=volunteer)  # the host the volunteer is calling
    response = logged_in.post(f"/volunteer/homes/{home.pk}/note/", {"text": "   "}, follow=True)
    assert "Write a note first." in response.content.decode()
    assert not HostNote.objects.exists()


def test_a_volunteer_cannot_write_notes_on_a_home_they_never_called(logged_in):
    """Homes outside a volunteer's reach are not found, whatever id is typed."""
    home = queued_home()
    response = logged_in.post(f"/volunteer/homes/{home.pk}/note/", {"text": "Hej"})
    assert response.status_code == 404
    assert not HostNote.objects.exists()


# Registrations made twice ------------------------------------------------------------------


@pytest.mark.parametrize("same", ["phone", "email"])
def test_a_registration_made_twice_is_flagged_on_the_call_page(logged_in, volunteer, same):
    first = queued_home(registered_at=days_ago(3), host__name="Eva Ek")
    if same == "phone":
        host = HostFactory(name="Eva Ek", phone=first.host.phone)
    else:
        host = HostFactory(name="Eva Ek", email=first.host.email.upper())
    second = queued_home(registered_at=days_ago(1), host=host)
    unrelated = queued_home(registered_at=days_ago(2))

    claim(logged_in, volunteer)
    page = logged_in.get("/volunteer/queue/").content.decode()
    assert "Possible duplicate" in page
    assert f"#{second.pk}," in page and f"#{unrelated.pk}," not in page
    assert "A coordinator can merge them." in page
    assert f"/volunteer/homes/{first.pk}/duplicates/" not in page


def test_a_coordinator_merges_a_registration_made_twice_and_keeps_both_histories(
    client, volunteer, volunteer_coordinator
):
    keep = queued_home(registered_at=days_ago(3), host__name="Eva Ek")
    duplicate = queued_home(
        registered_at=days_ago(1), host=HostFactory(name="Eva Ek", phone=keep.host.phone)
    )
    # A volunteer already called the duplicate once and wrote a note on it.
    actions.record_call(
        entry=duplicate.queue_entry,
        volunteer=volunteer,
        outcome=Outcome.NO_ANSWER,
        note="Samtal om dubbletten",
    )
    actions.add_note(home=duplicate, author=volunteer, text="Anteckning om dubbletten")

    # The coordinator meets the flag on the call page and follows the link to merge.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(volunteer_coordinator)
    client.post("/volunteer/queue/next/")
    page = client.get("/volunteer/queue/").content.decode()
    assert f"/volunteer/homes/{keep.pk}/duplicates/" in page
    merge_page = client.get(f"/volunteer/homes/{keep.pk}/duplicates/")
    assert merge_page.status_code == 200
    response = client.post(f"/volunteer/homes/{keep.pk}/duplicates/", {"keep": keep.pk})
    assert response.status_code == 302

    keep.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.duplicate_of == keep
    assert duplicate.status == Home.Status.WITHDRAWN
    assert keep.status == Home.Status.REGISTERED
    # The calls and notes of the duplicate now belong to the home that is kept ...
    assert CallAttempt.objects.get().home == keep
    assert HostNote.objects.get().home == keep
    # ... and each home keeps its own stage history.
    assert list(
        HomeTransition.objects.filter(home=duplicate).order_by("pk").values_list("to_state")
    ) == [("registered",), ("withdrawn",)]
    assert HomeTransition.objects.filter(home=keep).count() == 1
    # The duplicate leaves the queue and the flag is gone.
    assert not QueueEntry.objects.get(home=duplicate).needs_call
    assert selectors.possible_duplicates(keep, user=volunteer_coordinator).count() == 0
    page = client.get("/volunteer/queue/").content.decode()
    assert "Samtal om dubbletten" in page and "Anteckning om dubbletten" in page
    assert "Possible duplicate" not in page


def test_a_volunteer_cannot_merge(volunteer):
    keep = queued_home()
    duplicate = queued_home(host=HostFactory(phone=keep.host.phone))
    with pytest.raises(TransitionNotAllowed):
        actions.merge_duplicate(keep=keep, duplicate=duplicate, user=volunteer)
    duplicate.refresh_from_db()
    assert duplicate.duplicate_of is None


def test_a_host_handed_back_goes_to_someone_else_first(logged_in, volunteer):
    first, second = queued_home(), queued_home()
    logged_in.post("/volunteer/queue/next/")
    entry = QueueEntry.objects.get(claimed_by=volunteer)
    assert entry.home == first
    logged_in.post(f"/volunteer/queue/{entry.pk}/hand-back/", {"note": ""})

    logged_in.post("/volunteer/queue/next/")
    assert selectors.held_entry(volunteer=volunteer).home == second
