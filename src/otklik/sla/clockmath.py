"""SLA clock arithmetic, pure: no Django, so it is tested and benchmarked alone.

A clock measures the working time a request spends on one target. `used` is the working time
spent before `running_since`; while the clock runs, its deadline is the calendar's
`add(running_since, target - used)`. Pausing folds the running segment into `used`, so a
resumed clock continues with exactly the time already used and the deadline moves by exactly
the working time spent paused. Every operation returns the ledger events it produced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from .kinds import ClockState

RUNNING, PAUSED, MET, BREACHED, CANCELLED = (
    ClockState.RUNNING,
    ClockState.PAUSED,
    ClockState.MET,
    ClockState.BREACHED,
    ClockState.CANCELLED,
)
ZERO = dt.timedelta(0)


class Calendar(Protocol):
    def add(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime: ...

    def elapsed(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta: ...


@dataclass
class ClockData:
    metric: str
    target: dt.timedelta
    warning_percent: int
    state: str
    started_at: dt.datetime
    used: dt.timedelta = ZERO
    running_since: dt.datetime | None = None
    due_at: dt.datetime | None = None
    warn_at: dt.datetime | None = None
    warned_at: dt.datetime | None = None
    breached_at: dt.datetime | None = None
    stopped_at: dt.datetime | None = None
    cycle: int = 1
    escalated: list[int] = field(default_factory=list)

    @property
    def warning_pending(self) -> bool:
        """A warning instant not yet warned about. A later threshold (a longer target) is due
        again; the same or an earlier one, already warned, is not."""
        return self.warn_at is not None and (self.warned_at is None or self.warn_at > self.warned_at)

    def warn_threshold(self) -> dt.timedelta | None:
        if not self.warning_percent:
            return None
        return self.target * self.warning_percent / 100


def used_at(clock: ClockData, cal: Calendar, moment: dt.datetime) -> dt.timedelta:
    """The working time used by `moment`."""
    if clock.running_since is None:
        return clock.used
    return clock.used + max(cal.elapsed(clock.running_since, moment), ZERO)


def left_at(clock: ClockData, cal: Calendar, moment: dt.datetime) -> dt.timedelta:
    """Working time left before the deadline (negative once past it)."""
    return clock.target - used_at(clock, cal, moment)


def state_at(clock: ClockData, moment: dt.datetime) -> str:
    """The state as of `moment`: a running clock past its deadline is breached, even before the
    timer worker has recorded it."""
    if clock.state == RUNNING and clock.due_at is not None and clock.due_at <= moment:
        return BREACHED
    return clock.state


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """Computed deadlines carry the calendar's zone, stored ones UTC: shown alike either way."""
    return value.astimezone(dt.UTC) if value is not None else None


def _schedule(clock: ClockData, cal: Calendar) -> None:
    """Deadline and warning instant of a running clock; none for one that is not running."""
    if clock.state != RUNNING or clock.running_since is None:
        if clock.state not in (BREACHED, MET):  # those keep the deadline they met or missed
            clock.due_at = None
            clock.warn_at = None
        return
    since = clock.running_since
    clock.due_at = cal.add(since, max(clock.target - clock.used, ZERO))
    threshold = clock.warn_threshold()
    if threshold is None:
        clock.warn_at = None
    elif threshold <= clock.used and clock.warned_at is not None:
        clock.warn_at = clock.warned_at  # passed, and warned about already: not again
    else:
        clock.warn_at = cal.add(since, max(threshold - clock.used, ZERO))


def _fold(clock: ClockData, cal: Calendar, moment: dt.datetime) -> None:
    """Fold the running segment into `used`, as of `moment`."""
    if clock.running_since is not None:
        clock.used = used_at(clock, cal, moment)
        clock.running_since = None


def start(
    *,
    metric: str,
    target: dt.timedelta,
    warning_percent: int,
    cal: Calendar,
    moment: dt.datetime,
    used: dt.timedelta = ZERO,
    paused: bool = False,
    cycle: int = 1,
) -> ClockData:
    clock = ClockData(
        metric=metric,
        target=target,
        warning_percent=warning_percent,
        state=PAUSED if paused else RUNNING,
        started_at=moment,
        used=used,
        running_since=None if paused else moment,
        cycle=cycle,
    )
    _schedule(clock, cal)
    return clock


def restart(clock: ClockData, cal: Calendar, moment: dt.datetime) -> list[str]:
    """A new cycle of a recurring target (the executor's next reaction): fresh budget."""
    clock.cycle += 1
    clock.state = RUNNING
    clock.started_at = moment
    clock.used = ZERO
    clock.running_since = moment
    clock.warned_at = clock.breached_at = clock.stopped_at = None
    clock.escalated = []
    _schedule(clock, cal)
    return ["applied"]


def pause(clock: ClockData, cal: Calendar, moment: dt.datetime) -> list[str]:
    if clock.state == RUNNING:
        _fold(clock, cal, moment)
        clock.state = PAUSED
        _schedule(clock, cal)
        return ["paused"]
    if clock.state == BREACHED and clock.running_since is not None:
        _fold(clock, cal, moment)  # no event: a breach is final, this only keeps the lateness exact
    return []


