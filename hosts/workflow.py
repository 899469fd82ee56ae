"""The workflow of a home, declared in one table.

Every stage change of a home goes through ``transition_home``: it locks the row, checks that the
step is allowed from the current stage, by this actor, with a reason where one is required, applies
the guard, writes one ``HomeTransition`` row, and queues the e-mails the host cares about. Nothing
else in the code sets ``Home.status``. ``manage.py workflow_diagram`` draws this table.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles

from .models import Home, HomeTransition

S = Home.Status

HOST = "host"  # the host, through self-service (no account)
SYSTEM = "system"  # the portal itself: tasks and other services

# Stages from which a home is still on its way to a match: it can be paused or withdrawn.
OPEN_STAGES = (S.REGISTERED, S.CONTACTED, S.VISIT_BOOKED, S.VISITED, S.REFERRED)
FINAL_STAGES = (S.CLOSED, S.WITHDRAWN, S.REJECTED)


class TransitionNotAllowed(Exception):
    """A step that the workflow does not allow; ``message`` is translated for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    # None: back to the stage the home was paused from.
    target: str | None
    roles: frozenset[str]
    reason_required: bool = False
    guard: Callable[[Home], str | None] | None = field(default=None, compare=False)


STAFF_ROLES = frozenset({roles.VOLUNTEER, roles.VOLUNTEER_COORDINATOR})

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "contact",
            _("Host reached"),
            (S.REGISTERED, S.UNREACHABLE),
            S.CONTACTED,
            STAFF_ROLES,
        ),
        Transition(
            "book_visit", _("Book a home visit"), (S.CONTACTED,), S.VISIT_BOOKED, STAFF_ROLES
        ),
        Transition(
            "cancel_visit",
            _("Cancel the home visit"),
            (S.VISIT_BOOKED,),
            S.CONTACTED,
            STAFF_ROLES,
            reason_required=True,
        ),
        Transition(
            "approve_visit", _("Visit: suitable"), (S.VISIT_BOOKED,), S.VISITED, STAFF_ROLES
        ),
        Transition(
            "reject",
            _("Visit: not suitable"),
            (S.VISIT_BOOKED, S.VISITED),
            S.REJECTED,
            STAFF_ROLES,
            reason_required=True,
        ),
        Transition(
            "refer",
            _("Refer to a partner"),
            (S.VISITED,),
            S.REFERRED,
            frozenset({roles.VOLUNTEER_COORDINATOR}),
        ),
        Transition(
            "match",
            _("Matched"),
            (S.REFERRED,),
            S.MATCHED,
            frozenset({SYSTEM}),
        ),
        Transition(
            "end",
            _("End the stay"),
            (S.MATCHED,),
            S.ENDED,
            frozenset({SYSTEM}),
            reason_required=True,
        ),
        Transition(
            "refer_again",
            _("Refer again"),
            (S.ENDED,),
            S.REFERRED,
            frozenset({roles.PARTNER_COORDINATOR, roles.VOLUNTEER_COORDINATOR}),
        ),
        Transition(
            "close",
            _("Close"),
            (S.ENDED,),
            S.CLOSED,
            frozenset({roles.PARTNER_COORDINATOR, roles.VOLUNTEER_COORDINATOR}),
            reason_required=True,
        ),
        Transition(
            "mark_unreachable",
            _("Unreachable"),
            (S.REGISTERED,),
            S.UNREACHABLE,
            frozenset({SYSTEM, roles.VOLUNTEER_COORDINATOR}),
            reason_required=True,
        ),
        Transition(
            "reopen",
            _("The host is interested again"),
            (S.UNREACHABLE,),
            S.REGISTERED,
            frozenset({HOST, roles.VOLUNTEER_COORDINATOR}),
        ),
        Transition(
            "pause",
            _("Pause"),
            OPEN_STAGES,
            S.PAUSED,
            frozenset({HOST, *STAFF_ROLES}),
        ),
        Transition(
            "resume",
            _("Resume"),
            (S.PAUSED,),
            None,
            frozenset({HOST, *STAFF_ROLES}),
        ),
        Transition(
            "withdraw",
            _("Withdraw"),
            (*OPEN_STAGES, S.PAUSED, S.UNREACHABLE),
            S.WITHDRAWN,
            frozenset({HOST, SYSTEM, *STAFF_ROLES, roles.PARTNER_COORDINATOR}),
        ),
    ]
}


def actor_roles(*, user=None, actor_kind: str) -> set[str]:
    if actor_kind == HomeTransition.ActorKind.HOST:
        return {HOST}
    if actor_kind == HomeTransition.ActorKind.SYSTEM:
        return {SYSTEM}
    if user is None:
        return set()
    if user.is_superuser:
        return set(roles.ROLE_LABELS)
    return set(user.groups.values_list("name", flat=True))


def available_transitions(home: Home, *, user=None, actor_kind: str = "user") -> list[Transition]:
    """The steps this actor may take from the home's current stage."""
    held = actor_roles(user=user, actor_kind=actor_kind)
    return [t for t in TRANSITIONS.values() if home.status in t.sources and t.roles & held]


def _stage_before_pause(home: Home) -> str:
    last_pause = home.transitions.filter(to_state=S.PAUSED).order_by("-created_at", "-pk").first()
    return last_pause.from_state if last_pause else S.REGISTERED


def transition_home(
    *,
    home: Home,
    name: str,
    actor_kind: str = HomeTransition.ActorKind.USER,
    user=None,
    reason: str = "",
) -> HomeTransition:
    """Move ``home`` one step through the workflow, or raise ``TransitionNotAllowed``.

    The home row is locked for the length of the transaction, so two people acting on the same
    home at once are served one after the other and the second sees the first one's result.
    """
    spec = TRANSITIONS.get(name)
    if spec is None:
        raise TransitionNotAllowed(_("There is no such step."))
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = Home.objects.select_for_update().get(pk=home.pk)
        if locked.status not in spec.sources:
            raise TransitionNotAllowed(
                _("“%(step)s” is not possible when the home is “%(stage)s”.")
                % {"step": spec.label, "stage": locked.get_status_display()}
            )
        if not spec.roles & actor_roles(user=user, actor_kind=actor_kind):
            raise TransitionNotAllowed(_("You are not allowed to take this step."))
        if spec.reason_required and not reason:
            raise TransitionNotAllowed(_("Please give a reason for this step."))
        if spec.guard is not None:
            problem = spec.guard(locked)
            if problem:
                raise TransitionNotAllowed(problem)
        target = spec.target or _stage_before_pause(locked)
        from_state = locked.status
        locked.status = target
        locked.status_changed_at = timezone.now()
        locked.save(update_fields=["status", "status_changed_at", "updated_at"])
        record = HomeTransition.objects.create(
            home=locked,
            from_state=from_state,
            to_state=target,
            actor=user if actor_kind == HomeTransition.ActorKind.USER else None,
            actor_kind=actor_kind,
            reason=reason,
        )
    home.status = locked.status
    home.status_changed_at = locked.status_changed_at
    return record
