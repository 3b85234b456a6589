"""SLA clocks of requests: applied at creation, driven by the route and the reactions, recomputed when
the priority, category, group or the configuration changes. Every change of a clock is a record in
the request's per-stage log (event "sla"); together they form the request's SLA ledger.

These functions run inside the caller's transaction, after the request's row is locked (the
ticket services update the row first), so a timer worker firing on the same request waits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from contextvars import ContextVar, Token
from typing import Any

from django.utils import timezone

from otklik.catalog.reference import reference
from otklik.core.bulk import update_rows
from otklik.routes.models import ClockBehaviour, ReactionKind
from otklik.sla.calendar_tasks import task_sync
from otklik.tickets.kinds import is_support_reaction
from otklik.tickets.models import ActorRole, Event, LogRecord, SlaEvent, Ticket
from otklik.tickets.selectors import support_reactions

from . import clockmath as cm
from .models import Clock, Metric
from .reference import PolicySpec, SlaReference, sla_reference

# The ledger says what happened to a clock; only the warning and escalation are internal
# (they concern the service's own procedure).
INTERNAL_EVENTS = frozenset({SlaEvent.WARNED, SlaEvent.ESCALATED})
INITIATOR_REACTIONS = frozenset(
    {ReactionKind.INITIATOR_PROVIDED_INFO, ReactionKind.INITIATOR_REJECTED, ReactionKind.INITIATOR_REPLIED}
)


def _category_chain(category_id: int | None) -> tuple[int, ...]:
    """The category and its ancestors: a policy naming a category selects its sub-categories."""
    ref = reference()
    chain: list[int] = []
    node = ref.categories.get(category_id) if category_id else None
    while node is not None and node.pk not in chain:
        chain.append(node.pk)
        node = ref.categories.get(node.parent_id) if node.parent_id else None
    return tuple(chain)


def policy_for(
    sref: SlaReference,
    *,
    type_id: int,
    priority_id: int,
    category_id: int | None,
    organisation_id: int | None,
) -> PolicySpec | None:
    return sref.select(
        type_id=type_id,
        priority_id=priority_id,
        category_ids=_category_chain(category_id),
        organisation_id=organisation_id,
    )


def _ticket_policy(sref: SlaReference, ticket: Ticket) -> PolicySpec | None:
    return policy_for(
        sref,
        type_id=ticket.request_type_id,
        priority_id=ticket.priority_id,
        category_id=ticket.category_id,
        organisation_id=ticket.organisation_id,
    )


def data_of(row: Clock) -> cm.ClockData:
    return cm.ClockData(
        metric=row.metric,
        target=row.target,
        warning_percent=row.warning_percent,
        state=row.state,
        started_at=row.started_at,
        used=row.used,
        running_since=row.running_since,
        due_at=row.due_at,
        warn_at=row.warn_at,
        warned_at=row.warned_at,
        breached_at=row.breached_at,
        stopped_at=row.stopped_at,
        cycle=row.cycle,
        escalated=list(row.escalated or []),
    )


_DATA_FIELDS = (
    "target",
    "warning_percent",
    "state",
    "started_at",
    "used",
    "running_since",
    "due_at",
    "warn_at",
    "warned_at",
    "breached_at",
    "stopped_at",
    "cycle",
    "escalated",
)


def _fingerprint(row: Clock, data: cm.ClockData) -> tuple[Any, ...]:
    """What is stored of a clock: compared before saving, so only clocks that changed are written."""
    values = tuple(tuple(data.escalated) if f == "escalated" else getattr(data, f) for f in _DATA_FIELDS)
    return (*values, row.policy_id, row.calendar_id)


def _store(row: Clock, data: cm.ClockData) -> None:
    for name in _DATA_FIELDS:
        setattr(row, name, getattr(data, name))


def iso_local(value: dt.datetime | None) -> str | None:
    # In the service's own time zone, whichever way the value was obtained (read back in UTC or
    # computed in the calendar's zone), so equal instants read the same in the ledger.
    return timezone.localtime(value, timezone.get_default_timezone()).isoformat() if value is not None else None


def ledger_record(ticket: Ticket, data: cm.ClockData, event: str, when: dt.datetime, **extra: Any) -> LogRecord:
    """One SLA ledger record (unsaved): what happened to which target, with the clock's figures."""
    info = {
        "state": data.state,
        "due_at": iso_local(data.due_at),
        "target_seconds": int(data.target.total_seconds()),
        "used_seconds": int(data.used.total_seconds()),
        "cycle": data.cycle,
        **extra,
    }
    return system_record(
        ticket,
        when,
        event=Event.SLA,
        sla_event=event,
        field=data.metric,
        new_value=info,
        internal=event in INTERNAL_EVENTS,
    )


