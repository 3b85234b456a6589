"""Russian dates and times as people read them (FORMAT_MODULE_PATH; Django's Russian formats fill
in the rest): 07.12.2026 14:05 in lists and messages, «7 декабря 2026» where a long form fits."""

SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
DATE_FORMAT = "j E Y"
DATETIME_FORMAT = "j E Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "d.m"
