"""Italian dates without a leading zero on the day ('7 gennaio 2030', as written in a letter);
everything not named here is Django's own `it` format."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "l j F Y H:i"
