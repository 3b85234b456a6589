"""The Russian production calendar as dated exceptions to a weekly template. Pure Python (no Django).

Sources: the `holidays` package (public holidays, substituted days off, working weekend days) and
the Labour Code, art. 95: the working day immediately before a non-working public holiday is one
hour shorter. Two refinements match the official calendars:

* only the holidays of art. 112 count — a substituted day off ("Выходной (перенесено с …)") or a
  holiday moved off a weekend ("… (выходной)", "(observed)") does not shorten the day before it;
* when a day off is swapped with a working weekend day, the weekend day takes over the working
  status of the day it swapped with, its shortening included: in 2025 the day off moved from
  Saturday 1 November to Monday 3 November, the eve of Unity Day, so Saturday 1 November is the
  shortened day (Government decree No. 1335 of 4 October 2024; 247 working days, 1972 hours).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import holidays

from otklik.core import dates

from .calendar import DAYS, CalendarProblem, Place

Kind = Literal["holiday", "shortened", "working"]

SHORTENED_BY = 60  # minutes, Labour Code art. 95
# The package's Russian label of a substituted day off names the date it came from.
_SUBSTITUTED = re.compile(r"^Выходной \(перенесено с (\d{2})\.(\d{2})\.(\d{4})\)$")


@dataclass(frozen=True)
class ProductionDay:
    date: dt.date
    kind: Kind
    intervals: list[list[str]] = field(default_factory=list)  # [] for a holiday
    note_ru: str = ""
    note_en: str = ""


def _minutes(text: str) -> int:
    return int(text[:2]) * 60 + int(text[3:])


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def shorten(intervals: Sequence[Sequence[str]], minutes: int = SHORTENED_BY) -> list[list[str]]:
    """The intervals with `minutes` cut off the end of the day (dropping whole intervals as needed)."""
    spans = sorted((_minutes(a), _minutes(b)) for a, b in intervals)
    left = minutes
    while spans and left > 0:
        start, end = spans.pop()
        if end - start > left:
            spans.append((start, end - left))
            left = 0
        else:
            left -= end - start
    return [[_hhmm(a), _hhmm(b)] for a, b in spans]


def _substituted_from(name_ru: str) -> dt.date | None:
    for part in name_ru.split("; "):  # the package joins two names of one date with "; "
        match = _SUBSTITUTED.match(part)
        if match:
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
    return None


def _normal_day(week: Mapping[str, Sequence[Sequence[str]]]) -> list[list[str]]:
    """A normal working day's intervals: Monday's, else the first weekday that has any."""
    for day in DAYS:
        if week.get(day):
            return [list(pair) for pair in week[day]]
    raise CalendarProblem("no_working_day_to_copy", where=[Place("week")])


def ru_production_days(years: Iterable[int], week: Mapping[str, Sequence[Sequence[str]]]) -> list[ProductionDay]:
    """The dated exceptions of the Russian production calendar for `years`, for a calendar whose
    weekly template is `week` (CONTRACT's shape: day name -> [[start, end], ...]), sorted by date."""
    wanted = sorted(set(years))
    if not wanted:
        return []
    # One year either side: the eve of 1 January is 31 December, and a swap may cross a year.
    span = range(wanted[0] - 1, wanted[-1] + 2)
    names_ru = holidays.country_holidays("RU", years=span, language="ru")
    names_en = holidays.country_holidays("RU", years=span, language="en_US")
    # Without observed days; minus the substituted days off, what is left is art. 112's list.
    unobserved = holidays.country_holidays("RU", years=span, observed=False, language="ru")
    swapped: dict[dt.date, dt.date] = {}  # working weekend day -> the day off it swapped with
    for day, name in names_ru.items():
        source = _substituted_from(name)
        if source is not None:
            swapped[source] = day
    official = {day for day, name in unobserved.items() if _substituted_from(name) is None}
    working_weekend = set(names_ru.weekend_workdays)
    normal = _normal_day(week)

    def intervals_of(day: dt.date) -> list[list[str]]:
        if day in names_ru:
            return []
        if day in working_weekend:
            return normal
        return [list(pair) for pair in week.get(DAYS[day.weekday()]) or []]

    def is_eve(day: dt.date) -> bool:
        return bool(intervals_of(day)) and day + dt.timedelta(days=1) in official

    out: list[ProductionDay] = []
    for year in wanted:
        day, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        while day <= end:
            if day in names_ru:
                out.append(ProductionDay(day, "holiday", [], _agreed(names_ru[day]), names_en.get(day, "")))
            elif day in working_weekend or is_eve(day):
                moved_to = swapped.get(day)
                eve = is_eve(day) or (moved_to is not None and _would_be_eve(moved_to, week, official))
                out.append(
                    _working_day(day, intervals_of(day), eve=eve, moved_to=moved_to, weekend=day in working_weekend)
                )
            day += dt.timedelta(days=1)
    return out


def _agreed(name: str) -> str:
    """The package's label with its participle agreeing with «выходной»: «Выходной (перенесён с 04.01.2026)»,
    not «перенесено»."""
    return name.replace("Выходной (перенесено с ", "Выходной (перенесён с ", 1)


def _would_be_eve(day: dt.date, week: Mapping[str, Sequence[Sequence[str]]], official: set[dt.date]) -> bool:
    """Whether `day`, had it stayed a working day by the week, would have been a pre-holiday day."""
    return bool(week.get(DAYS[day.weekday()])) and day + dt.timedelta(days=1) in official


def _working_day(
    day: dt.date, intervals: list[list[str]], *, eve: bool, moved_to: dt.date | None, weekend: bool
) -> ProductionDay:
    if weekend and moved_to is not None:
        note_ru = f"Рабочий день (выходной перенесён на {moved_to:%d.%m.%Y})"
        note_en = f"Working day (the day off moved to {dates.day(moved_to, lang='en')})"
    elif weekend:
        note_ru, note_en = "Рабочий день (перенос выходного)", "Working day (a day off transferred)"
    else:
        note_ru = note_en = ""
    if not eve:
        return ProductionDay(day, "working", intervals, note_ru, note_en)
    note_ru = f"{note_ru}, предпраздничный: на час короче" if note_ru else "Предпраздничный день: на час короче"
    note_en = f"{note_en}, pre-holiday: one hour shorter" if note_en else "Pre-holiday day: one hour shorter"
    short = shorten(intervals)
    # A day of at most an hour has nothing left: closed, not a "shortened" day without hours.
    return ProductionDay(day, "shortened" if short else "holiday", short, note_ru, note_en)
