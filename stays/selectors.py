"""Reads of the stay for the pages, each taking the person who asks: what is outside their reach
is not found (404)."""

from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from .actions import CHECK_IN_DAYS_AHEAD
from .models import CheckIn, Evaluation

R = Evaluation.Respondent
P = Evaluation.Point


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


# Evaluations: who reads the free text, and each respondent's own surveys --------------------


def works_on(user, evaluation: Evaluation) -> bool:
    """Whether ``user`` works on the evaluation's stay, and so may read its free text: the
    coordinators of the case's partner; for a private home, the volunteer organisation's people
    of the group the home belongs to. Superusers too; not the data protection officer, whose
    reach is for requests about a person's data, nor managers (they see the figures)."""
    from accounts import roles
    from accounts.models import Organisation
    from accounts.scoping import role_names, sees_everything, volunteer_work_filter

    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if sees_everything(user):  # the data protection officer
        return False
    organisation = getattr(user, "organisation", None)
    if organisation is None:
        return False
    match = evaluation.match
    if organisation.kind == Organisation.Kind.PARTNER:
        return (
            roles.PARTNER_COORDINATOR in role_names(user)
            and match.case.partner_id == organisation.pk
        )
    if organisation.kind == Organisation.Kind.VOLUNTEER_ORGANISATION:
        from hosts.models import Home

        return (
            Home.objects.filter(pk=match.home_id, unit__isnull=True)
            .filter(volunteer_work_filter(user))
            .exists()
        )
    return False


def _own(queryset, point: str | None):
    """The respondent's evaluation at ``point`` (any point for None): an open one first, else
    the latest."""
    if point is not None:
        if point not in P.values:
            return None
        queryset = queryset.filter(point=point)
    queryset = queryset.select_related("match")
    return (
        queryset.open().order_by("-opens_on", "-pk").first()
        or queryset.order_by("-opens_on", "-pk").first()
    )


def host_evaluation(home, point: str) -> Evaluation | None:
    """The host's own evaluation at ``point`` (of any of the host's homes); never the
    household's."""
    return _own(
        Evaluation.objects.filter(respondent=R.HOST, match__home__host_id=home.host_id), point
    )


def household_evaluation(case, point: str | None) -> Evaluation | None:
    """The household's own evaluation at ``point`` (None: the one open now, else the latest);
    never the host's."""
    return _own(Evaluation.objects.filter(respondent=R.HOUSEHOLD, match__case=case), point)


def open_host_evaluations(home) -> list[Evaluation]:
    """The host's surveys waiting for an answer (a link on "My offer")."""
    return list(
        Evaluation.objects.open()
        .filter(respondent=R.HOST, match__home__host_id=home.host_id)
        .order_by("opens_on", "pk")
    )
