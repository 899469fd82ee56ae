"""Issue 18's defects on the public and host pages, through the test client: the volunteer
application linked from the start page, a host's pages in the host's own language, "My offer"
only for visitors who are not staff, one word for leaving, and the error summary's links."""

import re

import pytest
from django.conf import settings
from django.core import mail

from hosts.forms import ConcernForm, RegistrationForm
from hosts.models import Host
from hosts.templatetags.error_summary import error_target
from tests.factories import HomeFactory, registration_post_data

pytestmark = pytest.mark.django_db


def test_the_start_page_links_to_the_volunteer_application(client):
    page = client.get("/").content.decode()
    assert 'href="/volunteer/join/"' in page
    assert "Vill du bli volontär?" in page  # Swedish by default


def _open_link(client, host, **headers):
    from hosts.actions import self_service_url

    link = self_service_url(host).removeprefix(settings.SITE_URL)
    return client.get(link, **headers)


def test_a_host_who_chose_english_gets_english_pages_in_a_swedish_browser(client):
    home = HomeFactory(host__language="en")
    swedish_browser = {"HTTP_ACCEPT_LANGUAGE": "sv-SE,sv;q=0.9"}
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"  # and a Swedish choice from before
    response = _open_link(client, home.host, **swedish_browser)
    assert response.status_code == 302 and response.url == "/my-offer/"
    # The public pages that follow are in the host's language too.
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    page = client.get("/my-offer/", **swedish_browser)
    assert page["Content-Language"] == "en"
    assert '<html lang="en">' in page.content.decode()
    assert "Where your offer stands" in page.content.decode()
    change = client.get("/my-offer/change/", **swedish_browser).content.decode()
    assert "Change my offer" in change and "Ändra mitt erbjudande" not in change


def test_the_confirm_link_shows_the_host_language(client, sign_up):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    sign_up()
    host = Host.objects.get()
    assert host.language == "en"
    from tests.conftest import link_in

    confirm = link_in(mail.outbox[-1], "/offer/confirm/")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    response = client.get(confirm, HTTP_ACCEPT_LANGUAGE="sv")
    assert response["Content-Language"] == "en"
    assert "Your e-mail address is confirmed" in response.content.decode()


def test_switching_language_on_the_host_pages_is_kept_for_the_host(client):
    home = HomeFactory(host__language="en")
    _open_link(client, home.host)
    page = client.get("/my-offer/").content.decode()
    # The header's language button goes through the host's own switch.
    assert 'action="/my-offer/language/"' in page
    response = client.post("/my-offer/language/", {"language": "sv", "next": "/my-offer/"})
    assert response.status_code == 302 and response.url == "/my-offer/"
    home.host.refresh_from_db()
    assert home.host.language == "sv"
    assert client.get("/my-offer/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "sv"
    # A code that is not one of the site's languages changes nothing.
    client.post("/my-offer/language/", {"language": "xx", "next": "/my-offer/"})
    home.host.refresh_from_db()
    assert home.host.language == "sv"


def test_the_language_switch_of_a_visitor_without_a_host_session_is_django_s(client):
    page = client.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in page
    response = client.post("/my-offer/language/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_my_offer_is_in_the_footer_for_visitors_and_hosts_not_for_staff(client, volunteer):
    assert "Mitt erbjudande" in client.get("/").content.decode()
    client.force_login(volunteer)
    page = client.get("/volunteer/").content.decode()
    footer = page[page.index("<footer") :]
    assert "Mitt erbjudande" not in footer and "/my-offer/" not in footer


def test_hosts_and_staff_both_log_out(client, volunteer):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    home = HomeFactory(host__language="en")
    _open_link(client, home.host)
    for path in ("/my-offer/", "/my-offer/change/", "/my-offer/erase/", "/my-offer/pause/"):
        page = client.get(path).content.decode()
        assert 'action="/my-offer/leave/"' in page, path
        assert "Log out" in page and "Sign out" not in page, path
    client.post("/my-offer/leave/")
    assert 'action="/my-offer/leave/"' not in client.get("/").content.decode()
    client.force_login(volunteer)
    page = client.get("/volunteer/").content.decode()
    assert "Log out" in page and "Sign out" not in page


def test_a_send_without_consent_shows_the_summary_linked_to_the_box(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.post("/offer/", registration_post_data())
    response = client.post("/offer/check/", {})
    assert response.status_code == 400
    page = response.content.decode()
    summary = page[
        page.index('id="error-summary"') : page.index("</ul>", page.index("error-summary"))
    ]
    assert 'href="#id_consent"' in summary
    assert "You need to agree to the privacy notice to send." in summary
    assert 'id="id_consent"' in page
    assert "autofocus" in page[page.index("<div", page.index("error-summary") - 200) :][:400]
    # The summary comes before the answers, near the top of the page.
    assert page.index("error-summary") < page.index("summary-list")


def test_the_summary_links_every_kind_of_field_to_an_element_that_exists(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = registration_post_data()
    for name in ("name", "kind", "smoking"):
        data.pop(name, None)
    data["languages"] = ["xx"]  # not a choice: the checkbox group's error
    response = client.post("/offer/", data)
    assert response.status_code == 400
    page = response.content.decode()
    targets = re.findall(r'<li><a href="#([^"]+)">', page)
    assert {"id_name", "id_kind_0", "id_smoking_0", "id_languages_0"} <= set(targets)
    for target in targets:
        assert f'id="{target}"' in page, target
    # What was typed stays.
    assert 'value="Storgatan 1"' in page or "Storgatan" in page


def test_error_target_of_the_widgets():
    form = RegistrationForm({})
    assert error_target(form["name"]) == "id_name"
    assert error_target(form["kind"]) == "id_kind_0"
    assert error_target(form["languages"]) == "id_languages_0"
    assert error_target(ConcernForm({})["urgency"]) == "id_urgency_0"
    from django import forms

    class Split(forms.Form):
        when = forms.SplitDateTimeField()
        secret = forms.CharField(widget=forms.HiddenInput)

    form = Split({})
    assert error_target(form["when"]) == "id_when_0"
    assert error_target(form["secret"]) == ""
    assert 'id="id_when_0"' in str(form["when"])


def test_a_question_in_the_summary_takes_no_colon(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post("/offer/", registration_post_data(household_description=""))
    page = response.content.decode()
    assert 'href="#id_household_description">Who lives in the home? This field is required.' in page
    assert "?:" not in page