def system_record(ticket: Ticket, when: dt.datetime, **fields: Any) -> LogRecord:
    """A per-stage log record (unsaved) of something the system did, at the request's stage."""
    return LogRecord(
        ticket_id=ticket.pk,
        actor=None,
        actor_role=ActorRole.SYSTEM,
        point_id=ticket.point_id,
        created_at=when,
        **fields,
    )


class Ledger:
    """The clocks of one request being changed, with the records their changes produce."""

    def __init__(self, ticket: Ticket, rows: Iterable[Clock], sref: SlaReference) -> None:
        self.ticket = ticket
        self.sref = sref
        self.rows: dict[str, Clock] = {r.metric: r for r in rows}
        self.data: dict[str, cm.ClockData] = {m: data_of(r) for m, r in self.rows.items()}
        self.records: list[LogRecord] = []
        # As stored: a clock is written only when it differs from this (or is new).
        self._stored = {m: _fingerprint(r, self.data[m]) for m, r in self.rows.items()}
        self._task_due = self.resolution_due()  # the deadline the executor's calendar task shows

    def resolution_due(self) -> dt.datetime | None:
        data = self.data.get(Metric.RESOLUTION)
        return data.due_at if data is not None else None

    def cal(self, metric: str) -> cm.Calendar:
        return self.sref.calendar(self.rows[metric].calendar_id)

    def note(self, metric: str, events: list[str], when: dt.datetime, **extra: Any) -> None:
        """Record the events of a metric's clock at `when`; a breach at the deadline that passed and
        a warning at the moment it fell due (clockmath dates the clock's breach and warning there),
        however late the timer worker or a catch-up noticed them: "breaches today" and a breach's
        day are when it happened, not when recorded. What the worker did about them (escalations)
        is dated when it did it."""
        data = self.data[metric]
        for event in events:
            at = when
            happened = {"breached": data.breached_at, "warned": data.warned_at}.get(event)
            if happened is not None and happened < when:
                at = happened
            self.records.append(ledger_record(self.ticket, data, event, at, **extra))

    def catch_up(self, metric: str, when: dt.datetime) -> None:
        """Record a warning or breach whose instant passed before the timer worker got to it, so a
        pause, stop or cancel now cannot hide it (and the breach keeps the deadline as its date)."""
        data = self.data.get(metric)
        if data is None:
            return
        for event in cm.due_events(data, when):
            self.note(metric, cm.fire(data, self.cal(metric), event, when), when)

    def apply(
        self, metric: str, op: Callable[[cm.ClockData, cm.Calendar, dt.datetime], list[str]], when: dt.datetime
    ) -> list[str]:
        """One of clockmath's steps (stop, pause, …) on the metric's clock, its events recorded."""
        if metric not in self.data:
            return []
        self.catch_up(metric, when)
        events = op(self.data[metric], self.cal(metric), when)
        if events:
            self.note(metric, events, when)
        return events

    def add_clock(
        self,
        metric: str,
        *,
        policy: PolicySpec,
        calendar_id: int | None,
        when: dt.datetime,
        used: dt.timedelta = cm.ZERO,
        paused: bool = False,
    ) -> bool:
        spec = policy.targets.get((self.ticket.priority_id, metric))
        if spec is None:
            return False
        cal = self.sref.calendar(calendar_id)
        data = cm.start(
            metric=metric,
            target=spec.target,
            warning_percent=spec.warning_percent,
            cal=cal,
            moment=when,
            used=used,
            paused=paused,
        )
        self.rows[metric] = Clock(ticket_id=self.ticket.pk, metric=metric, policy_id=policy.id, calendar_id=calendar_id)
        self.data[metric] = data
        self.note(metric, ["applied"], when, policy=policy.code)
        return True

    def summary(self) -> dict[str, Any]:
        """The request's denormalised SLA columns, from its clocks."""
        running = [d for d in self.data.values() if d.state == cm.RUNNING]
        next_at = [
            at
            for m, d in self.data.items()
            if (at := cm.next_instant(d, self.cal(m), self.sref.steps(self.rows[m].policy_id, m))) is not None
        ]
        return {
            "sla_due_at": min((d.due_at for d in running if d.due_at), default=None),
            "sla_warn_at": min((d.warn_at for d in running if d.warn_at), default=None),
            # A missed target stays missed: a later cycle of the same target does not undo it.
            "sla_breached": bool(self.ticket.sla_breached) or any(d.state == cm.BREACHED for d in self.data.values()),
            "sla_next_at": min(next_at, default=None),
        }

    def rows_to_save(self) -> list[Clock]:
        """The clocks that are new or differ from what is stored (some changes record no event:
        stopping a breached clock, a cancelled one coming back at a paused point)."""
        out = []
        for metric in sorted(self.rows):
            row, data = self.rows[metric], self.data[metric]
            if row.pk is None or _fingerprint(row, data) != self._stored.get(metric):
                _store(row, data)
                out.append(row)
        return out

    @property
    def changed(self) -> bool:
        return bool(self.records or self.rows_to_save())

    def save(self, *, when: dt.datetime) -> None:
        """Write the changed clocks, the ledger and the request's SLA columns (inside a `HeldWrites`,
        a timer's batch, they are held and written with the batch's others at its end)."""
        rows = self.rows_to_save()
        self._stored = {m: _fingerprint(r, self.data[m]) for m, r in self.rows.items()}
        summary = self.summary()
        held, columns = _held.get(), (self.ticket.pk, *(summary[f] for f in _SUMMARY_FIELDS))
        if held is not None:
            held.add(rows, self.records, columns)
        else:
            new = [r for r in rows if r.pk is None]
            HeldWrites.write(new, [_clock_values(r) for r in rows if r.pk is not None], self.records, [columns])
        for key, value in summary.items():
            setattr(self.ticket, key, value)
        self.records = []
        if (due := self.resolution_due()) != self._task_due:
            self._task_due = due
            task_sync(self.ticket, due=due)  # the calendar task follows the deadline


