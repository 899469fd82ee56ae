"""``{{ field|portal_field }}``: a form field as crispy-forms' Bootstrap 5 ``as_crispy_field``
writes it, built in Python.

crispy renders each field through a chain of templates (field.html, the radio and checkbox
template, help text and errors, then Django's own widget templates, one include per attribute
list and per choice): about 1 ms of CPU per field, most of the sign-up form's cost. This writes
the same HTML (the same wrapper, label or legend, classes, ``aria-invalid``,
``aria-describedby``, error and help-text ids) with string building for the widgets the public
forms use: text-like inputs, check boxes, text areas, selects, radio buttons and check-box
lists; a widget with a template of its own is rendered by its template inside the same
wrapper. A file input, a multi-widget, a subclass of the choice widgets or a form with a crispy
helper is left to crispy itself.
"""

from django import forms, template
from django.utils.safestring import mark_safe

from matching_portal.form_renderer import attributes as _attrs
from matching_portal.form_renderer import escaped as _e
from matching_portal.form_renderer import shown as _shown
from matching_portal.form_renderer import widget_html

register = template.Library()

# The choice widgets written here as crispy's radio_checkbox_select.html writes them.
_CHOICE_TEMPLATES = {
    forms.RadioSelect: "django/forms/widgets/radio.html",
    forms.CheckboxSelectMultiple: "django/forms/widgets/checkbox_select.html",
}


def _render_widget(field) -> str:
    """What ``str(field)`` (``BoundField.as_widget``) returns, without the template engine for
    the widgets ``matching_portal.form_renderer`` writes."""
    widget = field.field.widget
    if field.field.localize:
        widget.is_localized = True
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)
    html = widget_html(widget.template_name, context)
    if html is None:
        return str(widget._render(widget.template_name, context, field.form.renderer))
    return html


def _add_classes(widget, classes: str) -> None:
    """crispy's ``{% crispy_field field 'class' '...' %}``: the widget's class name, then
    ``classes``, added to the widget's own class attribute."""
    class_name = widget.__class__.__name__.lower()
    css_class = widget.attrs.get("class", "")
    if css_class:
        if css_class.find(class_name) == -1:
            css_class += f" {class_name}"
    else:
        css_class = class_name
    widget.attrs["class"] = css_class
    own = widget.attrs["class"].split()
    for name in classes.split():
        if name not in own:
            widget.attrs["class"] += " " + name
            own.append(name)


def _errors_block(field) -> str:
    """bootstrap5/layout/field_errors_block.html."""
    if not field.errors:
        return ""
    items = "".join(
        f'<p id="error_{n}_{_e(field.auto_id)}"><strong>{_e(error)}</strong></p>'
        for n, error in enumerate(field.errors, start=1)
    )
    return f'<div id="{_e(field.errors.field_id)}_error" class="invalid-feedback">{items}</div>'


def _help_text(field) -> str:
    """bootstrap5/layout/help_text.html (the help text is trusted HTML, as crispy has it)."""
    if not field.help_text:
        return ""
    id_attr = f'id="{_e(field.auto_id)}_helptext" ' if field.auto_id else ""
    return f'<div {id_attr}class="form-text">{field.help_text}</div>'


def _choices(field) -> str:
    """bootstrap5/layout/radio_checkbox_select.html, with its help text."""
    widget = field.field.widget
    id_ = widget.attrs.get("id") or field.auto_id
    attrs = field.build_widget_attrs({"id": id_} if id_ else {})
    groups = widget.optgroups(field.html_name, widget.format_value(field.value()), attrs)
    invalid = " is-invalid" if field.errors else ""
    parts = ["<div >"]
    for group_number, (group, options, _index) in enumerate(groups, start=1):
        if group:
            parts.append(f"<strong>{_e(group)}</strong>")
        for number, option in enumerate(options, start=1):
            parts.append(
                f'<div class="form-check"><input type="{_e(option["type"])}" '
                f'class="form-check-input{invalid}" name="{_e(field.html_name)}" '
                f'value="{_e(str(option["value"]))}" {_attrs(option["attrs"])}>'
                f'<label for="{_e(option["attrs"].get("id", ""))}" class="form-check-label">'
                f"{_e(option['label'])}</label>"
            )
            if number == len(options) and group_number == len(groups):
                parts.append(_errors_block(field))
            parts.append("</div>")
    parts.append("</div>")
    parts.append(_help_text(field))
    return "".join(parts)


