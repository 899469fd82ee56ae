"""The filters of ``matching_portal.formatting``, built into every template (settings.TEMPLATES).

{{ home.available_from|day }}  {{ visit.starts_at|weekday_time }}  {{ rent|money }}
"""

from django import template

from matching_portal import formatting

register = template.Library()

# Django's own |time (with a format) stays as it is; formatting.time is for Python code.
for _name in ("day", "day_month", "day_time", "weekday_time", "money"):
    register.filter(_name, getattr(formatting, _name), is_safe=False)


@register.filter(name="number")
def number(value, decimals=None):
    return formatting.number(value, None if decimals in (None, "") else int(decimals))


@register.filter(name="percent")
def percent(value, decimals=0):
    return formatting.percent(value, int(decimals))