def ledger_of(ticket: Ticket, clocks: Iterable[Clock] | None = None) -> Ledger:
    """The request's ledger; `clocks`: its clock rows when the caller read them (a timer's batch)."""
    rows = clocks if clocks is not None else Clock.objects.filter(ticket_id=ticket.pk)
    return Ledger(ticket, rows, sla_reference())


_CLOCK_FIELDS = (*_DATA_FIELDS, "policy", "calendar")
_SUMMARY_FIELDS = ("sla_due_at", "sla_warn_at", "sla_breached", "sla_next_at")


class HeldWrites:
    """The ledgers a timer's batch saves (core.duework.Deferral, with the notifications): held while
    the batch runs and written at its end, still in its transaction: the changed clocks in one
    UPDATE, the records in one INSERT, the requests' SLA columns in one UPDATE, whatever the number
    of requests. A request whose handling fails has its writes dropped (`rollback_to`), as its
    savepoint drops what it wrote itself. Only for handlers that read none of it back before the
    end of the batch (the timers read a request's clocks once, and save its ledger once)."""

    def __init__(self) -> None:
        self.new: list[Clock] = []
        self.clocks: list[tuple[object, ...]] = []  # (id, *_CLOCK_FIELDS) as they were when saved
        self.records: list[LogRecord] = []
        self.summaries: list[tuple[object, ...]] = []
        self._token: Token[HeldWrites | None] | None = None

    def __enter__(self) -> HeldWrites:
        self._token = _held.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _held.reset(self._token)
            self._token = None

    def add(self, clocks: list[Clock], records: list[LogRecord], columns: tuple[object, ...]) -> None:
        """A request's changed clocks, its new records and its SLA columns (id first)."""
        self.new += [r for r in clocks if r.pk is None]
        self.clocks += [_clock_values(r) for r in clocks if r.pk is not None]
        self.records += records
        self.summaries.append(columns)

    def mark(self) -> tuple[int, int, int, int]:
        return len(self.new), len(self.clocks), len(self.records), len(self.summaries)

    def rollback_to(self, mark: tuple[int, int, int, int]) -> None:
        del self.new[mark[0] :], self.clocks[mark[1] :], self.records[mark[2] :], self.summaries[mark[3] :]

    def flush(self) -> None:
        new, clocks, records, summaries = self.new, self.clocks, self.records, self.summaries
        self.new, self.clocks, self.records, self.summaries = [], [], [], []
        self.write(new, clocks, records, summaries)

    @staticmethod
    def write(
        new: list[Clock],
        clocks: list[tuple[object, ...]],
        records: list[LogRecord],
        summaries: list[tuple[object, ...]],
    ) -> None:
        Clock.objects.bulk_create(new)
        update_rows(Clock, _CLOCK_FIELDS, clocks)
        # The log is append-only: nothing here is ever updated.
        LogRecord.objects.bulk_create(records)
        update_rows(Ticket, _SUMMARY_FIELDS, summaries)


