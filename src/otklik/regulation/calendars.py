"""The working calendars as the regulation lists them: the week, and the special dates over a
period of whole months from this one (not the calendar year, so the coming months are always
there)."""

from __future__ import annotations

import contextlib
import datetime as dt
import zoneinfo

from django.utils import timezone

from otklik.core.jsonvalue import JsonValue
from otklik.sla.calendar import DAYS
from otklik.sla.models import Calendar, CalendarDay

from .texts import DAY_KINDS, WEEKDAYS, pair, same

MONTHS_AHEAD = 12  # the special dates listed: this month and the eleven after it


def intervals(value: JsonValue) -> list[list[str]]:
    """Stored intervals as [[start, end], …] sorted; anything malformed is left out, never fatal."""
    out = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, list | tuple) and len(item) == 2:
            out.append([str(item[0]), str(item[1])])
    return sorted(out)


def period_of(moment: dt.datetime, zone: str | None) -> tuple[dt.date, dt.date]:
    """The special dates a version lists: from the first of this month (where the service works: on
    31 December evening in Moscow it is already January in Vladivostok) to the end of the
    MONTHS_AHEAD-th month. Whole months, so the content changes once a month at most."""
    local = timezone.localtime(moment, timezone.get_default_timezone())
    if zone:
        with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError, ValueError):
            local = moment.astimezone(zoneinfo.ZoneInfo(zone))
    first = local.date().replace(day=1)
    months = first.year * 12 + first.month - 1 + MONTHS_AHEAD
    return first, dt.date(months // 12, months % 12 + 1, 1) - dt.timedelta(days=1)


def period(first: dt.date, last: dt.date) -> dict[str, JsonValue]:
    return {"from": first.isoformat(), "to": last.isoformat()}


def calendar_entry(cal: Calendar, first: dt.date, last: dt.date) -> dict[str, JsonValue]:
    week = cal.week if isinstance(cal.week, dict) else {}
    days = CalendarDay.objects.filter(calendar=cal, date__range=(first, last)).order_by("date")
    return {
        "code": cal.code,
        "name": pair(cal, "name"),
        "time_zone": cal.time_zone,
        "week": [{"day": d, "name": WEEKDAYS[d], "intervals": intervals(week.get(d))} for d in DAYS],
        "exceptions": [
            {
                "date": d.date.isoformat(),
                "kind": d.kind,
                "kind_name": DAY_KINDS.get(d.kind, same(d.kind)),
                "intervals": [] if d.kind == "holiday" else intervals(d.intervals),
                "note": pair(d, "note"),
            }
            for d in days
        ],
    }
