"""Who may open a page of the web app: a role check on top of the log-in."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .scoping import role_names


def has_role(user, *wanted: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(role_names(user) & set(wanted))


def role_required(*wanted: str):
    """The page needs a logged-in user holding one of ``wanted``; others get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, *wanted):
                raise PermissionDenied
            response = view(request, *args, **kwargs)
            response["Cache-Control"] = "no-store"
            return response

        return wrapped

    return decorator
