"""Dutch dates: everything is Django's own `nl` format but the short day and month, which
Dutch writes with the month abbreviated in lower case ('29 nov', '3 mei')."""

SHORT_DAY_MONTH_FORMAT = "j b"
SHORT_DAY_MONTH_YEAR_FORMAT = "j b Y"
