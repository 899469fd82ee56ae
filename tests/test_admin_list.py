"""The admin's list rows are written in Python (matching_portal/admin_list.py): every change
list of every registered ModelAdmin, opened by each of the demo's people who can open it (and a
superuser, in Swedish and English), must be exactly the HTML Django's own ``{% result_list %}``
and ``admin/change_list.html`` write, with the demo's rows (empty values, dates, times,
booleans, foreign keys, choices, links, the action check box)."""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags import admin_list as django_admin_list
from django.template import Context, RequestContext, engines
from django.test import Client
from django.urls import reverse
from django.utils import translation

from matching_portal import admin_list
from tests.conftest import demo_user

pytestmark = pytest.mark.django_db

PEOPLE = [
    "volontarsamordnare",
    "riks-samordnare",
    "samordnare",
    "chef",
    "riks-chef",
    "bostadsbolag",
    "handledare",
    "dataskydd",
]

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def _results_template(engine, cl):
    opts = cl.opts
    return engine.select_template(
        [
            f"admin/{opts.app_label}/{opts.model_name}/change_list_results.html",
            f"admin/{opts.app_label}/change_list_results.html",
            "admin/change_list_results.html",
        ]
    )


def _djangos_change_list(engine):
    """django/contrib/admin/templates/admin/change_list.html itself (not the portal's)."""
    ours = engine.get_template("admin/change_list.html").origin
    template, _origin = engine.find_template("admin/change_list.html", skip=[ours])
    return template


def _compare(client, url, language, seen):
    """Opens the list at ``url``; checks its rows and its page against Django's. Returns
    whether it was a list with rows."""
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    if response.status_code != 200 or "cl" not in response.context_data:
        return False
    cl = response.context_data["cl"]
    engine = engines["django"].engine
    with translation.override(language):
        template = _results_template(engine, cl)
        ours = template.render(Context(admin_list.result_list(cl)))
        djangos = template.render(Context(django_admin_list.result_list(cl)))
        assert ours == djangos, url
        # The whole page, through the portal's change_list.html and through Django's (a page of
        # a model with its own change list template extends the portal's: its rows are above).
        used = engine.select_template(response.template_name).origin
        if used == engine.get_template("admin/change_list.html").origin:
            seen["pages"] += 1
            djangos_page = _djangos_change_list(engine).render(
                RequestContext(response.wsgi_request, dict(response.context_data))
            )
            page = CSRF.sub("", response.content.decode())
            assert page == CSRF.sub("", djangos_page), url
    assert ours in response.content.decode()
    written = admin_list._Rows(cl) if admin_list._writes_like_django(cl) else None
    if cl.result_list and written is not None and written.known:
        seen["lists"] += 1
        for column in written.columns:
            seen[column.kind] = seen.get(column.kind, 0) + 1
        for marker in ("icon-yes.svg", "icon-no.svg", "icon-unknown.svg", ">-</td>", "nowrap"):
            seen[marker] = seen.get(marker, 0) + ours.count(marker)
    return bool(cl.result_list)


def _lists():
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]


def test_every_change_list_is_written_as_django_writes_it(demo, unrecorded_templates):
    from accounts.models import User

    seen = {"lists": 0, "pages": 0}
    superuser = User.objects.create_superuser(username="lists", password="x", email="l@x.se")
    urls = _lists()
    for username in PEOPLE:
        client = Client()
        client.force_login(demo_user(username))
        for url in urls:
            _compare(client, url, "sv", seen)
    client = Client()
    client.force_login(superuser)
    for language in ("sv", "en"):
        for url in urls:
            _compare(client, url, language, seen)
    # The demo's lists have rows of every kind of cell this writes.
    assert seen["lists"] > 40, seen
    assert seen["pages"] > 40, seen
    for kind in ("field", "call", "model", "checkbox"):
        assert seen.get(kind), (kind, seen)
    for marker in ("icon-yes.svg", "icon-no.svg", ">-</td>", "nowrap"):
        assert seen[marker], (marker, seen)


def test_a_list_django_writes_otherwise_is_left_to_django(demo, rf):
    """A pop-up list (a raw id field's look-up) is Django's own rows."""
    client = Client()
    client.force_login(demo_user("samordnare"))
    url = reverse("admin:hosts_host_changelist") + "?_popup=1&_to_field=id"
    response = client.get(url)
    assert response.status_code == 200
    cl = response.context_data["cl"]
    assert not admin_list._writes_like_django(cl)
    assert admin_list.results(cl) == list(django_admin_list.results(cl))


@pytest.mark.parametrize("language", ["sv", "en"])
def test_dates_are_written_as_django_localizes_them(language, settings):
    """The list's dates, datetimes (in local time, across the summer-time changes) and times,
    against ``formats.localize``; a format with other letters is left to Django."""
    import datetime as dt

    from django.utils import formats, timezone

    values = [dt.date(2026, month, day) for month in range(1, 13) for day in (1, 9, 28)]
    values += [dt.datetime(2026, 3, 29, hour, 5, 7, tzinfo=dt.UTC) for hour in range(0, 24, 1)] + [
        dt.datetime(2026, 10, 25, 0, 59, tzinfo=dt.UTC),
        dt.datetime(5, 1, 2, 3, 4),
    ]
    values += [dt.time(0, 0), dt.time(9, 5, 3), dt.time(23, 59, 59)]
    with translation.override(language):
        dates = admin_list._Dates()
        for value in values:
            assert dates.text(value) == formats.localize(timezone.template_localtime(value))
        # The portal's formats are written here, not handed to Django.
        assert None not in dates.formats.values() and len(dates.formats) == 3
        settings.DATE_FORMAT = settings.DATETIME_FORMAT = "D \\d\\e j N Y, P"
        settings.FORMAT_MODULE_PATH = None
        formats.reset_format_cache()
        try:
            other = admin_list._Dates()
            for value in values:
                assert other.text(value) == formats.localize(timezone.template_localtime(value))
            if language == "en":  # Django's own English formats ("N j, Y, P"): Django's
                assert other.formats["DATETIME_FORMAT"] is None
        finally:
            formats.reset_format_cache()
