"""The delivery service, run by `otklik worker`: claim due notifications with a lease, hand each to
its channel driver outside any transaction, record every attempt, retry transient failures with
back-off, and park what is exhausted as dead.

Channels with carriers (SMS, messengers, webhooks) try the channel's enabled carriers in priority
order: each carrier gets its own number of attempts and back-off, and when it fails for good or
runs out of attempts the next one takes over (fail-over); the row is dead when none is left. A
carrier's rate limit defers rows past it without spending an attempt.

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
from django.db.models import F, Q

from otklik.core.clock import now

from .channels import DRIVERS, BatchDriver, CarrierConfig, PermanentFailure, Sent, TransientFailure
from .channels.messaging import VERIFICATION_EVENT
from .codes import forget_codes
from .models import CARRIER_CHANNELS, Carrier, DeliveryAttempt, Notification, Outcome, State

log = logging.getLogger("otklik.notify")

BATCH = 200
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(hours=1)
TEXT_LIMIT = 500
RATE_WINDOW = dt.timedelta(minutes=1)


def backoff(
    attempt: int,
    *,
    base: dt.timedelta = BACKOFF_BASE,
    cap: dt.timedelta = BACKOFF_CAP,
    jitter: float = 0.5,
    rnd: random.Random | None = None,
) -> dt.timedelta:
    """Exponential back-off: base, 2×base, 4×base … at most `cap`; the `jitter` share of each
    pause is random (0.5: between half and all of it), so failed rows do not return together."""
    ceiling = min(cap, base * (2 ** max(0, min(attempt, 30) - 1)))
    jitter = min(1.0, max(0.0, jitter))
    return ceiling * (1 - jitter) + ceiling * jitter * (rnd or random).random()


def carriers_by_channel() -> dict[str, list[CarrierConfig]]:
    """The enabled carriers of each channel, first choice first: one query per delivery pass, so a
    change in the admin takes effect on the next pass."""
    out: dict[str, list[CarrierConfig]] = {c: [] for c in CARRIER_CHANNELS}
    for c in Carrier.objects.filter(enabled=True).order_by("priority", "id"):
        out.setdefault(c.channel, []).append(
            CarrierConfig(
                id=c.pk,
                name=c.name,
                channel=c.channel,
                driver=c.driver,
                settings=dict(c.settings or {}),
                max_attempts=max(1, c.max_attempts),
                backoff_base_seconds=c.backoff_base_seconds,
                backoff_cap_seconds=c.backoff_cap_seconds,
                backoff_jitter=c.backoff_jitter,
                timeout_seconds=float(c.timeout_seconds or 10),
                rate_limit_per_minute=c.rate_limit_per_minute,
            )
        )
    return out


def _current(n: Notification, carriers: dict[str, list[CarrierConfig]]) -> tuple[CarrierConfig | None, int]:
    """The carrier in charge of the row and its place in the channel's order (the first one when
    the row's carrier was disabled or removed meanwhile)."""
    chain = carriers.get(n.channel, [])
    for i, c in enumerate(chain):
        if c.id == n.carrier_id:
            return c, i
    return (chain[0], 0) if chain else (None, -1)


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
    used: CarrierConfig | None = None
    following: CarrierConfig | None = None  # who takes over if this carrier gives up


def _send(n: Notification, carriers: dict[str, list[CarrierConfig]]) -> _Result:
    started_at, t0 = now(), time.monotonic()
    driver = DRIVERS.get(n.channel)
    used: CarrierConfig | None = None
    following: CarrierConfig | None = None
    try:
        if driver is None:
            raise PermanentFailure(f"no driver for the channel {n.channel!r}")
        if n.channel in CARRIER_CHANNELS:
            used, place = _current(n, carriers)
            if used is None:
                raise PermanentFailure(f"no enabled carrier for the channel {n.channel!r}")
            chain = carriers[n.channel]
            following = chain[place + 1] if place + 1 < len(chain) else None
        sent: Sent = driver.send(n, used)
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
        # The carrier's own name when there is one: its rate limit counts attempts by it.
        (used.name if used else carrier)[:100],
        code[:20],
        response[:TEXT_LIMIT],
        error[:TEXT_LIMIT],
        used,
        following,
    )


