"""The access log: opening personal data writes one row (who, what, when); the rows cannot be
changed or deleted; the data protection officer searches them in the admin."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import roles
from privacy.models import AccessLog
from tests.conftest import built_once_per_module
from tests.factories import portal_world, staff_user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("local_cache", "fast_password_hashing"),
]


def _build_world():
    world = portal_world()
    AccessLog.objects.all().delete()  # the world's own example row (a queryset delete)
    return world


held_world = built_once_per_module(_build_world)


@pytest.fixture
def world(held_world, settings):
    return held_world.fresh(settings)


def as_user(user):
    client = Client()
    client.force_login(user)
    return client


def only_new_row(before):
    rows = list(AccessLog.objects.exclude(pk__in=before))
    assert len(rows) == 1, rows
    return rows[0]


def opened(client, path, *, method="get", data=None, status=200):
    """Open ``path`` and return the one access log row it wrote."""
    before = set(AccessLog.objects.values_list("pk", flat=True))
    started = timezone.now()
    response = getattr(client, method)(path, data or {})
    assert response.status_code == status, (path, response.status_code)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    row = only_new_row(before)
    assert started - timedelta(seconds=1) <= row.created_at <= timezone.now()
    return row, response


@pytest.mark.parametrize(
    ("role", "label"),
    [
        (roles.PARTNER_COORDINATOR, "newcomers.newcomercase"),
        (roles.PARTNER_COORDINATOR, "matching.match"),
        (roles.VOLUNTEER_COORDINATOR, "hosts.host"),
        (roles.VOLUNTEER_COORDINATOR, "hosts.home"),
        (roles.DATA_PROTECTION_OFFICER, "hosts.host"),
        (roles.MANAGER, "newcomers.newcomercase"),
    ],
)
def test_opening_a_record_in_the_admin_writes_one_row(world, role, label):
    user = world.users[role]
    obj = world.objects[label]
    app, model = label.split(".")

    row, _response = opened(as_user(user), f"/admin/{app}/{model}/{obj.pk}/change/")

    assert (row.user, row.action, row.object_type, row.object_id, row.where) == (
        user,
        AccessLog.Action.VIEW,
        label,
        str(obj.pk),
        "admin",
    )


def test_a_refused_or_missing_record_writes_nothing(world, organisations):
    stranger = staff_user("partner_coordinator", organisations["other_partner"], username="s1")
    client = as_user(stranger)
    case = world.objects["newcomers.newcomercase"]
    assert client.get(f"/admin/newcomers/newcomercase/{case.pk}/change/").status_code == 404
    assert client.get("/admin/newcomers/newcomercase/999999/change/").status_code == 404
    volunteer = as_user(world.users[roles.VOLUNTEER])
    assert (
        volunteer.get(f"/admin/hosts/host/{world.objects['hosts.host'].pk}/change/").status_code
        == 302
    )
    assert not AccessLog.objects.exists()


def test_the_lists_of_records_are_not_logged(world):
    """Only opening a record is; a list shows no more than its columns."""
    client = as_user(world.users[roles.VOLUNTEER_COORDINATOR])
    assert client.get("/admin/hosts/host/").status_code == 200
    assert client.get("/admin/hosts/home/").status_code == 200
    assert not AccessLog.objects.exists()


def test_the_call_page_writes_one_row(world):
    volunteer = world.users[roles.VOLUNTEER]
    client = as_user(volunteer)
    assert client.post("/volunteer/queue/next/").status_code == 302
    assert not AccessLog.objects.exists()  # claiming is not opening

    row, response = opened(client, "/volunteer/queue/")

    host = world.queued_home.host
    assert host.name in response.content.decode()
    assert (row.user, row.action, row.object_type, row.object_id, row.where) == (
        volunteer,
        AccessLog.Action.VIEW,
        "hosts.host",
        str(host.pk),
        "volunteers:queue",
    )


def test_the_visit_page_writes_one_row(world):
    volunteer = world.users[roles.VOLUNTEER]

    row, _response = opened(as_user(volunteer), f"/volunteer/visits/{world.visit.pk}/")

    assert (row.user, row.action, row.object_type, row.object_id, row.where) == (
        volunteer,
        AccessLog.Action.VIEW,
        "hosts.host",
        str(world.visit.home.host_id),
        "volunteers:visit",
    )


@pytest.mark.parametrize("file_kind", ["pdf", "xlsx"])
def test_a_report_download_writes_one_row(world, file_kind):
    manager = world.users[roles.MANAGER]
    run = world.objects["reports.reportrun"]

    row, response = opened(as_user(manager), f"/reports/runs/{run.pk}/{file_kind}/")

    assert response["Content-Disposition"].startswith("attachment")
    assert (row.user, row.action, row.object_type, row.object_id, row.where) == (
        manager,
        AccessLog.Action.DOWNLOAD,
        "reports.reportrun",
        str(run.pk),
        "reports",
    )


def test_a_data_request_export_writes_one_row(world):
    officer = world.users[roles.DATA_PROTECTION_OFFICER]
    host = world.host_home.host

    row, response = opened(
        as_user(officer),
        "/privacy-officer/requests/",
        method="post",
        data={"email": host.email, "action": "export", "note": "By letter"},
    )

    assert response["Content-Type"].startswith("application/json")
    assert (row.user, row.action, row.object_type, row.object_id, row.where) == (
        officer,
        AccessLog.Action.EXPORT,
        "hosts.host",
        str(host.pk),
        "data request",
    )


def test_the_log_cannot_be_changed_or_deleted(world):
    user = world.users[roles.VOLUNTEER_COORDINATOR]
    row = AccessLog.objects.create(
        user=user, action="view", object_type="hosts.host", object_id="1", where="admin"
    )

    row.where = "somewhere else"
    with pytest.raises(ValueError, match="append-only"):
        row.save()
    with pytest.raises(ValueError, match="append-only"):
        row.delete()
    row.refresh_from_db()
    assert row.where == "admin"

    officer = as_user(world.users[roles.DATA_PROTECTION_OFFICER])
    assert officer.get("/admin/privacy/accesslog/add/").status_code == 403
    page = officer.get(f"/admin/privacy/accesslog/{row.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # read-only
    assert (
        officer.post(f"/admin/privacy/accesslog/{row.pk}/change/", {"where": "x"}).status_code
        == 403
    )
    assert officer.get(f"/admin/privacy/accesslog/{row.pk}/delete/").status_code == 403
    assert (
        officer.post(f"/admin/privacy/accesslog/{row.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    response = officer.post(
        "/admin/privacy/accesslog/",
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert AccessLog.objects.filter(pk=row.pk, where="admin").exists()


def test_only_the_data_protection_officer_reads_the_log(world):
    for role in [roles.VOLUNTEER_COORDINATOR, roles.PARTNER_COORDINATOR, roles.MANAGER]:
        assert as_user(world.users[role]).get("/admin/privacy/accesslog/").status_code == 403
    assert as_user(world.users[roles.VOLUNTEER]).get("/admin/privacy/accesslog/").status_code == 302


def test_the_officer_searches_the_log(world):
    coordinator = world.users[roles.VOLUNTEER_COORDINATOR]
    partner = world.users[roles.PARTNER_COORDINATOR]
    host = world.objects["hosts.host"]
    case = world.objects["newcomers.newcomercase"]
    opened(as_user(coordinator), f"/admin/hosts/host/{host.pk}/change/")
    opened(as_user(partner), f"/admin/newcomers/newcomercase/{case.pk}/change/")
    officer = as_user(world.users[roles.DATA_PROTECTION_OFFICER])

    index = officer.get("/admin/").content.decode()
    assert "/admin/privacy/accesslog/" in index

    by_person = officer.get("/admin/privacy/accesslog/", {"q": coordinator.username})
    assert by_person.status_code == 200
    assert [row.user for row in by_person.context["cl"].result_list] == [coordinator]

    by_record = officer.get("/admin/privacy/accesslog/", {"q": "newcomers.newcomercase"})
    rows = list(by_record.context["cl"].result_list)
    assert [(row.user, row.object_id) for row in rows] == [(partner, str(case.pk))]

    nobody = officer.get("/admin/privacy/accesslog/", {"q": "nobody-at-all"})
    assert list(nobody.context["cl"].result_list) == []
    # Looking at the log is not itself logged as opening personal data.
    assert AccessLog.objects.count() == 2
