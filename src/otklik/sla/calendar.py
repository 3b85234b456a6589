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
from dataclasses import dataclass
from typing import Any

from otklik.core.jsonvalue import JsonValue

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_US = 1_000_000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_CHUNK_DAYS = 400  # how far the prefix table grows at a time

Interval = tuple[int, int]  # minutes from local midnight: [start, end)


# --- problems as data ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Place:
    """Where in a calendar (or a file of dates) a problem is: `kind` is one of week, holidays,
    overrides, tz, line, row, item, holidays_item, overrides_key; `value` the day, date or number;
    `text` the line as written (kind line)."""

    kind: str
    value: JsonValue = None
    text: str | None = None

    def __str__(self) -> str:
        v, kind = self.value, self.kind
        if kind in ("week", "overrides") and v is not None:
            return f"{kind}.{v}"
        if kind == "line":
            return f"line {v} ({self.text!r})"
        if kind == "holidays_item":
            return f"holidays item {v}"
        if kind == "overrides_key":
            return f"overrides {v!r}"
        if kind in ("row", "item"):
            return f"{kind} {v}"
        return kind


class CalendarProblem(ValueError):
    """A calendar's problem as data: a `code`, its `params` and where it is (`where`, the outermost
    place first). `str()` is the English sentence (the command line's and the API's words);
    sla/calendar_words.py says it in the reader's language."""

    def __init__(self, code: str, *, where: Iterable[Place] = (), **params: object) -> None:
        self.code = code
        self.where = tuple(where)
        self.params = params
        super().__init__(self.english())

    def at(self, *places: Place) -> CalendarProblem:
        """The same problem, located inside `places` (outermost first)."""
        return CalendarProblem(self.code, where=(*places, *self.where), **self._params())

    def bare(self) -> CalendarProblem:
        return CalendarProblem(self.code, **self._params())

    def _params(self) -> dict[str, Any]:
        return dict(self.params)

    def english(self) -> str:
        text = ENGLISH[self.code].format(**{k: str(v) if isinstance(v, Place) else v for k, v in self.params.items()})
        return ": ".join([*(str(p) for p in self.where), text])


# The English sentence of each code (str.format over the params).
ENGLISH = {
    "not_hhmm": "{value!r} is not a time as HH:MM",
    "not_time_of_day": "{value!r} is not a time of day",
    "not_pair_list": "intervals must be a list of [start, end] pairs",
    "not_pair": "{value!r} is not a [start, end] pair",
    "starts_at_24": "an interval cannot start at 24:00",
    "ends_before_start": (
        "interval {start}–{end} ends before it starts (an interval may not cross midnight: split it)"
    ),
    "overlap": "intervals overlap ({first} and {second})",
    "not_a_date": "{value!r} is not a date as YYYY-MM-DD",
    "unknown_tz": "unknown time zone {value!r}",
    "unknown_days": "unknown day names {days}; use {use}",
    "no_working_time": "the calendar has no working time at all",
    "not_a_mapping": "a calendar is a mapping with tz, week, holidays, overrides",
    "unknown_keys": "unknown calendar keys: {keys}",
    "no_tz": "the calendar needs a time zone",
    "week_not_a_mapping": "must map day names to intervals",
    "no_working_day_to_copy": "the calendar has no working day to copy onto a transferred working day",
    # the text forms and the import (calendar_import.py)
    "not_an_interval": "{value!r} is not an interval like 09:00-13:00",
    "not_a_day": "{value!r} is not a day; use {use}",
    "day_twice": "{day} is given twice",
    "file_too_large": "the file is {size:,} bytes; the limit is {limit:,} (1 MB)",
    "not_utf8": "the file is not UTF-8 text (byte {byte})",
    "no_dates": "the file has no dates",
    "date_twice": "date {date} is already given ({first})",
    "would_be_invalid": "the calendar would be invalid: {problem}",
    "too_many_rows": "the file has {count:,} rows; the limit is {limit:,}",
    "no_header": "the first row must be the header {columns}",
    "unknown_column": "unknown column {value!r}; use {columns}",
    "too_many_values": "{values} values for {columns} columns",
    "bad_csv": "not valid CSV ({detail})",
    "bad_json": "not valid JSON: {detail} (line {line}, column {column})",
    "unknown_document_key": "unknown key {value!r}; a calendar has holidays and overrides",
    "holidays_not_a_list": "must be a list of dates",
    "overrides_not_a_mapping": "must map dates to intervals",
    "bad_json_shape": "the JSON must be a list of dates or objects, or an object with holidays and overrides",
    "not_date_or_object": "{value!r} is neither a date nor an object",
    "unknown_key": "unknown key {value!r}; use {columns}",
    "bad_date": "bad date {value!r} (use YYYY-MM-DD)",
    "bad_kind": "bad kind {value!r} (use {kinds})",
    "bad_intervals": "bad intervals {value!r}: {problem}",
    "not_pairs_or_text": "intervals are a list of [start, end] pairs or text like 09:00-13:00 14:00-17:00",
    "holiday_with_intervals": "a holiday is closed, yet it has intervals {value!r} (use kind custom)",
    "needs_intervals": "a {kind} date needs its working intervals",
    "bad_note": "bad {key} {value!r} (text of at most {limit} characters)",
}


