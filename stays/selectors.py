"""Reads of the stay for the pages, each taking the person who asks: what is outside their reach
is not found (404)."""

from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from .actions import CHECK_IN_DAYS_AHEAD
from .models import CheckIn


def due_check_ins(
    *, user, today: date | None = None, days_ahead: int = CHECK_IN_DAYS_AHEAD
) -> QuerySet[CheckIn]:
    """The planned check-ins due to the person's side within ``days_ahead`` days (or overdue),
    soonest first: for a partner's coordinators those of their own cases that are the partner's
    to make (company flats); for a volunteer organisation's people the volunteers' ones of the
    homes of their local groups (``CheckIn.objects.visible_to``)."""
    from accounts.models import Organisation

    today = today or timezone.localdate()
    check_ins = CheckIn.objects.visible_to(user).planned()
    organisation = getattr(user, "organisation", None)
    if organisation is not None and organisation.kind == Organisation.Kind.PARTNER:
        check_ins = check_ins.filter(responsible=CheckIn.Responsible.PARTNER)
    return (
        check_ins.filter(due_on__lte=today + timedelta(days=days_ahead))
        .select_related("match__home__host", "match__home__municipality", "match__case")
        .order_by("due_on", "pk")
    )
