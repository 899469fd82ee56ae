"""The household's seven languages: only on the household's pages, right to left for Arabic and
Dari, English (never Swedish) where a catalogue lacks a string, the choice kept on the case, and
catalogues that compile and say whether a native speaker has reviewed them."""

import gettext
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from newcomers.household_language import CODES, SESSION_KEY, from_accept_language, text_direction
from newcomers.links import SESSION_KEY as LINK_SESSION_KEY
from newcomers.models import HouseholdLink
from tests.factories import NewcomerCaseFactory

LOCALE = Path(settings.BASE_DIR) / "locale"
HOUSEHOLD_ONLY = ["ar", "prs", "ti", "so", "uk"]
TEST_URLS = "tests.newcomers.household_language_urls"
PAGE = "/household-test-page/"


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


# --- Fallback ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", HOUSEHOLD_ONLY)
def test_a_string_missing_from_a_household_catalogue_is_english_not_swedish(language):
    # "Call queue" is a staff page's string: Swedish has it, the household catalogues do not.
    with translation.override("sv"):
        assert _("Call queue") == "Samtalskö"
    with translation.override(language):
        assert _("Call queue") == "Call queue"
        # Django's own strings too: never Swedish ("Ange en giltig e-postadress.").
        assert _("Enter a valid email address.") != "Ange en giltig e-postadress."


def test_django_own_catalogues_still_serve_arabic_and_ukrainian():
    with translation.override("ar"):
        assert _("Enter a valid email address.") not in (
            "Enter a valid email address.",
            "Ange en giltig e-postadress.",
        )
    with translation.override("ti"):  # Django has no Tigrinya: English
        assert _("Enter a valid email address.") == "Enter a valid email address."


def test_the_site_languages_are_unchanged():
    with translation.override("sv"):
        assert _("Homes for newcomers") == "Hem för nyanlända"
    with translation.override("en"):
        assert _("Homes for newcomers") == "Homes for newcomers"
    assert [code for code, _name in settings.LANGUAGES] == ["sv", "en"]


@pytest.mark.parametrize(("language", "bidi"), [("ar", True), ("prs", True), ("ti", False)])
def test_django_knows_every_household_language(language, bidi):
    info = translation.get_language_info(language)
    assert info["bidi"] is bidi
    assert info["name_local"]
    with translation.override(language):
        assert translation.get_language_bidi() is bidi


# --- Pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "direction"),
    [("ar", "rtl"), ("prs", "rtl"), ("fa", "rtl"), ("ar-iq", "rtl"), ("sv", "ltr"), ("ti", "ltr")]
    + [("so", "ltr"), ("uk", "ltr"), ("", "ltr"), (None, "ltr"), ("xx", "ltr")],
)
def test_the_direction_is_djangos_language_info(language, direction):
    assert text_direction(language) == direction


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=TEST_URLS)
@pytest.mark.parametrize("language", ["ar", "prs"])
def test_right_to_left_pages_get_dir_rtl_and_bootstraps_rtl_build(client, language):
    session = client.session
    session[SESSION_KEY] = language
    session.save()
    response = client.get(PAGE)
    html = response.content.decode()
    assert html_tag(response) == f'<html lang="{language}" dir="rtl">'
    assert "vendor/bootstrap/bootstrap.rtl.min.css" in html
    assert "vendor/bootstrap/bootstrap.min.css" not in html


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=TEST_URLS)
@pytest.mark.parametrize("language", ["sv", "en", "ti", "so", "uk"])
def test_left_to_right_pages_keep_the_usual_bootstrap(client, language):
    session = client.session
    session[SESSION_KEY] = language
    session.save()
    response = client.get(PAGE)
    html = response.content.decode()
    assert html_tag(response) == f'<html lang="{language}" dir="ltr">'
    assert "vendor/bootstrap/bootstrap.min.css" in html
    assert "bootstrap.rtl.min.css" not in html


def test_the_vendored_rtl_build_is_the_same_bootstrap_version():
    vendor = Path(settings.BASE_DIR) / "static/vendor/bootstrap"
    version = re.compile(r"Bootstrap\s+v(\d+\.\d+\.\d+)")
    ltr = version.search((vendor / "bootstrap.min.css").read_text()[:400]).group(1)
    rtl = version.search((vendor / "bootstrap.rtl.min.css").read_text()[:400]).group(1)
    assert ltr == rtl


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=TEST_URLS)
def test_a_string_missing_from_the_tigrinya_catalogue_shows_in_english_on_the_page(client):
    session = client.session
    session[SESSION_KEY] = "ti"
    session.save()
    html = client.get(PAGE).content.decode()
    assert '<p id="staff-string">Call queue</p>' in html
    assert "Samtalskö" not in html
    assert '<p id="shared-string">ናብቲ ትሕዝቶ ሕለፍ</p>' in html  # the catalogue's own string


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=TEST_URLS)
def test_the_household_switch_offers_the_seven_languages_each_in_itself(client):
    html = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="so").content.decode()
    offered = re.findall(r'name="language" value="([a-z]+)" lang="\1"', html)
    assert offered == CODES
    assert 'value="prs" lang="prs" dir="rtl">دری</button>' in html
    assert 'value="so" lang="so" dir="ltr" aria-current="true">Soomaali</button>' in html


