"""Italian dates without a leading zero on the day ('7 gennaio 2030', as written in a letter);
everything not named here is Django's own `it` format."""

DATE_FORMAT = "j F Y"
# Month names inside a date are written in lower case ('30 novembre 2026'); Django's own
# are capitalised, for headings (practice.languages.long_date reads this).
LOWERCASE_MONTHS = True
DATETIME_FORMAT = "l j F Y H:i"

# The short day and month with the month abbreviated in lower case ('29 nov', '3 mag').
SHORT_DAY_MONTH_FORMAT = "j b"
SHORT_DAY_MONTH_YEAR_FORMAT = "j b Y"
