"""The delivery service, run by `otklik worker`: claim due notifications with a lease, hand each to
its channel driver outside any transaction, record every attempt, retry transient failures with
back-off, and park what is exhausted as dead.

The lease is the row's `due_at` moved forward: a claimed row is not due again until the lease
ends, so a worker that dies mid-batch leaves its rows to be claimed again then (at-least-once;
the row's `key` stays the same, so receivers can deduplicate). A worker only finishes a row whose
lease is still its own.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from otklik.core.clock import now

from .channels import DRIVERS, BatchDriver, PermanentFailure, Sent, TransientFailure
from .models import DeliveryAttempt, Notification, Outcome, State

log = logging.getLogger("otklik.notify")

BATCH = 200
MAX_ATTEMPTS = 5
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(hours=1)
TEXT_LIMIT = 500


def backoff(attempt: int, *, rnd: random.Random | None = None) -> dt.timedelta:
    """Exponential back-off with full jitter on the upper half: 30 s, 1 min, 2 min … at most 1 h."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempt - 1)))
    return ceiling / 2 + ceiling / 2 * (rnd or random).random()


def _claim(moment: dt.datetime, batch: int) -> tuple[list[Notification], dt.datetime]:
    lease_end = moment + dt.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
    with transaction.atomic():
        # The recipient and the request come along: the drivers address and name the message by them.
        qs = (
            Notification.objects.filter(state=State.PENDING, due_at__lte=moment)
            .select_related("recipient", "ticket")
            .order_by("due_at")
        )
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        rows = list(qs[:batch])
        if rows:
            Notification.objects.filter(pk__in=[n.pk for n in rows]).update(due_at=lease_end, lease_until=lease_end)
    return rows, lease_end


@dataclass
class _Result:
    notification: Notification
    outcome: str
    started_at: dt.datetime
    duration_ms: int
    carrier: str = ""
    code: str = ""
    response: str = ""
    error: str = ""


def _send(n: Notification) -> _Result:
    started_at, t0 = now(), time.monotonic()
    driver = DRIVERS.get(n.channel)
    try:
        if driver is None:
            raise PermanentFailure(f"no driver for the channel {n.channel!r}")
        sent: Sent = driver.send(n)
        outcome, carrier, code, response, error = Outcome.DELIVERED, sent.carrier, sent.code, sent.response, ""
    except TransientFailure as exc:
        outcome, carrier, code, response, error = Outcome.TRANSIENT, exc.carrier, exc.code, exc.response, str(exc)
    except PermanentFailure as exc:
        outcome, carrier, code, response, error = Outcome.PERMANENT, exc.carrier, exc.code, exc.response, str(exc)
    except Exception as exc:  # a driver bug must not kill the worker: retried like a transient failure
        log.exception("notify: the %s driver failed on notification %s", n.channel, n.pk)
        outcome, carrier, code, response, error = Outcome.TRANSIENT, "", "", "", f"{type(exc).__name__}: {exc}"
    return _Result(
        n,
        outcome,
        started_at,
        int((time.monotonic() - t0) * 1000),
        carrier[:100],
        code[:20],
        response[:TEXT_LIMIT],
        error[:TEXT_LIMIT],
    )


def _finish(results: list[_Result], lease_end: dt.datetime) -> None:
    """Record the attempts and move the rows on, in one short transaction, for rows still ours
    (locked first, so a worker that took them over after the lease cannot be overwritten)."""
    moment = now()
    with transaction.atomic():
        qs = Notification.objects.filter(
            pk__in=[r.notification.pk for r in results], state=State.PENDING, lease_until=lease_end
        )
        if connection.features.has_select_for_update:
            qs = qs.select_for_update()
        mine = set(qs.values_list("pk", flat=True))
        results = [r for r in results if r.notification.pk in mine]
        DeliveryAttempt.objects.bulk_create(
            DeliveryAttempt(
                notification=r.notification,
                carrier=r.carrier,
                started_at=r.started_at,
                duration_ms=r.duration_ms,
                outcome=r.outcome,
                code=r.code,
                response=r.response,
                error=r.error,
            )
            for r in results
        )
        delivered, dead, retry = [], [], []
        for r in results:
            n = r.notification
            if r.outcome == Outcome.DELIVERED:
                delivered.append(n.pk)
            elif r.outcome == Outcome.PERMANENT or n.attempts + 1 >= MAX_ATTEMPTS:
                dead.append(n.pk)
                log.warning("notify: notification %s is dead after %d attempts: %s", n.pk, n.attempts + 1, r.error)
            else:
                n.attempts += 1
                n.due_at = moment + backoff(n.attempts)
                n.lease_until = None
                retry.append(n)
        moved = {"attempts": F("attempts") + 1, "lease_until": None}
        if delivered:
            Notification.objects.filter(pk__in=delivered).update(state=State.DELIVERED, delivered_at=moment, **moved)
        if dead:
            Notification.objects.filter(pk__in=dead).update(state=State.DEAD, **moved)
        if retry:
            Notification.objects.bulk_update(retry, ["attempts", "due_at", "lease_until"])


def _open_batches(rows: list[Notification]) -> list[BatchDriver]:
    """Drivers with the optional `open_batch`/`close_batch` keep one connection for the batch."""
    drivers: list[BatchDriver] = []
    for channel in sorted({n.channel for n in rows}):
        driver = DRIVERS.get(channel)
        if not isinstance(driver, BatchDriver):
            continue
        drivers.append(driver)
        try:
            driver.open_batch()
        except Exception:  # without it each send opens its own connection
            log.exception("notify: the %s driver could not start a batch", channel)
    return drivers


def _close_batches(drivers: list[BatchDriver]) -> None:
    for driver in drivers:
        try:
            driver.close_batch()
        except Exception:  # the sends are done: their results must still be recorded
            log.exception("notify: the %s driver could not end a batch", driver.code)


def notify_deliver_due(*, batch: int = BATCH, budget_seconds: float = 5.0) -> int:
    """Deliver what is due, for about `budget_seconds`; returns how many notifications were tried."""
    tried = 0
    deadline = time.monotonic() + budget_seconds
    while True:
        rows, lease_end = _claim(now(), batch)
        if rows:
            drivers = _open_batches(rows)
            try:
                results = [_send(n) for n in rows]
            finally:
                _close_batches(drivers)
            _finish(results, lease_end)
        tried += len(rows)
        if len(rows) < batch or time.monotonic() > deadline:
            return tried
