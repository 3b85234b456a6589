"""Working calendars in the database: the Russian production calendar, importing dated exceptions
from CSV or JSON, and the text forms the admin shows (`mon 09:00-13:00 14:00-18:00`)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction

from otklik.core.errors import Invalid
from otklik.core.jsonvalue import JsonValue

from .calendar import DAYS, CalendarProblem, Place, WorkCalendar
from .config import sla_config_changed_on_commit
from .models import Calendar, CalendarDay, DayKind
from .production import ru_production_days

MAX_IMPORT_BYTES = 1_000_000
MAX_IMPORT_ROWS = 5000
CSV_COLUMNS = ("date", "kind", "intervals", "note_ru", "note_en")
NOTE_MAX = 200  # CalendarDay.note_* max_length

_INTERVAL = re.compile(r"^(\d{1,2}:\d{2})\s*[-–—]\s*(\d{1,2}:\d{2})$")
# The weekday names the text form accepts besides the codes (mon…sun): Russian, short and full.
DAY_NAMES = {
    name: code
    for code, names in zip(
        DAYS,
        (
            ("пн", "пнд", "понедельник"),
            ("вт", "вторник"),
            ("ср", "среда"),
            ("чт", "четверг"),
            ("пт", "пятница"),
            ("сб", "суббота"),
            ("вс", "воскресенье"),
        ),
        strict=True,
    )
    for name in (code, *names)
}


# --- text forms ------------------------------------------------------------------------------
def parse_intervals(text: str) -> list[list[str]]:
    """`09:00-13:00 14:00-17:00` (spaces or commas between) -> [["09:00", "13:00"], ["14:00", "17:00"]].
    Checks the shape only; WorkCalendar judges the times themselves."""
    out: list[list[str]] = []
    # Spaces around the dash are allowed, so first glue "09:00 - 13:00" together.
    for token in re.sub(r"\s*([-–—])\s*", r"\1", text.replace(",", " ")).split():
        match = _INTERVAL.match(token)
        if not match:
            raise CalendarProblem("not_an_interval", value=token)
        out.append([t.zfill(5) for t in match.groups()])
    return out


def check_intervals(intervals: list[list[str]]) -> None:
    """Raises ValueError naming the problem when the intervals are not a valid working day."""
    probe = "2000-01-01"
    try:
        WorkCalendar.from_dict({"tz": "UTC", "week": {"mon": [["00:00", "01:00"]]}, "overrides": {probe: intervals}})
    except CalendarProblem as exc:
        # The engine names the probe's own date; the caller names the row or line instead.
        raise exc.bare() from None


def format_intervals(intervals: Iterable[Iterable[str]]) -> str:
    return " ".join("-".join(pair) for pair in intervals)


def parse_week(text: str) -> dict[str, list[list[str]]]:
    """One line per weekday, `mon 09:00-13:00 14:00-18:00` (or `пн 09:00-18:00`, `понедельник …`); a
    missing day is closed. Errors (CalendarProblem) name the line."""
    week: dict[str, list[list[str]]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, *more = line.split(None, 1)
        rest = more[0] if more else ""
        here = Place("line", number, line)
        day = DAY_NAMES.get(name.rstrip(":.").lower())
        if day is None:
            raise CalendarProblem("not_a_day", where=[here], value=name, use=", ".join(DAYS))
        if day in week:
            raise CalendarProblem("day_twice", where=[here], day=day)
        try:
            intervals = parse_intervals(rest)
            if intervals:  # a day named with no intervals is closed, as if left out
                check_intervals(intervals)
        except CalendarProblem as exc:
            raise exc.at(here) from None
        week[day] = intervals
    return {day: week[day] for day in DAYS if week.get(day)}


def format_week(week: Mapping[str, Iterable[Iterable[str]]], names: Mapping[str, str] | None = None) -> str:
    """The text form of the weekly hours, each day by its code or by `names` (the reader's: «пн»)."""
    names = names or {}
    return "\n".join(f"{names.get(day, day)} {format_intervals(week[day])}" for day in DAYS if week.get(day))


# --- services ----------------------------------------------------------------------------------
@transaction.atomic
def calendar_make_default(*, calendar: Calendar) -> None:
    """Makes `calendar` the one default calendar (the flag is cleared on every other)."""
    Calendar.objects.filter(is_default=True).exclude(pk=calendar.pk).update(is_default=False)
    if not calendar.is_default:
        calendar.is_default = True
        calendar.save(update_fields=["is_default", "updated_at"])
    else:
        calendar.save(update_fields=["updated_at"])  # .update() sends no signal: this drops the SLA snapshot
    # Which requests fall back to the default calendar is only known by recomputing them all.
    sla_config_changed_on_commit(calendar_id=None)


# --- the Russian production calendar -------------------------------------------------------------
@transaction.atomic
def calendar_fill_ru(*, calendar: Calendar, years: Iterable[int], overwrite: bool = False) -> int:
    """Adds the Russian production calendar's dates for `years`. A date the calendar already has is
    kept (an administrator may have edited it) unless `overwrite`. Returns how many dates were written."""
    calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
    try:
        days = ru_production_days(years, calendar.week or {})
    except ValueError as exc:
        raise _invalid(exc) from exc
    existing = set(calendar.days.filter(date__in=[d.date for d in days]).values_list("date", flat=True))
    if overwrite:
        calendar.days.filter(date__in=existing).delete()
    else:
        days = [d for d in days if d.date not in existing]
    CalendarDay.objects.bulk_create(
        CalendarDay(
            calendar=calendar,
            date=d.date,
            kind=d.kind,
            intervals=d.intervals,
            note_ru=d.note_ru[:NOTE_MAX],
            note_en=d.note_en[:NOTE_MAX],
        )
        for d in days
    )
    _touch(calendar)
    return len(days)


def _touch(calendar: Calendar) -> None:
    # bulk_create sends no post_save: saving the calendar drops the SLA snapshot (sla/reference.py),
    # and the open requests on this calendar get their deadlines recomputed by the worker.
    calendar.save(update_fields=["updated_at"])
    sla_config_changed_on_commit(calendar_id=calendar.pk)


# --- import ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Row:
    where: Place  # row 3 (CSV, as a spreadsheet numbers it) or item 3 (JSON)
    date: dt.date
    kind: str
    intervals: list[list[str]]
    note_ru: str
    note_en: str


def calendar_import(*, calendar: Calendar, data: bytes, filename: str) -> int:
    """Imports dated exceptions from CSV (`date,kind,intervals,note_ru,note_en` with a header) or JSON
    (a list of dates, a list of objects, or CONTRACT's {"holidays": [...], "overrides": {...}}).
    An imported date replaces the calendar's row for that date. Everything is checked first: one bad
    row and nothing is imported (Invalid names the row and the value). Returns how many dates were written."""
    if len(data) > MAX_IMPORT_BYTES:
        raise _invalid(CalendarProblem("file_too_large", size=len(data), limit=MAX_IMPORT_BYTES))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _invalid(CalendarProblem("not_utf8", byte=exc.start)) from None
    name = filename.lower()
    is_json = name.endswith(".json") or (not name.endswith(".csv") and text.lstrip()[:1] in ("[", "{"))
    raw_rows = _json_rows(text) if is_json else _csv_rows(text)
    if not raw_rows:
        raise _invalid(CalendarProblem("no_dates"))
    rows = [_row(where, item) for where, item in raw_rows]
    seen: dict[dt.date, Place] = {}
    for row in rows:
        if row.date in seen:
            raise _invalid(
                CalendarProblem("date_twice", where=[row.where], date=row.date.isoformat(), first=seen[row.date])
            )
        seen[row.date] = row.where
    with transaction.atomic():
        calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
        kept = list(calendar.days.exclude(date__in=list(seen)))
        new = [
            CalendarDay(
                calendar=calendar,
                date=r.date,
                kind=r.kind,
                intervals=r.intervals,
                note_ru=r.note_ru,
                note_en=r.note_en,
            )
            for r in rows
        ]
        try:
            calendar.engine(kept + new)  # the calendar as it would be must still be valid
        except ValueError as exc:
            raise _invalid(CalendarProblem("would_be_invalid", problem=exc)) from exc
        calendar.days.filter(date__in=list(seen)).delete()
        CalendarDay.objects.bulk_create(new)
        _touch(calendar)
    return len(new)


class CalendarInvalid(Invalid):
    """A refused import or fill: the problem as data (`problem`) for the admin to say in the reader's
    language (sla/calendar_words.py); `detail` is its English sentence."""

    def __init__(self, problem: CalendarProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _invalid(problem: ValueError) -> Invalid:
    return CalendarInvalid(problem) if isinstance(problem, CalendarProblem) else Invalid(str(problem))


def _too_many(count: int) -> Invalid:
    return _invalid(CalendarProblem("too_many_rows", count=count, limit=MAX_IMPORT_ROWS))


def _csv_rows(text: str) -> list[tuple[Place, dict[str, JsonValue]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            return []
        columns = [cell.strip().lower() for cell in header]
        if "date" not in columns:
            raise _invalid(
                CalendarProblem("no_header", where=[Place("row", reader.line_num)], columns=",".join(CSV_COLUMNS))
            )
        unknown = [c for c in columns if c not in CSV_COLUMNS]
        if unknown:
            raise _invalid(
                CalendarProblem(
                    "unknown_column",
                    where=[Place("row", reader.line_num)],
                    value=unknown[0],
                    columns=",".join(CSV_COLUMNS),
                )
            )
        rows: list[tuple[Place, dict[str, JsonValue]]] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                raise _too_many(len(rows) + 1 + sum(1 for _ in reader))
            if len(cells) > len(columns):
                raise _invalid(
                    CalendarProblem(
                        "too_many_values",
                        where=[Place("row", reader.line_num)],
                        values=len(cells),
                        columns=len(columns),
                    )
                )
            rows.append((Place("row", reader.line_num), dict(zip(columns, (c.strip() for c in cells), strict=False))))
    except csv.Error as exc:
        raise _invalid(CalendarProblem("bad_csv", where=[Place("row", reader.line_num)], detail=str(exc))) from None
    return rows


def _json_rows(text: str) -> list[tuple[Place, JsonValue]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _invalid(CalendarProblem("bad_json", detail=exc.msg, line=exc.lineno, column=exc.colno)) from None
    if isinstance(doc, list):
        if len(doc) > MAX_IMPORT_ROWS:
            raise _too_many(len(doc))
        return [(Place("item", i), item) for i, item in enumerate(doc, start=1)]
    if isinstance(doc, dict):
        unknown = sorted(set(doc) - {"tz", "week", "holidays", "overrides"})
        if unknown:
            raise _invalid(CalendarProblem("unknown_document_key", value=unknown[0]))
        holidays, overrides = doc.get("holidays") or [], doc.get("overrides") or {}
        if not isinstance(holidays, list):
            raise _invalid(CalendarProblem("holidays_not_a_list", where=[Place("holidays")]))
        if not isinstance(overrides, dict):
            raise _invalid(CalendarProblem("overrides_not_a_mapping", where=[Place("overrides")]))
        if len(holidays) + len(overrides) > MAX_IMPORT_ROWS:
            raise _too_many(len(holidays) + len(overrides))
        rows: list[tuple[Place, JsonValue]] = [
            (Place("holidays_item", i), {"date": d, "kind": DayKind.HOLIDAY}) for i, d in enumerate(holidays, start=1)
        ]
        rows += [
            (Place("overrides_key", d), {"date": d, "kind": DayKind.CUSTOM, "intervals": v})
            for d, v in overrides.items()
        ]
        return rows
    raise _invalid(CalendarProblem("bad_json_shape"))


def _iso_date(value: JsonValue) -> dt.date | None:
    # fromisoformat alone would also take "20260101" and week dates; a file should say YYYY-MM-DD.
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def _row(where: Place, item: JsonValue) -> _Row:
    if isinstance(item, str):
        item = {"date": item}
    if not isinstance(item, dict):
        raise _invalid(CalendarProblem("not_date_or_object", where=[where], value=item))
    unknown = sorted(set(item) - set(CSV_COLUMNS))
    if unknown:
        raise _invalid(CalendarProblem("unknown_key", where=[where], value=unknown[0], columns=", ".join(CSV_COLUMNS)))
    raw_date = item.get("date")
    date = _iso_date(raw_date)
    if date is None:
        raise _invalid(CalendarProblem("bad_date", where=[where], value=raw_date))
    kind = item.get("kind") or DayKind.HOLIDAY
    if kind not in DayKind.values:
        raise _invalid(CalendarProblem("bad_kind", where=[where], value=kind, kinds=", ".join(DayKind.values)))
    raw = item.get("intervals")
    try:
        if raw in (None, ""):
            intervals: list[list[str]] = []
        elif isinstance(raw, str):
            intervals = parse_intervals(raw)
        elif isinstance(raw, list):
            intervals = [list(pair) if isinstance(pair, list | tuple) else pair for pair in raw]
        else:
            raise CalendarProblem("not_pairs_or_text")
        check_intervals(intervals)
    except CalendarProblem as exc:
        raise _invalid(CalendarProblem("bad_intervals", where=[where], value=raw, problem=exc)) from None
    if kind == DayKind.HOLIDAY and intervals:
        raise _invalid(CalendarProblem("holiday_with_intervals", where=[where], value=raw))
    if kind in (DayKind.SHORTENED, DayKind.WORKING) and not intervals:
        raise _invalid(CalendarProblem("needs_intervals", where=[where], kind=kind))
    notes = {}
    for key in ("note_ru", "note_en"):
        value = item.get(key) or ""
        if not isinstance(value, str) or len(value) > NOTE_MAX:
            raise _invalid(CalendarProblem("bad_note", where=[where], key=key, value=value, limit=NOTE_MAX))
        notes[key] = value.strip()
    return _Row(where, date, str(kind), intervals, notes["note_ru"], notes["note_en"])
