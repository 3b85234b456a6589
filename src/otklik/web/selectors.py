"""Reads for the agent's workspace and the supervisor's dashboard, each in a fixed number of queries.

Every list starts from the API's own filtered query (tickets.selectors._filtered, which applies
tickets.access.visible_tickets), so a page never shows a request the API would not list. The
workspace adds what the API's list lacks: sort orders other than newest first (keyset cursors over
(sort value, id), never OFFSET), the queues' own conditions and each row's SLA badge.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.text import capfirst

from otklik.accounts.directory import directory
from otklik.accounts.models import SupportGroup, User
from otklik.accounts.people import Person, people
from otklik.accounts.selectors import memberships_of
from otklik.catalog.reference import Reference, reference
from otklik.core.clock import now
from otklik.core.paging import BadCursor
from otklik.core.prepared import Prepared
from otklik.core.snapshot import KeyedCache
from otklik.routes.models import PointKind, RoutePoint
from otklik.sla import clockmath as cm
from otklik.sla.models import Clock, Metric
from otklik.sla.reference import sla_reference
from otklik.tickets.access import sees_what_they_execute, visible_tickets
from otklik.tickets.kept import counts_ttl, kept_count
from otklik.tickets.models import LogRecord, SlaEvent, Ticket
from otklik.tickets.selectors import (
    LIST_COLUMNS,
    TicketFilters,
    TicketRow,
    at_risk_q,
    breached_q,
    filtered_tickets,
    ticket_row,
)

from .badges import Badge, sla_badge

QUEUES = ("mine", "unassigned", "waiting", "awaiting", "at_risk", "breached", "all")
EXECUTOR_TURN = frozenset({PointKind.NEW, PointKind.IN_WORK})
# A state of the workspace's filter (besides the API's): open, but not resolved and awaiting the
# initiator's confirmation. "My work" shows these by default; the resolved ones have their queue.
ACTIVE = "active"
SORT_KEYS = ("number", "priority", "due", "updated")
# Clicking a column sorts it the useful way first: newest, most urgent, soonest due, latest change.
SORT_DEFAULT_DESC = {"number": True, "priority": False, "due": False, "updated": True}
MAX_OFFSET = 10**9  # a cursor's count of the rows before its page


# --- the queues ---------------------------------------------------------------------------


def my_groups(user: User) -> frozenset[int]:
    """The groups whose unassigned requests are this person's to pick up. A manager in no group
    answers for all of them."""
    groups = memberships_of(user).groups
    if not groups and user.is_manager:
        return frozenset(g.pk for g in directory().groups.values() if g.is_active)
    return groups


def points_of_kinds(ref: Reference, kinds: Iterable[str]) -> list[int]:
    wanted = set(kinds)
    return sorted(p.pk for p in ref.points.values() if p.kind in wanted)


def point_by_state(ref: Reference, state: str) -> int | None:
    """A route point named "route:point" (the dashboard's by-point figures link to one point,
    which a bare point code cannot: "new" is every route's first point and a kind as well)."""
    route_code, _sep, point_code = state.partition(":")
    for p in ref.points.values():
        if p.code == point_code and p.route.code == route_code:
            return p.pk
    return None


def breach_since(which: str, moment: dt.datetime) -> dt.datetime:
    """The start of today in the service's time zone, or the moment seven days ago ("7d")."""
    if which == "7d":
        return moment - dt.timedelta(days=7)
    tz = timezone.get_default_timezone()
    day = timezone.localtime(moment, tz).date()
    return dt.datetime(day.year, day.month, day.day, tzinfo=tz)


def breach_records(since: dt.datetime) -> QuerySet[LogRecord]:
    # SLA ledger records are the system's (no actor): the (actor, created_at) index finds them.
    return LogRecord.objects.filter(actor__isnull=True, sla_event=SlaEvent.BREACHED, created_at__gte=since)


@dataclass(frozen=True)
class QueueQuery:
    """What a queue page asks for, already checked: the queue, the form's filters and the sort."""

    queue: str = "mine"
    q: str = ""
    type: str = ""
    priority: str = ""
    group: str = ""
    state: str = ""  # "" = the queue's own default; "any", open, closed, a kind, a point code, route:point
    executor: str = ""
    breach: str = ""  # today | 7d: requests with a breach recorded since the start of today, in 7 days
    sort: str = "-number"


def queue_default_state(queue: str) -> str:
    return {"all": "any", "mine": ACTIVE}.get(queue, "open")


# The queues queue_condition limits to the person's own requests as executor.
EXECUTOR_QUEUES = frozenset({"mine", "waiting", "awaiting"})


def queue_condition(user: User, queue: str, ref: Reference, moment: dt.datetime) -> Q:
    """What puts a request in a queue, besides its state and the form's filters."""
    if queue == "mine":
        return Q(executor_id=user.pk)
    if queue == "unassigned":
        return Q(executor__isnull=True, group_id__in=sorted(my_groups(user)) or [0])
    if queue == "waiting":
        # The request waits for its executor, not for the initiator's answer or confirmation.
        return Q(executor_id=user.pk, point_id__in=points_of_kinds(ref, EXECUTOR_TURN) or [0])
    if queue == "awaiting":
        # Resolved by me, awaiting the initiator's confirmation (or the automatic one).
        return Q(executor_id=user.pk, point_id__in=points_of_kinds(ref, [PointKind.RESOLVED]) or [0])
    if queue == "at_risk":
        return at_risk_q(moment)
    if queue == "breached":
        return breached_q(moment)
    return Q()


# The counts beside the queues' names, kept per person while no request changes (tickets.kept).
_counts: KeyedCache[tuple[int, int], dict[str, int]] = KeyedCache("web.queue_counts", ttl=counts_ttl, most=10_000)
# "All visible" as it opens, kept the same way once someone opens it (it is not among the counts
# beside the names: closed requests too, no index of the open ones counts it, ~50 ms at 100,000).
_all_counts: KeyedCache[tuple[int, int], int] = KeyedCache("web.queue_all_count", ttl=counts_ttl, most=10_000)


def queue_counts(user: User, *, moment: dt.datetime | None = None) -> dict[str, int]:
    """How many requests each work queue holds as it opens (its default state, no filters): one
    query over the open requests `user` may see, reading only columns the partial index
    `ticket_open_cover` holds (an index-only scan on PostgreSQL), kept as said above (unless
    `moment` asks for another time). "All visible" is not counted: it lists closed requests too,
    which no index of the open ones can count."""
    if moment is not None:
        return _count_queues(user, moment)
    counted = kept_count(_counts, user.pk, lambda: _count_queues(user, now()))
    return dict(counted or {})


def _count_queues(user: User, moment: dt.datetime) -> dict[str, int]:
    ref = reference()
    not_resolved = ~Q(point_id__in=points_of_kinds(ref, [PointKind.RESOLVED]) or [0])
    counted: dict[str, Q] = {
        q: queue_condition(user, q, ref, moment) & (not_resolved if queue_default_state(q) == ACTIVE else Q())
        for q in QUEUES
        if q != "all"
    }
    qs = visible_tickets(user, Ticket.objects.filter(is_open=True)).order_by()
    found = qs.aggregate(**{q: Count("pk", filter=cond) for q, cond in counted.items()})
    return {q: int(found[q] or 0) for q in counted}


def queue_queryset(user: User, query: QueueQuery, *, moment: dt.datetime | None = None) -> QuerySet[Ticket]:
    """The requests of the queue with the filters, visible to `user` (the API's own rules)."""
    ref = reference()
    moment = moment or now()
    state = query.state or queue_default_state(query.queue)
    point_id = point_by_state(ref, state) if ":" in state else None
    filters = TicketFilters(
        state=None if state == "any" or ":" in state else "open" if state == ACTIVE else state,
        type=query.type or None,
        group=query.group or None,
        priority=query.priority or None,
        executor=query.executor or None,
        q=query.q or None,
    )
    # The queues of one's own requests as executor are visible by the access rules themselves.
    own = query.queue in EXECUTOR_QUEUES and sees_what_they_execute(user)
    qs = filtered_tickets(user, filters, visible=own).filter(queue_condition(user, query.queue, ref, moment))
    if ":" in state:
        qs = qs.filter(point_id=point_id or 0)
    if state == ACTIVE:
        qs = qs.exclude(point_id__in=points_of_kinds(ref, [PointKind.RESOLVED]))
    if query.breach in ("today", "7d"):
        qs = qs.filter(pk__in=breach_records(breach_since(query.breach, moment)).values("ticket_id"))
    return qs


def queue_unfiltered(query: QueueQuery) -> bool:
    """Whether the list is the queue as it opens (what queue_counts counts), its filters unused."""
    return _as_it_opens(query) and query.queue != "all"


def _as_it_opens(query: QueueQuery) -> bool:
    filters = (query.q, query.type, query.priority, query.group, query.executor, query.breach)
    state = query.state or queue_default_state(query.queue)
    return not any(filters) and state == queue_default_state(query.queue)


# --- sorting and keyset cursors -----------------------------------------------------------------


@dataclass(frozen=True)
class Sort:
    key: str = "number"
    descending: bool = True

    @classmethod
    def parse(cls, value: str | None) -> Sort:
        text = (value or "").strip()
        key = text.lstrip("-")
        if key not in SORT_KEYS:
            return cls()
        return cls(key, text.startswith("-"))

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.descending else self.key

    def toggled(self, key: str) -> Sort:
        """The order a click on column `key` asks for: the other way round when it is the current
        column, else that column's useful way."""
        if key == self.key:
            return Sort(key, not self.descending)
        return Sort(key, SORT_DEFAULT_DESC[key])


def _sort_column(sort: Sort) -> str:
    """The column a sort orders by."""
    # Numbers run per type (ERR-…, REQ-…): the filing order (id) is their order within each type
    # and the one order across types that an index serves.
    return {"number": "pk", "priority": "priority_id", "due": "sla_due_at", "updated": "updated_at"}[sort.key]


def _sort_value(sort: Sort, row: TicketRow) -> int | dt.datetime | None:
    if sort.key == "number":
        return row.pk
    if sort.key == "priority":
        return row.priority.rank
    return row.sla_due_at if sort.key == "due" else row.updated_at


def _segment(sort: Sort, row: TicketRow) -> int:
    """By deadline, which part of the order a row is in: 0 breached, 1 with a deadline, 2 none."""
    if sort.key != "due":
        return 0
    return 0 if row.sla_breached else 1 if row.sla_due_at is not None else 2


def encode_cursor(sort: Sort, row: TicketRow, *, offset: int = 0) -> str:
    """The cursor of the page after `row`; `offset`: how many rows come before that page (its
    "26–50 of 312")."""
    segment = _segment(sort, row)
    # By deadline, the breached and the undated requests run in filing order: only the id counts.
    value = None if sort.key == "due" and segment != 1 else _sort_value(sort, row)
    payload = {
        "s": sort.param,
        "v": value.isoformat() if isinstance(value, dt.datetime) else value,
        "id": row.pk,
        "g": segment,
        "n": offset,
    }
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@dataclass(frozen=True)
class Cursor:
    value: int | dt.datetime | None  # of the last row seen: a rank, an instant, or none (no deadline)
    last_id: int
    segment: int = 0  # by deadline: breached (0), with a deadline (1), without (2)
    offset: int = 0  # the rows before the page


def decode_cursor(sort: Sort, cursor: str) -> Cursor:
    """The last row seen: a rank for the priority order, an instant for the deadline (None: breached
    or none) and the last change. A cursor of another sort order is refused."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        last_id, value = data["id"], data["v"]
        segment, offset = data.get("g", 0), data.get("n", 0)
        if data["s"] != sort.param or not isinstance(last_id, int) or last_id < 0:
            raise ValueError
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (segment, offset)):
            raise ValueError
        if segment not in (0, 1, 2) or (segment and sort.key != "due") or not 0 <= offset <= MAX_OFFSET:
            raise ValueError
        if sort.key == "updated" or (sort.key == "due" and segment == 1):
            value = dt.datetime.fromisoformat(value)
            if timezone.is_naive(value):
                raise ValueError
        elif sort.key == "due":
            if value is not None:
                raise ValueError
        elif not isinstance(value, int) or isinstance(value, bool):
            raise ValueError
        return Cursor(value, last_id, segment, offset)
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError, json.JSONDecodeError):
        raise BadCursor(f"cursor {cursor!r} is not one this page gave out") from None


def _segments(qs: QuerySet[Ticket], sort: Sort, ref: Reference, cursor: str | None) -> list[QuerySet[Ticket]]:
    """The ordered queries a page reads from, in turn, past the cursor. Each walks an index rather
    than sorting every matching request: by priority, one query per rank (a handful) in id order;
    by deadline, the breached requests first (their partial index), then those with a deadline (the
    partial index on it), then those with none, by id."""
    column = _sort_column(sort)
    op = "lt" if sort.descending else "gt"
    by_id = "-pk" if sort.descending else "pk"
    c = decode_cursor(sort, cursor) if cursor else None
    if column == "pk":
        return [(qs.filter(**{f"pk__{op}": c.last_id}) if c else qs).order_by(by_id)]
    if sort.key == "priority":
        ranks: dict[int, list[int]] = {}
        for pk, priority in ref.priorities.items():
            ranks.setdefault(priority.rank, []).append(pk)
        out = []
        for rank in sorted(ranks, reverse=sort.descending):
            part = qs.filter(priority_id__in=sorted(ranks[rank]))
            if c and rank == c.value:
                part = part.filter(**{f"pk__{op}": c.last_id})
            elif c and isinstance(c.value, int) and (rank < c.value if not sort.descending else rank > c.value):
                continue  # pages already shown
            out.append(part.order_by(by_id))
        return out
    ordered = F(column).desc() if sort.descending else F(column).asc()
    if sort.key != "due":
        after = Q(**{f"{column}__{op}": c.value}) | Q(**{column: c.value, f"pk__{op}": c.last_id}) if c else Q()
        return [qs.filter(after).order_by(ordered, by_id)]
    # Soonest first: breached, then by deadline, then none; latest first: the other way round, the
    # breached last.
    parts = {
        0: qs.filter(sla_breached=True).order_by(by_id),
        1: qs.filter(sla_breached=False, sla_due_at__isnull=False).order_by(ordered, by_id),
        2: qs.filter(sla_breached=False, sla_due_at__isnull=True).order_by(by_id),
    }
    out = []
    for segment in (1, 2, 0) if sort.descending else (0, 1, 2):
        part = parts[segment]
        if c and segment == c.segment:
            if segment == 1:
                after = Q(**{f"{column}__{op}": c.value}) | Q(**{column: c.value, f"pk__{op}": c.last_id})
            else:
                after = Q(**{f"pk__{op}": c.last_id})
            out = [part.filter(after)]  # the parts before the cursor's are shown already
        else:
            out.append(part)
    return out


@dataclass
class QueueRow:
    ticket: TicketRow
    executor: Person | None
    badge: Badge | None


@dataclass
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None
    moment: dt.datetime
    offset: int = 0  # the rows before this page
    total: int = 0  # the rows of the whole list

    @property
    def first(self) -> int:
        return self.offset + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.offset + len(self.rows)


def queue_page(
    user: User,
    query: QueueQuery,
    *,
    cursor: str | None = None,
    limit: int = 25,
    moment: dt.datetime | None = None,
    counts: dict[str, int] | None = None,
) -> QueuePage:
    """One page of a queue: one query for the requests (two or three at the turns of the deadline's
    order), one for their clocks, at most one for the executors' names (cached), and one counting
    the list, unless `counts` (queue_counts) has counted it already (the queue as it opens) or the
    first page holds the whole list."""
    ref = reference()
    moment = moment or now()
    sort = Sort.parse(query.sort)
    offset = decode_cursor(sort, cursor).offset if cursor else 0
    qs = queue_queryset(user, query, moment=moment)
    tickets: list[TicketRow] = []
    for part in _segments(qs, sort, ref, cursor):
        wanted = limit + 1 - len(tickets)  # one more than a page: is there a next one?
        tickets += [ticket_row(values) for values in part.values_list(*LIST_COLUMNS)[:wanted]]
        if len(tickets) > limit:
            break
    next_cursor = encode_cursor(sort, tickets[limit - 1], offset=offset + limit) if len(tickets) > limit else None
    tickets = tickets[:limit]
    if counts is not None and query.queue in counts and queue_unfiltered(query):
        total = counts[query.queue]
    elif not cursor and next_cursor is None:
        # The whole list is on this page: counting it again would read it all a second time (a
        # search with no trigram to look up scans every request's text once per statement).
        total = len(tickets)
    elif counts is not None and query.queue == "all" and _as_it_opens(query):
        total = kept_count(_all_counts, user.pk, lambda: qs.order_by().count()) or 0
    else:
        total = qs.order_by().count()
    # The list may have changed since the previous page: the page's own rows are never out of range.
    total = max(total, offset + len(tickets) + (1 if next_cursor else 0))
    names = people(t.executor_id for t in tickets)
    badges = sla_badges(tickets, moment)
    rows = [QueueRow(t, names.get(t.executor_id) if t.executor_id else None, badges.get(t.pk)) for t in tickets]
    return QueuePage(rows, next_cursor, moment, offset, total)


# What a badge reads of a clock (badges.sla_badge and clockmath's left_at, used_at and state_at).
_BADGE_COLUMNS = (
    "ticket_id",
    "calendar_id",
    "metric",
    "target",
    "warning_percent",
    "state",
    "started_at",
    "used",
    "running_since",
    "due_at",
    "warn_at",
    "stopped_at",
)


_BADGE_STATES = (cm.RUNNING, cm.PAUSED, cm.BREACHED)
_badge_reads: dict[int, Prepared[Clock]] = {}


def _badge_clocks(count: int) -> Prepared[Clock]:
    """The badges' read of `count` requests' clocks, compiled once per count (a page has at most
    a page's worth of requests)."""
    found = _badge_reads.get(count)
    if found is None:

        def build(*ids: int) -> QuerySet[Clock, tuple[Any, ...]]:
            # No ordering: the model's own ("ticket", "id") would join the requests' table for nothing.
            clocks = Clock.objects.filter(ticket_id__in=ids, state__in=_BADGE_STATES).order_by()
            return clocks.values_list(*_BADGE_COLUMNS)

        found = _badge_reads.setdefault(count, Prepared(build, *(int,) * count))
    return found


def sla_badges(tickets: list[TicketRow], moment: dt.datetime) -> dict[int, Badge | None]:
    """Each request's badge from its clocks: one query for the page, the arithmetic in memory with
    the calendars of the SLA snapshot (as the API's detail computes its targets)."""
    if not tickets:
        return {}
    sref = sla_reference()
    clocks: dict[int, list[tuple[str, cm.ClockData, cm.Calendar]]] = {}
    names: dict[str, str] = {}  # each target's name, translated once per page
    # A closed request owes nothing more: only a missed target is still worth saying.
    open_ids = [t.pk for t in tickets if t.is_open]
    # The columns a badge reads, as tuples: a model instance per clock (two or three per row) and
    # the timestamps no badge looks at cost more than the query.
    found = _badge_clocks(len(open_ids)).values(*open_ids) if open_ids else []
    for ticket_id, calendar_id, metric, target, warning, state, started, used, since, due, warn, stopped in found:
        if metric not in names:
            names[metric] = capfirst(str(Metric(metric).label)) if metric in Metric.values else metric
        data = cm.ClockData(
            metric=metric,
            target=target,
            warning_percent=warning,
            state=state,
            started_at=started,
            used=used,
            running_since=since,
            due_at=due,
            warn_at=warn,
            stopped_at=stopped,
        )
        clocks.setdefault(ticket_id, []).append((names[metric], data, sref.calendar(calendar_id)))
    return {t.pk: sla_badge(clocks.get(t.pk, []), breached=t.sla_breached, moment=moment) for t in tickets}


# --- the dashboard --------------------------------------------------------------------------------


@dataclass
class Tally:
    open: int = 0  # not closed nor resolved (the resolved are `awaiting`)
    at_risk: int = 0
    breached: int = 0
    unassigned: int = 0
    awaiting: int = 0  # resolved, awaiting the initiator's confirmation

    def add(self, other: Tally) -> None:
        self.open += other.open
        self.at_risk += other.at_risk
        self.breached += other.breached
        self.unassigned += other.unassigned
        self.awaiting += other.awaiting


@dataclass
class Figures:
    moment: dt.datetime
    total: Tally = field(default_factory=Tally)
    by_point: list[tuple[RoutePoint, Tally]] = field(default_factory=list)
    by_group: list[tuple[SupportGroup, Tally]] = field(default_factory=list)
    agents: list[tuple[Person, Tally]] = field(default_factory=list)
    breaches_today: int = 0
    breaches_7d: int = 0


def open_cells(user: User, moment: dt.datetime) -> QuerySet[Ticket, tuple[int, int, int | None, int, int, int]]:
    """(point, group, executor, open, at risk, breached) over the open requests `user` may see. It
    reads only what the partial index `ticket_open_cover` holds, so PostgreSQL answers it with an
    index-only scan instead of reading every open request's whole row."""
    return (
        visible_tickets(user, Ticket.objects.filter(is_open=True))
        .order_by()
        .values_list("point_id", "group_id", "executor_id")
        .annotate(
            n=Count("pk"),
            risky=Count("pk", filter=at_risk_q(moment)),
            late=Count("pk", filter=breached_q(moment)),
        )
    )


def dashboard_figures(user: User, *, moment: dt.datetime | None = None) -> Figures:
    """Open requests by point, group and executor, at risk and breached now, and the breaches
    recorded today and in the last 7 days, over the requests `user` may see. The resolved requests
    awaiting confirmation are counted apart from the open ones, by point too (a resolved point's
    requests are its `awaiting`, none `open`): every breakdown adds up to the totals. Three queries,
    whatever the number of requests (people's names come from their cache)."""
    ref = reference()
    moment = moment or now()
    figures = Figures(moment)
    cells = open_cells(user, moment)
    by_point: dict[int, Tally] = {}
    by_group: dict[int, Tally] = {}
    by_agent: dict[int, Tally] = {}
    resolved = set(points_of_kinds(ref, [PointKind.RESOLVED]))
    for point_id, group_id, executor_id, n, risky, late in cells:
        awaiting = n if point_id in resolved else 0
        tally = Tally(n - awaiting, risky, late, 0 if executor_id else n, awaiting)
        by_point.setdefault(point_id, Tally()).add(tally)
        figures.total.add(tally)
        by_group.setdefault(group_id, Tally()).add(tally)
        if executor_id:
            by_agent.setdefault(executor_id, Tally()).add(tally)
    # Every group and agent in the supervisor's care is listed, idle ones too.
    known = directory().groups
    groups = {g.pk for g in known.values() if g.is_active} if user.is_manager else set(memberships_of(user).groups)
    for group_id in groups:
        by_group.setdefault(group_id, Tally())
    for user_id, mem in directory().memberships.items():
        if mem.groups & groups:
            by_agent.setdefault(user_id, Tally())
    figures.by_point = sorted(
        ((ref.points[pk], t) for pk, t in by_point.items() if pk in ref.points),
        key=lambda item: (item[0].route.code, item[0].order, item[0].pk),
    )
    figures.by_group = sorted(
        ((known[pk], t) for pk, t in by_group.items() if pk in known), key=lambda item: item[0].code
    )
    names = people(by_agent)
    figures.agents = sorted(
        ((names[pk], t) for pk, t in by_agent.items() if pk in names and names[pk].is_support_staff),
        key=lambda item: (-item[1].open, item[0].display_name),
    )
    today, week = breach_since("today", moment), breach_since("7d", moment)
    records = breach_records(week)  # today's are among them
    if not user.is_manager:
        records = records.filter(ticket_id__in=visible_tickets(user).values("pk"))
    counts = records.aggregate(
        week=Count("pk", filter=Q(created_at__gte=week)), today=Count("pk", filter=Q(created_at__gte=today))
    )
    figures.breaches_today, figures.breaches_7d = counts["today"], counts["week"]
    return figures
