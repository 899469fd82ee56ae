"""Reads for the reports pages, taking the person who asks: a partnership or a report run outside
their reach is not found (404).

- the managers and coordinators of a partnership's parties (its volunteer organisation, its
  partner, its housing company) follow its dashboard; the data protection officer and superusers
  follow every partnership;
- a report run is reached through its partnership; only finished runs are downloaded;
- a national roll-up (and its runs) is its volunteer organisation's managers': another
  organisation's run is not found.
"""

from django.db.models import Q, QuerySet
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
    reach = Q(partnership__in=partnerships_for(user).values("pk"))
    if actions.may_manage_national(user):
        reach |= Q(kind=ReportRun.Kind.NATIONAL, organisation_id=user.organisation_id)
    run = (
        ReportRun.objects.select_related("partnership", "organisation")
        .filter(reach, pk=run_id, status=ReportRun.Status.DONE)
        .first()
    )
    if run is None:
        raise Http404
    if run.kind == ReportRun.Kind.NATIONAL:
        if not actions.may_manage_run(user, run):
            raise Http404
    elif not actions.may_follow(user, run.partnership):
        raise Http404
    return run


def national_runs_for(user: User) -> QuerySet[ReportRun]:
    """The national roll-ups of the manager's own volunteer organisation (none for anyone
    else)."""
    if not actions.may_manage_national(user):
        return ReportRun.objects.none()
    return ReportRun.objects.filter(
        kind=ReportRun.Kind.NATIONAL, organisation_id=user.organisation_id
    ).select_related("requested_by")
