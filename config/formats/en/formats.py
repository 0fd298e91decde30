"""English as our European practices read it: day before month, a 24-hour clock, weeks
starting on Monday (Django's own `en` is American: 11/30/2026, 4 p.m.).

Typed dates are read in any of DATE_INPUT_FORMATS (Django adds ISO, YYYY-MM-DD); a date
input shows the first one.
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # '30/11/2026'
    "%d-%m-%Y",  # '30-11-2026'
    "%d.%m.%Y",  # '30.11.2026'
    "%d/%m/%y",  # '30/11/26'
    "%Y-%m-%d",  # '2026-11-30'
]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
]

# The short day and month of calendar headers and lists ('29 Nov', '29 Nov 2026'). Each
# language's module names its own; `practice.languages.short_day_month` reads them.
SHORT_DAY_MONTH_FORMAT = "j M"
SHORT_DAY_MONTH_YEAR_FORMAT = "j M Y"