def resume(clock: ClockData, cal: Calendar, moment: dt.datetime) -> list[str]:
    """Continue with the time already used: after a pause, or when a resolution is rejected."""
    if clock.state in (PAUSED, MET):
        clock.state = RUNNING
        clock.running_since = moment
        clock.stopped_at = None
        _schedule(clock, cal)
        return ["resumed"]
    if clock.state == BREACHED and clock.running_since is None and clock.stopped_at is None:
        clock.running_since = moment
    if clock.state == BREACHED and clock.stopped_at is not None:
        clock.stopped_at = None  # a rejected resolution of a late request: it is open again
        clock.running_since = moment
    return []


def stop(clock: ClockData, cal: Calendar, moment: dt.datetime) -> list[str]:
    """The target is reached: met if within the target, else breached (at the exact deadline,
    however late the timer worker is)."""
    if clock.state in (RUNNING, PAUSED):
        was_running = clock.state == RUNNING
        due = clock.due_at
        _fold(clock, cal, moment)
        clock.stopped_at = moment
        if clock.used <= clock.target:
            clock.state = MET
            clock.warn_at = None  # due_at stays: the deadline that was met
            return ["met"]
        clock.state = BREACHED
        clock.breached_at = due if was_running and due is not None else moment
        clock.due_at = clock.breached_at
        return ["breached"]
    if clock.state == BREACHED and clock.stopped_at is None:
        _fold(clock, cal, moment)
        clock.stopped_at = moment
    return []


def cancel(clock: ClockData, cal: Calendar, moment: dt.datetime) -> list[str]:
    """The request ended without the target being reached or missed (withdrawn, closed)."""
    if clock.state in (RUNNING, PAUSED):
        _fold(clock, cal, moment)
        clock.state = CANCELLED
        clock.stopped_at = moment
        _schedule(clock, cal)
        return ["cancelled"]
    if clock.state == BREACHED and clock.stopped_at is None:
        _fold(clock, cal, moment)
        clock.stopped_at = moment
    return []


def retarget(
    clock: ClockData, cal: Calendar, moment: dt.datetime, *, target: dt.timedelta, warning_percent: int
) -> list[str]:
    """A new target or calendar, keeping the working time already used (never a restart): the
    deadline is recomputed from the start of the running segment, so a target already exceeded
    gives a deadline in the past (a breach dated where it happened, not at the recomputation).
    The segment before `running_since` stays as it was measured; the running one is measured in
    `cal`, the calendar from now on."""
    changed = (clock.target, clock.warning_percent) != (target, warning_percent)
    old_due = clock.due_at
    clock.target, clock.warning_percent = target, warning_percent
    _schedule(clock, cal)
    return ["recomputed"] if changed or clock.due_at != old_due else []


def due_events(clock: ClockData, moment: dt.datetime) -> list[str]:
    """Which timer events are due by `moment` (the worker fires them)."""
    if clock.state != RUNNING:
        return []
    events = []
    if clock.warning_pending and clock.warn_at is not None and clock.warn_at <= moment:
        events.append("warned")
    if clock.due_at is not None and clock.due_at <= moment:
        events.append("breached")
    return events


def fire(clock: ClockData, cal: Calendar, event: str, moment: dt.datetime) -> list[str]:
    """Record a due warning or breach. The breach is dated at the deadline itself."""
    if event == "warned" and clock.state == RUNNING and clock.warning_pending:
        clock.warned_at = clock.warn_at or moment
        return ["warned"]
    if event == "breached" and clock.state == RUNNING and clock.due_at is not None:
        if clock.warning_pending:
            clock.warned_at = clock.warn_at  # never warn after the breach
        clock.state = BREACHED
        clock.breached_at = clock.due_at
        return ["breached"]
    return []


@dataclass(frozen=True)
class Step:
    """One escalation level that applies to a clock: fire `delay` of working time after its trigger."""

    rule_id: int
    trigger: str  # "warning" | "breach"
    delay: dt.timedelta


def escalation_due(clock: ClockData, cal: Calendar, steps: list[Step]) -> list[tuple[dt.datetime, Step]]:
    """The pending escalation steps of a clock with the instant each falls due. A warning step
    stands while the clock still runs; a breach step while the request is still late."""
    pending = []
    for step in steps:
        if step.rule_id in clock.escalated:
            continue
        if step.trigger == "warning" and clock.state == RUNNING and clock.warned_at is not None:
            base: dt.datetime | None = clock.warned_at
        elif step.trigger == "breach" and clock.state == BREACHED and clock.stopped_at is None:
            base = clock.breached_at
        else:
            continue
        if base is None:
            continue
        pending.append((cal.add(base, step.delay) if step.delay > ZERO else base, step))
    return pending


def next_instant(clock: ClockData, cal: Calendar, steps: list[Step]) -> dt.datetime | None:
    """The next moment the timer worker has something to do for this clock."""
    candidates: list[dt.datetime] = []
    if clock.state == RUNNING:
        if clock.warning_pending and clock.warn_at is not None:
            candidates.append(clock.warn_at)
        if clock.due_at is not None:
            candidates.append(clock.due_at)
    candidates.extend(at for at, _ in escalation_due(clock, cal, steps))
    return min(candidates) if candidates else None