@pytest.mark.django_db
def test_staff_and_host_pages_stay_swedish_and_english(client):
    # A browser asking for Arabic gets the Swedish page, and the switch offers English only.
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ar,en;q=0.1")
    html = response.content.decode()
    assert html_tag(response) == '<html lang="en">'  # Arabic is not a site language: next is en
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ar")
    assert html_tag(response) == '<html lang="sv">'
    assert not re.search(r'name="language" value="(ar|prs|ti|so|uk)"', html)


@pytest.mark.django_db
def test_the_site_switch_refuses_a_household_language(client):
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    response = client.get("/")
    assert html_tag(response) == '<html lang="sv">'


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fa-AF,fa;q=0.9", "prs"),
        ("so-SO,en;q=0.5", "so"),
        ("de-DE,uk;q=0.8", "uk"),
        ("de-DE", None),
        ("", None),
    ],
)
def test_the_browser_language_among_the_seven(header, language):
    assert from_accept_language(header) == language


# --- The household's choice ----------------------------------------------------------------------


def open_link(client, case):
    link = HouseholdLink.objects.create(case=case, expires_at=timezone.now() + timedelta(days=5))
    session = client.session
    session[LINK_SESSION_KEY] = link.pk
    session.save()
    return link


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=TEST_URLS)
def test_with_the_link_open_the_case_language_wins_and_the_switch_changes_it(client):
    case = NewcomerCaseFactory(language="ti")
    open_link(client, case)
    response = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="uk")
    assert html_tag(response) == '<html lang="ti" dir="ltr">'

    response = client.post("/i18n/household/", {"language": "ar", "next": PAGE})
    assert response.status_code == 302 and response["Location"] == PAGE
    case.refresh_from_db()
    assert case.language == "ar"  # letters and e-mails follow
    assert html_tag(client.get(PAGE)) == '<html lang="ar" dir="rtl">'


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=TEST_URLS)
def test_without_a_link_the_choice_is_kept_in_the_session(client):
    case = NewcomerCaseFactory(language="sv")
    response = client.post("/i18n/household/", {"language": "prs", "next": PAGE})
    assert response["Location"] == PAGE
    assert client.session[SESSION_KEY] == "prs"
    assert html_tag(client.get(PAGE)) == '<html lang="prs" dir="rtl">'
    case.refresh_from_db()
    assert case.language == "sv"


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=TEST_URLS)
def test_the_switch_ignores_an_unknown_language_and_a_foreign_address(client):
    case = NewcomerCaseFactory(language="so")
    open_link(client, case)
    response = client.post(
        "/i18n/household/", {"language": "de", "next": "https://elsewhere.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    case.refresh_from_db()
    assert case.language == "so"
    assert SESSION_KEY not in client.session
    assert client.get("/i18n/household/").status_code == 405


# --- Catalogues ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["sv", *HOUSEHOLD_ONLY])
def test_each_catalogue_compiles_says_its_review_status_and_its_mo_is_current(language, tmp_path):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(po)], check=True)  # noqa: S603,S607
    with mo.open("rb") as committed, fresh.open("rb") as compiled:
        committed, compiled = gettext.GNUTranslations(committed), gettext.GNUTranslations(compiled)
    header = compiled.info()  # the header's fields, lower-cased
    assert re.match(r"(not )?reviewed by a native speaker", header["x-review-status"])
    assert header["language"] == language
    assert committed._catalog == compiled._catalog, (
        f"run msgfmt for {language}: the committed .mo is not the .po"
    )


def test_the_gap_script_finds_a_household_string_a_catalogue_lacks(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "household_msgids", LOCALE / "household_msgids.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)

    (tmp_path / "templates/household").mkdir(parents=True)
    (tmp_path / "templates/household/page.html").write_text(
        '{% load i18n %}{% translate "Translated here" %}'
        "{% blocktranslate with n=3 %}Not translated, {{ n }} times{% endblocktranslate %}"
    )
    (tmp_path / "locale/ti/LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "locale/ti/LC_MESSAGES/django.po").write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Translated here"\nmsgstr "ኣብዚ ተተርጒሙ"\n\n'
        '#, fuzzy\nmsgid "Swedish"\nmsgstr "ሽወደንኛ"\n'
    )
    lacking = {entry["msgid"] for entry in script.missing(tmp_path, "ti")}
    assert "Not translated, %(n)s times" in lacking
    assert "Translated here" not in lacking
    assert "Swedish" in lacking  # fuzzy is not translated
    assert "This field is required." in lacking  # Django has no Tigrinya


def test_the_household_catalogues_cover_every_string_of_the_household_pages():
    """After a merge this lists what to translate (locale/household_msgids.py --missing LANG)."""
    result = subprocess.run(  # noqa: S603
        [".venv/bin/python", "locale/household_msgids.py", "--check"],  # noqa: S607
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    report = result.stdout
    for language in HOUSEHOLD_ONLY:
        assert re.search(rf"^{language}\s+lacks 0$", report, re.M), report
