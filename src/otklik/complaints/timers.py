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
import time

from django.db import connection, transaction

from otklik.core.clock import now
from otklik.notify.outbox import queue_rows
from otklik.tickets.models import Ticket

from . import notices
from .clock import next_check
from .models import Complaint
from .services import record_breaches

log = logging.getLogger("otklik.feedback")

BATCH = 100
RETRY_AFTER = dt.timedelta(minutes=5)  # a complaint whose processing failed is looked at again then


def _claim(moment: dt.datetime, batch: int) -> list[Complaint]:
    qs = Complaint.objects.filter(next_check_at__lte=moment).order_by("next_check_at")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs[:batch])


def complaint_timers_pass(*, batch: int = BATCH, budget_seconds: float = 5.0) -> int:
    """Record what is due now, for at most about `budget_seconds`; returns the number of
    complaints handled (0: nothing was due)."""
    moment = now()
    handled = 0
    deadline = time.monotonic() + budget_seconds
    while True:
        with transaction.atomic():
            complaints = _claim(moment, batch)
            tickets = Ticket.objects.in_bulk([c.ticket_id for c in complaints if c.ticket_id])
            for complaint in complaints:
                try:
                    with transaction.atomic():
                        complaint_fire_due(complaint, moment=moment, ticket=tickets.get(complaint.ticket_id or 0))
                except Exception:
                    log.exception("complaints: complaint %s could not be processed; retrying later", complaint.pk)
                    Complaint.objects.filter(pk=complaint.pk).update(next_check_at=moment + RETRY_AFTER)
        handled += len(complaints)
        if len(complaints) < batch or time.monotonic() > deadline:
            return handled


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
