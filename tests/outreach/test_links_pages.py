"""The coordinators' pages for tagged links (make, list with counts, print the QR code,
download it, retire) and for the group's "volunteers wanted" notice; and the public partial
that shows the notices on a municipality's page."""

import re
from datetime import timedelta

import pytest
import qrcode
from django.conf import settings
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from accounts import roles
from outreach import actions, qr, selectors
from outreach.models import Source, VolunteersWanted
from tests.factories import HomeFactory, local_group, municipality, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(organisations):
    return local_group(organisations["volunteers"], covers=["2380"])


@pytest.fixture
def coordinator_client(client, organisations, group):
    user = staff_user(roles.VOLUNTEER_COORDINATOR, organisations["volunteers"], local_group=group)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.user = user
    return client


def modules(svg_text: str) -> set[tuple[int, int]]:
    """The dark modules an SVG path of unit squares draws ("Mx,yH..V..H..z" each)."""
    return {(int(x), int(y)) for x, y in re.findall(r"M(\d+),(\d+)H", svg_text)}


def expected_modules(url: str) -> set[tuple[int, int]]:
    """The dark modules of ``url``'s QR code as the qrcode library itself lays them out."""
    code = qrcode.QRCode(error_correction=qr.ERROR_CORRECTION, border=qr.BORDER)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    return {(x, y) for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark}


