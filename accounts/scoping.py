"""Who sees which organisation's data.

A partner's people (its coordinators and managers) see only their own partner's newcomer cases,
the homes referred to that partner and the matches between them; another partner's objects do not
exist for them (404 everywhere). A volunteer organisation's people see the homes of their own
local groups' work (``volunteer_work_filter``) but no newcomer cases. The data protection officer
and superusers see everything (the DPO read-only).
"""

from django.db.models import Q

from . import roles
from .models import Organisation


def sees_everything(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or roles.DATA_PROTECTION_OFFICER in role_names(user)


def role_names(user) -> set[str]:
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return cached


def organisation_kind(user) -> str | None:
    organisation = getattr(user, "organisation", None)
    return organisation.kind if organisation else None


def home_filter(user) -> Q | None:
    """A filter on homes for ``user``, None for all of them."""
    if sees_everything(user):
        return None
    kind = organisation_kind(user)
    if kind == Organisation.Kind.VOLUNTEER_ORGANISATION:
        return volunteer_work_filter(user)
    if kind == Organisation.Kind.PARTNER:
        return Q(partner_id=user.organisation_id)
    return Q(pk__in=[])


def partner_filter(user, *, path: str = "partner") -> Q | None:
    """A filter on objects owned by a partner (cases, matches via ``case__partner``)."""
    if sees_everything(user):
        return None
    if organisation_kind(user) == Organisation.Kind.PARTNER:
        return Q(**{f"{path}_id": user.organisation_id})
    return Q(pk__in=[])


def own_organisation_filter(user) -> Q:
    """A filter on organisations: the one the person belongs to (what they may link a record
    to; a partnership's parties are set by a superuser)."""
    if user.is_superuser:
        return Q()
    if getattr(user, "organisation_id", None) is None:
        return Q(pk__in=[])
    return Q(pk=user.organisation_id)


def colleague_filter(user) -> Q | None:
    """A filter on people: those of the person's own organisation, None for all of them. In a
    volunteer organisation the colleagues are the local group's: a coordinator (or volunteer)
    sees the people of their own group, a national coordinator every person of the
    organisation; someone of a volunteer organisation without a group sees only themselves."""
    if sees_everything(user):
        return None
    if getattr(user, "organisation_id", None) is None:
        return Q(pk=user.pk)
    if organisation_kind(user) == Organisation.Kind.VOLUNTEER_ORGANISATION:
        if is_national_coordinator(user):
            return Q(organisation_id=user.organisation_id)
        if user.local_group_id is None:
            return Q(pk=user.pk)
        return Q(organisation_id=user.organisation_id, local_group_id=user.local_group_id) | Q(
            pk=user.pk
        )
    return Q(organisation_id=user.organisation_id)


def group_reach(user) -> tuple[list[int] | None, bool]:
    """The local groups whose work ``user`` reaches, and whether the hosts no group covers are
    theirs too: ``(None, True)`` for everything (superuser, data protection officer).

    A national coordinator (``roles.NATIONAL_COORDINATOR``) of a volunteer organisation reaches
    every group of the organisation, and the uncovered hosts when the organisation takes them;
    anyone else of a volunteer organisation reaches their own group only (none without one).
    """
    if sees_everything(user):
        return None, True
    cached = getattr(user, "_group_reach", None)
    if cached is not None:
        return cached
    from .models import LocalGroup

    organisation = getattr(user, "organisation", None)
    if organisation is None or organisation.kind != Organisation.Kind.VOLUNTEER_ORGANISATION:
        reach: tuple[list[int] | None, bool] = ([], False)
    elif roles.NATIONAL_COORDINATOR in role_names(user):
        reach = (
            list(
                LocalGroup.objects.filter(organisation_id=organisation.pk).values_list(
                    "pk", flat=True
                )
            ),
            organisation.takes_uncovered_hosts,
        )
    elif user.local_group_id is not None and user.local_group.organisation_id == organisation.pk:
        reach = ([user.local_group_id], False)
    else:
        reach = ([], False)
    user._group_reach = reach
    return reach


def is_national_coordinator(user) -> bool:
    organisation = getattr(user, "organisation", None)
    return (
        organisation is not None
        and organisation.kind == Organisation.Kind.VOLUNTEER_ORGANISATION
        and roles.NATIONAL_COORDINATOR in role_names(user)
    )


def volunteer_work_filter(user, *, path: str = "") -> Q:
    """A filter on homes (or, with ``path`` such as ``"home__"``, on objects of a home): the
    work of the local groups ``user`` reaches (``group_reach``). A home belongs to the group it
    was routed or handed over to (``Home.local_group``); a home no group covers belongs to the
    national coordinators of the organisations that take such hosts. This is the one rule of
    the volunteers' reach; every page, list and admin of the volunteers' work narrows by it."""
    group_ids, uncovered = group_reach(user)
    if group_ids is None:
        return Q()
    condition = Q(**{f"{path}local_group_id__in": group_ids})
    if uncovered:
        condition |= Q(**{f"{path}local_group__isnull": True})
    return condition
