"""The accounts' steps that staff take: lifting a log-in lock-out."""

from axes.models import AccessAttempt
from django.contrib.admin.models import DELETION, LogEntry
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from workflow.errors import NotAllowed

from .lockout import lift_wait
from .models import User

UNLOCK_PERMISSION = "axes.delete_accessattempt"


def may_lift_lockouts(user: User) -> bool:
    """Lifting a lock-out is the superuser's job, or of whoever is given the permission to
    delete lock-out records; no role of the portal has it."""
    return user.is_active and user.has_perm(UNLOCK_PERMISSION)


def lift_lockouts(*, by: User, attempts: QuerySet[AccessAttempt], where: str = "") -> int:
    """Lift the lock-out of each (user name, address) among ``attempts``: their failed attempts
    go, from every browser at that address, and so does the user name's wait. Recorded in the
    admin's history (who, which records, when) and as a security event. Returns the number of
    pairs lifted."""
    from privacy.actions import security_event
    from privacy.models import SecurityEvent

    if not may_lift_lockouts(by):
        raise NotAllowed(_("Only an administrator may lift a lock-out."))
    pairs = set(attempts.values_list("username", "ip_address"))
    if not pairs:
        return 0
    matching = Q()
    for username, address in pairs:
        matching |= Q(username=username, ip_address=address)
    with transaction.atomic():
        rows = AccessAttempt.objects.select_for_update().filter(matching)
        LogEntry.objects.log_actions(
            user_id=by.pk,
            queryset=list(rows),
            action_flag=DELETION,
            change_message="Lock-out lifted.",
        )
        rows.delete()
        for _pair in pairs:
            security_event(kind=SecurityEvent.Kind.UNLOCKED, path=where)
    for username, _address in pairs:
        if username:
            lift_wait(username)
    return len(pairs)
