"""The SLA badge of a queue row, pure: from a request's clocks (already read) and the moment, the
working time left to its nearest running deadline and a tone (ok / warn / bad) that the text says
too, so colour is never the only sign."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from otklik.sla import clockmath as cm

OK, WARN, BAD, IDLE = "ok", "warn", "bad", ""


@dataclass(frozen=True)
class Badge:
    tone: str  # ok | warn | bad | "" (no clock running)
    text: str
    detail: str  # which target and how much of it is used: the title, for whoever wants more
    left_seconds: int | None = None
    percent: int | None = None


def duration(seconds: float) -> str:
    """Working time, short: "2 h 05 min", "45 min", "under 1 min"."""
    minutes = int(abs(seconds)) // 60
    if minutes < 1:
        return _("under 1 min")
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return _("%(m)d min") % {"m": minutes}
    if not minutes:
        return _("%(h)d h") % {"h": hours}
    return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}


def _percent(used: dt.timedelta, target: dt.timedelta) -> int:
    if target <= cm.ZERO:
        return 100
    return int(used / target * 100)


def _live(data: cm.ClockData) -> bool:
    """Counting towards a deadline now: running, or breached and still not stopped (late, and
    getting later)."""
    return data.running_since is not None and data.stopped_at is None and data.state in (cm.RUNNING, cm.BREACHED)


def sla_badge(
    clocks: Sequence[tuple[str, cm.ClockData, cm.Calendar]], *, breached: bool, moment: dt.datetime
) -> Badge | None:
    """`clocks`: (target name, clock, its calendar). `breached`: the request already missed a target
    (the ticket's own flag). None when no target applies."""
    live = [(name, d, cal) for name, d, cal in clocks if _live(d) and d.due_at is not None]
    if live:
        name, data, cal = min(live, key=lambda c: c[1].due_at or moment)
        used = cm.used_at(data, cal, moment)
        left = data.target - used  # cm.left_at, without reading the calendar twice
        percent = _percent(used, data.target)
        detail = _("%(target)s: %(percent)d%% of %(total)s used") % {
            "target": name,
            "percent": percent,
            "total": duration(data.target.total_seconds()),
        }
        seconds = int(left.total_seconds())
        if left <= cm.ZERO or cm.state_at(data, moment) == cm.BREACHED:
            return Badge(BAD, _("Overdue %(time)s") % {"time": duration(seconds)}, detail, seconds, percent)
        if breached:
            text = _("Breached · %(time)s left") % {"time": duration(seconds)}
            return Badge(BAD, text, detail, seconds, percent)
        # The warning comes at the same share the SLA engine warns at (any running target past it).
        risky = any(d.warn_at is not None and d.warn_at <= moment for _n, d, _c in live)
        if risky:
            return Badge(WARN, _("At risk · %(time)s left") % {"time": duration(seconds)}, detail, seconds, percent)
        return Badge(OK, _("%(time)s left") % {"time": duration(seconds)}, detail, seconds, percent)
    paused = [(name, d, cal) for name, d, cal in clocks if d.state == cm.PAUSED]
    if paused:
        name, data, cal = min(paused, key=lambda c: cm.left_at(c[1], c[2], moment))
        left = cm.left_at(data, cal, moment)
        detail = _("%(target)s: the clock is paused") % {"target": name}
        if breached:
            return Badge(BAD, _("Breached · paused"), detail, int(left.total_seconds()))
        text = _("Paused · %(time)s left") % {"time": duration(left.total_seconds())}
        return Badge(IDLE, text, detail, int(left.total_seconds()))
    if breached:
        return Badge(BAD, _("Breached"), _("A target was missed"))
    return None
