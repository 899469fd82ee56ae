"""Who sees which organisation's data.

A partner's people (its coordinators and managers) see only their own partner's newcomer cases,
the homes referred to that partner and the matches between them; another partner's objects do not
exist for them (404 everywhere). The volunteer organisation's people see the homes but no newcomer
cases. The data protection officer and superusers see everything (the DPO read-only).
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
        return None
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
    """A filter on people: those of the person's own organisation, None for all of them."""
    if sees_everything(user):
        return None
    if getattr(user, "organisation_id", None) is None:
        return Q(pk=user.pk)
    return Q(organisation_id=user.organisation_id)
