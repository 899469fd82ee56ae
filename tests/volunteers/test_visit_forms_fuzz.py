"""Random and hostile data on the forms that move and cancel a home visit (the helpers and the
rules are those of tests/reliability/test_fuzz_forms.py): never a server error, and a post that
did not succeed leaves the visit, its history and the outbox as they were."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from accounts import roles
from notifications.models import OutboundEmail
from tests.conftest import built_once_per_module
from tests.factories import portal_world
from tests.reliability import test_fuzz_forms as fuzzing
from tests.reliability.test_fuzz_forms import fuzz, posts, quick_pages, user_of  # noqa: F401
from volunteers.models import HomeVisit, HomeVisitTransition

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("local_cache", "fast_password_hashing", "quick_pages"),
]


held_world = built_once_per_module(lambda: fuzzing.World(**vars(portal_world())))


@pytest.fixture
def world(held_world, settings):
    return held_world.fresh(settings)


TABLES = {
    "history": HomeVisitTransition,
    "outbox": OutboundEmail,
    "booked": lambda: HomeVisit.objects.filter(status="booked").count(),
}


def later_day() -> str:
    return (timezone.localdate() + timedelta(days=5)).isoformat()


@given(
    data=posts({"move-day": "later", "move-time": "18:00", "move-reason": "Värden jobbar sent."}),
    started=st.booleans(),
)
@example(data={"move-day": "later", "move-time": "18:00", "move-reason": "sent\x00"}, started=False)
def test_move_visit(world, data, started):
    visit = world.visit
    if data.get("move-day") == "later":
        data = {**data, "move-day": later_day()}
    starts_at = timezone.now() - timedelta(minutes=1) if started else visit.starts_at
    fuzz(
        user_of(world, roles.VOLUNTEER),
        f"/volunteer/visits/{visit.pk}/move/",
        data,
        tables=TABLES,
        before_request=lambda: HomeVisit.objects.filter(pk=visit.pk).update(starts_at=starts_at),
    )


@given(
    data=posts({"cancel-reason": "Värden är sjuk."}),
    started=st.booleans(),
)
@example(data={"cancel-reason": "\x00"}, started=False)
def test_cancel_visit(world, data, started):
    visit = world.visit
    starts_at = timezone.now() - timedelta(minutes=1) if started else visit.starts_at
    fuzz(
        user_of(world, roles.VOLUNTEER),
        f"/volunteer/visits/{visit.pk}/cancel/",
        data,
        tables={
            **TABLES,
            "cancelled": lambda: HomeVisit.objects.filter(status="cancelled").count(),
        },
        before_request=lambda: HomeVisit.objects.filter(pk=visit.pk).update(starts_at=starts_at),
    )
