"""The SLA timer pass, run by `otklik worker`: fire due warnings and breaches and the escalation
levels that follow them.

Every request stores the next instant something is due for it (`sla_next_at`, indexed where not
null). A pass claims the due requests in small batches (on PostgreSQL `FOR UPDATE SKIP LOCKED`,
so concurrent workers take disjoint requests; SQLite serialises writers anyway) and, in the same
transaction, fires what is due, writes the ledger and moves `sla_next_at` on. The clock's own
flags (`warned_at`, `breached_at`, the escalated rule ids) change in that transaction too, so an
event is recorded exactly once: a worker killed mid-batch rolls back and the request is claimed
again as if untouched.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.db.models import QuerySet

from otklik.accounts.directory import directory
from otklik.accounts.models import Role, User
from otklik.accounts.people import people
from otklik.catalog.reference import reference
from otklik.core.duework import DueWork, due_work
from otklik.notify.outbox import Deferred, queue_rows
from otklik.sla.calendar_tasks import task_sync
from otklik.tickets.models import Event, LogRecord, Ticket, Watcher
from otklik.tickets.writes import ticket_bump

from . import clockmath as cm
from .models import Clock, EscalationRule
from .notices import on_sla
from .reference import sla_reference_fresh
from .services import HeldWrites, Ledger, iso_local, ledger_of, recompute, system_record

log = logging.getLogger("otklik.sla")

BATCH = 100
RETRY_AFTER = dt.timedelta(minutes=5)  # a request whose processing failed is looked at again then
MAX_ROUNDS = 10  # escalations can change the priority and so the deadlines: settle within a bound


def due(moment: dt.datetime) -> QuerySet[Ticket]:
    """The requests something is due for by `moment`, earliest first."""
    return Ticket.objects.filter(sla_next_at__lte=moment).order_by("sla_next_at")


class Batch:
    """What the escalations of one batch read about people, once for the batch and only if a level
    fires: the active managers, and the watchers of the batch's requests (kept up to date as
    levels add watchers)."""

    def __init__(self, tickets: list[Ticket]) -> None:
        self.ticket_ids = [t.pk for t in tickets]
        self._managers: list[int] | None = None
        self._watchers: dict[int, set[int]] | None = None
        self._clocks: dict[int, list[Clock]] | None = None

    def clocks(self, ticket_id: int) -> list[Clock]:
        """The request's clocks, read with the batch's others in one query (the rows are locked by
        the claim: nobody changes them meanwhile)."""
        if self._clocks is None:
            self._clocks = defaultdict(list)
            for clock in Clock.objects.filter(ticket_id__in=self.ticket_ids):
                self._clocks[clock.ticket_id].append(clock)
        return self._clocks.get(ticket_id, [])

    def managers(self) -> list[int]:
        if self._managers is None:
            self._managers = list(User.objects.filter(is_active=True, role=Role.MANAGER).values_list("pk", flat=True))
        return self._managers

    def watchers(self, ticket_id: int) -> set[int]:
        if self._watchers is None:
            self._watchers = defaultdict(set)
            for tid, uid in Watcher.objects.filter(ticket_id__in=self.ticket_ids).values_list("ticket_id", "user_id"):
                self._watchers[tid].add(uid)
        return self._watchers[ticket_id]


class Held:
    """What a batch holds back to its end (core.duework.Deferral): the notifications it queues
    (notify.outbox.Deferred) and the ledgers it saves (services.HeldWrites), so a batch costs a
    few statements whatever the number of its requests."""

    def __init__(self) -> None:
        self.rows = Deferred()
        self.ledgers = HeldWrites()
        self._marks: list[tuple[int, tuple[int, int, int, int]]] = []

    def __enter__(self) -> Held:
        self.rows.__enter__()
        self.ledgers.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.ledgers.__exit__(*exc)
        self.rows.__exit__(*exc)

    def mark(self) -> int:
        self._marks.append((self.rows.mark(), self.ledgers.mark()))
        return len(self._marks) - 1

    def rollback_to(self, mark: int) -> None:
        rows, ledgers = self._marks[mark]
        self.rows.rollback_to(rows)
        self.ledgers.rollback_to(ledgers)

    def flush(self) -> None:
        self.ledgers.flush()
        self.rows.flush()


def _prepare(tickets: list[Ticket], first: bool) -> Batch:
    if first:
        # Read after the claim: a configuration committed before a request was marked is then
        # visible (READ COMMITTED), whatever this process had cached.
        sla_reference_fresh()
    return Batch(tickets)


TIMERS: DueWork[Ticket, Batch] = DueWork(
    what="sla",
    noun="request",
    due=due,
    handle=lambda ticket, moment, batch: sla_fire_due(ticket, moment=moment, batch=batch),
    retry=lambda ticket, at: Ticket.objects.filter(pk=ticket.pk).update(sla_next_at=at),
    log=log,
    prepare=_prepare,
    batch=BATCH,
    retry_after=RETRY_AFTER,
    defer=Held,  # the batch's notifications queued in one insert, its ledgers written in a few statements
)


def sla_timers_pass(*, batch: int = BATCH, budget_seconds: float = 5.0) -> int:
    """Fire what is due now, for at most about `budget_seconds` (so other jobs get their turn);
    returns the number of requests handled (0: nothing was due)."""
    return due_work(TIMERS, batch=batch, budget_seconds=budget_seconds)


def sla_fire_due(ticket: Ticket, *, moment: dt.datetime, batch: Batch | None = None) -> int:
    """For one claimed (locked) request: bring its clocks up to date with the configuration, then
    fire the due warnings, breaches and escalation levels in the order they fell due."""
    batch = batch or Batch([ticket])
    reference().attach(ticket)
    if not ticket.is_open:  # nothing is owed on a closed request
        Ticket.objects.filter(pk=ticket.pk).update(sla_next_at=None)
        return 0
    ledger = ledger_of(ticket, batch.clocks(ticket.pk))
    shown = (ticket.executor_id, ticket.priority_id)  # escalations may change them: the task follows
    recompute(ledger, when=moment, reason="configuration", catch_up=False)
    for _ in range(MAX_ROUNDS):
        due = _due(ledger, moment)
        if not due:
            break
        at, metric, what = due[0]
        data = ledger.data[metric]
        if what in ("warned", "breached"):
            events = cm.fire(data, ledger.cal(metric), what, moment)
            ledger.note(metric, events, moment)
            if "warned" in events:
                queue_rows(on_sla(ticket, event="warned", metric=metric, user_ids=[], due=data.due_at))
        else:
            rule_id = int(what)
            data.escalated.append(rule_id)
            rule = ledger.sref.rule_objects.get(rule_id)
            if rule is not None:
                _escalate(ledger, metric, rule, at=at, moment=moment, batch=batch)
    count = len(ledger.records)
    ledger.save(when=moment)
    if (ticket.executor_id, ticket.priority_id) != shown:
        task_sync(ticket)
    return count


def _due(ledger: Ledger, moment: dt.datetime) -> list[tuple[dt.datetime, str, str]]:
    """What is due by `moment`, earliest first: (instant, metric, "warned" | "breached" | rule id)."""
    due: list[tuple[dt.datetime, str, str]] = []
    for metric, data in ledger.data.items():
        for event in cm.due_events(data, moment):
            at = data.warn_at if event == "warned" else data.due_at
            due.append((at or moment, metric, event))
        steps = ledger.sref.steps(ledger.rows[metric].policy_id, metric)
        for at, step in cm.escalation_due(data, ledger.cal(metric), steps):
            if at <= moment:
                due.append((at, metric, str(step.rule_id)))
    due.sort(key=lambda item: (item[0], item[2] not in ("warned", "breached")))
    return due


def _recipients(ticket: Ticket, rule: EscalationRule, batch: Batch) -> list[tuple[int, str]]:
    """The active people a level tells, as (id, user name), by user name. From the directory, the
    batch's reads and the people cache: nothing read per level."""
    ids: set[int] = set()
    if rule.notify_executor and ticket.executor_id:
        ids.add(ticket.executor_id)
    if rule.notify_group_lead:
        ids.update(uid for uid, m in directory().memberships.items() if ticket.group_id in m.led)
    if rule.notify_dispatcher and (dispatcher := directory().dispatchers.get(ticket.group_id)):
        ids.add(dispatcher)
    if rule.notify_managers:
        ids.update(batch.managers())
    if rule.notify_watchers:
        ids.update(batch.watchers(ticket.pk))
    ids.update(u.pk for u in rule.notify_users.all())
    found = people(ids)
    return sorted(((pk, p.username) for pk, p in found.items() if p.is_active), key=lambda p: p[1])


