"""The accessibility statement (tillgänglighetsredogörelse) follows the model of the Agency for
Digital Government (DIGG): every part, in its order, in Swedish and English, with the dates of the
statement in the page's language; and every footer links to it."""

import pytest
from django.conf import settings
from django.utils import translation

from accessibility import statement
from matching_portal import formatting
from newcomers.actions import household_link_url, issue_household_link
from tests.factories import NewcomerCaseFactory, UserFactory
from tests.i18n_guard import swedish_misses

pytestmark = pytest.mark.django_db

STATEMENT = "/accessibility/"

# The model's parts, in its order.
HEADINGS = {
    "sv": [
        "Tillgänglighetsredogörelse",
        "Hur tillgänglig är webbplatsen?",
        "Vad kan du göra om du inte kan använda delar av webbplatsen?",
        "Rapportera brister i webbplatsens tillgänglighet",
        "Tillsyn",
        "Teknisk information om webbplatsens tillgänglighet",
        "Innehåll som inte är tillgängligt",
        "Hur vi testat webbplatsen",
    ],
    "en": [
        "Accessibility statement",
        "How accessible is the website?",
        "What can you do if you cannot use parts of the website?",
        "Report problems with the website’s accessibility",
        "Supervision",
        "Technical information about the website’s accessibility",
        "Content that is not accessible",
        "How we tested the website",
    ],
}
SAYS = {
    "sv": [
        "står bakom den här webbplatsen",
        "Vi vill att så många som möjligt ska kunna använda webbplatsen",
        "delvis förenlig med lagen om tillgänglighet till digital offentlig service",
        "inom 10 arbetsdagar",
        "Myndigheten för digital förvaltning",
        "EN 301 549",
        "WCAG 2.1",
        "PDF",
        "Django",
        "axe-core",
        "390 pixlar",
        "1\u00a0280 pixlar",
    ],
    "en": [
        "stand behind this website",
        "We want as many people as possible to be able to use the website",
        "partially compliant with the law on accessibility of digital public services",
        "within 10 working days",
        "Agency for Digital Government",
        "EN 301 549",
        "WCAG 2.1",
        "PDF",
        "Django",
        "axe-core",
        "390 pixels",
        "1,280 pixels",
    ],
}


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_part_of_the_model_in_its_order(client, organisations, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with swedish_misses() as missed:
        response = client.get(STATEMENT)
    assert response.status_code == 200
    page = response.content.decode()
    places = [page.find(f">{heading}</h") for heading in HEADINGS[language]]
    assert -1 not in places, [h for h, p in zip(HEADINGS[language], places, strict=True) if p < 0]
    assert places == sorted(places)
    for text in SAYS[language]:
        assert text in page, text
    # Who stands behind it: the organisations, from the database.
    assert "Volontärföreningen" in page and "Mottagningsenheten" in page
    assert f'href="{statement.DIGG_COMPLAINT_URL}"' in page
    assert 'href="/accessibility/report/"' in page
    with translation.override(language):
        assert formatting.day(statement.REVIEWED_ON) in page
        assert formatting.day(statement.PUBLISHED_ON) in page
    if language == "sv":
        assert formatting.day(statement.REVIEWED_ON).startswith("7\u00a0dec.")
        assert not missed, sorted(missed)


def test_the_report_link_carries_the_page_the_person_came_from(client):
    response = client.get(STATEMENT, HTTP_REFERER="http://testserver/volunteer/join/")
    assert 'href="/accessibility/report/?page=%2Fvolunteer%2Fjoin%2F"' in response.content.decode()


def footer_link_in(response) -> bool:
    return response.status_code == 200 and 'href="/accessibility/"' in response.content.decode()


def test_every_footer_links_to_the_statement(client, organisations, coordinator, admin_user):
    # Public pages.
    for path in ["/", "/volunteer/join/", "/privacy/", "/accessibility/report/"]:
        assert footer_link_in(client.get(path)), path
    # A volunteer's page.
    volunteer = UserFactory(roles=["volunteer"])
    client.force_login(volunteer)
    assert footer_link_in(client.get("/volunteer/"))
    # The admin, as a partner coordinator and as a superuser.
    client.force_login(coordinator)
    assert footer_link_in(client.get("/admin/"))
    client.force_login(admin_user)
    assert footer_link_in(client.get("/admin/accessibility/accessibilityreport/"))
    client.logout()
    # The household's own page.
    case = NewcomerCaseFactory(partner=organisations["partner"], language="en")
    link = issue_household_link(case=case, user=coordinator, delivery="letter")
    assert client.get(household_link_url(link).removeprefix(settings.SITE_URL)).status_code == 302
    assert footer_link_in(client.get("/household/"))
