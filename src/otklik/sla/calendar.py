"""Working calendars: how much working time lies between two instants, and when a given amount
of working time runs out. Pure Python (no Django), exact to the microsecond.

Working intervals are local wall-clock times in the calendar's IANA zone; each local date gets
its own list of UTC intervals (weekly template, or the date's override, or nothing on a holiday).
A running total of working time at the start of each date ("prefix sums" over dates, extended
lazily) turns `elapsed` into two look-ups and `add` into one binary search plus a walk over one
date's few intervals — never a walk over minutes or days.

Conventions (CONTRACT.md): `add(start, d)` is the earliest instant t >= start with
`elapsed(start, t) == d`; work that fits in today ends at closing time, not tomorrow morning;
`add(start, 0) == start`; a negative amount raises ValueError. `elapsed(a, b) == -elapsed(b, a)`.
`end_of_working_day(start, n)` is the closing time of the nth working day after start's date.
A wall time that does not exist (spring forward) resolves as zoneinfo does with fold=0 (later by
the gap); an ambiguous one takes its first occurrence.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import threading
import zoneinfo
from collections.abc import Iterable, Mapping

from otklik.core.jsonvalue import JsonValue

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_US = 1_000_000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_CHUNK_DAYS = 400  # how far the prefix table grows at a time

Interval = tuple[int, int]  # minutes from local midnight: [start, end)


def _parse_time(text: JsonValue, where: str) -> int:
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":":
        raise ValueError(f"{where}: {text!r} is not a time as HH:MM")
    hh, mm = text[:2], text[3:]
    if not (hh.isdigit() and mm.isdigit()):
        raise ValueError(f"{where}: {text!r} is not a time as HH:MM")
    hours, minutes = int(hh), int(mm)
    if (hours, minutes) == (24, 0):
        return 24 * 60
    if hours > 23 or minutes > 59:
        raise ValueError(f"{where}: {text!r} is not a time of day")
    return hours * 60 + minutes


def _parse_intervals(value: JsonValue, where: str) -> tuple[Interval, ...]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"{where}: intervals must be a list of [start, end] pairs")
    out: list[Interval] = []
    for item in value:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise ValueError(f"{where}: {item!r} is not a [start, end] pair")
        start = _parse_time(item[0], where)
        end = _parse_time(item[1], where)
        if start == 24 * 60:
            raise ValueError(f"{where}: an interval cannot start at 24:00")
        if end <= start:
            raise ValueError(
                f"{where}: interval {item[0]}–{item[1]} ends before it starts (an interval may not cross "
                "midnight: split it)"
            )
        out.append((start, end))
    out.sort()
    for (a_start, a_end), (b_start, b_end) in itertools.pairwise(out):
        if b_start < a_end:
            raise ValueError(
                f"{where}: intervals overlap ({_fmt(a_start)}–{_fmt(a_end)} and {_fmt(b_start)}–{_fmt(b_end)})"
            )
    return tuple(out)


def _fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _parse_date(value: dt.date | JsonValue, where: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{where}: {value!r} is not a date as YYYY-MM-DD") from None


class WorkCalendar:
    """A working calendar. Build it with `WorkCalendar.from_dict(...)`; it is then immutable and
    safe to share between threads."""

    def __init__(
        self,
        tz: str,
        week: Mapping[str, JsonValue],
        holidays: Iterable[dt.date | JsonValue] = (),
        overrides: Mapping[dt.date | JsonValue, JsonValue] | None = None,
    ) -> None:
        try:
            self.tz = zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(f"tz: unknown time zone {tz!r}") from None
        self.tz_name = tz
        unknown = sorted(set(week) - set(DAYS))
        if unknown:
            raise ValueError(f"week: unknown day names {', '.join(map(str, unknown))}; use {', '.join(DAYS)}")
        self.week: tuple[tuple[Interval, ...], ...] = tuple(
            _parse_intervals(week.get(day, []), f"week.{day}") for day in DAYS
        )
        self.holidays = frozenset(_parse_date(d, "holidays") for d in holidays)
        self.overrides: dict[dt.date, tuple[Interval, ...]] = {
            _parse_date(d, "overrides"): _parse_intervals(v, f"overrides.{d}") for d, v in (overrides or {}).items()
        }
        if not any(self.week):
            # With no weekly working time, add() could search forever past the last override.
            raise ValueError("week: the calendar has no working time at all")
        self._lock = threading.RLock()
        self._base = 0  # date ordinal of the first date in the table
        self._ends: list[int] = []  # running working time (µs) at the end of each date
        self._days: list[tuple[tuple[int, int], ...]] = []  # each date's UTC intervals (µs since epoch)

    @classmethod
    def from_dict(cls, spec: Mapping[str, JsonValue]) -> WorkCalendar:
        if not isinstance(spec, Mapping):
            raise ValueError("a calendar is a mapping with tz, week, holidays, overrides")
        unknown = sorted(set(spec) - {"tz", "week", "holidays", "overrides"})
        if unknown:
            raise ValueError(f"unknown calendar keys: {', '.join(map(str, unknown))}")
        if "tz" not in spec:
            raise ValueError("tz: the calendar needs a time zone")
        week = spec.get("week") or {}
        if not isinstance(week, Mapping):
            raise ValueError("week: must map day names to intervals")
        return cls(spec["tz"], week, spec.get("holidays") or (), spec.get("overrides") or {})

    # --- the table of dates --------------------------------------------------------------
    def _intervals_of(self, day: dt.date) -> tuple[tuple[int, int], ...]:
        if day in self.overrides:
            local = self.overrides[day]
        elif day in self.holidays:
            local = ()
        else:
            local = self.week[day.weekday()]
        out: list[tuple[int, int]] = []
        for start, end in local:
            a = self._instant(day, start)
            b = self._instant(day, end)
            if out and a < out[-1][1]:
                a = out[-1][1]  # wall-clock quirks of a DST day must not count time twice
            if b > a:
                out.append((a, b))
        return tuple(out)

    def _instant(self, day: dt.date, minutes: int) -> int:
        if minutes == 24 * 60:
            nxt = day + dt.timedelta(days=1)
            local = dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=self.tz)
        else:
            local = dt.datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=self.tz)
        delta = local.astimezone(dt.UTC) - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds

    def _build(self, first: int, last: int) -> None:
        """(Re)build the table to cover date ordinals first..last."""
        ends: list[int] = []
        days: list[tuple[tuple[int, int], ...]] = []
        total = 0
        for ordinal in range(first, last + 1):
            intervals = self._intervals_of(dt.date.fromordinal(ordinal))
            total += sum(b - a for a, b in intervals)
            days.append(intervals)
            ends.append(total)
        self._base, self._ends, self._days = first, ends, days

    def _extend_to(self, last: int) -> None:
        total = self._ends[-1] if self._ends else 0
        for ordinal in range(self._base + len(self._days), last + 1):
            intervals = self._intervals_of(dt.date.fromordinal(ordinal))
            total += sum(b - a for a, b in intervals)
            self._days.append(intervals)
            self._ends.append(total)

    def _index(self, ordinal: int) -> int:
        """The table row of a date ordinal, growing the table as needed."""
        if not self._days or ordinal < self._base or ordinal >= self._base + len(self._days):
            with self._lock:
                if not self._days:
                    self._build(ordinal - _CHUNK_DAYS, ordinal + _CHUNK_DAYS)
                elif ordinal < self._base:
                    self._build(ordinal - _CHUNK_DAYS, self._base + len(self._days) - 1)
                elif ordinal >= self._base + len(self._days):
                    self._extend_to(ordinal + _CHUNK_DAYS)
        return ordinal - self._base

    # --- conversions -----------------------------------------------------------------------
    @staticmethod
    def _us(moment: dt.datetime) -> int:
        if not isinstance(moment, dt.datetime):
            raise TypeError(f"{moment!r} is not a datetime")
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{moment.isoformat()} has no time zone: pass an aware datetime")
        delta = moment - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds

    def _worked_until(self, moment: dt.datetime) -> int:
        """Working time (µs) from the table's origin up to `moment`."""
        us = self._us(moment)
        i = self._index(moment.astimezone(self.tz).toordinal())
        total = self._start_total(i)
        for a, b in self._days[i]:
            if us <= a:
                break
            total += (b if us >= b else us) - a
        return total

    def _start_total(self, i: int) -> int:
        return self._ends[i - 1] if i > 0 else 0

    # --- the interface ---------------------------------------------------------------------
    def elapsed(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Working time in [start, end); negative when end is before start."""
        self._us(start), self._us(end)  # refuse naive or non-datetime input first
        with self._lock:  # both totals from one table: a rebuild moves the origin
            self._index(start.astimezone(self.tz).toordinal())
            self._index(end.astimezone(self.tz).toordinal())
            return dt.timedelta(microseconds=self._worked_until(end) - self._worked_until(start))

    def add(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        """The instant at which `amount` of working time, counted from `start`, is used up."""
        if not isinstance(amount, dt.timedelta):
            raise TypeError(f"{amount!r} is not a timedelta")
        if amount < dt.timedelta(0):
            raise ValueError(f"the amount of working time is negative ({amount})")
        if amount == dt.timedelta(0):
            self._us(start)  # still refuse a naive start
            return start
        need = (amount.days * 86_400 + amount.seconds) * _US + amount.microseconds
        with self._lock:
            target = self._worked_until(start) + need
            while self._ends[-1] < target:
                self._extend_to(self._base + len(self._days) - 1 + _CHUNK_DAYS)
            i = bisect.bisect_left(self._ends, target)
            remaining = target - self._start_total(i)
            for a, b in self._days[i]:
                if remaining <= b - a:
                    result = a + remaining
                    break
                remaining -= b - a
            else:  # pragma: no cover - the bisection guarantees the date holds the target
                raise AssertionError("working calendar table is inconsistent")
        return (_EPOCH + dt.timedelta(microseconds=result)).astimezone(self.tz)

    def end_of_working_day(self, start: dt.datetime, n: int) -> dt.datetime:
        """The closing time (the end of the last working interval) of the nth working day after
        the local date of `start`: "within n working days" as a deadline.

        A working day is a local date with some working time (weekends and holidays are not; a
        transferred working day is). The date of `start` itself never counts, whatever the time and
        whether it is a working day or not: in a Mon–Fri week, with n = 5, a start on Friday morning,
        on Friday night and on Saturday all give the closing time of the following Friday. With
        n = 0 it is the closing time of start's own date when that date is a working day and its
        closing time is not before `start`; else that of the next working day. So the result is
        never before `start`. A negative n raises ValueError.
        """
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"{n!r} is not a whole number of working days")
        if n < 0:
            raise ValueError(f"the number of working days is negative ({n})")
        us = self._us(start)
        ordinal = start.astimezone(self.tz).toordinal()
        left = n
        with self._lock:  # the row index is only valid until the table is rebuilt
            if n == 0:
                i = self._index(ordinal)  # first: it may replace the table
                today = self._days[i]
                if today and today[-1][1] >= us:
                    return self._moment(today[-1][1])
                left = 1
            # Terminates: the week has working time (checked at construction), and holidays and
            # overrides are finitely many dates.
            while True:
                ordinal += 1
                i = self._index(ordinal)
                intervals = self._days[i]
                if intervals:
                    left -= 1
                    if left == 0:
                        return self._moment(intervals[-1][1])

    def _moment(self, us: int) -> dt.datetime:
        return (_EPOCH + dt.timedelta(microseconds=us)).astimezone(self.tz)
