"""``portal_field`` against crispy-forms: the comparison the field-rendering tests share
(tests/hosts/test_field_rendering.py, tests/accessibility/test_field_rendering.py)."""

import re

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django.utils import translation

from matching_portal.templatetags.portal_fields import portal_field


def normalised(html) -> str:
    """The HTML with whitespace between tags and runs of whitespace taken out."""
    html = re.sub(r">\s+<", "><", str(html))
    html = re.sub(r"\s+", " ", html)
    return html.replace("> ", ">").replace(" <", "<")


def fields_compared_with_crispy(forms, language: str) -> int:
    """Writes every field of every form both ways in ``language`` and asserts they are the same
    HTML; returns how many fields were compared. ``forms`` yields makers of equal forms (one for
    each renderer: crispy adds classes to the widgets)."""
    compared = 0
    with translation.override(language):
        for make in forms:
            mine, theirs = make(), make()
            if mine.is_bound:
                mine.is_valid()
                theirs.is_valid()
            for name in mine.fields:
                expected = normalised(as_crispy_field(theirs[name]))
                assert normalised(portal_field(mine[name])) == expected, name
                compared += 1
    return compared


def forms_compared_with_crispy(forms, language: str) -> int:
    """Writes every form of ``forms`` (makers of equal forms, as above) whole, with
    ``portal_form`` and with crispy's ``{{ form|crispy }}``, in ``language``, and asserts they
    are the same HTML; returns how many forms were compared."""
    from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form

    from matching_portal.templatetags.portal_fields import portal_form

    compared = 0
    with translation.override(language):
        for make in forms:
            mine, theirs = make(), make()
            if mine.is_bound:
                mine.is_valid()
                theirs.is_valid()
            assert normalised(portal_form(mine)) == normalised(as_crispy_form(theirs))
            compared += 1
    return compared
