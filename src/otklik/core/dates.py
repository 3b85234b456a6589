"""The one place that writes a date or a moment for a person: in the language's own formats
(core/formats/<language>/formats.py over Django's), 07.12.2026 14:05 in Russian, 7 Dec 2026, 14:05
in English. ISO (2026-12-07) is for machines only: the API, `datetime` attributes, CSV files,
input values. A moment is shown in the zone given, else the active one (the person's, set by the
middleware from their settings)."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Callable

from django.utils import dateformat, formats, timezone, translation
from django.utils.translation import gettext_lazy

# The zones Russian readers know by name (the service's default among them).
_NAMED = {"Europe/Moscow": gettext_lazy("MSK")}


def _written(value: dt.date, fmt: str, lang: str | None) -> str:
    if lang is None:
        return _format(value, formats.get_format(fmt))
    with translation.override(lang):
        return _format(value, formats.get_format(fmt))


# The numbers of Django's date format characters, written as dateformat.DateFormat writes them;
# the other characters (month names, which are translated, and the rest) are left to it. A list
# page writes some fifty moments: Django parses the format string again for each of them.
_NUMBERS: dict[str, Callable[[dt.datetime], str]] = {
    "d": lambda v: f"{v.day:02d}",
    "j": lambda v: str(v.day),
    "m": lambda v: f"{v.month:02d}",
    "n": lambda v: str(v.month),
    "Y": lambda v: f"{v.year:04d}",
    "y": lambda v: f"{v.year % 100:02d}",
    "H": lambda v: f"{v.hour:02d}",
    "G": lambda v: str(v.hour),
    "i": lambda v: f"{v.minute:02d}",
    "s": lambda v: f"{v.second:02d}",
}


@functools.lru_cache(maxsize=64)
def _pieces(fmt: str) -> tuple[tuple[bool, str], ...]:
    """A format string split as dateformat.Formatter.format splits it: (True, a format character)
    or (False, literal text, its backslashes taken out)."""
    out: list[tuple[bool, str]] = []
    for i, piece in enumerate(dateformat.re_formatchars.split(fmt)):
        if i % 2:
            out.append((True, piece))
        elif piece:
            out.append((False, dateformat.re_escaped.sub(r"\1", piece)))
    return tuple(out)


def _format(value: dt.date, fmt: str) -> str:
    """dateformat.format(value, fmt), its numbers written here (a moment's: a date alone keeps
    Django's checks)."""
    if not isinstance(value, dt.datetime):
        return dateformat.format(value, fmt)
    django: dateformat.DateFormat | None = None
    out: list[str] = []
    for is_char, piece in _pieces(fmt):
        if not is_char:
            out.append(piece)
        elif number := _NUMBERS.get(piece):
            out.append(number(value))
        else:
            django = django or dateformat.DateFormat(value)
            out.append(str(getattr(django, piece)()))
    return "".join(out)


def _local(value: dt.datetime, zone: dt.tzinfo | None) -> dt.datetime:
    return timezone.localtime(value, zone) if timezone.is_aware(value) else value


def moment(
    value: dt.datetime | None, *, zone: dt.tzinfo | None = None, lang: str | None = None, long: bool = False
) -> str:
    """A date and time to the minute (07.12.2026 14:05; `long`: 7 декабря 2026, 14:05); "" for none."""
    if value is None:
        return ""
    return _written(_local(value, zone), "DATETIME_FORMAT" if long else "SHORT_DATETIME_FORMAT", lang)


def moments() -> Callable[[dt.datetime | None], str]:
    """`moment`, short, for many moments in a row (a list page's fifty): the active language's
    format and the active zone looked up once."""
    fmt = formats.get_format("SHORT_DATETIME_FORMAT")
    zone = timezone.get_current_timezone()

    def write(value: dt.datetime | None) -> str:
        if value is None:
            return ""
        return _format(value.astimezone(zone) if timezone.is_aware(value) else value, fmt)

    return write


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
