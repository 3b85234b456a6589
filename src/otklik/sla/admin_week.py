"""The working week as a grid in the calendar's admin: seven rows, a few intervals (from, to) per
day. The week as text stays beside it for pasting (admin_calendars.CalendarForm)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.forms.renderers import BaseRenderer
from django.utils.datastructures import MultiValueDict
from django.utils.dates import WEEKDAYS
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from .calendar import DAYS, WorkCalendar
from .calendar_import import check_intervals
from .calendar_words import calendar_problem_text

Week = dict[str, list[list[str]]]
MIN_SLOTS = 3  # intervals offered per day (one more than the longest day, at least this many)
MAX_SLOTS = 12  # read back at most this many per day
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::00)?$")


def _slots(week: Mapping[str, list[list[str]]]) -> int:
    longest = max((len(week.get(day) or []) for day in DAYS), default=0)
    return min(MAX_SLOTS, max(MIN_SLOTS, longest + 1))


class WeekGridWidget(forms.Widget):
    """Seven rows (Monday first), each with `from`–`to` time inputs per interval. Its value is a
    week {day: [[from, to], …]}; what comes back from the browser may hold half-filled or malformed
    pairs, which the field names."""

    def render(
        self, name: str, value: object, attrs: dict[str, Any] | None = None, renderer: BaseRenderer | None = None
    ) -> SafeString:
        week: Mapping[str, list[list[str]]] = value if isinstance(value, Mapping) else {}
        slots = _slots(week)
        rows = []
        for index, day in enumerate(DAYS):
            pairs = list(week.get(day) or [])
            cells = []
            for slot in range(slots):
                start, end = (pairs[slot] + ["", ""])[:2] if slot < len(pairs) else ("", "")
                cells.append(
                    format_html(
                        '<span class="week-interval"><input type="time" name="{}" value="{}" aria-label="{}">'
                        ' – <input type="time" name="{}" value="{}" aria-label="{}"></span>',
                        f"{name}_{day}_{slot}_from",
                        start,
                        _("%(day)s, interval %(n)d: from") % {"day": WEEKDAYS[index], "n": slot + 1},
                        f"{name}_{day}_{slot}_to",
                        end,
                        _("%(day)s, interval %(n)d: to") % {"day": WEEKDAYS[index], "n": slot + 1},
                    )
                )
            rows.append((WEEKDAYS[index], format_html_join(" ", "{}", ((c,) for c in cells))))
        body = format_html_join("", '<tr><th scope="row">{}</th><td>{}</td></tr>', rows)
        return format_html(
            # A day's intervals wrap onto another line where the row is narrower than all of them (a
            # narrow window, a long label, time inputs with AM/PM): none is ever cut off.
            "<style>.week-grid .week-interval {{ display: inline-block; white-space: nowrap; margin: 0 1.5em .3em 0; }}"
            " .week-grid td {{ white-space: normal; }} .week-grid input[type=time] {{ width: 7.5em; }}</style>"
            '<table class="week-grid" id="{}"><thead><tr><th scope="col">{}</th><th scope="col">{}</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            (attrs or {}).get("id") or f"id_{name}",
            _("Day"),
            _("Working intervals (from – to); an empty day is closed"),
            body,
        )

    def value_from_datadict(
        self, data: Mapping[str, Any], files: MultiValueDict[str, UploadedFile], name: str
    ) -> Week | None:
        """The week as posted, or None when the grid was not in the form at all."""
        if not any(f"{name}_{day}_0_from" in data for day in DAYS):
            return None
        week: Week = {}
        for day in DAYS:
            pairs = []
            for slot in range(MAX_SLOTS):
                start = str(data.get(f"{name}_{day}_{slot}_from") or "").strip()
                end = str(data.get(f"{name}_{day}_{slot}_to") or "").strip()
                if start or end:
                    pairs.append([start, end])
            if pairs:
                week[day] = pairs
        return week

    def value_omitted_from_data(
        self, data: Mapping[str, Any], files: MultiValueDict[str, UploadedFile], name: str
    ) -> bool:
        return self.value_from_datadict(data, files, name) is None

    def post_data(self, name: str, value: object) -> dict[str, str]:
        """What a browser posts for `value` (the tests fill forms with it)."""
        out: dict[str, str] = {}
        week: Mapping[str, list[list[str]]] = value if isinstance(value, Mapping) else {}
        for day in DAYS:
            for slot in range(_slots(week)):
                pairs = week.get(day) or []
                start, end = pairs[slot] if slot < len(pairs) else ("", "")
                out[f"{name}_{day}_{slot}_from"] = start
                out[f"{name}_{day}_{slot}_to"] = end
        return out


def _time(text: str) -> str | None:
    match = _TIME.match(text)
    return f"{int(match[1]):02d}:{match[2]}" if match else None


class WeekGridField(forms.Field):
    """The week from the grid, judged like the text form: each day's intervals, then the week."""

    widget = WeekGridWidget
    default_error_messages = {
        "half": _("%(day)s: an interval needs both its start and its end."),
        "time": _("%(day)s: “%(value)s” is not a time such as 09:00."),
        "day": _("%(day)s: %(problem)s"),
        "week": _("The week is not valid: %(problem)s"),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: object) -> Week | None:
        if value is None or not isinstance(value, Mapping):
            return None
        week: Week = {}
        for index, day in enumerate(DAYS):
            name = WEEKDAYS[index]
            pairs: list[list[str]] = []
            for pair in value.get(day) or []:
                start, end = (str(part).strip() for part in pair)
                if not start or not end:
                    raise ValidationError(self.error_messages["half"], code="half", params={"day": name})
                times = [_time(start), _time(end)]
                for raw, parsed in zip((start, end), times, strict=True):
                    if parsed is None:
                        raise ValidationError(
                            self.error_messages["time"], code="time", params={"day": name, "value": raw}
                        )
                pairs.append([t for t in times if t is not None])
            if pairs:
                try:
                    check_intervals(pairs)
                except ValueError as exc:
                    raise ValidationError(
                        self.error_messages["day"],
                        code="day",
                        params={"day": name, "problem": calendar_problem_text(exc)},
                    ) from None
                week[day] = sorted(pairs)
        try:
            WorkCalendar.from_dict({"tz": "UTC", "week": week})
        except ValueError as exc:
            raise ValidationError(
                self.error_messages["week"], code="week", params={"problem": calendar_problem_text(exc)}
            ) from None
        return week

    def has_changed(self, initial: object, data: object) -> bool:
        return data is not None and week_normal(data) != week_normal(initial)


def week_normal(week: object) -> Week:
    """A week to compare: working days only, each day's intervals in order."""
    if not isinstance(week, Mapping):
        return {}
    return {day: sorted([list(p) for p in week[day]]) for day in DAYS if week.get(day)}
