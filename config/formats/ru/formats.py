"""Russian dates as a receptionist writes them: the month in the genitive ('30 ноября 2026'),
without Django's trailing 'г.'. Everything not named here is Django's own `ru` format."""

DATE_FORMAT = "j E Y"
DATETIME_FORMAT = "j E Y H:i"
MONTH_DAY_FORMAT = "j E"
