"""Finnish day and month as written: '30. marraskuuta' (the month in the partitive, as in
Django's own DATE_FORMAT 'j. E Y'); everything not named here is Django's own `fi`."""

MONTH_DAY_FORMAT = "j. E"
