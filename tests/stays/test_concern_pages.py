"""The host's "Something is wrong" page, and the concerns and meetings in the admin: the age,
the clock to first response, the steps, and who finds which concern."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from hosts.actions import self_service_url
from stays import actions
from stays.models import Concern, Mediation

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert('x')</script>",
    "\"'><img src=x onerror=alert(1)>",
    "{{ request }} {% debug %}",
    "Robert'); DROP TABLE stays_concern;--",
    "ﷺ 𝕬 ../../etc/passwd %s %(x)s",
]


def open_offer(client, home):
    """The host opens their link; their pages follow the language kept on the host, which is
    taken from the client's (Swedish unless the client is ``english``)."""
    language = client.cookies.get(settings.LANGUAGE_COOKIE_NAME)
    type(home.host).objects.filter(pk=home.host_id).update(
        language=language.value if language else "sv"
    )
    response = client.get(self_service_url(home.host).removeprefix(settings.SITE_URL))
    assert response.status_code == 302


# The host's page ------------------------------------------------------------------------------


def test_the_offer_page_offers_the_concern_page_only_during_a_stay(english, stay, host_session):
    page = host_session.client.get("/my-offer/")
    assert "/my-offer/concern/" not in page.content.decode()
    assert host_session.client.get("/my-offer/concern/").status_code == 302

    open_offer(english, stay.home)
    page = english.get("/my-offer/")
    assert "/my-offer/concern/" in page.content.decode()


