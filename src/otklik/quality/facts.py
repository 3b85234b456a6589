"""A request's quality facts from its per-stage log and its SLA clocks, pure: no Django.

The report never reads the log: a million requests' logs per report would miss every target.
Instead each request has one narrow row of facts (quality.Fact), rebuilt by `build_facts` from the
request's whole log whenever the log grows (quality.refresh). Rebuilding is a function of what is
stored, so doing it twice gives the same row.

What is derived, and how:

- attribution: the figures of a request count for the executor and group in charge when it was
  last resolved (the ones whose work was judged), else for the current ones. The executor at an
  earlier instant is read backwards from the current one through the log's assignment records
  (the executor a request was filed with has no record of its own);
- resolved: a move along the route into a resolved or closed point from a point of another kind.
  `first_resolved_at` is the first such move, `resolved_at` the last one while the request still
  stands resolved or closed (a reopened request is not resolved);
- reopens: moves out of a resolved or closed point back into work (an initiator's rejection of
  the resolution is one);
- reassignments: changes of the executor to a person after the first one (the first record that
  hands the request to someone is its assignment, every later one a reassignment);
- first reaction: the first executor-side reaction (executor_* reactions taken by support, as the
  SLA engine counts them); its working time, met or breached, from the first-reaction clock;
- resolution: working time, met or breached, from the resolution clock (pauses excluded, and a
  rejected resolution continues the same clock);
- next reaction: every cycle of the recurring next-reaction target settled in the SLA ledger:
  met when answered, breached at its deadline;
- auto-confirmed: a record with the reaction "confirmed automatically".
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# The stored values of tickets.models.Event, routes.models.PointKind / ReactionKind, sla Metric and
# ClockState, and tickets.models.ActorRole (tests/test_quality_facts.py checks they agree).
TRANSITION, ASSIGNMENT, SLA = "transition", "assignment", "sla"
RESOLVED_KINDS = frozenset({"resolved", "closed"})
DECLINED = "declined"
AUTO_CONFIRMED = "auto_confirmed"
FIRST_REACTION, RESOLUTION, NEXT_REACTION = "first_reaction", "resolution", "next_reaction"
MET, BREACHED = "met", "breached"
SUPPORT_ROLES = frozenset({"executor", "staff"})


def is_executor_reaction(reaction: str, role: str) -> bool:
    """As sla.services.is_executor_reaction: any executor_* reaction taken by the support side."""
    return bool(reaction) and reaction.startswith("executor_") and role in SUPPORT_ROLES


@dataclass(frozen=True)
class TicketState:
    id: int
    type_id: int
    priority_id: int
    group_id: int
    executor_id: int | None
    created_at: dt.datetime
    closed_at: dt.datetime | None
    point_kind: str


@dataclass(frozen=True)
class Record:
    """One log record as the facts need it: the kinds of the stage it was made at and, for a move,
    of the point it led to."""

    id: int
    at: dt.datetime
    event: str
    reaction: str = ""
    role: str = ""
    kind: str = ""
    to_kind: str = ""
    field: str = ""
    old: Any = None
    new: Any = None
    sla_event: str = ""


@dataclass(frozen=True)
class ClockFacts:
    state: str
    used: dt.timedelta
    breached_at: dt.datetime | None = None
    stopped_at: dt.datetime | None = None


@dataclass(frozen=True)
class NextReactionOutcome:
    cycle: int
    at: dt.datetime  # answered (met), or the deadline that passed (breached)
    met: bool


@dataclass
class FactData:
    ticket_id: int
    type_id: int
    priority_id: int
    group_id: int
    executor_id: int | None
    created_at: dt.datetime
    closed_at: dt.datetime | None = None
    first_reaction_at: dt.datetime | None = None
    first_reaction_seconds: int | None = None
    first_reaction_met: bool | None = None
    first_reaction_breached_at: dt.datetime | None = None
    first_resolved_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    resolution_seconds: int | None = None
    resolution_met: bool | None = None
    resolution_breached_at: dt.datetime | None = None
    next_met: int = 0
    next_breached: int = 0
    reopens: int = 0
    reassignments: int = 0
    auto_confirmed: bool = False
    next_reactions: list[NextReactionOutcome] = field(default_factory=list)

    def columns(self) -> dict[str, Any]:
        """The stored columns (the next-reaction outcomes are rows of their own)."""
        return {k: v for k, v in self.__dict__.items() if k != "next_reactions"}


def _is_resolving(r: Record) -> bool:
    return r.event == TRANSITION and r.to_kind in RESOLVED_KINDS and r.kind not in RESOLVED_KINDS


def _is_reopening(r: Record) -> bool:
    return r.event == TRANSITION and r.kind in RESOLVED_KINDS and r.to_kind not in RESOLVED_KINDS | {DECLINED}


def _as_id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _in_charge_before(records: Sequence[Record], index: int, field_name: str, current: int | None) -> int | None:
    """Who held `field_name` (executor, group) just before records[index]: the old value of the next
    change of it in the log, else the current value."""
    for later in records[index:]:
        if later.event == ASSIGNMENT and later.field == field_name:
            return _as_id(later.old)
    return current


def _seconds(value: dt.timedelta) -> int:
    return int(value.total_seconds())


def _deadline(record: Record) -> dt.datetime:
    """A breach is dated at the deadline that passed (the ledger record may be written later)."""
    due = record.new.get("due_at") if isinstance(record.new, dict) else None
    if isinstance(due, str):
        try:
            parsed = dt.datetime.fromisoformat(due)
        except ValueError:
            return record.at
        if parsed.tzinfo is not None:
            return parsed
    return record.at


def next_reaction_outcomes(records: Sequence[Record]) -> list[NextReactionOutcome]:
    """One outcome per settled cycle of the next-reaction target, from its ledger records."""
    outcomes: dict[int, NextReactionOutcome] = {}
    for r in records:
        if r.event != SLA or r.field != NEXT_REACTION or r.sla_event not in (MET, BREACHED):
            continue
        cycle = r.new.get("cycle") if isinstance(r.new, dict) else None
        cycle = cycle if isinstance(cycle, int) else 1
        if cycle in outcomes:
            continue  # a cycle settles once: a breach is not undone by the late answer
        met = r.sla_event == MET
        outcomes[cycle] = NextReactionOutcome(cycle, r.at if met else _deadline(r), met)
    return [outcomes[c] for c in sorted(outcomes)]


def build_facts(ticket: TicketState, records: Sequence[Record], clocks: Mapping[str, ClockFacts]) -> FactData:
    """The facts of one request from its log (in id order) and its clocks (by metric)."""
    records = sorted(records, key=lambda r: r.id)
    fact = FactData(
        ticket_id=ticket.id,
        type_id=ticket.type_id,
        priority_id=ticket.priority_id,
        group_id=ticket.group_id,
        executor_id=ticket.executor_id,
        created_at=ticket.created_at,
        closed_at=ticket.closed_at,
    )
    last_resolving: int | None = None
    executor_records = 0
    for i, r in enumerate(records):
        if _is_resolving(r):
            fact.first_resolved_at = fact.first_resolved_at or r.at
            last_resolving = i
        elif _is_reopening(r):
            fact.reopens += 1
        if r.event == ASSIGNMENT and r.field == "executor" and _as_id(r.new) is not None:
            executor_records += 1
        if fact.first_reaction_at is None and is_executor_reaction(r.reaction, r.role):
            fact.first_reaction_at = r.at
        if r.reaction == AUTO_CONFIRMED:
            fact.auto_confirmed = True
    fact.reassignments = max(0, executor_records - 1)
    if last_resolving is not None:
        fact.executor_id = _in_charge_before(records, last_resolving, "executor", ticket.executor_id)
        group = _in_charge_before(records, last_resolving, "group", ticket.group_id)
        fact.group_id = group if group is not None else ticket.group_id
        if ticket.point_kind in RESOLVED_KINDS:
            fact.resolved_at = records[last_resolving].at

    first = clocks.get(FIRST_REACTION)
    if first is not None:
        if first.state == MET:
            fact.first_reaction_met = True
            fact.first_reaction_at = fact.first_reaction_at or first.stopped_at
            fact.first_reaction_seconds = _seconds(first.used)
        elif first.state == BREACHED:
            fact.first_reaction_met = False
            fact.first_reaction_breached_at = first.breached_at
            if fact.first_reaction_at is not None and first.stopped_at is not None:
                fact.first_reaction_seconds = _seconds(first.used)

    resolution = clocks.get(RESOLUTION)
    if resolution is not None:
        if resolution.state == BREACHED:
            fact.resolution_breached_at = resolution.breached_at
        settled = resolution.state in (MET, BREACHED) and resolution.stopped_at is not None
        if fact.resolved_at is not None and settled:
            fact.resolution_met = resolution.state == MET
            fact.resolution_seconds = _seconds(resolution.used)

    fact.next_reactions = next_reaction_outcomes(records)
    fact.next_met = sum(1 for o in fact.next_reactions if o.met)
    fact.next_breached = len(fact.next_reactions) - fact.next_met
    return fact


# --- the daily counts -------------------------------------------------------------------------------

# What a request adds to the daily counts (quality.DayCount), each on the day of its own instant:
# the count's name, and how to find the instant (None: no contribution).
DAY_MEASURES = (
    "received",
    "resolved",
    "res_met",
    "reassigned",
    "reassignments",
    "auto_confirmed",
    "fr_met",
    "fr_breached",
    "res_breached",
    "first_resolved",
    "reopened",
    "nr_met",
    "nr_breached",
)
DayKey = tuple[dt.date, int, int, int, int, str]  # day, group, executor (0: none), type, priority, measure


def _day(instant: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.date:
    return instant.astimezone(zone).date()


def contributions(fact: FactData, zone: zoneinfo.ZoneInfo) -> Counter[DayKey]:
    """The counts one request adds to the days of its instants (the service's time zone), under
    the group, executor, type and priority its figures are attributed to."""
    dims = (fact.group_id, fact.executor_id or 0, fact.type_id, fact.priority_id)
    out: Counter[DayKey] = Counter()

    def add(instant: dt.datetime | None, measure: str, n: int = 1) -> None:
        if instant is not None and n:
            out[(_day(instant, zone), *dims, measure)] += n

    add(fact.created_at, "received")
    add(fact.resolved_at, "resolved")
    if fact.resolution_met:
        add(fact.resolved_at, "res_met")
    if fact.reassignments:
        add(fact.resolved_at, "reassigned")
        add(fact.resolved_at, "reassignments", fact.reassignments)
    if fact.auto_confirmed:
        add(fact.resolved_at, "auto_confirmed")
    if fact.first_reaction_met:
        add(fact.first_reaction_at, "fr_met")
    add(fact.first_reaction_breached_at, "fr_breached")
    add(fact.resolution_breached_at, "res_breached")
    add(fact.first_resolved_at, "first_resolved")
    if fact.reopens:
        add(fact.first_resolved_at, "reopened")
    for outcome in fact.next_reactions:
        add(outcome.at, "nr_met" if outcome.met else "nr_breached")
    return out


def day_deltas(
    old: Iterable[FactData], new: Iterable[FactData], zone: zoneinfo.ZoneInfo
) -> dict[tuple[dt.date, int, int, int, int], dict[str, int]]:
    """The changes to the daily counts when the stored facts `old` become `new`: per day and
    attribution, the non-zero differences by count."""
    total: Counter[DayKey] = Counter()
    for fact in new:
        total.update(contributions(fact, zone))
    for fact in old:
        total.subtract(contributions(fact, zone))
    out: dict[tuple[dt.date, int, int, int, int], dict[str, int]] = {}
    for (day, group, executor, type_id, priority, measure), n in total.items():
        if n:
            out.setdefault((day, group, executor, type_id, priority), {})[measure] = n
    return out
