"""Quiet hours and digest moments: pure time arithmetic in the person's time zone (no Django).

Quiet hours are a daily local interval [start, end); `end` before `start` wraps past midnight
(22:00–08:00). A moment inside them waits until their end; across a daylight-saving change the
local wall time is kept (the end is a wall-clock time)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except (KeyError, ValueError):  # an unknown zone in old data: UTC rather than a crash
        return ZoneInfo("UTC")


def quiet_until(moment: dt.datetime, tz: str, start: dt.time | None, end: dt.time | None) -> dt.datetime | None:
    """When the quiet hours that contain `moment` end (aware, in the person's zone), or None."""
    if start is None or end is None or start == end:
        return None
    local = moment.astimezone(_zone(tz))
    t = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= t < end
        end_day = local.date()
    else:  # wraps past midnight
        inside = t >= start or t < end
        end_day = local.date() + dt.timedelta(days=1) if t >= start else local.date()
    if not inside:
        return None
    return dt.datetime.combine(end_day, end, tzinfo=local.tzinfo)


def next_digest(moment: dt.datetime, tz: str, period: str, at: dt.time) -> dt.datetime:
    """The next digest moment strictly after `moment`: the next full hour, or the next `at` local."""
    local = moment.astimezone(_zone(tz))
    if period == "hourly":
        # An hour of real time after the local full hour (wall-clock arithmetic would skip the
        # repeated hour when the clocks go back).
        return local.replace(minute=0, second=0, microsecond=0).astimezone(dt.UTC) + dt.timedelta(hours=1)
    candidate = dt.datetime.combine(local.date(), at, tzinfo=local.tzinfo)
    if candidate <= local:
        candidate = dt.datetime.combine(local.date() + dt.timedelta(days=1), at, tzinfo=local.tzinfo)
    return candidate.astimezone(dt.UTC)