def _clock_values(row: Clock) -> tuple[object, ...]:
    return (row.pk, *(getattr(row, name) for name in _DATA_FIELDS), row.policy_id, row.calendar_id)


_held: ContextVar[HeldWrites | None] = ContextVar("otklik_sla_held", default=None)


def sla_apply_new(ticket: Ticket, *, when: dt.datetime) -> tuple[list[Clock], list[LogRecord]]:
    """The clocks of a new request and their ledger records (unsaved: ticket_create writes them
    with the request). Sets the request's SLA columns. A request filed straight into a final
    point (out of scope) gets no clocks."""
    if ticket.point.is_final:
        return [], []
    sref = sla_reference()
    policy = _ticket_policy(sref, ticket)
    if policy is None:
        return [], []
    ledger = Ledger(ticket, [], sref)
    calendar_id = sref.calendar_id_for(policy, ticket.group_id)
    paused = ticket.point.clock == ClockBehaviour.PAUSED
    ledger.add_clock(Metric.FIRST_REACTION, policy=policy, calendar_id=calendar_id, when=when)
    ledger.add_clock(Metric.RESOLUTION, policy=policy, calendar_id=calendar_id, when=when, paused=paused)
    for key, value in ledger.summary().items():
        setattr(ticket, key, value)
    return ledger.rows_to_save(), ledger.records


def sla_on_transition(
    ticket: Ticket, *, reaction: str, role: str, target_clock: str, final: bool, when: dt.datetime
) -> None:
    """After a move along the route: the reaction it records and the clock behaviour of the point
    it arrives at drive the clocks."""
    ledger = ledger_of(ticket)
    if not ledger.rows:
        return
    _react(ledger, reaction=reaction, role=role, when=when)
    if reaction == ReactionKind.INITIATOR_WITHDREW:
        for metric in list(ledger.data):
            ledger.apply(metric, cm.cancel, when)
    elif final:
        ledger.apply(Metric.RESOLUTION, cm.stop, when)
        ledger.apply(Metric.FIRST_REACTION, cm.cancel, when)
        ledger.apply(Metric.NEXT_REACTION, cm.cancel, when)
    elif target_clock == ClockBehaviour.PAUSED:
        ledger.apply(Metric.RESOLUTION, cm.pause, when)
    elif target_clock == ClockBehaviour.STOPPED:
        ledger.apply(Metric.RESOLUTION, cm.stop, when)
    else:
        ledger.apply(Metric.RESOLUTION, cm.resume, when)
    ledger.save(when=when)


def _react(ledger: Ledger, *, reaction: str, role: str, when: dt.datetime) -> None:
    if is_support_reaction(reaction, role):
        ledger.apply(Metric.FIRST_REACTION, cm.stop, when)
        ledger.apply(Metric.NEXT_REACTION, cm.stop, when)
    elif reaction in INITIATOR_REACTIONS and role == ActorRole.INITIATOR and ledger.ticket.is_open:
        _start_next_reaction(ledger, when)


def _start_next_reaction(ledger: Ledger, when: dt.datetime) -> None:
    """The executor owes an answer to the initiator's reaction; while one is owed (the clock runs),
    later messages keep the earlier deadline."""
    clock = ledger.data.get(Metric.NEXT_REACTION)
    owed = clock is not None and (
        clock.state in (cm.RUNNING, cm.PAUSED) or (clock.state == cm.BREACHED and clock.stopped_at is None)
    )
    first = ledger.data.get(Metric.FIRST_REACTION)
    if owed or (first is not None and first.state in (cm.RUNNING, cm.PAUSED)):
        return  # an answer is already owed (the first reaction covers the initiator's message too)
    # The policy and calendar in force now (the priority or category may have changed since).
    policy = _ticket_policy(ledger.sref, ledger.ticket)
    spec = policy.targets.get((ledger.ticket.priority_id, Metric.NEXT_REACTION)) if policy else None
    if policy is None or spec is None:
        return
    calendar_id = ledger.sref.calendar_id_for(policy, ledger.ticket.group_id)
    if clock is not None:
        row = ledger.rows[Metric.NEXT_REACTION]
        row.policy_id, row.calendar_id = policy.id, calendar_id
        clock.target, clock.warning_percent = spec.target, spec.warning_percent
        ledger.apply(Metric.NEXT_REACTION, cm.restart, when)
        return
    ledger.add_clock(Metric.NEXT_REACTION, policy=policy, calendar_id=calendar_id, when=when)


