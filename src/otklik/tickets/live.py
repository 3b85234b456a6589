"""What an open request page watches: a mark of the changes to the request that its viewer may see
and did not make themselves. The page is rendered with its mark; the live stream sends the mark again
whenever it moves, and the page says the request changed when the stream's mark is ahead of its own.

A mark is (how many such log records, the highest id among them). Records are never deleted, so a
new one moves the count even when it commits after a record with a higher id; comparing both parts
needs no clock and no assumption about the order of commits. The viewer's own records are left out
(their own change must not tell them that the request changed), and so are the SLA ledger's (the
clocks are not a change someone made). Visibility follows `ticket_activity`: internal records for
support staff only, the rating and the complaints only for those who may see the rating.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.db.models import Count, Max

from otklik.accounts.models import User
from otklik.core.errors import NotFound
from otklik.core.textguard import has_unstorable
from otklik.tickets.access import access_ticket, may_see_each, may_see_rating
from otklik.tickets.models import Event, LogRecord, Ticket

Mark = tuple[int, int]  # (records, highest id)
RATING_EVENTS = frozenset({Event.FEEDBACK, Event.COMPLAINT})


@dataclass(frozen=True)
class Viewer:
    """Someone looking at a request: what of its log they may see."""

    user_id: int
    ticket_id: int
    number: str
    staff: bool  # internal records too
    rating: bool  # the rating and the complaints too


def viewer(user: User, ticket: Ticket) -> Viewer:
    return Viewer(
        user_id=user.pk,
        ticket_id=ticket.pk,
        number=ticket.number,
        staff=user.is_support_staff,
        rating=may_see_rating(user, ticket),
    )


def watch_for(user: User, ref: str) -> Viewer | None:
    """The viewer of the request `ref` (a number or an id) if this person may see it; None otherwise,
    exactly as if the request did not exist."""
    if not ref or len(ref) > 40 or has_unstorable(ref):  # a NUL would be a 500 on PostgreSQL
        return None
    try:
        return viewer(user, access_ticket(user, ref))
    except NotFound:
        return None


def marks(viewers: Collection[Viewer]) -> dict[Viewer, Mark]:
    """Each viewer's mark, in one query for all their requests."""
    if not viewers:
        return {}
    rows = (
        LogRecord.objects.filter(ticket_id__in={v.ticket_id for v in viewers})
        .exclude(event=Event.SLA)
        .order_by()
        .values_list("ticket_id", "actor_id", "internal", "event")
        .annotate(n=Count("id"), top=Max("id"))
    )
    by_ticket: dict[int, list[tuple[int | None, bool, str, int, int]]] = defaultdict(list)
    for ticket_id, actor_id, internal, event, n, top in rows:
        by_ticket[ticket_id].append((actor_id, internal, event, n, top))
    out: dict[Viewer, Mark] = {}
    for v in viewers:
        count = highest = 0
        for actor_id, internal, event, n, top in by_ticket.get(v.ticket_id, []):
            if actor_id == v.user_id or (internal and not v.staff) or (event in RATING_EVENTS and not v.rating):
                continue
            count += n
            highest = max(highest, top)
        out[v] = (count, highest)
    return out


def mark_of(user: User, ticket: Ticket) -> Mark:
    """The person's mark of the request as it is now."""
    return marks([viewer(user, ticket)]).popitem()[1]


def page_mark(user: User, records: Iterable[LogRecord]) -> Mark:
    """The mark of the records a page shows, read by `ticket_activity` with the same visibility as
    `marks` (no second query, and no record committed between two reads)."""
    ids = [r.pk for r in records if r.event != Event.SLA and r.actor_id != user.pk]
    return len(ids), max(ids, default=0)


class MarkReader:
    """The stream's reader of marks, kept in its one database thread. A mark that moved is sent only
    after checking again that the person may still see the request (moved to another group, no longer
    a watcher: they learn nothing more of it), and with what they may see of it now: a person no
    longer support staff stops counting internal notes, one who may no longer see the rating stops
    counting it (the viewer the stream opened with is only where the reader starts)."""

    def __init__(self) -> None:
        self.last: dict[Viewer, Mark] = {}
        self.allowed: dict[Viewer, bool] = {}
        self.seen_as: dict[Viewer, Viewer] = {}  # the stream's viewer → what the person may see now

    def step(self, viewers: Collection[Viewer]) -> dict[Viewer, Mark]:
        """Each viewer's mark, keyed by the viewer the stream holds, if they may still see it. A fixed
        number of queries, however many marks moved."""
        actual = {v: self.seen_as.get(v, v) for v in viewers}
        now = marks(set(actual.values()))
        moved = [v for v in viewers if actual[v] in now and self.last.get(v) != now[actual[v]]]
        fresh = _seen_by(moved)
        regraded: dict[Viewer, Viewer] = {}
        for v in moved:
            self.allowed[v] = fresh[v] is not None
            seen = fresh[v]
            if seen is not None and seen != actual[v]:
                regraded[v] = seen
        recount = marks(set(regraded.values()))  # counted as they may see it now
        self.seen_as.update(regraded)
        out: dict[Viewer, Mark] = {}
        last: dict[Viewer, Mark] = {}
        for v in viewers:
            mark = now.get(actual[v])
            if mark is None:
                continue
            if v in regraded:
                mark = recount[regraded[v]]
            if self.allowed.get(v):
                out[v] = mark
            last[v] = mark
        self.last = last
        self.allowed = {v: ok for v, ok in self.allowed.items() if v in last}
        self.seen_as = {v: seen for v, seen in self.seen_as.items() if v in last}
        return out


def _seen_by(viewers: Collection[Viewer]) -> dict[Viewer, Viewer | None]:
    """Each person as a viewer of the request now; None if they may no longer see it."""
    if not viewers:
        return {}
    users = User.objects.filter(is_active=True).in_bulk({v.user_id for v in viewers})
    tickets = Ticket.objects.in_bulk({v.ticket_id for v in viewers})
    pairs = [(v, users.get(v.user_id), tickets.get(v.ticket_id)) for v in viewers]
    known = [(v, u, t) for v, u, t in pairs if u is not None and t is not None]
    allowed = may_see_each([(u, t) for _, u, t in known])
    out: dict[Viewer, Viewer | None] = dict.fromkeys(viewers)
    for (v, user, ticket), ok in zip(known, allowed, strict=True):
        if ok:
            out[v] = viewer(user, ticket)
    return out
