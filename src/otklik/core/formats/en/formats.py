"""English dates and times as people read them, on a 24-hour clock and with the month in words so
that no reader takes 07/12 for July (FORMAT_MODULE_PATH; Django's English formats fill in the
rest): 7 Dec 2026, 14:05 in lists and messages, 7 December 2026 where a long form fits."""

SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j M"
