"""Dates, times, numbers and money as people read them, in the language of the page.

Every page, e-mail, message, history reason, PDF and XLSX cell that shows a date or a number as
text goes through these functions (templates through the filters of the same names, which are
built in: ``{{ visit.starts_at|day_time }}``). In Swedish they follow Språkrådet's rules:

    day(date(2026, 11, 25))       "25 nov. 2026"      English: "25 Nov 2026"
    day_month(...)                "25 nov."                    "25 Nov"
    day_time(datetime)            "25 nov. 2026 14:30"         "25 Nov 2026 14:30"
    weekday_time(datetime)        "ons 25 nov. 14:30"          "Wed 25 Nov 14:30"
    number(1100)                  "1 100"                      "1,100"
    money(4000)                   "4 000 kr"                   "SEK 4,000"
    percent(63)                   "63 %"                       "63%"

Spaces inside a figure are no-break spaces, so "4 000 kr" never breaks over two lines. Datetimes
are shown in the portal's time zone. ``None`` and "" show as "" (the templates add their own "–").
"""

from datetime import datetime

from django.utils import formats, timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext, pgettext_lazy

NBSP = "\xa0"

# Short month names (Språkrådet: "jan., feb., mars, apr., maj, juni, juli, aug., sep., okt.,
# nov., dec."); the English ones are British-style without a full stop.
MONTHS_SHORT = {
    1: pgettext_lazy("short month", "Jan"),
    2: pgettext_lazy("short month", "Feb"),
    3: pgettext_lazy("short month", "Mar"),
    4: pgettext_lazy("short month", "Apr"),
    5: pgettext_lazy("short month", "May"),
    6: pgettext_lazy("short month", "Jun"),
    7: pgettext_lazy("short month", "Jul"),
    8: pgettext_lazy("short month", "Aug"),
    9: pgettext_lazy("short month", "Sep"),
    10: pgettext_lazy("short month", "Oct"),
    11: pgettext_lazy("short month", "Nov"),
    12: pgettext_lazy("short month", "Dec"),
}


def _local(value):
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def day_month(value) -> str:
    """The day and the short month: "25 nov." / "25 Nov"."""
    if not value:
        return ""
    value = _local(value)
    return f"{value.day}{NBSP}{MONTHS_SHORT[value.month]}"


def day(value) -> str:
    """A date (or a datetime's local date): "25 nov. 2026" / "25 Nov 2026"."""
    if not value:
        return ""
    value = _local(value)
    return f"{day_month(value)} {value.year}"


def time(value) -> str:
    """A datetime's local time of day, or a time: "14:30"."""
    if not value:
        return ""
    return date_format(_local(value), "H:i")


def day_time(value) -> str:
    """A moment: "25 nov. 2026 14:30"; a plain date shows as its day."""
    if not value:
        return ""
    if not isinstance(value, datetime):
        return day(value)
    return f"{day(value)} {time(value)}"


def weekday_time(value) -> str:
    """A moment this season, with its weekday and no year: "ons 25 nov. 14:30"."""
    if not value:
        return ""
    value = _local(value)
    weekday = date_format(value, "D")
    if isinstance(value, datetime):
        return f"{weekday} {day_month(value)} {time(value)}"
    return f"{weekday} {day_month(value)}"


def number(value, decimals: int | None = None) -> str:
    """A count or a measure with the language's digit grouping: "1 100" / "1,100"."""
    if value is None or value == "":
        return ""
    text = formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    return text.replace(" ", NBSP)


def money(value) -> str:
    """Whole kronor: "4 000 kr" / "SEK 4,000"."""
    if value is None or value == "":
        return ""
    return gettext("SEK %(amount)s").replace(" ", NBSP) % {"amount": number(value, 0)}


def percent(value, decimals: int = 0) -> str:
    """A share already in per cent: "63 %" / "63%"."""
    if value is None or value == "":
        return ""
    return gettext("%(share)s%%").replace(" ", NBSP) % {"share": number(value, decimals)}
