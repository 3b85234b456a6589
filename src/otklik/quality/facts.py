"""A request's quality facts from its per-stage log and its SLA clocks, pure: no Django.

The report never reads the log: a million requests' logs per report would miss every target.
Instead each request has one narrow row of facts (quality.Fact), rebuilt by `build_facts` from the
request's whole log whenever the log grows (quality.refresh). Rebuilding is a function of what is
stored, so doing it twice gives the same row.

What is derived, and how:

- attribution, per measure: each figure counts for whom it belongs to (a group and an executor,
  the executor possibly nobody). The executor or group at an earlier instant is read backwards from
  the current one through the log's assignment records (the ones a request was filed with have no
  record of their own: they are the old value of the first change):
  - received → the group it was filed with and the first person in charge of it: the executor it
    was filed with, else the first one it was assigned to or who took it (received_*). A request
    is received once, on the day it was filed: the group counts it at once, a person from when it
    first becomes theirs (a request waiting in the group's queue is the group's alone until then),
    and a later hand-over does not move it;
  - first reaction (time, met) → the person who made the first executor reaction and the group in
    charge then; while nobody has reacted, the holder now (reaction_*);
  - resolved, resolution time, resolution met, confirmed automatically → the executor and group in
    charge at the last resolution, whom the survey names too, while the request stands resolved or
    closed; once reopened, the holder now, who has it to resolve (resolution_*);
  - a first-reaction or resolution breach → the executor and group in charge at the deadline that
    passed (reaction_breach_*, resolution_breach_*), like a next-reaction breach: whoever let it
    pass, not whoever reacted or resolved later; and it stays with them when the request moves on,
    so a past month's breaches do not change with every reassignment;
  - first resolved and reopened (the reopen rate) → the executor and group in charge at the first
    resolution: the first reopen is always of that resolution (first_resolution_*);
  - reassignments → the group in charge at the last resolution (like the resolution), and no
    executor: a hand-over is the group's dispatching, not one person's work;
  - next reaction → the executor and group in charge when the cycle settled (answered, or at the
    deadline that passed; NextReaction's own columns);
  - satisfaction and complaints → the executor and group their own rows name (the survey: in charge
    at the resolution; the complaint: as filed), not the facts';
  - backlog → the holder now (group_id, executor_id): a reopened request is in its current holder's
    backlog, not the earlier resolver's.
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

import dataclasses
import datetime as dt
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from otklik.core.jsonvalue import JsonValue
from otklik.routes.kinds import RESOLVED_KINDS, PointKind, ReactionKind
from otklik.sla.kinds import ClockState, Metric
from otklik.tickets.kinds import SUPPORT_ROLES as SUPPORT_ROLES  # the facts name the support side so too
from otklik.tickets.kinds import LogEvent, is_support_reaction

# The stored values of tickets.models.Event, routes.models.PointKind / ReactionKind, sla Metric and
# ClockState, and tickets.models.ActorRole (tests/test_quality_facts.py checks they agree).
TRANSITION, ASSIGNMENT, SLA = LogEvent.TRANSITION, LogEvent.ASSIGNMENT, LogEvent.SLA
DECLINED = PointKind.DECLINED
AUTO_CONFIRMED = ReactionKind.AUTO_CONFIRMED
FIRST_REACTION, RESOLUTION, NEXT_REACTION = Metric.FIRST_REACTION, Metric.RESOLUTION, Metric.NEXT_REACTION
MET, BREACHED = ClockState.MET, ClockState.BREACHED


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
    old: JsonValue = None  # the changed field's values (ASSIGNMENT: the people's and groups' ids)
    new: JsonValue = None
    sla_event: str = ""
    actor: int | None = None


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
    group_id: int = 0  # in charge when it settled
    executor_id: int | None = None


@dataclass
class FactData:
    ticket_id: int
    type_id: int
    priority_id: int
    group_id: int  # the holder now (the backlog)
    executor_id: int | None
    created_at: dt.datetime
    # Whom each measure counts for (see the module's docstring).
    received_group_id: int = 0
    received_executor_id: int | None = None
    reaction_group_id: int = 0
    reaction_executor_id: int | None = None
    resolution_group_id: int = 0
    resolution_executor_id: int | None = None
    first_resolution_group_id: int = 0
    first_resolution_executor_id: int | None = None
    reaction_breach_group_id: int = 0  # 0 / None: no breach
    reaction_breach_executor_id: int | None = None
    resolution_breach_group_id: int = 0
    resolution_breach_executor_id: int | None = None
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

    def columns(self) -> dict[str, int | bool | dt.datetime | None]:
        """The stored columns (the next-reaction outcomes are rows of their own)."""
        return {k: v for k, v in self.__dict__.items() if k != "next_reactions"}


def _is_resolving(r: Record) -> bool:
    return r.event == TRANSITION and r.to_kind in RESOLVED_KINDS and r.kind not in RESOLVED_KINDS


def _is_reopening(r: Record) -> bool:
    return r.event == TRANSITION and r.kind in RESOLVED_KINDS and r.to_kind not in RESOLVED_KINDS | {DECLINED}


def _as_id(value: JsonValue) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _in_charge_before(records: Sequence[Record], index: int, field_name: str, current: int | None) -> int | None:
    """Who held `field_name` (executor, group) just before records[index]: the old value of the next
    change of it in the log, else the current value."""
    for later in records[index:]:
        if later.event == ASSIGNMENT and later.field == field_name:
            return _as_id(later.old)
    return current


def _in_charge_at(records: Sequence[Record], instant: dt.datetime, field_name: str, current: int | None) -> int | None:
    """Who held `field_name` at `instant`: the old value of its first change made after it."""
    for later in records:
        if later.at > instant and later.event == ASSIGNMENT and later.field == field_name:
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
    first_resolving: int | None = None
    last_resolving: int | None = None
    reacting: int | None = None
    executor_records = 0
    for i, r in enumerate(records):
        if _is_resolving(r):
            fact.first_resolved_at = fact.first_resolved_at or r.at
            first_resolving = i if first_resolving is None else first_resolving
            last_resolving = i
        elif _is_reopening(r):
            fact.reopens += 1
        if r.event == ASSIGNMENT and r.field == "executor" and _as_id(r.new) is not None:
            executor_records += 1
        if reacting is None and is_support_reaction(r.reaction, r.role):
            fact.first_reaction_at = r.at
            reacting = i
        if r.reaction == AUTO_CONFIRMED:
            fact.auto_confirmed = True
    fact.reassignments = max(0, executor_records - 1)

    def holder_at(instant: dt.datetime) -> tuple[int, int | None]:
        """The group and executor in charge at `instant`."""
        group = _in_charge_at(records, instant, "group", ticket.group_id)
        return (group if group is not None else ticket.group_id), _in_charge_at(
            records, instant, "executor", ticket.executor_id
        )

    def holder(index: int) -> tuple[int, int | None]:
        """The group and executor in charge just before records[index]."""
        group = _in_charge_before(records, index, "group", ticket.group_id)
        return (group if group is not None else ticket.group_id), _in_charge_before(
            records, index, "executor", ticket.executor_id
        )

    now_holder = (ticket.group_id, ticket.executor_id)
    fact.received_group_id, fact.received_executor_id = holder(0) if records else now_holder
    if fact.received_executor_id is None:
        # Filed into the group's queue: received by whoever first became its executor.
        fact.received_executor_id = next(
            (
                _as_id(r.new)
                for r in records
                if r.event == ASSIGNMENT and r.field == "executor" and _as_id(r.new) is not None
            ),
            None,
        )
    if reacting is not None:
        group, executor = holder(reacting)
        # The person who reacted (taking a request reacts and becomes its executor at once).
        actor = records[reacting].actor
        fact.reaction_group_id, fact.reaction_executor_id = group, actor if actor is not None else executor
    else:
        fact.reaction_group_id, fact.reaction_executor_id = now_holder
    fact.resolution_group_id, fact.resolution_executor_id = now_holder
    if last_resolving is not None and ticket.point_kind in RESOLVED_KINDS:
        fact.resolved_at = records[last_resolving].at
        fact.resolution_group_id, fact.resolution_executor_id = holder(last_resolving)
    fact.first_resolution_group_id, fact.first_resolution_executor_id = (
        holder(first_resolving) if first_resolving is not None else now_holder
    )

    first = clocks.get(FIRST_REACTION)
    if first is not None:
        if first.state == MET:
            fact.first_reaction_met = True
            if fact.first_reaction_at is None and first.stopped_at is not None:
                # Met with no reaction record found (written before the reactions had kinds):
                # whoever was in charge when the clock stopped.
                fact.first_reaction_at = first.stopped_at
                fact.reaction_group_id, fact.reaction_executor_id = holder_at(first.stopped_at)
            fact.first_reaction_seconds = _seconds(first.used)
        elif first.state == BREACHED:
            fact.first_reaction_met = False
            fact.first_reaction_breached_at = first.breached_at
            if first.breached_at is not None:
                fact.reaction_breach_group_id, fact.reaction_breach_executor_id = holder_at(first.breached_at)
            if fact.first_reaction_at is not None and first.stopped_at is not None:
                fact.first_reaction_seconds = _seconds(first.used)

    resolution = clocks.get(RESOLUTION)
    if resolution is not None:
        if resolution.state == BREACHED:
            fact.resolution_breached_at = resolution.breached_at
            if resolution.breached_at is not None:
                fact.resolution_breach_group_id, fact.resolution_breach_executor_id = holder_at(resolution.breached_at)
        settled = resolution.state in (MET, BREACHED) and resolution.stopped_at is not None
        if fact.resolved_at is not None and settled:
            fact.resolution_met = resolution.state == MET
            fact.resolution_seconds = _seconds(resolution.used)

    fact.next_reactions = []
    for outcome in next_reaction_outcomes(records):
        group, executor = holder_at(outcome.at)
        fact.next_reactions.append(dataclasses.replace(outcome, group_id=group, executor_id=executor))
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
    """The counts one request adds to the days of its instants (the service's time zone), each under
    the group and executor its measure is attributed to (the module's docstring), its type and
    priority."""
    kinds = (fact.type_id, fact.priority_id)
    received = (fact.received_group_id, fact.received_executor_id or 0, *kinds)
    reaction = (fact.reaction_group_id, fact.reaction_executor_id or 0, *kinds)
    resolution = (fact.resolution_group_id, fact.resolution_executor_id or 0, *kinds)
    first_resolution = (fact.first_resolution_group_id, fact.first_resolution_executor_id or 0, *kinds)
    reaction_breach = (fact.reaction_breach_group_id, fact.reaction_breach_executor_id or 0, *kinds)
    resolution_breach = (fact.resolution_breach_group_id, fact.resolution_breach_executor_id or 0, *kinds)
    the_group = (fact.resolution_group_id, 0, *kinds)  # reassignments: the group's alone
    out: Counter[DayKey] = Counter()

    def add(instant: dt.datetime | None, dims: tuple[int, int, int, int], measure: str, n: int = 1) -> None:
        if instant is not None and n:
            out[(_day(instant, zone), *dims, measure)] += n

    add(fact.created_at, received, "received")
    add(fact.resolved_at, resolution, "resolved")
    if fact.resolution_met:
        add(fact.resolved_at, resolution, "res_met")
    if fact.reassignments:
        add(fact.resolved_at, the_group, "reassigned")
        add(fact.resolved_at, the_group, "reassignments", fact.reassignments)
    if fact.auto_confirmed:
        add(fact.resolved_at, resolution, "auto_confirmed")
    if fact.first_reaction_met:
        add(fact.first_reaction_at, reaction, "fr_met")
    add(fact.first_reaction_breached_at, reaction_breach, "fr_breached")
    add(fact.resolution_breached_at, resolution_breach, "res_breached")
    add(fact.first_resolved_at, first_resolution, "first_resolved")
    if fact.reopens:
        add(fact.first_resolved_at, first_resolution, "reopened")
    for outcome in fact.next_reactions:
        dims = (outcome.group_id, outcome.executor_id or 0, *kinds)
        add(outcome.at, dims, "nr_met" if outcome.met else "nr_breached")
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
