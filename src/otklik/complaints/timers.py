"""The complaints' timer pass, run by `otklik worker`: record each missed target once and tell the
support managers.

Every complaint stores the next instant one of its deadlines falls (`next_check_at`, indexed where
not null). A pass claims the due complaints in small batches (on PostgreSQL `FOR UPDATE SKIP
LOCKED`, so concurrent workers take disjoint complaints and a manager's answer, which locks the row,
is never raced), and in the same transaction records the breach (`*_breached_at`, a history
record dated at the deadline), queues `complaint_overdue` and moves `next_check_at` on. A worker
killed mid-batch rolls back: the complaint is claimed again as if untouched.
"""

from __future__ import annotations

import datetime as dt
import logging

from otklik.core.duework import DueWork, due_work
from otklik.notify.outbox import queue_rows
from otklik.tickets.models import Ticket

from . import notices
from .clock import next_check
from .models import Complaint
from .services import record_breaches

log = logging.getLogger("otklik.complaints")

BATCH = 100
RETRY_AFTER = dt.timedelta(minutes=5)  # a complaint whose processing failed is looked at again then


def _tickets(complaints: list[Complaint], first: bool) -> dict[int, Ticket]:
    """The requests the batch's complaints name, read once."""
    return Ticket.objects.in_bulk([c.ticket_id for c in complaints if c.ticket_id])


TIMERS: DueWork[Complaint, dict[int, Ticket]] = DueWork(
    what="complaints",
    noun="complaint",
    due=lambda moment: Complaint.objects.filter(next_check_at__lte=moment).order_by("next_check_at"),
    handle=lambda c, moment, tickets: complaint_fire_due(c, moment=moment, ticket=tickets.get(c.ticket_id or 0)),
    retry=lambda c, at: Complaint.objects.filter(pk=c.pk).update(next_check_at=at),
    log=log,
    prepare=_tickets,
    batch=BATCH,
    retry_after=RETRY_AFTER,
)


def complaint_timers_pass(*, batch: int = BATCH, budget_seconds: float = 5.0) -> int:
    """Record what is due now, for at most about `budget_seconds`; returns the number of
    complaints handled (0: nothing was due)."""
    return due_work(TIMERS, batch=batch, budget_seconds=budget_seconds)


def complaint_fire_due(complaint: Complaint, *, moment: dt.datetime, ticket: Ticket | None = None) -> list[str]:
    """For one claimed (locked) complaint: record the targets missed by `moment`, tell the managers
    (and its reviewer) of each, and schedule the next look. Returns the targets recorded. The
    version does not move: a missed deadline is not an edit a manager's pending answer conflicts with."""
    missed = record_breaches(complaint, moment) if complaint.is_open else []
    complaint.next_check_at = next_check(complaint)
    Complaint.objects.filter(pk=complaint.pk).update(
        reaction_breached_at=complaint.reaction_breached_at,
        answer_breached_at=complaint.answer_breached_at,
        next_check_at=complaint.next_check_at,
    )
    for target in missed:
        queue_rows(notices.on_overdue(complaint, ticket=ticket, target=target))
    return missed
