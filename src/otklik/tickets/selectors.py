"""Reads of requests: keyset-paginated lists and the per-stage log, each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from datetime import datetime
from operator import itemgetter

from django.db import connection
from django.db.models import Q, QuerySet

from otklik.accounts.directory import directory
from otklik.accounts.models import SupportGroup, User
from otklik.catalog.models import Category, Priority, RequestType
from otklik.catalog.reference import reference
from otklik.core.clock import now
from otklik.core.paging import after, page
from otklik.core.refs import as_id
from otklik.core.snapshot import KeyedCache
from otklik.core.text import clean_text
from otklik.routes.kinds import EXECUTOR_REACTION_PREFIX
from otklik.routes.models import PointKind, RoutePoint

from .access import may_see_rating, visible_tickets
from .kept import counts_ttl, kept_count
from .kinds import SUPPORT_ROLES
from .models import Event, LogRecord, Ticket

# What a list row shows: the ticket's own columns only. Reference rows come from the snapshot
# and names from the people cache, so the query joins nothing.
LIST_COLUMNS = (
    "id",
    "number",
    "request_type_id",
    "point_id",
    "is_open",
    "subject",
    "initiator_id",
    "executor_id",
    "group_id",
    "priority_id",
    "category_id",
    "version",
    "created_at",
    "updated_at",
    "sla_due_at",
    "sla_breached",
)
OPEN_STATES = {"open": True, "closed": False}
SEARCH_LIMIT = 200  # characters of a search text
# The route points where the next move is the initiator's: answer the question, or confirm or
# reject the resolution.
INITIATOR_TURN = frozenset({PointKind.WAITING, PointKind.RESOLVED})


@dataclass(frozen=True)
class TicketFilters:
    state: str | None = None  # open | closed | a point kind | a point code
    type: str | None = None
    executor: str | None = None  # a username, an id, "me" or "none"
    group: str | None = None
    mine: bool = False
    breached: bool | None = None  # a target missed (recorded, or its deadline passed)
    at_risk: bool | None = None  # past a warning threshold, nothing missed yet
    initiator: str | None = None
    priority: str | None = None
    q: str | None = None


def _user_filter(value: str, me: User) -> Q | None:
    text = value.strip()
    if text == "me":
        return Q(pk=me.pk)
    user_id = as_id(text)
    return Q(pk=user_id) if user_id is not None else Q(username=text)


def _id_or_none(by_code: dict, code: str) -> int:
    """The id for a code; an unknown code matches nothing (id 0 never exists)."""
    obj = by_code.get(code.strip())
    return obj.pk if obj is not None else 0


def breached_q(moment: dt.datetime) -> Q:
    """Past a deadline at `moment`, recorded or not yet (a late worker has not fired it)."""
    return Q(sla_breached=True) | Q(sla_due_at__lte=moment)


def at_risk_q(moment: dt.datetime) -> Q:
    """Past a warning threshold at `moment`, nothing missed yet."""
    return Q(sla_warn_at__lte=moment, sla_due_at__gt=moment, sla_breached=False)


def filtered_tickets(user: User, f: TicketFilters, *, visible: bool = False) -> QuerySet[Ticket]:
    """The requests `user` may see that match `f`. `visible`: the caller limits the list to requests
    it knows `user` may see (their own as executor, access.sees_what_they_execute), so the
    visibility filter is left out: with it, PostgreSQL's planner chose a backward walk of the whole
    table over the executor's index."""
    ref = reference()
    qs = Ticket.objects.all() if visible else visible_tickets(user, Ticket.objects.all())
    if f.state:
        state = f.state.strip()
        if state in OPEN_STATES:
            qs = qs.filter(is_open=OPEN_STATES[state])
        else:
            by_kind = state in set(PointKind)
            point_ids = [p.pk for p in ref.points.values() if (p.kind if by_kind else p.code) == state]
            qs = qs.filter(point_id__in=point_ids)
    if f.type:
        qs = qs.filter(request_type_id=_id_or_none(ref.types_by_code, f.type))
    if f.group:
        qs = qs.filter(group_id=_id_or_none(directory().groups_by_code, f.group))
    if f.priority:
        qs = qs.filter(priority_id=_id_or_none(ref.priorities_by_code, f.priority))
    if f.executor:
        if f.executor.strip() == "none":
            qs = qs.filter(executor__isnull=True)
        else:
            ids = User.objects.filter(_user_filter(f.executor, user)).values("pk")
            qs = qs.filter(executor_id__in=ids)
    if f.initiator:
        qs = qs.filter(initiator_id__in=User.objects.filter(_user_filter(f.initiator, user)).values("pk"))
    if f.mine:
        qs = qs.filter(Q(initiator_id=user.pk) | Q(executor_id=user.pk))
    if f.breached is not None or f.at_risk is not None:
        # Straight from the request's own SLA columns (indexed): no per-row clock arithmetic.
        moment = now()
        breached = breached_q(moment)
        if f.breached is not None:
            qs = qs.filter(breached) if f.breached else qs.exclude(breached)
        if f.at_risk is not None:
            risky = at_risk_q(moment)
            qs = qs.filter(risky) if f.at_risk else qs.exclude(risky)
    if f.q:
        detail = f"the search text is longer than {SEARCH_LIMIT} characters"
        text = clean_text(f.q, field="q", limit=SEARCH_LIMIT, detail=detail, message="too long")
        if text:
            folded = text.casefold()
            if connection.vendor == "postgresql" and not _has_trigram(folded):
                # Nothing for the trigram index to look up: the matching ids come from the narrow
                # index of ids and search texts (migration 0007) in id order, so the newest are
                # found without reading every request's whole row. No number can match such a
                # text: every number holds a run of six digits. (LIKE, not strpos, though strpos
                # reads a text faster: the planner estimates LIKE from the column's statistics and
                # strpos at a third of the rows, and chose worse plans for the page with it.)
                qs = qs.filter(pk__in=Ticket.objects.filter(search__contains=folded).values("pk"))
            else:
                qs = qs.filter(Q(number=text.upper()) | Q(search__contains=folded))
    return qs