def test_the_host_raises_a_concern_and_is_thanked(
    english, stay, team, django_capture_on_commit_callbacks
):
    open_offer(english, stay.home)
    page = english.get("/my-offer/concern/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "112" in html and 'name="urgency"' in html and "<textarea" in html
    assert 'name="viewport"' in html

    with django_capture_on_commit_callbacks(execute=True):
        response = english.post(
            "/my-offer/concern/", {"urgency": "urgent", "text": "Det luktar rök."}, follow=True
        )

    assert response.redirect_chain[-1][0] == "/my-offer/"
    assert "Thank you for telling us" in response.content.decode()
    concern = Concern.objects.get()
    assert (concern.match, concern.raised_by, concern.urgency) == (stay, "host", "urgent")
    assert concern.text == "Det luktar rök." and concern.language == "en"
    assert [m for m in mail.outbox if m.to == [team.partner.email]]


def test_the_page_in_swedish(client, stay):
    open_offer(client, stay.home)
    html = client.get("/my-offer/concern/").content.decode()
    assert "Något är fel" in html and "Ring 112" in html


def test_bad_input_keeps_what_was_typed(english, stay):
    open_offer(english, stay.home)
    typed = "Vi har haft det svårt <b>hela</b> veckan."
    no_urgency = english.post("/my-offer/concern/", {"text": typed})
    assert no_urgency.status_code == 400
    assert "Vi har haft det svårt &lt;b&gt;hela&lt;/b&gt; veckan." in no_urgency.content.decode()
    blank = english.post("/my-offer/concern/", {"urgency": "normal", "text": "   "})
    assert blank.status_code == 400
    too_long = english.post("/my-offer/concern/", {"urgency": "normal", "text": "å" * 4001})
    assert too_long.status_code == 400 and "å" * 4001 in too_long.content.decode()
    assert not Concern.objects.exists()


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_kept_as_typed_and_shown_escaped(english, stay, team, text):
    open_offer(english, stay.home)
    response = english.post("/my-offer/concern/", {"urgency": "normal", "text": text})
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert concern.text == text.strip()
    english.force_login(team.partner)
    page = english.get(f"/admin/stays/concern/{concern.pk}/change/").content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page


def test_a_direction_override_is_refused_with_the_text_kept(english, stay):
    open_offer(english, stay.home)
    response = english.post("/my-offer/concern/", {"urgency": "normal", "text": "a\u202eb"})
    assert response.status_code == 400
    assert not Concern.objects.exists()


def test_a_stay_ended_meanwhile_is_refused_on_the_page(english, stay, team):
    from matching.actions import end_match

    open_offer(english, stay.home)
    english.get("/my-offer/concern/")
    end_match(match=stay, user=team.partner, note="Slut.")
    response = english.post("/my-offer/concern/", {"urgency": "normal", "text": "Hallå"})
    assert response.status_code == 302  # no stay any more: back to the offer, nothing saved
    assert not Concern.objects.exists()


# The admin ---------------------------------------------------------------------------------------


def raised(stay, *, hours_ago=0, urgency="normal"):
    with mock.patch(
        "django.utils.timezone.now", return_value=timezone.now() - timedelta(hours=hours_ago)
    ):
        return actions.raise_concern(
            match=stay,
            raised_by=Concern.RaisedBy.HOST,
            text="Hemligt innehåll",
            urgency=urgency,
            language="sv",
        )


def test_the_list_shows_age_and_a_late_clock(english, stay, team, settings):
    settings.CONCERN_URGENT_RESPONSE_HOURS = 4
    late = raised(stay, hours_ago=5, urgency="urgent")
    in_time = raised(stay, hours_ago=5)  # 48 hours for one that needs attention
    english.force_login(team.partner)
    html = english.get("/admin/stays/concern/").content.decode()
    assert html.count("clock-late") == 1
    assert "waiting 5 h 0 min" in html
    waiting = english.get("/admin/stays/concern/?response=late").context["cl"].result_list
    assert list(waiting) == [late]

    actions.acknowledge_concern(concern=in_time, user=team.partner)
    answered = english.get("/admin/stays/concern/?response=answered").context["cl"].result_list
    assert list(answered) == [in_time]
    settings.CONCERN_URGENT_RESPONSE_HOURS = 6
    assert "clock-late" not in english.get("/admin/stays/concern/").content.decode()


def test_the_steps_in_the_admin(english, stay, team):
    concern = raised(stay)
    english.force_login(team.partner)
    change = english.get(f"/admin/stays/concern/{concern.pk}/change/").content.decode()
    assert "Hemligt innehåll" in change
    assert "step/acknowledge/" in change and "step/mediate/" in change
    assert english.post(f"/admin/stays/concern/{concern.pk}/step/acknowledge/").status_code == 302

    url = f"/admin/stays/concern/{concern.pk}/step/mediate/"
    assert english.get(url).status_code == 200
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    refused = english.post(
        url,
        {"day": day, "time": "10:00", "duration_minutes": "60", "place": "", "mediator": ""},
    )
    assert refused.status_code == 400 and day in refused.content.decode()
    booked = english.post(
        url,
        {
            "day": day,
            "time": "10:00",
            "duration_minutes": "90",
            "place": "Kommunhuset",
            "mediator": str(team.volunteers.pk),
        },
    )
    assert booked.status_code == 302
    mediation = Mediation.objects.get()
    assert (mediation.mediator, mediation.duration_minutes) == (team.volunteers, 90)
    concern.refresh_from_db()
    assert concern.status == Concern.Status.IN_MEDIATION

    meeting = english.get(f"/admin/stays/mediation/{mediation.pk}/change/").content.decode()
    assert "step/cancel/" in meeting and "step/move/" in meeting
    cancel = f"/admin/stays/mediation/{mediation.pk}/step/cancel/"
    assert english.post(cancel, {"reason": ""}).status_code == 400
    assert english.post(cancel, {"reason": "Sjuk."}).status_code == 302
    concern.refresh_from_db()
    assert concern.status == Concern.Status.ACKNOWLEDGED

    resolve = f"/admin/stays/concern/{concern.pk}/step/resolve/"
    assert english.post(resolve, {"resolution": "Löst i samtal."}).status_code == 302
    concern.refresh_from_db()
    assert concern.status == Concern.Status.RESOLVED


def test_outsiders_find_no_concern(english, stay, team, other_coordinator, other_group_coordinator):
    concern = raised(stay)
    mediation = actions.book_mediation(
        concern=concern,
        user=team.partner,
        starts_at=timezone.now() + timedelta(days=1),
        place="Biblioteket",
        mediator=team.partner,
    )
    for outsider in (other_coordinator, other_group_coordinator):
        english.force_login(outsider)
        for url in (
            f"/admin/stays/concern/{concern.pk}/change/",
            f"/admin/stays/concern/{concern.pk}/step/acknowledge/",
            f"/admin/stays/mediation/{mediation.pk}/change/",
            f"/admin/stays/mediation/{mediation.pk}/step/cancel/",
        ):
            assert english.get(url).status_code == 404, (outsider, url)
        listed = english.get("/admin/stays/concern/").content.decode()
        assert "Hemligt innehåll" not in listed
    # The volunteer coordinator of the home's group reads it and takes the steps offered.
    english.force_login(team.volunteers)
    page = english.get(f"/admin/stays/concern/{concern.pk}/change/").content.decode()
    assert "Hemligt innehåll" in page and "step/resolve/" in page and "step/mediate" not in page
    # They see the home, not the case's reference; the partner's coordinator sees the case.
    assert stay.case.reference not in page and f"(#{stay.home_id})" in page
    english.force_login(team.partner)
    page = english.get(f"/admin/stays/concern/{concern.pk}/change/").content.decode()
    assert stay.case.reference in page


# Too many in a short time ------------------------------------------------------------------------


def test_the_host_is_stopped_after_too_many_concerns_and_keeps_what_was_typed(
    english, stay, settings
):
    settings.RATELIMIT_CONCERNS_PER_HOUR = 2
    open_offer(english, stay.home)
    for n in range(2):
        response = english.post("/my-offer/concern/", {"urgency": "normal", "text": f"Nr {n}"})
        assert response.status_code == 302
    # A form with errors does not count: correcting it is never stopped by the limit.
    assert english.post("/my-offer/concern/", {"text": "Utan brådska"}).status_code == 400
    typed = "Det har blivit <b>bråk</b> igen."
    response = english.post("/my-offer/concern/", {"urgency": "urgent", "text": typed})
    assert response.status_code == 429
    html = response.content.decode()
    assert "You have sent many messages in a short time" in html
    assert "Det har blivit &lt;b&gt;bråk&lt;/b&gt; igen." in html
    assert re.search(r'<input[^>]*value="urgent"[^>]*checked', html)
    assert Concern.objects.filter(match=stay).count() == 2
    # The limit is the host's own: another home's host still reaches the people.
    from tests.factories import moved_in_match

    other = moved_in_match(stay.case.partner)
    open_offer(english, other.home)
    response = english.post("/my-offer/concern/", {"urgency": "normal", "text": "Hej"})
    assert response.status_code == 302


def test_the_host_s_limit_message_in_swedish(client, stay, settings):
    settings.RATELIMIT_CONCERNS_PER_HOUR = 1
    open_offer(client, stay.home)
    assert (
        client.post("/my-offer/concern/", {"urgency": "normal", "text": "Ett"}).status_code == 302
    )
    response = client.post("/my-offer/concern/", {"urgency": "normal", "text": "Två"})
    assert response.status_code == 429
    assert "Du har skickat många meddelanden på kort tid" in response.content.decode()


def test_without_the_cache_the_concern_is_raised_all_the_same(english, stay, settings):
    open_offer(english, stay.home)
    with mock.patch("accounts.throttle.is_ratelimited", side_effect=ConnectionError("cache")):
        response = english.post("/my-offer/concern/", {"urgency": "normal", "text": "Hej"})
    assert response.status_code == 302
    assert Concern.objects.filter(match=stay).count() == 1
