"""The report's period, pure: whole days from..to (both inclusive) in the service's time zone, as the
half-open interval of instants [start, end) the SQL compares with."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from otklik.core.errors import FieldError

MAX_DAYS = 731  # two years (one of them a leap year)
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2999, 12, 31)


class PeriodError(ValueError):
    """Bad dates: `error` names the parameter at fault with its code and params, so a page can say
    it in the reader's language: not_a_date {value}, out_of_range {min, max: years},
    before_start {start, first, last}, too_long {limit, days}. Its message is the whole sentence."""

    def __init__(self, message: str, field: str, code: str, **params: Any) -> None:
        super().__init__(message)
        self.error = FieldError(field, code, params, message)


@dataclass(frozen=True)
class Period:
    first: dt.date  # the first day
    last: dt.date  # the last day (inclusive)
    tz: str

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.tz)

    @property
    def start(self) -> dt.datetime:
        """Midnight at the start of the first day, local time."""
        return dt.datetime.combine(self.first, dt.time(), self.zone)

    @property
    def end(self) -> dt.datetime:
        """Midnight after the last day, local time (excluded)."""
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), self.zone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def backlog_at(self, moment: dt.datetime) -> dt.datetime:
        """The instant the backlog is measured: the period's end, or now while it has not ended."""
        return min(self.end, moment)


def month_of(day: dt.date, tz: str) -> Period:
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return Period(first, following - dt.timedelta(days=1), tz)


def _date(text: str | None, field: str) -> dt.date | None:
    value = (text or "").strip()
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise PeriodError(f"{field}: {value!r} is not a date (YYYY-MM-DD)", field, "not_a_date", value=value) from None
    if not EARLIEST <= day <= LATEST:
        raise PeriodError(
            f"{field}: {value} is outside {EARLIEST.year}–{LATEST.year}",
            field,
            "out_of_range",
            min=EARLIEST.year,
            max=LATEST.year,
        )
    return day


def parse_period(from_text: str | None, to_text: str | None, *, today: dt.date, tz: str) -> Period:
    """from..to as ISO dates. Defaults: this month up to today (from = its first day, to = today).
    Refused (PeriodError): a malformed date, to before from, more than MAX_DAYS days."""
    first = _date(from_text, "from")
    last = _date(to_text, "to")
    if first is None and last is None:
        first, last = today.replace(day=1), today
    elif first is None:
        assert last is not None
        first = last.replace(day=1)
    elif last is None:
        last = max(first, min(today, month_of(first, tz).last))
    if last < first:
        raise PeriodError(
            f"to ({last}) is before from ({first})",
            "to",
            "before_start",
            start="from",
            first=first.isoformat(),
            last=last.isoformat(),
        )
    period = Period(first, last, tz)
    if period.days > MAX_DAYS:
        raise PeriodError(
            f"the period is {period.days} days long; at most {MAX_DAYS} days (two years)",
            "to",
            "too_long",
            limit=MAX_DAYS,
            days=period.days,
        )
    return period
