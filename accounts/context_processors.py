from . import roles
from .access import has_role
from .scoping import role_names


def navigation(request):
    """What the header offers the person who is logged in."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if not second_factor_given(user):
        # Before the code is confirmed the person reaches none of these pages: none is offered.
        return {}
    return {
        "nav_volunteer": has_role(user, roles.VOLUNTEER, roles.VOLUNTEER_COORDINATOR),
        "nav_reports": has_role(
            user,
            roles.MANAGER,
            roles.PARTNER_COORDINATOR,
            roles.VOLUNTEER_COORDINATOR,
            roles.DATA_PROTECTION_OFFICER,
        ),
        "nav_admin": user.is_staff,
        "nav_privacy": has_role(user, roles.DATA_PROTECTION_OFFICER),
        # A national coordinator of an organisation that takes the hosts no group covers.
        "nav_uncovered": _takes_uncovered_hosts(user),
    }


def second_factor_given(user) -> bool:
    """The person has confirmed their code, or owes none."""
    from .two_factor import needs_two_factor

    return not needs_two_factor(user) or user.is_verified()


def _takes_uncovered_hosts(user) -> bool:
    if user.is_superuser or roles.NATIONAL_COORDINATOR not in role_names(user):
        return False
    from volunteers.selectors import takes_uncovered_hosts

    return takes_uncovered_hosts(user)
