"""The error summary's links (templates/hosts/_form_errors.html): each goes to its field."""

from django import forms, template

register = template.Library()


@register.filter
def error_target(field) -> str:
    """The id of the element a summary link moves to: the field's own input, or for a group of
    radio buttons or checkboxes (whose ``id_for_label`` is empty, so that clicking the question
    does not tick the first choice) the first choice, or for a multi-widget its first part.
    Empty for a hidden field: there is nothing to move to."""
    widget = field.field.widget
    if widget.is_hidden or not field.auto_id:
        return ""
    if field.id_for_label:
        return field.id_for_label
    if isinstance(widget, forms.MultiWidget):
        return f"{field.auto_id}_0"
    for choice in field.subwidgets:
        target = choice.data.get("attrs", {}).get("id")
        if target:
            return target
    return field.auto_id