def _next_step(r: _Result, moment: dt.datetime) -> tuple[str, dict[str, object]]:
    """What becomes of a failed row: ("retry" | "failover" | "dead", the fields to set)."""
    n, c = r.notification, r.used
    if c is None:  # a channel without carriers: the server-wide attempts and back-off
        if r.outcome == Outcome.PERMANENT or n.attempts + 1 >= settings.NOTIFY_MAX_ATTEMPTS:
            return "dead", {}
        return "retry", {"due_at": moment + backoff(n.attempts + 1)}
    tries = n.carrier_attempts + 1 if n.carrier_id == c.id else 1
    if r.outcome == Outcome.TRANSIENT and tries < c.max_attempts:
        pause = backoff(
            tries,
            base=dt.timedelta(seconds=c.backoff_base_seconds),
            cap=dt.timedelta(seconds=max(c.backoff_cap_seconds, c.backoff_base_seconds)),
            jitter=c.backoff_jitter,
        )
        return "retry", {"due_at": moment + pause, "carrier_id": c.id, "carrier_attempts": tries}
    if r.following is not None:  # this carrier gave up: the next one tries at once
        return "failover", {"due_at": moment, "carrier_id": r.following.id, "carrier_attempts": 0}
    return "dead", {"carrier_id": c.id, "carrier_attempts": tries}


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
        delivered: dict[int | None, list[int]] = {}  # by the carrier that delivered them
        dead = []
        moved: list[Notification] = []
        for r in results:
            n = r.notification
            if r.outcome == Outcome.DELIVERED:
                delivered.setdefault(r.used.id if r.used else None, []).append(n.pk)
                continue
            step, fields = _next_step(r, moment)
            for name, value in fields.items():
                setattr(n, name, value)
            if step == "dead":
                dead.append(n)
                log.warning("notify: notification %s is dead after %d attempts: %s", n.pk, n.attempts + 1, r.error)
                continue
            if step == "failover":
                log.warning("notify: carrier %s gave up on notification %s; the next one takes over", r.carrier, n.pk)
            n.attempts += 1
            n.lease_until = None
            moved.append(n)
        for carrier_id, ids in delivered.items():
            done = {
                "state": State.DELIVERED,
                "delivered_at": moment,
                "attempts": F("attempts") + 1,
                "lease_until": None,
            }
            if carrier_id is not None:
                done["carrier_id"] = carrier_id
            Notification.objects.filter(pk__in=ids).update(**done)
        # A one-time code delivered is spent: it leaves the history at once.
        spent = [
            r.notification.pk
            for r in results
            if r.outcome == Outcome.DELIVERED and r.notification.event == VERIFICATION_EVENT
        ]
        if spent:
            forget_codes(spent)
        for n in dead:
            n.attempts += 1
            n.state = State.DEAD
            n.lease_until = None
        if dead:
            Notification.objects.bulk_update(dead, ["state", "attempts", "lease_until", "carrier", "carrier_attempts"])
        if moved:
            Notification.objects.bulk_update(
                moved, ["attempts", "due_at", "lease_until", "carrier", "carrier_attempts"]
            )


def _rate_limited(
    rows: list[Notification], carriers: dict[str, list[CarrierConfig]]
) -> tuple[list[Notification], list[tuple[Notification, float]]]:
    """Split the batch into rows to send now and rows over their carrier's rate limit (counted over
    the last minute's attempts of every worker, so two workers share one limit)."""
    limited = {c.id: c for chain in carriers.values() for c in chain if c.rate_limit_per_minute > 0}
    if not limited:
        return rows, []
    moment = now()
    batch_ids = [n.pk for n in rows]
    room: dict[int, int] = {}
    send: list[Notification] = []
    later: list[tuple[Notification, float]] = []
    for n in rows:
        c, _ = _current(n, carriers) if n.channel in CARRIER_CHANNELS else (None, -1)
        if c is None or c.id not in limited:
            send.append(n)
            continue
        if c.id not in room:
            used = DeliveryAttempt.objects.filter(carrier=c.name, started_at__gt=moment - RATE_WINDOW).count()
            # Rows other workers are sending through it now count too: their attempts are written
            # only when their batch ends (a row without a carrier goes to the channel's first).
            mine = Q(carrier_id=c.id)
            if carriers[c.channel][0].id == c.id:
                mine |= Q(carrier_id__isnull=True)
            in_flight = (
                Notification.objects.filter(mine, state=State.PENDING, channel=c.channel, lease_until__gt=moment)
                .exclude(pk__in=batch_ids)
                .count()
            )
            room[c.id] = c.rate_limit_per_minute - used - in_flight
        if room[c.id] > 0:
            room[c.id] -= 1
            send.append(n)
        else:  # back when the carrier's next slot is likely free
            later.append((n, max(1.0, 60 / c.rate_limit_per_minute)))
    return send, later


def _defer(rows: list[tuple[Notification, float]], lease_end: dt.datetime) -> None:
    """Give rows over a rate limit back to the queue, no attempt spent."""
    moment = now()
    by_pause: dict[float, list[int]] = {}
    for n, seconds in rows:
        by_pause.setdefault(seconds, []).append(n.pk)
    with transaction.atomic():
        for seconds, ids in by_pause.items():
            Notification.objects.filter(pk__in=ids, state=State.PENDING, lease_until=lease_end).update(
                due_at=moment + dt.timedelta(seconds=seconds), lease_until=None
            )


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
            carriers = carriers_by_channel()
            sending, later = _rate_limited(rows, carriers)
            _defer(later, lease_end)
            drivers = _open_batches(sending)
            results: list[_Result] = []
            unsent: list[Notification] = []
            # Slow carriers (each send may wait out its timeout) must not outlive the lease, or
            # another worker would send the same rows again: past half of it the rest go back.
            stop_at = time.monotonic() + settings.NOTIFY_LEASE_SECONDS / 2
            try:
                for n in sending:
                    if time.monotonic() > stop_at:
                        unsent.append(n)
                    else:
                        results.append(_send(n, carriers))
            finally:
                _close_batches(drivers)
            _finish(results, lease_end)
            if unsent:
                log.warning("notify: %d notifications go back to the queue: the batch took too long", len(unsent))
                _defer([(n, 0.0) for n in unsent], lease_end)
        tried += len(rows)
        if len(rows) < batch or time.monotonic() > deadline:
            return tried
