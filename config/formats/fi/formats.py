"""Finnish day and month as written: '30. marraskuuta' (the month in the partitive, as in
Django's own DATE_FORMAT 'j. E Y'); everything not named here is Django's own `fi`."""

MONTH_DAY_FORMAT = "j. E"

# A short date as Finnish writes it: day and month as numbers with their dots ('29.11.',
# '29.11.2026'); an abbreviated month ('29 marras', let alone Django's 'Mar') reads oddly.
SHORT_DAY_MONTH_FORMAT = "j.n."
SHORT_DAY_MONTH_YEAR_FORMAT = "j.n.Y"
