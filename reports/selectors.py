"""Reads for the reports pages, taking the person who asks: a partnership or a report run outside
their reach is not found (404).

- the managers and coordinators of a partnership's parties (its volunteer organisation, its
  partner, its housing company) follow its dashboard; the data protection officer and superusers
  follow every partnership;
- a report run is reached through its partnership; only finished runs are downloaded.
"""

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User

from . import actions
from .models import Partnership, ReportRun


def partnerships_for(user: User) -> QuerySet[Partnership]:
    return Partnership.objects.visible_to(user).select_related(
        "volunteer_organisation", "partner", "housing_company"
    )


def partnership_for(user: User, partnership_id: int) -> Partnership:
    partnership = partnerships_for(user).filter(pk=partnership_id).first()
    if partnership is None or not actions.may_follow(user, partnership):
        raise Http404
    return partnership


def finished_run_for(user: User, run_id: int) -> ReportRun:
    """A finished report run of a partnership this person follows, or 404."""
    run = (
        ReportRun.objects.select_related("partnership")
        .filter(
            partnership__in=partnerships_for(user).values("pk"),
            pk=run_id,
            status=ReportRun.Status.DONE,
        )
        .first()
    )
    if run is None or not actions.may_follow(user, run.partnership):
        raise Http404
    return run
