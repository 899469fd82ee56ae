"""Bad input is refused on the form, with a message, before the database sees it (never a 500).

Control characters. PostgreSQL refuses a NUL byte in text, and no text a person types holds the
other C0 controls (tab, newline and carriage return aside), DEL, the C1 range (U+0080-U+009F) or a
lone surrogate half (which cannot even be written as UTF-8). ``install()``, called once from
``WorkflowConfig.ready``, makes every field of every form refuse them: the portal's own forms,
the admin's generated ModelForms and inlines, Django's log-in and password forms and those of the
packages the admin shows, and any form added later. The raw value is checked before the field
converts, looks up or stores anything (so not even a ``ModelChoiceField`` queries with it), and
the cleaned value after (a JSON field turns the text ``"\\u0000"`` into a NUL). The form is shown
again with the field's error and with what was typed; nothing is removed silently. Query strings
are checked by ``workflow.middleware.ControlCharactersInAddressMiddleware``.

Text is kept as typed. The same hook refuses, with a message, the bidirectional embeddings,
overrides and isolates (U+202A-U+202E, U+2066-U+2069): invisible, they make text read in another
order than it is stored (a name that reads as another, "Trojan Source"), and no one types them
on purpose. Every other character is kept as typed, the invisible ones that languages and
emoji need included: the zero-width non-joiner of Persian (Dari) and Kurdish names (U+200C), the
joiner of emoji sequences and Indic scripts (U+200D), the left-to-right and right-to-left marks
of Arabic and Persian text (U+200E, U+200F, U+061C), no-break spaces (U+00A0, U+202F), the soft
hyphen (U+00AD), variation selectors and the tags of flag emoji. A field that trims spaces (every
``CharField`` but passwords) takes a value of nothing but spaces and such invisible characters
as empty: a required name of one zero-width space is refused as missing.

What a form keeps in the session between two steps: ``keep_answers`` and ``kept_answers`` (only
the form's own fields, and the session no bigger than ``SESSION_MAX_BYTES``).

Unique constraints across the rows of one inline formset: ``UniqueRowsInlineFormSet``.
"""

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.datastructures import MultiValueDict
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _

# C0 except tab (09), newline (0A) and carriage return (0D); DEL (7F) and C1 (80-9F); surrogates.
CONTROL_CHARACTERS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
# Bidirectional embeddings and overrides (LRE, RLE, PDF, LRO, RLO) and isolates (LRI, RLI, FSI,
# PDI). The marks (LRM U+200E, RLM U+200F, ALM U+061C) are not here: Arabic and Persian text
# needs them, and they cannot reorder the text around them.
DIRECTION_OVERRIDES = "\u202a-\u202e\u2066-\u2069"
CONTROL_CHARACTER = re.compile(f"[{CONTROL_CHARACTERS}]")
DIRECTION_OVERRIDE = re.compile(f"[{DIRECTION_OVERRIDES}]")
# What no form accepts: the one rule of every field (``install``).
REFUSED_CHARACTER = re.compile(f"[{CONTROL_CHARACTERS}{DIRECTION_OVERRIDES}]")

CONTROL_CHARACTER_MESSAGE = _(
    "This field contains an invisible control character (%(character)s) that cannot be saved. "
    "Remove it and try again."
)
DIRECTION_OVERRIDE_MESSAGE = _(
    "This field contains an invisible character that changes the direction of the text "
    "(%(character)s), perhaps copied with the text. It cannot be saved: remove it and try again."
)


def _find(value: Any, pattern: re.Pattern) -> str | None:
    if isinstance(value, str):
        found = pattern.search(value)
        return found.group() if found else None
    if isinstance(value, dict):
        return _find([*value.keys(), *value.values()], pattern)
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            found = _find(item, pattern)
            if found is not None:
                return found
    return None


def find_control_character(value: Any) -> str | None:
    """The first control character in ``value``: a text, or the texts in a list, tuple, set or
    dict (keys too) as widgets and JSON give them. Anything else (numbers, dates, files, model
    objects, querysets) holds none."""
    return _find(value, CONTROL_CHARACTER)


