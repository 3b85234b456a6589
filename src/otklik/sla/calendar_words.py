"""A calendar's problems (calendar.CalendarProblem: a code, its params, where) in the reader's
language: the admin's calendar forms, the import page and the production calendar's action."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from otklik.core.jsonvalue import JsonValue

from .calendar import CalendarProblem, Place


def _q(value: object) -> str:
    """A value as typed, in quotes the reader's language uses."""
    return _("'%(value)s'") % {"value": value}


def day_names() -> dict[str, str]:
    """The weekdays' short names in the active language, as the weekly hours are typed («пн»)."""
    return {
        "mon": pgettext("weekday, short", "mon"),
        "tue": pgettext("weekday, short", "tue"),
        "wed": pgettext("weekday, short", "wed"),
        "thu": pgettext("weekday, short", "thu"),
        "fri": pgettext("weekday, short", "fri"),
        "sat": pgettext("weekday, short", "sat"),
        "sun": pgettext("weekday, short", "sun"),
    }


def place_text(place: Place) -> str:
    v: JsonValue = place.value
    if place.kind == "week":
        return _("week.%(day)s") % {"day": v} if v is not None else _("week")
    if place.kind == "overrides":
        return _("overrides.%(date)s") % {"date": v} if v is not None else _("overrides")
    if place.kind == "holidays":
        return _("holidays")
    if place.kind == "tz":
        return _("tz")
    if place.kind == "line":
        return _("line %(number)s (%(text)s)") % {"number": v, "text": _q(place.text)}
    if place.kind == "row":
        return _("row %(number)s") % {"number": v}
    if place.kind == "item":
        return _("item %(number)s") % {"number": v}
    if place.kind == "holidays_item":
        return _("holidays item %(number)s") % {"number": v}
    if place.kind == "overrides_key":
        return _("overrides %(date)s") % {"date": _q(v)}
    return str(place)


