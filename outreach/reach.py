"""Who organises which outreach: the one rule of reach for meetings (and any object with a
``local_group`` or a ``partner`` organiser).

A volunteer coordinator reaches their own local group's meetings; a national coordinator every
group of the organisation (``accounts.scoping.group_reach``); a partner's coordinators their own
partner's. The data protection officer and superusers see everything (the officer read-only: the
workflows give them no step). Anyone else reaches nothing: for them the objects do not exist.
"""

from django.db.models import Q

from accounts import roles
from accounts.models import Organisation
from accounts.scoping import group_reach, organisation_kind, role_names, sees_everything

NOTHING = Q(pk__in=[])


def organiser_filter(user, *, path: str = "") -> Q | None:
    """A filter on meetings (or, with ``path`` such as ``"meeting__"``, on objects of a meeting)
    that ``user`` reaches; None for all of them."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if sees_everything(user):
        return None
    held = role_names(user)
    kind = organisation_kind(user)
    if kind == Organisation.Kind.VOLUNTEER_ORGANISATION and roles.VOLUNTEER_COORDINATOR in held:
        group_ids, _uncovered = group_reach(user)
        if group_ids is None:
            return None
        return Q(**{f"{path}local_group_id__in": group_ids})
    if kind == Organisation.Kind.PARTNER and roles.PARTNER_COORDINATOR in held:
        return Q(**{f"{path}partner_id": user.organisation_id})
    return NOTHING


def may_organise(user, *, local_group=None, partner=None) -> bool:
    """Whether ``user`` may plan and run meetings for this organiser (a local group or a
    partner): a coordinator who reaches it. The data protection officer only reads."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    held = role_names(user)
    if local_group is not None:
        if roles.VOLUNTEER_COORDINATOR not in held:
            return False
        if organisation_kind(user) != Organisation.Kind.VOLUNTEER_ORGANISATION:
            return False
        group_ids, _uncovered = group_reach(user)
        return group_ids is not None and local_group.pk in group_ids
    if partner is not None:
        return roles.PARTNER_COORDINATOR in held and user.organisation_id == partner.pk
    return False


def organisers_of(user) -> dict:
    """The local groups and partners ``user`` may plan meetings for (``may_organise``)."""
    from accounts.models import LocalGroup

    if user is None or not user.is_authenticated:
        return {"local_groups": LocalGroup.objects.none(), "partners": Organisation.objects.none()}
    if user.is_superuser:
        return {
            "local_groups": LocalGroup.objects.all(),
            "partners": Organisation.objects.filter(kind=Organisation.Kind.PARTNER),
        }
    held = role_names(user)
    groups = LocalGroup.objects.none()
    partners = Organisation.objects.none()
    if (
        roles.VOLUNTEER_COORDINATOR in held
        and organisation_kind(user) == Organisation.Kind.VOLUNTEER_ORGANISATION
    ):
        group_ids, _uncovered = group_reach(user)
        groups = LocalGroup.objects.filter(pk__in=group_ids or [])
    if roles.PARTNER_COORDINATOR in held and organisation_kind(user) == Organisation.Kind.PARTNER:
        partners = Organisation.objects.filter(pk=user.organisation_id)
    return {"local_groups": groups, "partners": partners}
