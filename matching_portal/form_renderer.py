"""The form renderer (``FORM_RENDERER``): Django's own, with its most used widget templates
written in Python.

Django renders every widget through its template engine: an input is input.html with
attrs.html included, a select is select.html with select_option.html and attrs.html included
once per option. In the admin that is most of a page's CPU: a list's check box per row (about
1 ms of CPU each), a change form's fields, a select of Sweden's 290 municipalities option by
option. This renderer writes the same HTML for those templates (the text inputs and every
widget built on input.html, check boxes, hidden inputs, text areas and selects, a field's label,
and a field's empty list of errors, which the admin writes twice per field) with string
building, and hands every other template (admin widgets, radio buttons, multi-widgets, lists of
actual errors, whole forms) to Django's templates, as before. ``tests/test_form_renderer.py`` checks
the two give the same HTML, widget by widget and state by state.
"""

import html

from django.forms.renderers import DjangoTemplates
from django.utils import formats
from django.utils.safestring import SafeData
from django.utils.timezone import template_localtime

# Django's widget templates that are nothing but django/forms/widgets/input.html.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "search",
        "tel",
        "color",
        "checkbox",
    )
)
TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"
SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
LABEL_TEMPLATE = "django/forms/label.html"
ERROR_LIST_TEMPLATES = frozenset(
    {"django/forms/errors/list/default.html", "django/forms/errors/list/ul.html"}
)


def escaped(value) -> str:
    """Django's ``conditional_escape`` (the same output), without its lazy-string wrapper."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def shown(value) -> str:
    """``{{ value }}`` in a template: in local time, localized (a number as the page's
    language writes it), then escaped. A string is neither timed nor localized."""
    if isinstance(value, str):
        return value if isinstance(value, SafeData) else html.escape(value)
    return escaped(formats.localize(template_localtime(value)))


def formatted(value) -> str:
    """``{{ value|stringformat:'s' }}``: ``%s`` of the value, escaped unless the value was
    safe (the filter keeps a safe value safe)."""
    if type(value) is str:
        return html.escape(value)
    text = "%s" % (value,)  # noqa: UP031 - the filter's own formatting
    return text if isinstance(value, SafeData) else html.escape(text)


def attributes(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    return "".join(
        f" {escaped(name)}" if value is True else f' {escaped(name)}="{formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def option_html(option: dict) -> str:
    """django/forms/widgets/select_option.html."""
    return (
        f'<option value="{formatted(option["value"])}"{attributes(option["attrs"])}>'
        f"{shown(option['label'])}</option>"
    )


def widget_html(template_name: str, context: dict) -> str | None:
    """The widget's template as a string, or None for a template this does not write."""
    w = context.get("widget")
    if w is None:
        return None
    if template_name in INPUT_TEMPLATES:
        value = "" if w["value"] is None else f' value="{formatted(w["value"])}"'
        return (
            f'<input type="{shown(w["type"])}" name="{shown(w["name"])}"'
            f"{value}{attributes(w['attrs'])}>"
        )
    if template_name == TEXTAREA_TEMPLATE:
        value = shown(w["value"]) if w["value"] else ""
        return f'<textarea name="{shown(w["name"])}"{attributes(w["attrs"])}>\n{value}</textarea>'
    if template_name == SELECT_TEMPLATE:
        parts = [f'<select name="{shown(w["name"])}"{attributes(w["attrs"])}>']
        for group_name, group_choices, _index in w["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{shown(group_name)}">')
            for option in group_choices:
                if option["template_name"] != OPTION_TEMPLATE:
                    return None
                # select_option.html ends with a line break, which its include keeps.
                parts.append(f"\n  {option_html(option)}\n")
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return "".join(parts)
    return None


def label_html(context: dict) -> str:
    """django/forms/label.html (a field's label, ``BoundField.label_tag``)."""
    if not context["use_tag"]:
        return shown(context["label"])
    tag = shown(context["tag"])
    return f"<{tag}{attributes(context['attrs'] or {})}>{shown(context['label'])}</{tag}>"


def known_html(template_name: str, context: dict) -> str | None:
    """The template as a string, or None for a template (or a state of it) this does not
    write."""
    if template_name == LABEL_TEMPLATE:
        return label_html(context)
    if template_name in ERROR_LIST_TEMPLATES:
        # A field without errors (every field of a page that was not sent) writes nothing.
        return None if context["errors"] else ""
    return widget_html(template_name, context)


class PortalFormRenderer(DjangoTemplates):
    """Django's ``DjangoTemplates`` renderer, with the templates above written in Python."""

    def render(self, template_name, context, request=None):
        written = known_html(template_name, context)
        if written is not None:
            return written.strip()
        return super().render(template_name, context, request=request)