def _sentence(problem: CalendarProblem) -> str:
    p = problem.params

    def text(key: str) -> str:
        value = p.get(key)
        if isinstance(value, CalendarProblem):
            return calendar_problem_text(value)
        if isinstance(value, Place):
            return place_text(value)
        return str(value)

    def quoted(key: str) -> str:
        return _q(p.get(key))

    def number(key: str) -> str:
        value = p.get(key)
        return number_format(value, force_grouping=True) if isinstance(value, int) else str(value)

    words: dict[str, Callable[[], str]] = {
        "not_hhmm": lambda: _("%(value)s is not a time as HH:MM") % {"value": quoted("value")},
        "not_time_of_day": lambda: _("%(value)s is not a time of day") % {"value": quoted("value")},
        "not_pair_list": lambda: _("intervals must be a list of [start, end] pairs"),
        "not_pair": lambda: _("%(value)s is not a [start, end] pair") % {"value": quoted("value")},
        "starts_at_24": lambda: _("an interval cannot start at 24:00"),
        "ends_before_start": lambda: (
            _("interval %(start)s–%(end)s ends before it starts (an interval may not cross midnight: split it)")
            % {"start": text("start"), "end": text("end")}
        ),
        "overlap": lambda: (
            _("intervals overlap (%(first)s and %(second)s)") % {"first": text("first"), "second": text("second")}
        ),
        "not_a_date": lambda: _("%(value)s is not a date as YYYY-MM-DD") % {"value": quoted("value")},
        "unknown_tz": lambda: _("unknown time zone %(value)s") % {"value": quoted("value")},
        "unknown_days": lambda: (
            _("unknown day names %(days)s; use %(use)s") % {"days": text("days"), "use": text("use")}
        ),
        "no_working_time": lambda: _("the calendar has no working time at all"),
        "not_a_mapping": lambda: _("a calendar is a mapping with tz, week, holidays, overrides"),
        "unknown_keys": lambda: _("unknown calendar keys: %(keys)s") % {"keys": text("keys")},
        "no_tz": lambda: _("the calendar needs a time zone"),
        "week_not_a_mapping": lambda: _("must map day names to intervals"),
        "no_working_day_to_copy": lambda: _("the calendar has no working day to copy onto a transferred working day"),
        "not_an_interval": lambda: _("%(value)s is not an interval like 09:00-13:00") % {"value": quoted("value")},
        "not_a_day": lambda: _("%(value)s is not a day; use %(use)s") % {"value": quoted("value"), "use": text("use")},
        "day_twice": lambda: _("%(day)s is given twice") % {"day": text("day")},
        "file_too_large": lambda: (
            _("the file is %(size)s bytes; the limit is %(limit)s (1 MB)")
            % {"size": number("size"), "limit": number("limit")}
        ),
        "not_utf8": lambda: _("the file is not UTF-8 text (byte %(byte)s)") % {"byte": text("byte")},
        "no_dates": lambda: _("the file has no dates"),
        "date_twice": lambda: (
            _("date %(date)s is already given (%(first)s)") % {"date": text("date"), "first": text("first")}
        ),
        "would_be_invalid": lambda: _("the calendar would be invalid: %(problem)s") % {"problem": text("problem")},
        "too_many_rows": lambda: (
            _("the file has %(count)s rows; the limit is %(limit)s")
            % {"count": number("count"), "limit": number("limit")}
        ),
        "no_header": lambda: _("the first row must be the header %(columns)s") % {"columns": text("columns")},
        "unknown_column": lambda: (
            _("unknown column %(value)s; use %(columns)s") % {"value": quoted("value"), "columns": text("columns")}
        ),
        "too_many_values": lambda: (
            _("%(values)s values for %(columns)s columns") % {"values": text("values"), "columns": text("columns")}
        ),
        "bad_csv": lambda: _("not valid CSV (%(detail)s)") % {"detail": text("detail")},
        "bad_json": lambda: (
            _("not valid JSON: %(detail)s (line %(line)s, column %(column)s)")
            % {"detail": text("detail"), "line": text("line"), "column": text("column")}
        ),
        "unknown_document_key": lambda: (
            _("unknown key %(value)s; a calendar has holidays and overrides") % {"value": quoted("value")}
        ),
        "holidays_not_a_list": lambda: _("must be a list of dates"),
        "overrides_not_a_mapping": lambda: _("must map dates to intervals"),
        "bad_json_shape": lambda: _(
            "the JSON must be a list of dates or objects, or an object with holidays and overrides"
        ),
        "not_date_or_object": lambda: _("%(value)s is neither a date nor an object") % {"value": quoted("value")},
        "unknown_key": lambda: (
            _("unknown key %(value)s; use %(columns)s") % {"value": quoted("value"), "columns": text("columns")}
        ),
        "bad_date": lambda: _("bad date %(value)s (use YYYY-MM-DD)") % {"value": quoted("value")},
        "bad_kind": lambda: (
            _("bad kind %(value)s (use %(kinds)s)") % {"value": quoted("value"), "kinds": text("kinds")}
        ),
        "bad_intervals": lambda: (
            _("bad intervals %(value)s: %(problem)s") % {"value": quoted("value"), "problem": text("problem")}
        ),
        "not_pairs_or_text": lambda: _(
            "intervals are a list of [start, end] pairs or text like 09:00-13:00 14:00-17:00"
        ),
        "holiday_with_intervals": lambda: (
            _("a holiday is closed, yet it has intervals %(value)s (use kind custom)") % {"value": quoted("value")}
        ),
        "needs_intervals": lambda: _("a %(kind)s date needs its working intervals") % {"kind": text("kind")},
        "bad_note": lambda: (
            _("bad %(key)s %(value)s (text of at most %(limit)s characters)")
            % {"key": text("key"), "value": quoted("value"), "limit": text("limit")}
        ),
    }
    say = words.get(problem.code)
    return say() if say else problem.english()


def calendar_problem_text(problem: BaseException) -> str:
    """The problem in the active language, where it is first (a ValueError of another kind: as it says)."""
    if not isinstance(problem, CalendarProblem):
        return str(problem)
    return ": ".join([*(place_text(p) for p in problem.where), _sentence(problem)])