def _has_trigram(text: str) -> bool:
    """Whether a substring search for `text` gives PostgreSQL's trigram index something to look up:
    three letters or digits in a row (pg_trgm takes its trigrams from such runs)."""
    run = 0
    for char in text:
        run = run + 1 if char.isalnum() else 0
        if run == 3:
            return True
    return False


@dataclass(frozen=True)
class TicketRow:
    """A list row: the ticket's own columns with its reference rows resolved (no model
    instances: building 26 of them was the largest cost of a list page)."""

    pk: int
    number: str
    request_type: RequestType
    point: RoutePoint
    is_open: bool
    subject: str
    initiator_id: int
    executor_id: int | None
    group: SupportGroup
    priority: Priority
    category: Category | None
    version: int
    created_at: datetime
    updated_at: datetime
    sla_due_at: datetime | None
    sla_breached: bool


# One row of LIST_COLUMNS, in that order.
ListValues = tuple[
    int, str, int, int, bool, str, int, int | None, int, int, int | None, int, datetime, datetime, datetime | None, bool
]


def ticket_row(values: ListValues) -> TicketRow:
    """A list row from the LIST_COLUMNS of one ticket (in that order): every list's one builder."""
    ref = reference()
    (pk, number, type_id, point_id, is_open, subject, initiator_id, executor_id, group_id, priority_id, category_id,
     version, created_at, updated_at, sla_due_at, sla_breached) = values  # fmt: skip
    return TicketRow(
        pk=pk,
        number=number,
        request_type=ref.types[type_id],
        point=ref.points[point_id],
        is_open=is_open,
        subject=subject,
        initiator_id=initiator_id,
        executor_id=executor_id,
        group=directory().groups[group_id],
        priority=ref.priorities[priority_id],
        category=ref.categories.get(category_id) if category_id else None,
        version=version,
        created_at=created_at,
        updated_at=updated_at,
        sla_due_at=sla_due_at,
        sla_breached=sla_breached,
    )


def ticket_list_for(
    user: User, filters: TicketFilters, *, cursor: str | None = None, limit: int = 25
) -> tuple[list[TicketRow], str | None]:
    """Newest first; `next_cursor` is None on the last page. One query per page (two for the
    missed targets)."""
    if filters.breached:
        return page(_breached_rows(user, filters, cursor, limit), limit)
    qs = after(filtered_tickets(user, filters), cursor)
    rows = [ticket_row(values) for values in qs.values_list(*LIST_COLUMNS)[: limit + 1]]
    return page(rows, limit)


