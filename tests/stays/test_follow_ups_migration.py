"""The migration that turned the follow-ups after a move-in into check-ins (stays 0002, then
volunteers 0010 removes the follow-ups), run on follow-ups written before it: the database is
migrated back, the old rows are written with the models of then, and the migrations run
forward."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection

from stays.models import CheckIn, CheckInTransition
from tests.migration_executor import LazyRenderingMigrationExecutor

BEFORE = [("stays", "0001_initial"), ("volunteers", "0009_household_actor")]
DONE_AT = datetime(2026, 3, 1, 10, 30, tzinfo=UTC)


def _write_old_rows(apps) -> dict:
    organisation = apps.get_model("accounts", "Organisation")
    partner = organisation.objects.create(name="Mottagningen", kind="partner")
    user = apps.get_model("accounts", "User").objects.create(
        username="lina", email="lina@example.org"
    )
    host = apps.get_model("hosts", "Host").objects.create(
        name="Anna Svensson",
        email="anna@example.org",
        consent_notice_version="1",
        consent_given_at="2026-01-05T10:00:00Z",
        consent_language="sv",
    )
    home_model = apps.get_model("hosts", "Home")
    case_model = apps.get_model("newcomers", "NewcomerCase")
    match_model = apps.get_model("matching", "Match")
    follow_up = apps.get_model("volunteers", "FollowUp")
    matches = {}
    for status in ("moved_in", "ended"):
        home = home_model.objects.create(
            host=host,
            street_address=f"Storgatan {status}",
            postcode="83130",
            kind="room",
            beds=1,
            available_from=date(2026, 1, 10),
            rent_per_month=0,
            household_description="Vi är två.",
            smoking="no",
            heard_from="other",
            partner=partner,
            status="matched",
        )
        case = case_model.objects.create(
            partner=partner,
            reference=f"KRK-{status}",
            adults=2,
            assigned_on=date(2026, 1, 2),
            housing_needed_by=date(2026, 3, 1),
        )
        matches[status] = match_model.objects.create(
            home=home, case=case, status=status, move_in_date=date(2026, 2, 1)
        )
    rows = {
        "done": follow_up.objects.create(
            match=matches["moved_in"],
            after_days=14,
            due_on=date(2026, 2, 15),
            responsible="volunteers",
            done_at=DONE_AT,
            done_by=user,
            note="De trivs.",
        ),
        "open": follow_up.objects.create(
            match=matches["moved_in"],
            after_days=91,
            due_on=date(2026, 5, 3),
            responsible="volunteers",
        ),
        "ended": follow_up.objects.create(
            match=matches["ended"], after_days=14, due_on=date(2026, 2, 15), responsible="partner"
        ),
    }
    return {"rows": {key: row.pk for key, row in rows.items()}, "user": user.pk}


@pytest.mark.django_db(transaction=True)
def test_every_follow_up_becomes_a_check_in_with_its_number_and_one_row_of_history():
    executor = LazyRenderingMigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE)
        executor = LazyRenderingMigrationExecutor(connection)  # the graph as applied now
        applied = list(executor.loader.applied_migrations)
        written = _write_old_rows(executor.loader.project_state(applied).apps)
        executor.migrate(latest)
    finally:
        LazyRenderingMigrationExecutor(connection).migrate(latest)

    rows = written["rows"]
    done = CheckIn.objects.get(pk=rows["done"])
    assert (done.after_days, done.due_on, done.responsible) == (14, date(2026, 2, 15), "volunteers")
    assert (done.status, done.outcome, done.done_at, done.done_by_id, done.note) == (
        "done",
        "all_well",
        DONE_AT,
        written["user"],
        "De trivs.",
    )
    opened = CheckIn.objects.get(pk=rows["open"])
    assert (opened.status, opened.outcome, opened.done_at, opened.after_days) == (
        "planned",
        "",
        None,
        91,
    )
    ended = CheckIn.objects.get(pk=rows["ended"])
    assert (ended.status, ended.responsible) == ("cancelled", "partner")

    history = {
        row.check_in_id: (row.from_state, row.to_state, row.actor_id, row.actor_kind)
        for row in CheckInTransition.objects.all()
    }
    assert CheckInTransition.objects.count() == 3
    assert history == {
        rows["done"]: ("planned", "done", written["user"], "user"),
        rows["open"]: ("", "planned", None, "system"),
        rows["ended"]: ("planned", "cancelled", None, "system"),
    }
    assert CheckInTransition.objects.get(check_in_id=rows["done"]).created_at == DONE_AT
    # The follow-ups' table is gone, and new check-ins get numbers after the migrated ones.
    assert "volunteers_followup" not in connection.introspection.table_names()
    later = CheckIn.objects.create(
        match=done.match, after_days=182, due_on=date(2026, 8, 2), responsible="volunteers"
    )
    assert later.pk > max(rows.values())
