from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from . import roles
from .access import has_role


@login_required
def home(request):
    """After logging in, each person lands where their work is."""
    user = request.user
    if user.is_superuser:  # holds every role; their work is the admin
        return redirect("admin:index")
    if has_role(user, roles.VOLUNTEER, roles.VOLUNTEER_COORDINATOR):
        return redirect("volunteers:start")
    if has_role(user, roles.MANAGER):
        return redirect("reports:partnerships")
    if user.is_staff:
        return redirect("admin:index")
    return redirect("hosts:landing")