def _breached_rows(user: User, filters: TicketFilters, cursor: str | None, limit: int) -> list[TicketRow]:
    """The newest `limit` + 1 requests past a deadline (breached_q), read as its two disjoint
    halves, each off an index of its own: those recorded as breached (newest first off
    ticket_breached_id) and those whose deadline passed before the timer recorded it (a few, off
    ticket_sla_due). As one OR, PostgreSQL walked every request backwards by id and, where the
    newest requests were on time (as in a healthy service), read all of them to find the late ones:
    30 ms at 170,000 requests, more as the service grows."""
    base = filtered_tickets(user, replace(filters, breached=None))
    recorded = after(base.filter(sla_breached=True), cursor)
    unrecorded = after(base.filter(sla_breached=False, sla_due_at__lte=now()), cursor)
    found = [*recorded.values_list(*LIST_COLUMNS)[: limit + 1], *unrecorded.values_list(*LIST_COLUMNS)[: limit + 1]]
    found.sort(key=itemgetter(LIST_COLUMNS.index("id")), reverse=True)  # newest first
    return [ticket_row(values) for values in found[: limit + 1]]


_awaiting: KeyedCache[tuple[int, int], int] = KeyedCache("tickets.awaiting_initiator", ttl=counts_ttl, most=10_000)


def awaiting_initiator_count(user: User) -> int:
    """How many of the person's own requests wait for their reaction, kept while no request
    changes (tickets.kept): counting reads every request the person filed at those points, 1–2 ms
    for someone with thousands. Everyone sees the requests they filed (access.visible_tickets_q),
    so no visibility filter is needed."""
    point_ids = [p.pk for p in reference().points.values() if p.kind in INITIATOR_TURN]
    if not point_ids:
        return 0

    def count() -> int:
        return Ticket.objects.filter(initiator_id=user.pk, point_id__in=point_ids).order_by().count()

    return kept_count(_awaiting, user.pk, count) or 0


def ticket_activity(user: User, ticket: Ticket) -> list[LogRecord]:
    """The per-stage log in the order things happened (a breach at its deadline, however late the
    timer worker recorded it), then as written; internal notes only for support staff; the rating and the
    complaints' steps only between the initiator and the staff in charge (`may_see_rating`): a
    watcher or an organisation's reader learns of neither."""
    qs = activity_records(ticket.pk, user.is_support_staff, may_see_rating(user, ticket))
    return list(qs.select_related("actor", "point", "to_point", "transition"))


def activity_records(ticket_id: int, internal: bool, rating: bool) -> QuerySet[LogRecord]:
    """The log records of `ticket_activity`: with the internal ones or not, with the rating and the
    complaints' steps or not (one shape for the API's joined read and the page's compiled one)."""
    qs = LogRecord.objects.filter(ticket_id=ticket_id)
    if not internal:
        qs = qs.filter(internal=False)
    if not rating:
        qs = qs.exclude(event__in=(Event.FEEDBACK, Event.COMPLAINT))
    return qs.order_by("created_at", "id")


def support_reactions(records: QuerySet[LogRecord]) -> QuerySet[LogRecord]:
    """The records among these in which support reacted (tickets.kinds.is_support_reaction, in SQL)."""
    return records.filter(reaction__startswith=EXECUTOR_REACTION_PREFIX, actor_role__in=sorted(SUPPORT_ROLES))


def first_executor_reaction(ticket: Ticket) -> LogRecord | None:
    """Support's first reaction (accepting, replying publicly, resolving, …): the first record in
    which support reacted. Feeds the SLA's first-reaction target."""
    return support_reactions(LogRecord.objects.filter(ticket=ticket)).order_by("id").first()


def initiator_reactions_by_stage(ticket: Ticket) -> dict[int, list[LogRecord]]:
    """Each route point's initiator reactions (confirmations, rejections, replies), in order."""
    out: dict[int, list[LogRecord]] = {}
    for r in LogRecord.objects.filter(ticket=ticket, actor_role="initiator").exclude(reaction="").order_by("id"):
        out.setdefault(r.point_id, []).append(r)
    return out
