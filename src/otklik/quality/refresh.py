"""Keeping the quality facts up to date with the per-stage log.

The log is append-only and its ids rise, so "what changed" is "the records past the watermark".
Ids are taken when a transaction inserts, not when it commits: a transaction that took its ids
earlier may become visible after a later one. So the ids below the highest one read that were
not seen (gaps) are remembered and read again on every pass until they appear, or until they are
old enough (GAP_SECONDS) to be a rolled-back transaction's. Every request with a record read is
rebuilt from its whole log: reprocessing gives the same facts, so reading a record twice is harmless.

Passes never overlap: each begins by writing the watermark row, which holds the row lock
(PostgreSQL) or the write lock (SQLite) until it commits, so a pass always rebuilds from a state
at least as new as the previous pass's and two workers never interleave their writes.

A report refreshes before reading, but boundedly (facts_refresh_all(most=REPORT_MOST, nowait=True)):
at most REPORT_MOST records inline, and on PostgreSQL the watermark's lock is taken with NOWAIT, so a
report never queues behind the worker's pass; whatever is left is the worker's, and the report says
how fresh its facts are (facts_as_of).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from otklik.core.clock import now
from otklik.routes.models import RoutePoint
from otklik.sla.models import Clock
from otklik.tickets.models import LogRecord, Ticket

from .facts import DAY_MEASURES, ClockFacts, FactData, NextReactionOutcome, Record, TicketState, build_facts, day_deltas
from .models import DayCount, Fact, NextReaction, RefreshState

log = logging.getLogger("otklik.quality")

BATCH = 5000  # log records per pass
REPORT_MOST = 500  # log records a report reads itself at most; a longer backlog is the worker's
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for NOWAIT finding the row locked
GAP_SECONDS = 600.0  # no service keeps a transaction open this long
PENDING_MAX = 10_000  # gaps remembered at most (the newest kept)
FACT_FIELDS = [f.attname for f in Fact._meta.concrete_fields if f.attname != "ticket_id"]


def _load(ticket_ids: list[int]) -> list[FactData]:
    """Rebuild the facts of these requests from what is stored: three reads for the whole batch."""
    kinds = dict(RoutePoint.objects.values_list("pk", "kind"))
    tickets = Ticket.objects.filter(pk__in=ticket_ids).values_list(
        "pk", "request_type_id", "priority_id", "group_id", "executor_id", "created_at", "closed_at", "point_id"
    )
    records: dict[int, list[Record]] = {}
    rows = (
        LogRecord.objects.filter(ticket_id__in=ticket_ids)
        .order_by()
        .values_list(
            "ticket_id",
            "id",
            "created_at",
            "event",
            "reaction",
            "actor_role",
            "point_id",
            "to_point_id",
            "field",
            "old_value",
            "new_value",
            "sla_event",
            "actor_id",
        )
    )
    for tid, rid, at, event, reaction, role, point, to_point, field, old, new, sla_event, actor in rows.iterator(2000):
        records.setdefault(tid, []).append(
            Record(
                id=rid,
                at=at,
                event=event,
                reaction=reaction,
                role=role,
                kind=kinds.get(point, ""),
                to_kind=kinds.get(to_point, "") if to_point else "",
                field=field,
                old=old,
                new=new,
                sla_event=sla_event,
                actor=actor,
            )
        )
    clocks: dict[int, dict[str, ClockFacts]] = {}
    clock_rows = Clock.objects.filter(ticket_id__in=ticket_ids).values_list(
        "ticket_id", "metric", "state", "used", "breached_at", "stopped_at"
    )
    for tid, metric, clock_state, used, breached_at, stopped_at in clock_rows:
        clocks.setdefault(tid, {})[metric] = ClockFacts(clock_state, used, breached_at, stopped_at)
    out = []
    for pk, type_id, priority_id, group_id, executor_id, created_at, closed_at, point_id in tickets:
        state = TicketState(
            pk, type_id, priority_id, group_id, executor_id, created_at, closed_at, kinds.get(point_id, "")
        )
        out.append(build_facts(state, records.get(pk, []), clocks.get(pk, {})))
    return out


def _stored(ticket_ids: list[int]) -> list[FactData]:
    """The facts as stored now (what the daily counts hold for these requests)."""
    outcomes: dict[int, list[NextReactionOutcome]] = {}
    for tid, cycle, at, met, group_id, executor_id in (
        NextReaction.objects.filter(ticket_id__in=ticket_ids)
        .order_by("cycle")
        .values_list("ticket_id", "cycle", "at", "met", "group_id", "executor_id")
    ):
        outcomes.setdefault(tid, []).append(NextReactionOutcome(cycle, at, met, group_id, executor_id))
    return [
        FactData(**values, next_reactions=outcomes.get(values["ticket_id"], []))
        for values in Fact.objects.filter(ticket_id__in=ticket_ids).values("ticket_id", *FACT_FIELDS)
    ]


_COUNT_TABLE = DayCount._meta.db_table
_KEYS = ("day", "group_id", "executor_id", "type_id", "priority_id")


def _apply(deltas: dict[tuple, dict[str, int]]) -> None:
    """Add the deltas to the daily counts: INSERT … ON CONFLICT DO UPDATE SET n = n + EXCLUDED.n
    (PostgreSQL and SQLite alike), a few hundred rows per statement."""
    columns = [*_KEYS, *DAY_MEASURES]
    updates = ", ".join(f"{m} = {_COUNT_TABLE}.{m} + EXCLUDED.{m}" for m in DAY_MEASURES)
    rows = [[*key, *(counts.get(m, 0) for m in DAY_MEASURES)] for key, counts in sorted(deltas.items())]
    placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cur:
        for start in range(0, len(rows), 200):
            chunk = rows[start : start + 200]
            cur.execute(
                f"INSERT INTO {_COUNT_TABLE} ({', '.join(columns)}) VALUES "  # noqa: S608 (our own names)
                f"{', '.join([placeholder] * len(chunk))} "
                f"ON CONFLICT ({', '.join(_KEYS)}) DO UPDATE SET {updates}",
                [v for row in chunk for v in row],
            )


def service_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(str(settings.TIME_ZONE))


def facts_rebuild(ticket_ids: Iterable[int]) -> int:
    """Rebuild and store the facts of these requests, and move the daily counts by the difference
    (inside the caller's transaction, or its own; the refresh runs it under its lock)."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return 0
    built = _load(ids)
    with transaction.atomic():
        deltas = day_deltas(_stored(ids), built, service_zone())
        Fact.objects.bulk_create(
            [Fact(ticket_id=f.ticket_id, **{k: v for k, v in f.columns().items() if k != "ticket_id"}) for f in built],
            update_conflicts=True,
            unique_fields=["ticket"],
            update_fields=FACT_FIELDS,
        )
        NextReaction.objects.filter(ticket_id__in=ids).delete()
        NextReaction.objects.bulk_create(
            [
                NextReaction(
                    ticket_id=f.ticket_id,
                    cycle=o.cycle,
                    at=o.at,
                    met=o.met,
                    type_id=f.type_id,
                    priority_id=f.priority_id,
                    group_id=o.group_id,
                    executor_id=o.executor_id,
                )
                for f in built
                for o in f.next_reactions
            ]
        )
        _apply(deltas)
    return len(built)


class RefreshBusy(Exception):
    """Another pass (the worker's) holds the watermark: a report does not wait for it."""


def _lock_state(*, nowait: bool = False) -> RefreshState:
    """Take the watermark row for this transaction (created on the first pass): the UPDATE is the
    first write, so concurrent passes queue here instead of failing later. With `nowait` (a report,
    PostgreSQL) the row is locked with NOWAIT first: RefreshBusy instead of queueing."""
    if nowait and connection.vendor == "postgresql":
        try:
            with transaction.atomic():  # a savepoint: the failed statement is undone alone
                RefreshState.objects.select_for_update(nowait=True).filter(pk=1).first()
        except DatabaseError as exc:
            if getattr(exc.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
                raise RefreshBusy from exc
            raise
    moment = now()
    if not RefreshState.objects.filter(pk=1).update(updated_at=moment):
        RefreshState.objects.get_or_create(pk=1, defaults={"updated_at": moment})
    return RefreshState.objects.select_for_update().get(pk=1)


def facts_refresh(*, batch: int = BATCH, nowait: bool = False) -> int:
    """One pass: rebuild the facts of the requests with log records past the watermark (and of the
    gaps that have since appeared). Returns how many records were read (0: up to date). `nowait`:
    RefreshBusy rather than waiting for another pass (PostgreSQL)."""
    with transaction.atomic():
        state = _lock_state(nowait=nowait)
        wall = time.time()  # gaps age in real time, whatever the application's clock says
        pending = {int(i): float(t) for i, t in state.pending or [] if wall - float(t) < GAP_SECONDS}
        qs = LogRecord.objects.filter(id__gt=state.high_id)
        if pending:
            qs = qs | LogRecord.objects.filter(id__in=sorted(pending))
        rows = list(qs.order_by("id").values_list("id", "ticket_id")[:batch])
        if not rows:
            if [list(p) for p in pending.items()] != state.pending:
                RefreshState.objects.filter(pk=1).update(pending=[[i, t] for i, t in sorted(pending.items())])
            return 0
        seen = {rid for rid, _ in rows}
        for rid in seen:
            pending.pop(rid, None)
        top = max(seen)
        # Ids skipped between the new ones are gaps; a jump wider than PENDING_MAX is a sequence
        # jump, not transactions in flight (and the first pass starts at the oldest record).
        previous = state.high_id or None
        for rid in sorted(r for r in seen if r > state.high_id):
            if previous is not None and 0 < rid - previous - 1 <= PENDING_MAX:
                for missing in range(previous + 1, rid):
                    pending[missing] = wall
            previous = rid
        if len(pending) > PENDING_MAX:
            log.warning("quality facts: %d gaps in the log's ids; keeping the newest %d", len(pending), PENDING_MAX)
            pending = dict(sorted(pending.items())[-PENDING_MAX:])
        facts_rebuild({tid for _, tid in rows})
        RefreshState.objects.filter(pk=1).update(
            high_id=max(state.high_id, top), pending=[[i, t] for i, t in sorted(pending.items())]
        )
    return len(rows)


def _nothing_new() -> bool:
    """No record past the watermark and no gap waiting: one read, without the lock."""
    state = RefreshState.objects.filter(pk=1).values_list("high_id", "pending").first()
    return state is not None and not state[1] and not LogRecord.objects.filter(id__gt=state[0]).exists()


def facts_refresh_all(*, batch: int = BATCH, most: int | None = None, nowait: bool = False) -> bool:
    """Passes until the facts are up to date (the monthly job, the command), or until `most` records
    have been read (before a report: the worker catches up with a long backlog, such as the first
    fill of an existing install, or the rebuild after quality migration 0003). `nowait`: give up at
    once when another pass holds the watermark (PostgreSQL). True when the facts are up to date."""
    if _nothing_new():  # the usual case before a report
        return True
    read = 0
    try:
        while most is None or read < most:
            count = facts_refresh(batch=batch if most is None else min(batch, most - read), nowait=nowait)
            read += count
            if not count:
                return True
    except RefreshBusy:
        return False
    return _nothing_new()


def facts_as_of() -> dt.datetime | None:
    """When the newest log record the facts have read was written: the facts count every change up
    to about then (None: they have read nothing yet)."""
    high = RefreshState.objects.filter(pk=1).values_list("high_id", flat=True).first()
    if not high:
        return None
    return LogRecord.objects.filter(pk__lte=high).order_by("-pk").values_list("created_at", flat=True).first()
