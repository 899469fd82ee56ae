"""The portal's domain errors: a refusal says why, in the language of the person who tried.

Every action raises one of three kinds, and every entry point turns it into the same answer:

- ``NotAllowed``: the person may not take this step (a page answers 403);
- ``Invalid``: what was given cannot be used, such as a missing reason or a date out of range
  (400; the form is shown again with what was typed);
- ``Conflict``: the step does not fit the object's state now, often because someone else acted
  first (409).

``message`` is a translated (lazy) string and is the only text of an error a person ever sees.
"""

from typing import Any


class DomainError(Exception):
    """A step was refused; ``message`` says why. ``status`` is the HTTP answer a page gives."""

    status = 409

    def __init__(self, message: Any):
        super().__init__(str(message))
        self.message = message


class NotAllowed(DomainError):
    """The person may not take this step."""

    status = 403


class Invalid(DomainError):
    """What was given for the step cannot be used."""

    status = 400


class Conflict(DomainError):
    """The step does not fit the object's current state."""

    status = 409


# The name every module used before the kinds were told apart: any refusal.
TransitionNotAllowed = DomainError
