"""The one place that writes a date or a moment for a person: in the language's own formats
(core/formats/<language>/formats.py over Django's), 07.12.2026 14:05 in Russian, 7 Dec 2026, 14:05
in English. ISO (2026-12-07) is for machines only: the API, `datetime` attributes, CSV files,
input values. A moment is shown in the zone given, else the active one (the person's, set by the
middleware from their settings)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy

# The zones Russian readers know by name (the service's default among them).
_NAMED = {"Europe/Moscow": gettext_lazy("MSK")}


def _written(value: dt.date, fmt: str, lang: str | None) -> str:
    if lang is None:
        return formats.date_format(value, fmt)
    with translation.override(lang):
        return formats.date_format(value, fmt)


def _local(value: dt.datetime, zone: dt.tzinfo | None) -> dt.datetime:
    return timezone.localtime(value, zone) if timezone.is_aware(value) else value


def moment(
    value: dt.datetime | None, *, zone: dt.tzinfo | None = None, lang: str | None = None, long: bool = False
) -> str:
    """A date and time to the minute (07.12.2026 14:05; `long`: 7 декабря 2026, 14:05); "" for none."""
    if value is None:
        return ""
    return _written(_local(value, zone), "DATETIME_FORMAT" if long else "SHORT_DATETIME_FORMAT", lang)


def day(value: dt.date | None, *, lang: str | None = None, long: bool = False) -> str:
    """A date (07.12.2026; `long`: 7 декабря 2026); "" for none."""
    if value is None:
        return ""
    return _written(value, "DATE_FORMAT" if long else "SHORT_DATE_FORMAT", lang)


def day_month(value: dt.date, *, lang: str | None = None) -> str:
    """A day of a month, short, where the year goes without saying (a chart's axis): 07.12, 7 Dec."""
    return _written(value, "MONTH_DAY_FORMAT", lang)


def month(value: dt.date, *, lang: str | None = None) -> str:
    """A month of a year, as a sentence names it (ноябрь 2026, November 2026)."""
    text = _written(value, "YEAR_MONTH_FORMAT", lang)
    # Russian names its months in lower case within a sentence; Django's «F» gives them capitalised.
    return text[:1].lower() + text[1:] if (lang or translation.get_language() or "").startswith("ru") else text


def clock(value: dt.datetime | None, *, zone: dt.tzinfo | None = None, seconds: bool = False) -> str:
    """The time of day alone (14:05, or 14:05:09), the same in every language; "" for none."""
    if value is None:
        return ""
    return _local(value, zone).strftime("%H:%M:%S" if seconds else "%H:%M")


def zone(name: str, *, at: dt.datetime | None = None, lang: str | None = None) -> str:
    """A time zone as a person reads it, not its IANA name: МСК (MSK) for Moscow, else its offset
    from UTC at `at` (now by default): UTC+5, UTC−3:30, UTC."""
    if name in _NAMED:
        if lang is None:
            return str(_NAMED[name])
        with translation.override(lang):
            return str(_NAMED[name])
    try:
        found = zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return name
    offset = (at or timezone.now()).astimezone(found).utcoffset() or dt.timedelta()
    minutes = int(offset.total_seconds()) // 60
    if not minutes:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'+' if minutes > 0 else '−'}{hours}" + (f":{rest:02d}" if rest else "")


def service_zone() -> dt.tzinfo:
    return timezone.get_default_timezone()
