"""A change form's fieldset (``admin/includes/fieldset.html``) written in Python: the same HTML
as Django 5.2's template. The template spent about half of a change page's rendering on its
own tags (a dozen conditions and lookups per field); the fields' widgets, labels, errors and
read-only contents are still Django's own methods, called as the template calls them.
``tests/test_admin_fieldset.py`` compares the two for every change form the demo's people open,
so a Django upgrade that changes the template fails there."""

from django.utils.safestring import SafeString

from .form_renderer import shown


def _name(field):
    """``field.field.name`` in the template: a bound field's name, a read-only field's
    ``{"name": …}``."""
    inner = field.field
    return inner["name"] if isinstance(inner, dict) else inner.name


def _inner(field, key, default=""):
    """``field.field.<key>``: a dict's key or an attribute, "" when there is none."""
    inner = field.field
    if isinstance(inner, dict):
        return inner.get(key, default)
    return getattr(inner, key, default)


def _field_html(line_is_single: bool, field) -> str:
    parts = ["\n                <div>\n                    "]
    if not line_is_single and not field.is_readonly:
        parts.append(shown(field.errors()))
    classes = "flex-container"
    if not line_is_single:
        classes += " fieldBox"
        name = _name(field)
        if name:
            classes += f" field-{shown(name)}"
        if not field.is_readonly and field.errors():
            classes += " errors"
        if _inner(field, "is_hidden"):
            classes += " hidden"
    if field.is_checkbox:
        classes += " checkbox-row"
    parts.append(f'\n                        <div class="{classes}">\n                            ')
    if field.is_checkbox:
        parts.append(
            f"\n                                {shown(field.field)}{shown(field.label_tag())}"
            "\n                            "
        )
    else:
        parts.append(f"\n                                {shown(field.label_tag())}\n")
        if field.is_readonly:
            parts.append(
                "                                \n"
                f'                                    <div class="readonly">'
                f"{shown(field.contents())}</div>\n                                "
            )
        else:
            parts.append(
                f"                                \n                                    "
                f"{shown(field.field)}\n                                "
            )
        parts.append("\n                            ")
    parts.append("\n                        </div>\n                    ")
    help_text = _inner(field, "help_text")
    if help_text:
        hidden = " hidden" if _inner(field, "is_hidden") else ""
        id_for_label = _inner(field, "id_for_label")
        described = f' id="{shown(id_for_label)}_helptext"' if id_for_label else ""
        parts.append(
            f'\n                        <div class="help{hidden}"{described}>\n'
            f"                            <div>{help_text}</div>\n"
            "                        </div>\n                    "
        )
    parts.append("\n                </div>\n            ")
    return "".join(parts)


def fieldset_html(fieldset, heading_level, prefix, id_prefix, id_suffix) -> str:
    """django/contrib/admin/templates/admin/includes/fieldset.html."""
    heading_id = f"{shown(prefix)}-{shown(id_prefix)}-{shown(id_suffix)}-heading"
    parts = [f'<fieldset class="module aligned {shown(fieldset.classes)}"']
    if fieldset.name:
        parts.append(f' aria-labelledby="{heading_id}"')
    parts.append(">\n    ")
    if fieldset.name:
        level = shown(heading_level or 2)
        collapsible = fieldset.is_collapsible
        parts.append(
            "\n        "
            + ("<details><summary>" if collapsible else "")
            + f'\n        <h{level} id="{heading_id}" class="fieldset-heading">'
            f"{shown(fieldset.name)}</h{level}>\n        "
            + ("</summary>" if collapsible else "")
            + "\n    "
        )
    parts.append("\n    ")
    if fieldset.description:
        parts.append(f'\n        <div class="description">{fieldset.description}</div>\n    ')
    parts.append("\n    ")
    for line in fieldset:
        single = len(line.fields) == 1
        classes = "form-row"
        if single and line.errors():
            classes += " errors"
        if not line.has_visible_field:
            classes += " hidden"
        fields = list(line)
        for field in fields:
            name = _name(field)
            if name:
                classes += f" field-{shown(name)}"
        parts.append(f'\n        <div class="{classes}">\n            ')
        parts.append(
            shown(line.errors()) if single else '<div class="flex-container form-multiline">'
        )
        parts.append("\n            ")
        parts.extend(_field_html(single, field) for field in line)
        parts.append("\n            ")
        if not single:
            parts.append("</div>")
        parts.append("\n        </div>\n    ")
    parts.append("\n    ")
    if fieldset.name and fieldset.is_collapsible:
        parts.append("</details>")
    parts.append("\n</fieldset>\n")
    return SafeString("".join(parts))
