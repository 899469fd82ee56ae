"""The shape of every transition log: homes, newcomer cases and matches each keep one."""

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ActorKind(models.TextChoices):
    USER = "user", _("Staff or volunteer")
    HOST = "host", _("The host")
    HOUSEHOLD = "household", _("The household")
    SYSTEM = "system", _("The portal")


class TransitionLog(models.Model):
    """One step of an object through its workflow: append-only history that the reports read.

    ``actor`` is the person who made the step; steps the host makes through self-service and steps
    the portal makes have no user and say so in ``actor_kind``. Rows are never changed or deleted
    (erasure only empties ``reason``, which may hold personal data).
    """

    ActorKind = ActorKind

    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_kind = models.CharField(_("made by"), max_length=10, choices=ActorKind.choices)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    # The field of the object whose values the steps record (a contract's steps change its kind).
    state_field = "status"

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        # "Offered → Proposed, 7 Dec 2026": the stages by their names, the day in the language.
        from matching_portal import formatting

        to_label = self.state_label(self.to_state)
        step = f"{self.state_label(self.from_state)} → {to_label}" if self.from_state else to_label
        return f"{step}, {formatting.day(self.created_at)}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("The transition history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The transition history is append-only.")

    @classmethod
    def subject_field(cls):
        """The relation to the object whose history this is (a match's, a case's, ...)."""
        for field in cls._meta.concrete_fields:
            if field.many_to_one and field.name != "actor":
                try:
                    field.related_model._meta.get_field(cls.state_field)
                except FieldDoesNotExist:
                    continue
                return field
        return None

    @classmethod
    def state_label(cls, value: str):
        """A stored stage in words, in the page's language (the object's own choices)."""
        if not value:
            return ""
        subject = cls.subject_field()
        if subject is not None:
            choices = subject.related_model._meta.get_field(cls.state_field).choices or []
            return dict(choices).get(value, value)
        return value
