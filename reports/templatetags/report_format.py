"""How the report pages and the PDF print a figure: ``{% load report_format %}``.

{{ cell|figure }}   1100 → "1 100" (sv) / "1,100" (en); 12.5 → "12,5"; None → "–";
                    a word (the small-count "hidden") stays as it is
{{ share|share }}   63 → "63 %" (sv) / "63%" (en); None → "–"
"""

from decimal import Decimal

from django import template

from matching_portal import formatting

register = template.Library()


def _is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


@register.filter
def figure(value):
    if value is None or value == "":
        return "–"
    if _is_number(value):
        return formatting.number(value)
    return value


@register.filter
def share(value):
    if value is None or value == "":
        return "–"
    if _is_number(value):
        return formatting.percent(value)
    return value