def _parse_time(text: JsonValue, where: Place) -> int:
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":":
        raise CalendarProblem("not_hhmm", where=[where], value=text)
    hh, mm = text[:2], text[3:]
    if not (hh.isdigit() and mm.isdigit()):
        raise CalendarProblem("not_hhmm", where=[where], value=text)
    hours, minutes = int(hh), int(mm)
    if (hours, minutes) == (24, 0):
        return 24 * 60
    if hours > 23 or minutes > 59:
        raise CalendarProblem("not_time_of_day", where=[where], value=text)
    return hours * 60 + minutes


def _parse_intervals(value: JsonValue, where: Place) -> tuple[Interval, ...]:
    if not isinstance(value, list | tuple):
        raise CalendarProblem("not_pair_list", where=[where])
    out: list[Interval] = []
    for item in value:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise CalendarProblem("not_pair", where=[where], value=item)
        start = _parse_time(item[0], where)
        end = _parse_time(item[1], where)
        if start == 24 * 60:
            raise CalendarProblem("starts_at_24", where=[where])
        if end <= start:
            raise CalendarProblem("ends_before_start", where=[where], start=item[0], end=item[1])
        out.append((start, end))
    out.sort()
    for (a_start, a_end), (b_start, b_end) in itertools.pairwise(out):
        if b_start < a_end:
            raise CalendarProblem(
                "overlap",
                where=[where],
                first=f"{_fmt(a_start)}–{_fmt(a_end)}",
                second=f"{_fmt(b_start)}–{_fmt(b_end)}",
            )
    return tuple(out)


def _fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _parse_date(value: dt.date | JsonValue, where: Place) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise CalendarProblem("not_a_date", where=[where], value=value) from None


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
            raise CalendarProblem("unknown_tz", where=[Place("tz")], value=tz) from None
        self.tz_name = tz
        unknown = sorted(set(week) - set(DAYS))
        if unknown:
            raise CalendarProblem(
                "unknown_days", where=[Place("week")], days=", ".join(map(str, unknown)), use=", ".join(DAYS)
            )
        self.week: tuple[tuple[Interval, ...], ...] = tuple(
            _parse_intervals(week.get(day, []), Place("week", day)) for day in DAYS
        )
        self.holidays = frozenset(_parse_date(d, Place("holidays")) for d in holidays)
        self.overrides: dict[dt.date, tuple[Interval, ...]] = {
            _parse_date(d, Place("overrides")): _parse_intervals(v, Place("overrides", str(d)))
            for d, v in (overrides or {}).items()
        }
        if not any(self.week):
            # With no weekly working time, add() could search forever past the last override.
            raise CalendarProblem("no_working_time", where=[Place("week")])
        self._lock = threading.RLock()
        self._base = 0  # date ordinal of the first date in the table
        self._ends: list[int] = []  # running working time (µs) at the end of each date
        self._days: list[tuple[tuple[int, int], ...]] = []  # each date's UTC intervals (µs since epoch)

    @classmethod
    def from_dict(cls, spec: Mapping[str, JsonValue]) -> WorkCalendar:
        if not isinstance(spec, Mapping):
            raise CalendarProblem("not_a_mapping")
        unknown = sorted(set(spec) - {"tz", "week", "holidays", "overrides"})
        if unknown:
            raise CalendarProblem("unknown_keys", keys=", ".join(map(str, unknown)))
        if "tz" not in spec:
            raise CalendarProblem("no_tz", where=[Place("tz")])
        week = spec.get("week") or {}
        if not isinstance(week, Mapping):
            raise CalendarProblem("week_not_a_mapping", where=[Place("week")])
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
