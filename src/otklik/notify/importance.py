"""What a notification's importance means, and each event's own.

- critical: something was missed and someone must act now: a deadline missed and escalated
  (`sla_escalated`), a complaint's deadline missed (`complaint_overdue`). Goes at once even in
  quiet hours; the desktop notifier shows it as urgent.
- high: needs attention soon: a complaint filed, a low satisfaction score, and any event of a
  request of critical priority (its "deadline near" warning, its moves and replies). Marked in the
  notification centre.
- normal: the ordinary life of a request: filed, taken, moved, answered, assigned, a deadline
  near, the survey's question, a complaint taken or answered. Waits for the end of quiet hours.
- low: what can wait for a digest: a change of priority, category or group, the survey's
  reminder, the monthly quality report. Gathered into the person's digest when they take one.

A rule's own importance (set by the administrator) overrides the event's; an event queued by
another system carries the importance it gives.
"""

from __future__ import annotations

from .models import Event, Importance

EVENT_IMPORTANCE: dict[str, str] = {
    Event.SLA_ESCALATED: Importance.CRITICAL,
    Event.COMPLAINT_OVERDUE: Importance.CRITICAL,
    Event.COMPLAINT_FILED: Importance.HIGH,
    Event.SURVEY_LOW_SCORE: Importance.HIGH,
    Event.TICKET_CHANGED: Importance.LOW,
    Event.SURVEY_REMINDED: Importance.LOW,
    Event.QUALITY_MONTHLY: Importance.LOW,
}
RANK: dict[str, int] = {Importance.LOW: 0, Importance.NORMAL: 1, Importance.HIGH: 2, Importance.CRITICAL: 3}


def importance_of_event(event: str, floor: str = Importance.NORMAL) -> str:
    """The event's own importance; an ordinary (normal) event of a subject that asks for more (a
    request of critical priority: `floor` high) is raised to it. Digest material stays low and
    what is critical stays critical."""
    level = EVENT_IMPORTANCE.get(event, Importance.NORMAL)
    if level == Importance.NORMAL and RANK.get(floor, 1) > RANK[level]:
        return floor
    return level
