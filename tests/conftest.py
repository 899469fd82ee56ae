"""Shared fixtures: eager Celery, a clean cache, named users, and the skip-unless-CI rule."""

import os

import pytest
from django.core.cache import cache

from matching_portal.celery import app as celery_app

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(available: bool, reason: str) -> None:
    """Skip a test that needs a part this machine lacks, except in CI, where it fails."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _eager_celery_and_clean_cache():
    """Tasks run in-process unless a test starts a real worker; rate-limit counters start at zero."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    cache.clear()
    yield
    celery_app.conf.task_always_eager = previous
    cache.clear()


@pytest.fixture
def organisations(db):
    from accounts.models import Organisation
    from tests.factories import OrganisationFactory

    return {
        "volunteers": OrganisationFactory(
            name="Volontärföreningen", kind=Organisation.Kind.VOLUNTEER_ORGANISATION
        ),
        "partner": OrganisationFactory(name="Mottagningsenheten", kind=Organisation.Kind.PARTNER),
        "other_partner": OrganisationFactory(
            name="Grannkommunens mottagning", kind=Organisation.Kind.PARTNER
        ),
        "housing": OrganisationFactory(
            name="Krokomsbostäder", kind=Organisation.Kind.HOUSING_COMPANY
        ),
    }