def test_a_coordinator_makes_a_link_and_prints_its_qr_code(coordinator_client):
    client = coordinator_client
    page = client.get("/volunteer/links/")
    assert page.status_code == 200 and "No tagged links yet." in page.content.decode()
    response = client.post(
        "/volunteer/links/", {"kind": "poster", "target": "host", "label": "Affisch, ICA"}
    )
    source = Source.objects.get()
    assert response.url == f"/volunteer/links/{source.pk}/"
    page = client.get(response.url).content.decode()
    url = f"{settings.SITE_URL}/t/{source.code}/"
    assert url in page
    inline = re.search(r"<svg class=\"qr-code\".*?</svg>", page, re.S).group(0)
    assert f'aria-label="QR code for {url}"' in inline and "style=" not in inline
    # The code drawn is the short address's, module for module (no decoder is installed: the
    # library's own matrix for the address is the reference).
    assert modules(inline) == expected_modules(url)

    svg = client.get(f"/volunteer/links/{source.pk}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg["Content-Disposition"] == f'attachment; filename="qr-{source.code}.svg"'
    assert modules(svg.content.decode()) == expected_modules(url)
    png = client.get(f"/volunteer/links/{source.pk}/qr.png")
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")


def test_the_list_counts_the_registrations_that_came_through_each_link(coordinator_client, group):
    source = actions.make_tagged_link(
        kind="newspaper",
        target="host",
        label="Annons i ÖP",
        local_group=group,
        user=coordinator_client.user,
    )
    HomeFactory(source=source)
    HomeFactory(source=source)
    HomeFactory()
    page = coordinator_client.get("/volunteer/links/").content.decode()
    assert "Annons i ÖP" in page
    assert re.search(r"Host registrations so far</dt><dd>2</dd>", page)


def test_retiring_a_link_from_the_list(coordinator_client, group):
    source = actions.make_tagged_link(
        kind="poster", target="host", label="A", local_group=group, user=coordinator_client.user
    )
    assert coordinator_client.get(f"/volunteer/links/{source.pk}/retire/").status_code == 405
    response = coordinator_client.post(f"/volunteer/links/{source.pk}/retire/")
    assert response.url == "/volunteer/links/"
    source.refresh_from_db()
    assert source.retired_at is not None
    assert "Retired" in coordinator_client.get("/volunteer/links/").content.decode()


def test_another_groups_link_is_not_found(coordinator_client, organisations):
    other_group = local_group(organisations["volunteers"], name="Krokom", covers=["2309"])
    other = staff_user(
        roles.VOLUNTEER_COORDINATOR, organisations["volunteers"], local_group=other_group
    )
    source = actions.make_tagged_link(
        kind="poster", target="host", label="Deras", local_group=other_group, user=other
    )
    for path in ["", "qr.svg", "qr.png"]:
        assert coordinator_client.get(f"/volunteer/links/{source.pk}/{path}").status_code == 404
    assert coordinator_client.post(f"/volunteer/links/{source.pk}/retire/").status_code == 404
    source.refresh_from_db()
    assert source.retired_at is None
    assert "Deras" not in coordinator_client.get("/volunteer/links/").content.decode()


def test_a_link_form_with_errors_keeps_what_was_typed(coordinator_client):
    response = coordinator_client.post(
        "/volunteer/links/", {"kind": "meeting", "target": "host", "label": "Mötet <i mars>"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose the meeting the link is shown at." in page
    assert 'value="Mötet &lt;i mars&gt;"' in page
    assert not Source.objects.exists()


def test_publishing_and_taking_down_the_groups_notice(coordinator_client, group):
    client = coordinator_client
    response = client.post(
        "/volunteer/volunteers-wanted/", {"needs": ["languages"], "message": "Hör av dig!"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose the languages the group needs." in page and "Hör av dig!" in page
    response = client.post(
        "/volunteer/volunteers-wanted/",
        {"needs": ["calls", "languages"], "languages": ["ar", "so"], "message": "Hör av dig!"},
    )
    assert response.url == "/volunteer/volunteers-wanted/"
    notice = VolunteersWanted.objects.get()
    assert (notice.needs, notice.languages, notice.local_group) == (
        ["calls", "languages"],
        ["ar", "so"],
        group,
    )
    page = client.get("/volunteer/volunteers-wanted/").content.decode()
    assert "Phoning new hosts, Speaking a language" in page and "Arabic, Somali" in page
    assert client.post(f"/volunteer/volunteers-wanted/{notice.pk}/take-down/").status_code == 302
    assert not selectors.volunteers_wanted_in(municipality("2380")).exists()
    # Taken down, it is no longer the group's to take down again: not found.
    assert client.post(f"/volunteer/volunteers-wanted/{notice.pk}/take-down/").status_code == 404


def test_a_volunteer_may_not_open_the_pages(client, volunteer):
    client.force_login(volunteer)
    for path in ["/volunteer/links/", "/volunteer/volunteers-wanted/"]:
        assert client.get(path).status_code == 403


def test_the_public_partial_lists_the_notices_of_the_municipalitys_group(
    organisations, group, coordinator_client
):
    from django.utils import translation

    actions.publish_volunteers_wanted(
        local_group=group,
        user=coordinator_client.user,
        needs=["visits", "languages"],
        languages=["ti"],
        message="Vi söker <fler> besökare.",
    )
    krokom = local_group(organisations["volunteers"], name="Krokomsgruppen", covers=["2309"])
    actions.publish_volunteers_wanted(
        local_group=krokom,
        user=staff_user(
            roles.VOLUNTEER_COORDINATOR, organisations["volunteers"], local_group=krokom
        ),
        needs=["calls"],
        shown_from=timezone.localdate() + timedelta(days=3),  # not yet shown
    )
    where = municipality("2380")
    request = RequestFactory().get("/kommun/2380/")
    with translation.override("en"):
        html = render_to_string(
            "outreach/_volunteers_wanted.html",
            {"notices": selectors.volunteers_wanted_in(where), "municipality": where},
            request=request,
        )
    assert "needs volunteers" in html and group.name in html and "Krokomsgruppen" not in html
    assert "Visiting homes, Speaking a language" in html and "Tigrinya" in html
    assert "Vi söker &lt;fler&gt; besökare." in html
    assert 'href="/volunteer/join/?municipality=2380"' in html
    with translation.override("sv"):
        html = render_to_string(
            "outreach/_volunteers_wanted.html",
            {"notices": selectors.volunteers_wanted_in(municipality("2309"))},
            request=request,
        )
    assert html.strip() == ""
