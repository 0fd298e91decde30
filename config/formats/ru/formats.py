"""Russian dates as a receptionist writes them: the month in the genitive ('30 ноября 2026'),
without Django's trailing 'г.'. Everything not named here is Django's own `ru` format."""

DATE_FORMAT = "j E Y"
DATETIME_FORMAT = "j E Y H:i"
MONTH_DAY_FORMAT = "j E"

# The short day and month: after a number Russian abbreviates the month in the genitive
# ('29 нояб.', '3 мая'), which no Django format letter gives ('b' is the nominative 'ноя'):
# `practice.languages.short_day_month` writes the month from this table.
SHORT_MONTHS_GENITIVE = (
    "янв.",
    "февр.",
    "марта",
    "апр.",
    "мая",
    "июня",
    "июля",
    "авг.",
    "сент.",
    "окт.",
    "нояб.",
    "дек.",
)
