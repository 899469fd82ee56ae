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

Unique constraints across the rows of one inline formset: ``UniqueRowsInlineFormSet``.
"""

import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _

# C0 except tab (09), newline (0A) and carriage return (0D); DEL (7F) and C1 (80-9F); surrogates.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

CONTROL_CHARACTER_MESSAGE = _(
    "This field contains an invisible control character (%(character)s) that cannot be saved. "
    "Remove it and try again."
)


def find_control_character(value: Any) -> str | None:
    """The first control character in ``value``: a text, or the texts in a list, tuple, set or
    dict (keys too) as widgets and JSON give them. Anything else (numbers, dates, files, model
    objects, querysets) holds none."""
    if isinstance(value, str):
        found = CONTROL_CHARACTER.search(value)
        return found.group() if found else None
    if isinstance(value, dict):
        return find_control_character([*value.keys(), *value.values()])
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            found = find_control_character(item)
            if found is not None:
                return found
    return None


def code_point(character: str) -> str:
    return f"U+{ord(character):04X}"


def refuse_control_characters(value: Any) -> None:
    """Raise the field's ``ValidationError`` (code ``control_character``) if ``value`` holds one."""
    character = find_control_character(value)
    if character is not None:
        raise ValidationError(
            CONTROL_CHARACTER_MESSAGE,
            code="control_character",
            params={"character": code_point(character)},
        )


def install() -> None:
    """Make every form field refuse control characters. Idempotent.

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
        return value

    _clean_bound_field.refuses_control_characters = True
    forms.Field._clean_bound_field = _clean_bound_field


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
