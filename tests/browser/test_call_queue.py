"""Two volunteers work the call queue at the same time on their phones, in Swedish and English.

Each logs in at /accounts/login/ in a browser context of their own and presses "Next host"; they
never see the same host. One of them records every kind of outcome, host after host: interested
(and books the visit), not now with a callback time, no answer, wrong number, withdraws. The call
page is saved to test-artifacts/call-<language>.png for a person to look at.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from accounts.models import Organisation
from hosts.models import Home
from tests.factories import (
    DEFAULT_MUNICIPALITY,
    OrganisationFactory,
    UserFactory,
    local_group,
    queued_home,
)
from volunteers.models import CallAttempt, HomeVisit, HostNote, QueueEntry

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("role_groups", "fast_password_hashing"),
]

PASSWORD = "blåbärssoppa i vasaloppet"
HOSTS = ["Alva Alm", "Bror Berg", "Cilla Cederlund", "Dag Dahl", "Elsa Ek", "Frans Falk"]


def tr(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def outcome_label(language: str, value: str) -> str:
    with translation.override(language):
        return str(CallAttempt.Outcome(value).label)


def log_in(page, base_url: str, username: str, language: str) -> None:
    page.goto(base_url + "/accounts/login/")
    if language == "en":
        page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("h1")).to_have_text(tr(language, "Log in"))
    page.locator('input[name="username"]').fill(username)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(base_url + "/volunteer/")
    expect(page.locator("html")).to_have_attribute("lang", language)


def next_host(page) -> str:
    """Press "Next host" (on the day page or the queue page); returns the host on the call page."""
    button = page.locator('form[action="/volunteer/queue/next/"] button[type=submit]')
    expect(button).to_have_count(1)
    button.click()
    expect(page).to_have_url(re.compile(r"/volunteer/queue/$"))
    expect(page.locator('a[href^="tel:"]')).to_be_visible()
    return page.locator("h1").inner_text().strip()


def record(page, language: str, outcome: str, note: str = "", callback_at: str = "") -> None:
    page.locator(f'input[name="outcome"][value="{outcome}"]').check()
    if callback_at:
        page.locator('input[name="callback_at"]').fill(callback_at)
    if note:
        page.locator('textarea[name="note"]').fill(note)
    page.locator('form[action$="/outcome/"] button[type=submit]').click()
    saved = tr(language, "Saved: %(outcome)s.") % {"outcome": outcome_label(language, outcome)}
    expect(page.locator(".alert-success")).to_have_text(saved)


def shoot(page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{name}: the page is wider than the phone: {widths}"


@pytest.fixture
def second_phone(browser, phone_locale):
    """The other volunteer's phone: a browser context of its own."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale=phone_locale,
        timezone_id="Europe/Stockholm",
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.mark.parametrize("language", ["sv", "en"])
def test_two_volunteers_work_the_queue_at_once_and_record_every_outcome(
    language, live_server, settings, page, second_phone, console, artifacts
):
    settings.SITE_URL = live_server.url
    now = timezone.now()
    # The volunteers' local group covers the homes' municipality: made first, so the homes are
    # routed to it (a home registered where no group works waits for a national coordinator).
    volunteers = OrganisationFactory(
        name="Volontärföreningen", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
    )
    group = local_group(volunteers, covers=[DEFAULT_MUNICIPALITY])
    homes = {
        name: queued_home(
            registered_at=now - timedelta(days=30 - i),
            host__name=name,
            host__language=language,
        )
        for i, name in enumerate(HOSTS)
    }
    assert all(home.local_group == group for home in homes.values())
    helga = UserFactory(roles=["volunteer"], first_name="Helga", last_name="Hansson")
    for name in HOSTS[:2]:
        HostNote.objects.create(home=homes[name], author=helga, text="Svarar bäst efter kl. 17")
    anna = UserFactory(roles=["volunteer"], username="anna", first_name="Anna", password=PASSWORD)
    bengt = UserFactory(
        roles=["volunteer"], username="bengt", first_name="Bengt", password=PASSWORD
    )
    assert anna.local_group == bengt.local_group == group
    other = console.attach(second_phone.new_page())

    log_in(page, live_server.url, "anna", language)
    log_in(other, live_server.url, "bengt", language)

    # Both press "Next host" at once: each gets a host of their own.
    first = next_host(page)
    bengts = next_host(other)
    assert first != bengts
    assert {first, bengts} == {"Alva Alm", "Bror Berg"}
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_text(outcome_label(language, "interested"))).to_be_visible()
    # The note of an earlier volunteer is there to read before calling.
    for phone in (page, other):
        note = phone.get_by_text("Svarar bäst efter kl. 17")
        expect(note).to_be_visible()
        call_button = phone.locator('a[href^="tel:"]')
        assert note.bounding_box()["y"] < call_button.bounding_box()["y"]
    shoot(page, artifacts, f"call-{language}")

    seen = [first]
    # Interested: the next step is booking the visit.
    record(page, language, "interested", note="Vill ha besök en kväll")
    expect(page).to_have_url(re.compile(rf"/volunteer/homes/{homes[first].pk}/visit/$"))
    expect(page.locator("h1")).to_have_text(tr(language, "Book a home visit"))
    shoot(page, artifacts, f"book-visit-{language}")
    page.locator('input[name="day"]').fill((timezone.localdate() + timedelta(days=3)).isoformat())
    page.locator('input[name="time"]').fill("18:30")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/volunteer/visits/\d+/$"))
    expect(page.locator(".alert-success")).to_have_text(
        tr(language, "The visit is booked. The host has been sent a calendar invitation.")
    )

    # Not now: call back tomorrow at ten.
    page.goto(live_server.url + "/volunteer/queue/")
    host = next_host(page)
    seen.append(host)
    callback = (timezone.localtime() + timedelta(days=1)).replace(hour=10, minute=0)
    record(page, language, "not_now", callback_at=callback.strftime("%Y-%m-%dT%H:%M"))
    expect(page).to_have_url(re.compile(r"/volunteer/queue/$"))

    for outcome in ["no_answer", "wrong_number", "withdraws"]:
        host = next_host(page)
        seen.append(host)
        record(page, language, outcome, note=f"Anteckning: {outcome}")

    # Everyone else is done, or not due, or held by Bengt.
    page.locator('form[action="/volunteer/queue/next/"] button[type=submit]').click()
    expect(page.locator(".alert-info")).to_have_text(
        tr(language, "Nobody needs a call right now. Thank you!")
    )
    assert bengts not in seen and len(set(seen)) == len(seen) == 5

    # Bengt still holds his host; his call page shows it, and his outcome counts.
    other.reload()
    expect(other.locator("h1")).to_have_text(bengts)
    record(other, language, "no_answer")

    def status(name):
        return Home.objects.get(pk=homes[name].pk).status

    outcomes = dict(
        CallAttempt.objects.filter(volunteer=anna).values_list("home__host__name", "outcome")
    )
    assert outcomes == {
        seen[0]: "interested",
        seen[1]: "not_now",
        seen[2]: "no_answer",
        seen[3]: "wrong_number",
        seen[4]: "withdraws",
    }
    assert status(seen[0]) == Home.Status.VISIT_BOOKED
    assert HomeVisit.objects.get().home == homes[seen[0]]
    entry = QueueEntry.objects.get(home=homes[seen[1]])
    assert entry.rank == QueueEntry.Rank.CALLBACK
    assert timezone.localtime(entry.next_call_at) == callback.replace(second=0, microsecond=0)
    assert status(seen[2]) == Home.Status.REGISTERED
    assert status(seen[3]) == Home.Status.UNREACHABLE
    assert status(seen[4]) == Home.Status.WITHDRAWN
    assert not QueueEntry.objects.filter(claimed_by__isnull=False).exists()
    assert console.server_errors == [] and console.page_errors == []
    assert console.csp_violations == []
    other.close()