def _label(field, *, legend: bool) -> str:
    tag = "legend" if legend else "label"
    required = field.field.required
    for_attr = f'for="{_e(field.id_for_label)}" ' if field.id_for_label else ""
    classes = "form-label" + (" requiredField" if required else "") + (" fs-6" if legend else "")
    asterisk = '<span class="asteriskField">*</span>' if required else ""
    return f'<{tag} {for_attr}class="{classes}">{_shown(field.label)}{asterisk}</{tag}>'


@register.filter
def portal_field(field):
    """The field as crispy-forms' ``as_crispy_field`` (Bootstrap 5, no helper) writes it."""
    if not isinstance(field, forms.BoundField):
        raise template.TemplateSyntaxError(f"portal_field received {field!r}, not a form field")
    widget = field.field.widget
    if (
        getattr(field.form, "helper", None) is not None
        or isinstance(widget, (forms.FileInput, forms.MultiWidget))
        or (isinstance(widget, forms.RadioSelect) and type(widget) not in _CHOICE_TEMPLATES)
    ):
        from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field

        return as_crispy_field(field)
    if field.is_hidden:
        return mark_safe(_render_widget(field))  # noqa: S308 - every value in it is escaped

    checkbox = isinstance(widget, forms.CheckboxInput)
    css = field.css_classes()
    wrapper = ("form-check" if checkbox else "mb-3") + (f" {css}" if css else "")
    parts = ['<div class="mb-3">'] if checkbox else []
    parts.append(f'<div id="div_{_e(field.auto_id)}" class="{_e(wrapper)}">')
    fieldset = field.use_fieldset and bool(field.label)
    if field.label and not checkbox:
        if field.use_fieldset:
            described = field.aria_describedby
            parts.append(
                f'<fieldset aria-describedby="{_e(described)}">' if described else "<fieldset>"
            )
        parts.append(_label(field, legend=field.use_fieldset))
    if type(widget) in _CHOICE_TEMPLATES:
        parts.append(_choices(field))
    elif checkbox:
        _add_classes(widget, "form-check-input is-invalid" if field.errors else "form-check-input")
        parts.append(_render_widget(field))
        required = " requiredField" if field.field.required else ""
        asterisk = '<span class="asteriskField">*</span>' if field.field.required else ""
        parts.append(
            f'<label for="{_e(field.id_for_label)}" class="form-check-label{required}">'
            f"{_shown(field.label)}{asterisk}</label>"
        )
        parts.append(_errors_block(field) + _help_text(field))
    else:
        base = "form-select" if isinstance(widget, forms.Select) else "form-control"
        _add_classes(widget, f"{base} is-invalid" if field.errors else base)
        parts.append(_render_widget(field))
        parts.append(_errors_block(field) + _help_text(field))
    if fieldset:
        parts.append("</fieldset>")
    parts.append("</div>")
    if checkbox:
        parts.append("</div>")
    # Every value interpolated above went through _e (escape) but the help text, which crispy
    # also writes unescaped (|safe): a form's own text.
    return mark_safe("".join(parts))  # noqa: S308


@register.filter
def portal_form(form):
    """The whole form as crispy-forms' ``{{ form|crispy }}`` (Bootstrap 5, no helper) writes
    it: the form's own errors (bootstrap5/errors.html), then every field, the hidden ones
    included, as ``portal_field`` writes it."""
    if not isinstance(form, forms.BaseForm):
        raise template.TemplateSyntaxError(f"portal_form received {form!r}, not a form")
    parts = []
    errors = form.non_field_errors()
    if errors:
        items = "\n".join(f"<li>{_e(error)}</li>" for error in errors)
        parts.append(
            f'<div class="alert alert-block alert-danger"><ul class="m-0">{items}</ul></div>'
        )
    parts.extend(portal_field(field) for field in form)
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped or portal_field's
