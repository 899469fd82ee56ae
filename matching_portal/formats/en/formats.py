"""English formats for a Swedish service: day before month and a 24-hour clock, as the Swedish
pages have them, in English words ("25 November 2026", "14:30"); ISO dates are accepted first."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
FIRST_DAY_OF_WEEK = 1
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y"]
# The same date-and-time inputs as the Swedish pages (ISO first, as the date fields send them).
from matching_portal.formats.sv.formats import DATETIME_INPUT_FORMATS  # noqa: E402, F401