def find_refused_character(value: Any) -> str | None:
    """The first character in ``value`` that no form accepts: a control character or a
    direction override (in texts, lists and dicts as ``find_control_character``)."""
    return _find(value, REFUSED_CHARACTER)


def code_point(character: str) -> str:
    return f"U+{ord(character):04X}"


def refuse_control_characters(value: Any) -> None:
    """Raise the field's ``ValidationError`` (code ``control_character``) if ``value`` holds a
    control character or a direction override."""
    character = find_refused_character(value)
    if character is not None:
        overrides = DIRECTION_OVERRIDE.match(character)
        raise ValidationError(
            DIRECTION_OVERRIDE_MESSAGE if overrides else CONTROL_CHARACTER_MESSAGE,
            code="control_character",
            params={"character": code_point(character)},
        )


def is_blank(text: str) -> bool:
    """Nothing to read: only spaces and invisible format characters (a zero-width space, a
    joiner, a direction mark)."""
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in text)


def trims_text(field: forms.Field) -> bool:
    """A field of typed text that drops surrounding spaces (not a password, not JSON)."""
    return (
        isinstance(field, forms.CharField)
        and not isinstance(field, forms.JSONField)
        and field.strip
    )


def install() -> None:
    """Make every form field refuse control characters and direction overrides, and take a
    blank text as empty. Idempotent.

    Every form cleans each bound field through ``Field._clean_bound_field`` (Django 5.0 and
    later; ``FileField`` overrides it, but an uploaded file is not text): the one place that
    sees each field's raw value in every form, Django's and other packages' included.
    """
    original = forms.Field._clean_bound_field
    if getattr(original, "refuses_control_characters", False):
        return

    def _clean_bound_field(field, bound_field):
        if field.disabled:  # the stored value is shown, not what was sent
            return original(field, bound_field)
        refuse_control_characters(bound_field.data)
        value = original(field, bound_field)
        refuse_control_characters(value)
        if trims_text(field) and isinstance(value, str) and value and is_blank(value):
            # As the field already does with a value of spaces alone.
            if field.required:
                raise ValidationError(field.error_messages["required"], code="required")
            return field.empty_value
        return value

    _clean_bound_field.refuses_control_characters = True
    forms.Field._clean_bound_field = _clean_bound_field


# Answers kept in the session between two steps of a form ---------------------------------------

# The most a session may hold, as stored (signed and compressed). The sign-up form filled to
# every field's max_length takes 8 KB in Persian letters, 25 KB in random characters from
# outside the Basic Multilingual Plane (the worst case: JSON writes two escapes for each).
SESSION_MAX_BYTES = 64 * 1024

ANSWERS_TOO_LONG_MESSAGE = _(
    "Your answers are too long to keep for the next step. Shorten the longest answers and try "
    "again."
)


def keep_answers(request, key: str, form: forms.BaseForm, *, leave_out: Iterable[str] = ()) -> bool:
    """Keep a valid form's answers in the session under ``key``, for the next step to show and
    validate again: the values typed into the form's own fields, as typed, and nothing else that
    was sent with them. The one place user input enters a session, so the one place its size is
    checked: if the session would grow past ``SESSION_MAX_BYTES``, nothing is kept, the form gets
    an error to show with what was typed, and the answer is False.
    """
    answers = {}
    for name in form.fields:
        field_key = form.add_prefix(name)
        if name in leave_out or field_key not in form.data:
            continue
        getlist = getattr(form.data, "getlist", None)
        values = getlist(field_key) if getlist else form.data[field_key]
        answers[field_key] = (
            [str(v) for v in values] if isinstance(values, list | tuple) else [str(values)]
        )
    session = request.session
    if len(session.encode({**dict(session.items()), key: answers})) > SESSION_MAX_BYTES:
        form.add_error(None, ValidationError(ANSWERS_TOO_LONG_MESSAGE, code="too_long"))
        return False
    session[key] = answers
    return True


