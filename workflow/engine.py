"""A small state machine: one table of transitions per workflow, applied under a row lock.

Each workflow (a home, a newcomer case, a match) declares its transitions once: the stages it may
start from, the stage it leads to, the roles allowed to make it, whether a reason is required, and
a guard. ``Workflow.apply`` is the only code that changes a status: it locks the row, checks all of
that, saves, and writes one row to the workflow's append-only log. The diagram in ``docs/`` is drawn
from the same table (``manage.py workflow_diagram``).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.scoping import role_names

from .errors import Conflict, DomainError, Invalid, NotAllowed, TransitionNotAllowed
from .models import ActorKind

__all__ = [
    "HOST",
    "HOUSEHOLD",
    "SYSTEM",
    "Conflict",
    "DomainError",
    "Invalid",
    "NotAllowed",
    "Transition",
    "TransitionNotAllowed",
    "Workflow",
    "roles_of",
]

HOST = "host"  # the host, through self-service (no account)
HOUSEHOLD = "household"  # the newcomer household, through its own signed link (no account)
SYSTEM = "system"  # the portal itself: another service, a task, a command


@dataclass(frozen=True)
class Transition:
    name: str
    label: Any
    sources: tuple[str, ...]
    # None: the target is worked out by the workflow's ``resolve_target`` (e.g. "back from pause").
    target: str | None
    roles: frozenset[str]
    reason_required: bool = False
    # For a target worked out at run time: the stages it can lead to (drawn in the diagram).
    returns_to: tuple[str, ...] = ()
    # Returns a translated problem, or None when the step may go ahead.
    guard: Callable[[models.Model], Any] | None = field(default=None, compare=False)


def roles_of(*, user=None, actor_kind: str = ActorKind.USER) -> set[str]:
    """The roles an actor holds: the host and the portal are roles of their own."""
    if actor_kind == ActorKind.HOST:
        return {HOST}
    if actor_kind == ActorKind.HOUSEHOLD:
        return {HOUSEHOLD}
    if actor_kind == ActorKind.SYSTEM:
        return {SYSTEM}
    if user is None or not user.is_active:
        return set()
    if user.is_superuser:
        return set(roles.ROLE_LABELS)
    return role_names(user)


class Workflow:
    def __init__(
        self,
        *,
        name: str,
        model: type[models.Model],
        log_model: type[models.Model],
        log_fk: str,
        states: type[models.TextChoices],
        initial: str,
        transitions: Iterable[Transition],
        resolve_target: Callable[[models.Model, Transition], str] | None = None,
        status_field: str = "status",
        changed_field: str | None = "status_changed_at",
        also_initial: tuple[str, ...] = (),
    ):
        self.name = name
        self.model = model
        self.log_model = log_model
        self.log_fk = log_fk
        self.states = states
        self.initial = initial
        self.transitions = {t.name: t for t in transitions}
        self.resolve_target = resolve_target
        self.status_field = status_field
        self.changed_field = changed_field
        # Other stages an object can be created in (a vacancy is let normally or offered).
        self.also_initial = also_initial

    def __getitem__(self, name: str) -> Transition:
        return self.transitions[name]

    def label_of(self, state: str) -> str:
        return str(dict(self.states.choices).get(state, state))

    def available(
        self, obj, *, user=None, actor_kind: str = ActorKind.USER, check_guards: bool = False
    ) -> list[Transition]:
        """The steps this actor may take from the object's current stage (and, with
        ``check_guards``, only those whose guard lets them through now)."""
        held = roles_of(user=user, actor_kind=actor_kind)
        status = getattr(obj, self.status_field)
        return [
            t
            for t in self.transitions.values()
            if status in t.sources
            and t.roles & held
            and not (check_guards and t.guard is not None and t.guard(obj))
        ]

    def log_created(
        self,
        obj,
        *,
        user=None,
        actor_kind: str = ActorKind.USER,
        reason: str = "",
        log_fields: dict[str, Any] | None = None,
    ):
        """The first row of an object's history: from nothing to its initial stage.
        ``log_fields`` are extra columns of the log row (as for ``apply``)."""
        return self.log_model.objects.create(
            **{self.log_fk: obj},
            from_state="",
            to_state=getattr(obj, self.status_field),
            actor=user if actor_kind == ActorKind.USER else None,
            actor_kind=actor_kind,
            reason=reason,
            **(log_fields or {}),
        )

    def apply(
        self,
        obj,
        name: str,
        *,
        user=None,
        actor_kind: str = ActorKind.USER,
        reason: str = "",
        changes: dict[str, Any] | None = None,
        log_fields: dict[str, Any] | None = None,
    ):
        """Take step ``name`` on ``obj`` or raise a ``DomainError``; returns the log row.

        The row is locked (``SELECT … FOR UPDATE``) for the length of the transaction, so of two
        people acting on the same object at once the second waits and then sees the first one's
        result. ``changes`` are other fields saved together with the step (e.g. the partner a home
        is referred to); ``log_fields`` are extra columns of the log row.
        """
        spec = self.transitions.get(name)
        if spec is None:
            raise Invalid(_("There is no such step."))
        reason = (reason or "").strip()
        with transaction.atomic():
            locked = type(obj).objects.select_for_update().get(pk=obj.pk)
            current = getattr(locked, self.status_field)
            if current not in spec.sources:
                raise Conflict(
                    _("“%(step)s” is not possible at the stage “%(stage)s”.")
                    % {"step": spec.label, "stage": self.label_of(current)}
                )
            if not spec.roles & roles_of(user=user, actor_kind=actor_kind):
                raise NotAllowed(_("You are not allowed to take this step."))
            if spec.reason_required and not reason:
                raise Invalid(_("Please give a reason for this step."))
            update_fields = [self.status_field]
            for field_name, value in (changes or {}).items():
                setattr(locked, field_name, value)
                update_fields.append(field_name)
            if spec.guard is not None:
                problem = spec.guard(locked)
                if problem:
                    raise Conflict(problem)
            target = spec.target or self.resolve_target(locked, spec)
            setattr(locked, self.status_field, target)
            if self.changed_field:
                setattr(locked, self.changed_field, timezone.now())
                update_fields.append(self.changed_field)
            if any(f.name == "updated_at" for f in locked._meta.concrete_fields):
                update_fields.append("updated_at")
            locked.save(update_fields=update_fields)
            record = self.log_model.objects.create(
                **{self.log_fk: locked},
                from_state=current,
                to_state=target,
                actor=user if actor_kind == ActorKind.USER else None,
                actor_kind=actor_kind,
                reason=reason,
                **(log_fields or {}),
            )
        for field_name in [self.status_field, *(changes or {})]:
            setattr(obj, field_name, getattr(locked, field_name))
        if self.changed_field:
            setattr(obj, self.changed_field, getattr(locked, self.changed_field))
        return record

    def mermaid(self) -> str:
        """The workflow as a Mermaid state diagram, drawn from the table."""
        lines = ["stateDiagram-v2"]
        lines += [f"    [*] --> {state}" for state in (self.initial, *self.also_initial)]
        for t in self.transitions.values():
            who = ", ".join(sorted(t.roles))
            flag = " (reason)" if t.reason_required else ""
            targets = (t.target,) if t.target else t.returns_to
            for source in t.sources:
                for target in targets:
                    lines.append(f"    {source} --> {target}: {t.name}{flag} [{who}]")
        return "\n".join(lines)
