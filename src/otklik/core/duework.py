"""The one loop of the worker's timers: rows whose instant has come (an SLA deadline, a complaint's
target, a resolution's confirmation period, a survey's reminder) are claimed in batches and handled
one by one, for at most a time budget, so the other jobs get their turn.

- Claimed with FOR UPDATE SKIP LOCKED on PostgreSQL: several workers take disjoint rows, and a
  row being handled elsewhere is skipped, not waited for (SQLite serialises writers anyway).
- Each row in a savepoint of its own: one that fails is rolled back alone, logged, and looked at
  again `retry_after` later (its instant is pushed on), so it cannot block the rows behind it.
- The batch commits as a whole: a worker killed mid-batch rolls it back and the rows are claimed
  again as if untouched; what a handler records is recorded exactly once.
- A timer may `defer` some writes to the end of its batch (the notifications it queues: one insert
  and one wake-up for the batch, not one per row), still in the batch's transaction; a row whose
  handling fails has its deferred writes dropped with its savepoint.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar, cast

from django.db import connection, models, transaction

from .clock import now

M = TypeVar("M", bound=models.Model)
B = TypeVar("B")  # what `prepare` makes of a batch; None for a timer without one


class Deferral(Protocol):
    """Writes held back until the end of a batch (notify.outbox.Deferred): entered around the
    batch; `mark` before a row, `rollback_to` that mark when the row fails, `flush` at the end."""

    def __enter__(self) -> object: ...

    def __exit__(self, *exc: object) -> None: ...

    def mark(self) -> int: ...

    def rollback_to(self, mark: int) -> None: ...

    def flush(self) -> None: ...


@dataclass(frozen=True)
class DueWork(Generic[M, B]):
    """What a timer does, for `due_work` to run.

    `due(moment)`: the rows due by `moment`, in the order they fell due.
    `handle(row, moment, batch)`: one claimed (locked) row; `batch` is what `prepare` made of the
    whole batch (rows it refers to, read once), else None (`DueWork[Row, None]`).
    `retry(row, at)`: after a failure, when to look at the row again (its instant set to `at`).
    """

    what: str  # for the log: "sla", "complaints", …
    noun: str  # what a row is, for the log: "request", "complaint", …
    due: Callable[[dt.datetime], models.QuerySet[M]]
    handle: Callable[[M, dt.datetime, B], object]
    retry: Callable[[M, dt.datetime], object]
    log: logging.Logger
    prepare: Callable[[list[M], bool], B] | None = None  # (rows, first batch of the pass)
    batch: int = 100
    retry_after: dt.timedelta = dt.timedelta(minutes=5)
    failed: str = "could not be processed"  # what the log says of a row whose handling failed
    defer: Callable[[], Deferral] | None = None  # writes held back to the end of each batch


def claim(qs: models.QuerySet[M], batch: int) -> list[M]:
    """The first `batch` rows of `qs`, locked for this transaction (skipping rows locked elsewhere)."""
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs[:batch])


def due_work(work: DueWork[M, B], *, budget_seconds: float = 5.0, batch: int | None = None) -> int:
    """Handle what is due now, batch by batch, for at most about `budget_seconds`; returns how
    many rows were handled (0: nothing was due)."""
    size = batch or work.batch
    moment = now()
    handled = 0
    deadline = time.monotonic() + budget_seconds
    while True:
        deferral = work.defer() if work.defer is not None else None
        scope: AbstractContextManager[object] = deferral if deferral is not None else nullcontext()
        with transaction.atomic(), scope:
            rows = claim(work.due(moment), size)
            # Without a prepare the work is a DueWork[Row, None]: its handlers are given None.
            shared = work.prepare(rows, handled == 0) if work.prepare is not None and rows else cast(B, None)
            for row in rows:
                mark = deferral.mark() if deferral is not None else 0
                try:
                    with transaction.atomic():
                        work.handle(row, moment, shared)
                except Exception:
                    if deferral is not None:
                        deferral.rollback_to(mark)  # its writes go with its savepoint
                    work.log.exception("%s: %s %s %s; retrying later", work.what, work.noun, row.pk, work.failed)
                    work.retry(row, moment + work.retry_after)
            if deferral is not None:
                deferral.flush()
        handled += len(rows)
        if len(rows) < size or time.monotonic() > deadline:
            return handled
