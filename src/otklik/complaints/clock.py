"""A complaint's two targets in working time, pure (no Django): when each falls due, whether it is
met, missed or still running at a moment, and the next instant the timer must look at it.

- reaction: taken under review (or answered straight away) by `reaction_due_at`;
- answer: answered by `answer_due_at`.

A target of zero minutes is no target (no deadline). A missed target is recorded once, dated at its
deadline (`*_breached_at`); `next_check_at` is the earliest deadline still pending, None when
nothing is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from .kinds import OPEN_STATES

REACTION = "reaction"
ANSWER = "answer"
TARGETS = (REACTION, ANSWER)


class Calendar(Protocol):
    def add(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime: ...
    def elapsed(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta: ...


class Facts(Protocol):
    """What the arithmetic reads of a complaint (the model's own fields)."""

    state: str
    review_at: dt.datetime | None
    answered_at: dt.datetime | None
    reaction_due_at: dt.datetime | None
    answer_due_at: dt.datetime | None
    reaction_breached_at: dt.datetime | None
    answer_breached_at: dt.datetime | None


def deadlines(
    cal: Calendar, filed_at: dt.datetime, *, reaction_minutes: int, answer_minutes: int
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(reaction due, answer due) for a complaint filed at `filed_at`."""

    def due(minutes: int) -> dt.datetime | None:
        return cal.add(filed_at, dt.timedelta(minutes=minutes)) if minutes > 0 else None

    return due(reaction_minutes), due(answer_minutes)


def due_at(c: Facts, target: str) -> dt.datetime | None:
    return c.reaction_due_at if target == REACTION else c.answer_due_at


def breached_at(c: Facts, target: str) -> dt.datetime | None:
    return c.reaction_breached_at if target == REACTION else c.answer_breached_at


def met_at(c: Facts, target: str) -> dt.datetime | None:
    """When the target was met: taken under review or answered (reaction), answered (answer)."""
    if target == REACTION:
        return c.review_at or c.answered_at
    return c.answered_at


def to_record(c: Facts, moment: dt.datetime) -> list[str]:
    """The targets missed by `moment` whose breach is not recorded yet: unmet with the deadline
    passed, or met after it."""
    out = []
    for target in TARGETS:
        due = due_at(c, target)
        if due is None or breached_at(c, target) is not None:
            continue
        met = met_at(c, target)
        if (met is not None and met > due) or (met is None and due <= moment):
            out.append(target)
    return out


def next_check(c: Facts) -> dt.datetime | None:
    """The earliest deadline of a target neither met nor recorded as missed."""
    pending = [
        due
        for target in TARGETS
        if (due := due_at(c, target)) is not None and met_at(c, target) is None and breached_at(c, target) is None
    ]
    return min(pending) if pending and c.state in OPEN_STATES else None


@dataclass(frozen=True)
class Status:
    """One target at a moment, for the lists and pages."""

    target: str
    due_at: dt.datetime | None
    met_at: dt.datetime | None
    state: str  # none | running | met | late (met after the deadline) | overdue (unmet, past it)
    seconds: int = 0  # working time left (running) or past the deadline (late, overdue)


def status(c: Facts, target: str, cal: Calendar, moment: dt.datetime) -> Status:
    due, met = due_at(c, target), met_at(c, target)
    if due is None:
        return Status(target, None, met, "none")
    if met is not None:
        if met <= due:
            return Status(target, due, met, "met")
        return Status(target, due, met, "late", _seconds(cal.elapsed(due, met)))
    if c.state not in OPEN_STATES:  # closed without meeting it cannot happen; say nothing false
        return Status(target, due, None, "none")
    if due <= moment or breached_at(c, target) is not None:
        return Status(target, due, None, "overdue", _seconds(cal.elapsed(due, moment)))
    return Status(target, due, None, "running", _seconds(cal.elapsed(moment, due)))


def _seconds(delta: dt.timedelta) -> int:
    return max(0, int(delta.total_seconds()))
