"""The migration that records the introduction meeting for the volunteers approved before it
existed (volunteers 0012): they have been working, so they count as met, on the day their
application was approved and by the coordinator who approved it (today, by nobody, for an account
made without an application)."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.utils import timezone

from tests.migration_executor import LazyRenderingMigrationExecutor
from volunteers.models import VolunteerProfile

BEFORE = [("volunteers", "0011_introduction_meeting")]
APPROVED_AT = datetime(2026, 3, 1, 10, 30, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_the_volunteers_approved_before_count_as_met():
    executor = LazyRenderingMigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE)
        executor = LazyRenderingMigrationExecutor(connection)
        apps = executor.loader.project_state(list(executor.loader.applied_migrations)).apps
        user_model = apps.get_model("accounts", "User")
        coordinator = user_model.objects.create(username="erik", email="erik@example.org")
        applied = user_model.objects.create(username="lina", email="lina@example.org")
        made_in_admin = user_model.objects.create(username="omid", email="omid@example.org")
        apps.get_model("volunteers", "VolunteerApplication").objects.create(
            name="Lina Holm",
            email="lina@example.org",
            phone="+46701234567",
            area="Krokom",
            availability="Kvällar",
            consent_notice_version="2026-11-01",
            consent_given_at=APPROVED_AT,
            status="approved",
            reviewed_by=coordinator,
            reviewed_at=APPROVED_AT,
            user=applied,
        )
        profiles = apps.get_model("volunteers", "VolunteerProfile").objects
        profiles.create(user=applied)
        profiles.create(user=made_in_admin)
        executor.migrate(latest)
    finally:
        LazyRenderingMigrationExecutor(connection).migrate(latest)

    lina = VolunteerProfile.objects.get(user__username="lina")
    assert (lina.met_on, lina.met_by.username) == (timezone.localdate(APPROVED_AT), "erik")
    omid = VolunteerProfile.objects.get(user__username="omid")
    assert (omid.met_on, omid.met_by) == (timezone.localdate(), None)