def sla_on_comment(ticket: Ticket, *, reaction: str, role: str, when: dt.datetime) -> None:
    """A public reply: the support side's answer meets the reaction targets; the initiator's
    starts the executor's next-reaction clock."""
    if not reaction:
        return
    ledger = ledger_of(ticket)
    if not ledger.rows:
        return
    _react(ledger, reaction=reaction, role=role, when=when)
    if ledger.changed:
        ledger.save(when=when)


def sla_recompute(ticket: Ticket, *, when: dt.datetime, reason: str) -> list[str]:
    """Select the policy again (the priority, category, group or configuration changed) and give
    every clock its new target and calendar, keeping the working time already used."""
    ledger = ledger_of(ticket)
    events = recompute(ledger, when=when, reason=reason)
    if ledger.changed:
        ledger.save(when=when)
    return events


def recompute(ledger: Ledger, *, when: dt.datetime, reason: str, catch_up: bool = True) -> list[str]:
    """The recomputation itself, on a loaded ledger (also used, without saving, by the what-if preview)."""
    ticket, sref = ledger.ticket, ledger.sref
    if not ticket.is_open:
        return []
    policy = _ticket_policy(sref, ticket)
    calendar_id = sref.calendar_id_for(policy, ticket.group_id) if policy else None
    events: list[str] = []
    point_clock = ticket.point.clock
    for metric, row in list(ledger.rows.items()):
        data = ledger.data[metric]
        if catch_up:  # the timer pass fires what is due itself, in order with the escalations
            ledger.catch_up(metric, when)
        spec = policy.targets.get((ticket.priority_id, metric)) if policy else None
        if data.state == cm.MET and metric != Metric.RESOLUTION:
            continue  # a reaction given stays given
        if data.state == cm.CANCELLED and (spec is None or metric == Metric.NEXT_REACTION):
            continue  # the next reaction restarts with the initiator's next reaction
        if spec is None:
            if data.state in (cm.RUNNING, cm.PAUSED):
                events += ledger.apply(metric, cm.cancel, when)
            continue
        assert policy is not None
        if row.calendar_id != calendar_id and data.running_since is not None:
            # Another calendar from now on: the time spent so far is measured in the old one.
            data.used = cm.used_at(data, ledger.cal(metric), when)
            data.running_since = when
        moved = row.policy_id != policy.id or row.calendar_id != calendar_id
        row.policy_id, row.calendar_id = policy.id, calendar_id
        if data.state == cm.CANCELLED:
            # Targets again after a change took them away: continue with the time used before.
            data.state = cm.PAUSED
            data.stopped_at = None
            got = ["resumed"] if point_clock == ClockBehaviour.RUNS or metric == Metric.FIRST_REACTION else []
            if got:
                data.state, data.running_since = cm.RUNNING, when
        else:
            got = []
        got += cm.retarget(
            data, sref.calendar(calendar_id), when, target=spec.target, warning_percent=spec.warning_percent
        )
        if got or moved:
            ledger.note(metric, got or ["recomputed"], when, reason=reason, policy=policy.code)
            events += got or ["recomputed"]
    if policy is not None:
        events += _apply_missing(ledger, policy=policy, calendar_id=calendar_id, when=when)
    return events


def _apply_missing(ledger: Ledger, *, policy: PolicySpec, calendar_id: int | None, when: dt.datetime) -> list[str]:
    """Targets the request has no clock for (no policy selected it when filed, or the new policy
    has more): applied now, counting the working time since filing. The first reaction only if
    support has not reacted yet; nothing runs at a point whose clock is stopped or paused."""
    ticket = ledger.ticket
    wanted = [m for m in (Metric.FIRST_REACTION, Metric.RESOLUTION) if m not in ledger.rows]
    wanted = [m for m in wanted if (ticket.priority_id, m) in policy.targets]
    if not wanted:
        return []
    if Metric.FIRST_REACTION in wanted and support_reactions(LogRecord.objects.filter(ticket_id=ticket.pk)).exists():
        wanted.remove(Metric.FIRST_REACTION)
    cal = ledger.sref.calendar(calendar_id)
    used = max(cal.elapsed(ticket.created_at, when), cm.ZERO)
    events = []
    for metric in wanted:
        paused = metric == Metric.RESOLUTION and ticket.point.clock != ClockBehaviour.RUNS
        if ledger.add_clock(metric, policy=policy, calendar_id=calendar_id, when=when, used=used, paused=paused):
            events.append("applied")
    return events