def _escalate(
    ledger: Ledger, metric: str, rule: EscalationRule, *, at: dt.datetime, moment: dt.datetime, batch: Batch
) -> None:
    """One escalation level: who is told, and what is changed on the request. The notifications
    themselves go through the notification queue (issue 4); the ledger names the recipients."""
    ticket = ledger.ticket
    ref = reference()
    info: dict[str, object] = {
        "rule": rule.pk,
        "level": rule.level,
        "trigger": rule.trigger,
        "due": iso_local(at),
    }
    changes: dict[str, object] = {}
    extra: list[LogRecord] = []
    group_id = rule.reassign_group_id or ticket.group_id
    if rule.reassign_group_id and rule.reassign_group_id != ticket.group_id:
        changes["group_id"] = group_id
        extra.append(
            system_record(
                ticket, moment, event=Event.ASSIGNMENT, field="group", old_value=ticket.group_id, new_value=group_id
            )
        )
    executor_id = ticket.executor_id
    if rule.reassign_user_id:
        executor_id = rule.reassign_user_id
    elif rule.reassign_group_id and rule.reassign_group_id != ticket.group_id:
        executor_id = directory().assignees.get(group_id)
    if executor_id != ticket.executor_id:
        changes["executor_id"] = executor_id
        extra.append(
            system_record(
                ticket,
                moment,
                event=Event.ASSIGNMENT,
                field="executor",
                old_value=ticket.executor_id,
                new_value=executor_id,
            )
        )
    raised = rule.raise_priority_to
    current = ref.priorities.get(ticket.priority_id)
    if raised is not None and current is not None and raised.rank < current.rank:
        changes["priority_id"] = raised.pk
        extra.append(
            system_record(
                ticket,
                moment,
                event=Event.FIELD_CHANGE,
                field="priority",
                old_value=current.code,
                new_value=raised.code,
            )
        )
    added = []
    for user in [u for u in rule.add_watchers.all() if u.is_active]:
        _, created = Watcher.objects.get_or_create(ticket_id=ticket.pk, user=user)
        if created:
            added.append(user.username)
            batch.watchers(ticket.pk).add(user.pk)
            extra.append(system_record(ticket, moment, event=Event.WATCHER, field="watchers", new_value=user.username))
    info.update({k.removesuffix("_id"): v for k, v in changes.items()})
    if added:
        info["watchers_added"] = added
    for key, value in changes.items():
        setattr(ticket, key, value)
    # Told after the change: a reassigned request's new executor and group lead hear of it.
    recipients = _recipients(ticket, rule, batch)
    info["notify"] = [name for _, name in recipients]
    ledger.note(metric, ["escalated"], moment, **info)
    queue_rows(
        on_sla(
            ticket,
            event="escalated",
            metric=metric,
            user_ids=[pk for pk, _ in recipients],
            due=ledger.data[metric].due_at,
        )
    )
    ledger.records.extend(extra)
    if changes:
        # A change of state, like any other: the version moves so a stale edit is refused.
        ticket_bump(ticket, version=ticket.version, updated_at=moment, **changes)
        if "priority_id" in changes or "group_id" in changes:
            recompute(ledger, when=moment, reason="escalation", catch_up=False)
