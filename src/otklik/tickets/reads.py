"""The reads of one request's page, each compiled once (core.prepared): its watchers, its files and
its log, with the route's points and transitions from the catalogue's snapshot instead of joins.

The same rows as the ORM's querysets elsewhere (`ticket_activity`, the detail's reads), without
building their SQL on every view: the page reads a request in a handful of indexed statements, and
compiling them cost more than running them.
"""

from __future__ import annotations

from otklik.accounts.models import User
from otklik.catalog.reference import reference
from otklik.core.prepared import Prepared
from otklik.routes.models import RoutePoint, Transition

from .access import may_see_rating
from .models import Attachment, LogRecord, Ticket, Watcher
from .selectors import activity_records

_WATCHERS: Prepared[Watcher] = Prepared(
    lambda t: Watcher.objects.filter(ticket_id=t).order_by("id").values_list("user_id", flat=True), int
)
_FILES: Prepared[Attachment] = Prepared(lambda t: Attachment.objects.filter(ticket_id=t).order_by("id"), int)
_LOG: Prepared[LogRecord] = Prepared(activity_records, int)


def watcher_ids(ticket: Ticket) -> list[int]:
    """The request's watchers, in the order they were added."""
    ids: list[int] = _WATCHERS.values(ticket.pk)
    return ids


def ticket_files(ticket: Ticket, *, internal: bool) -> list[Attachment]:
    """The request's files in the order they were attached; the internal ones only if asked."""
    files = _FILES.models(ticket.pk)
    return files if internal else [f for f in files if not f.internal]


def ticket_log(user: User, ticket: Ticket) -> list[LogRecord]:
    """`ticket_activity`'s records (the same visibility), their points and transitions set from the
    snapshot; their authors are not read (the page names them from the people cache)."""
    records = _LOG.models(ticket.pk, shape=(user.is_support_staff, may_see_rating(user, ticket)))
    ref = reference()
    for r in records:
        r.point = ref.points.get(r.point_id) or _point(r.point_id)
        if r.to_point_id is not None:
            r.to_point = ref.points.get(r.to_point_id) or _point(r.to_point_id)
        if r.transition_id is not None:
            r.transition = ref.transitions.get(r.transition_id) or Transition.objects.get(pk=r.transition_id)
    return records


def _point(point_id: int) -> RoutePoint:
    """A point added since the snapshot was built (it is rebuilt within seconds)."""
    return RoutePoint.objects.get(pk=point_id)