def kept_answers(request, key: str) -> MultiValueDict | None:
    """The answers ``keep_answers`` kept under ``key``, as form data; None if there are none (or
    they are not in the shape it keeps them)."""
    answers = request.session.get(key)
    if not isinstance(answers, dict) or not all(
        isinstance(values, list) and all(isinstance(v, str) for v in values)
        for values in answers.values()
    ):
        return None
    return MultiValueDict(answers)


# Unique constraints across the rows of one inline formset -------------------------------------


class UniqueRowsInlineFormSet(BaseInlineFormSet):
    """An inline formset whose rows cannot break the model's unique constraints (``unique``,
    ``unique_together``, and ``UniqueConstraint`` on fields without a condition) among
    themselves or with the rows already saved.

    Django checks that no two rows of the formset are the same, but an inline form checks none
    of the constraints that include the parent (it leaves the foreign key out of its checks). So
    a new row equal to a saved one the form does not show (saved by someone else a moment ago),
    or two saved rows that swap their values, reached the database as an IntegrityError.
    ``save()`` writes the saved rows (deleted or changed) in their order, then the new ones; a
    row is refused when, at the moment it would be written, another row still holds its values.
    """

    unique_row_message = _(
        "Another row already has the same %(fields)s. Change one of them, or save the change to "
        "the other row first."
    )

    def clean(self):
        super().clean()  # Django's check that no two rows of the formset are the same
        for form, fields in self._rows_holding_anothers_values():
            # The parent is the same for every row: the message names the other fields.
            named = [name for name in fields if name != self.fk.name] or list(fields)
            labels = [str(self.model._meta.get_field(name).verbose_name) for name in named]
            error = ValidationError(
                self.unique_row_message,
                code="unique_row",
                params={"fields": get_text_list(labels, _("and"))},
            )
            shown = [name for name in named if name in form.fields]
            form.add_error(shown[0] if len(named) == 1 and shown else None, error)

    def _unique_checks(self) -> list[tuple[str, ...]]:
        row = self.model(**{self.fk.name: self.instance})
        unique_checks, _date_checks = row._get_unique_checks(include_meta_constraints=True)
        pk_name = self.model._meta.pk.name
        return [fields for _model, fields in unique_checks if fields != (pk_name,)]

    def _rows_holding_anothers_values(self) -> Iterable[tuple[forms.BaseForm, tuple[str, ...]]]:
        deleted = {
            form for form in self.forms if self.can_delete and self._should_delete_form(form)
        }
        # What ``save()`` writes, in its order: saved rows deleted or changed, then new rows.
        writes = [
            form
            for form in self.initial_forms
            if form.instance.pk is not None and (form in deleted or form.has_changed())
        ] + [form for form in self.extra_forms if form.has_changed() and form not in deleted]
        if any(not form.is_valid() for form in writes if form not in deleted):
            return  # the rows' own errors come first (Django's check of equal rows among them)
        step_of = {form.instance.pk: step for step, form in enumerate(writes) if form.instance.pk}
        for fields in self._unique_checks():
            attnames = [self.model._meta.get_field(name).attname for name in fields]
            for step, form in enumerate(writes):
                if form in deleted:
                    continue
                values = [getattr(form.instance, attname) for attname in attnames]
                if None in values:
                    continue  # NULLs are never equal in a unique constraint
                holders = self.model._default_manager.filter(
                    **dict(zip(attnames, values, strict=True))
                )
                if form.instance.pk is not None:
                    holders = holders.exclude(pk=form.instance.pk)
                for pk in holders.values_list("pk", flat=True):
                    # A row written before this one frees the values if it is deleted or changed;
                    # any other row still holds them when this one is written.
                    earlier = step_of.get(pk, len(writes))
                    if earlier < step and (
                        writes[earlier] in deleted
                        or [getattr(writes[earlier].instance, a) for a in attnames] != values
                    ):
                        continue
                    yield form, fields
                    break
