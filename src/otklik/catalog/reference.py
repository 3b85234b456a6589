"""A per-process snapshot of the small reference tables: request types, form fields, priorities,
categories, routes, route points and transitions (support groups and memberships are the
directory's: otklik.accounts.directory).

Hot paths (create, list, detail) read these from memory instead of joining them into every
query: an eight-table join costs PostgreSQL more to plan than to run. The snapshot is dropped
at once when any of these rows is saved or deleted in this process (signals), and rebuilt at
most `REFERENCE_TTL` seconds after it was read, so a change made by another process (another
web worker, the admin on another node) shows within that time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from otklik.accounts.directory import directory
from otklik.accounts.models import SupportGroup
from otklik.core.snapshot import Inconsistent, Snapshot, consistently
from otklik.routes.models import Route, RoutePoint, Transition

from .models import Category, FormField, Priority, RequestType


class WithReferences(Protocol):
    """What `Reference.attach` sets: a request's reference relations and their ids (the catalogue
    cannot name the request itself, which sits above it)."""

    request_type_id: int
    request_type: RequestType
    point_id: int
    point: RoutePoint
    priority_id: int
    priority: Priority
    group_id: int
    group: SupportGroup
    category_id: int | None
    category: Category | None


_Row = TypeVar("_Row", bound=WithReferences)


@dataclass
class Reference:
    types: dict[int, RequestType] = field(default_factory=dict)
    types_by_code: dict[str, RequestType] = field(default_factory=dict)
    fields_by_type: dict[int, list[FormField]] = field(default_factory=dict)
    priorities: dict[int, Priority] = field(default_factory=dict)
    priorities_by_code: dict[str, Priority] = field(default_factory=dict)
    default_priority: Priority | None = None
    categories: dict[int, Category] = field(default_factory=dict)
    categories_by_code: dict[str, Category] = field(default_factory=dict)
    routes: dict[int, Route] = field(default_factory=dict)
    points: dict[int, RoutePoint] = field(default_factory=dict)
    start_points: dict[int, RoutePoint] = field(default_factory=dict)
    outgoing: dict[int, list[Transition]] = field(default_factory=dict)
    transitions: dict[int, Transition] = field(default_factory=dict)

    def attach(self, ticket: _Row) -> _Row:
        """Set a ticket's reference relations from the snapshot (no queries)."""
        ticket.request_type = self.types.get(ticket.request_type_id) or ticket.request_type
        ticket.point = self.points.get(ticket.point_id) or ticket.point
        ticket.priority = self.priorities.get(ticket.priority_id) or ticket.priority
        ticket.group = directory().groups.get(ticket.group_id) or ticket.group
        if ticket.category_id is None:
            ticket.category = None
        else:
            ticket.category = self.categories.get(ticket.category_id) or ticket.category
        return ticket


def _build() -> Reference:
    """Inconsistent when a row names one not read (an admin saved a route in between): read again."""
    ref = Reference()
    for t in RequestType.objects.all():
        ref.types[t.pk] = t
        ref.types_by_code[t.code] = t
    for f in FormField.objects.order_by("order", "id"):
        ref.fields_by_type.setdefault(f.request_type_id, []).append(f)
    for p in Priority.objects.order_by("rank", "code"):
        ref.priorities[p.pk] = p
        ref.priorities_by_code[p.code] = p
    active = [p for p in ref.priorities.values() if p.is_active]
    ref.default_priority = next((p for p in active if p.is_default), active[0] if active else None)
    for c in Category.objects.all():
        ref.categories[c.pk] = c
        ref.categories_by_code[c.code] = c
    for c in ref.categories.values():
        c.parent = ref.categories.get(c.parent_id) if c.parent_id else None
    for r in Route.objects.all():
        ref.routes[r.pk] = r
    for point in RoutePoint.objects.all():
        if point.route_id not in ref.routes:
            raise Inconsistent
        ref.points[point.pk] = point
        point.route = ref.routes[point.route_id]
        if point.is_start:
            ref.start_points[point.route_id] = point
    for tr in Transition.objects.order_by("order", "id"):
        if tr.source_id not in ref.points or tr.target_id not in ref.points:
            raise Inconsistent  # a point was added while we read: read again
        tr.source = ref.points[tr.source_id]
        tr.target = ref.points[tr.target_id]
        ref.outgoing.setdefault(tr.source_id, []).append(tr)
        ref.transitions[tr.pk] = tr
    for t in ref.types.values():
        if t.route_id not in ref.routes:
            raise Inconsistent
        t.route = ref.routes[t.route_id]
    return ref


_snapshot: Snapshot[Reference] = Snapshot("catalog.reference", consistently(_build))
_snapshot.watch(RequestType, FormField, Priority, Category, Route, RoutePoint, Transition)


def reference() -> Reference:
    return _snapshot.get()


def invalidate() -> None:
    """Drop the snapshot now and when the transaction commits (after a bulk update, which sends
    no signal)."""
    _snapshot.invalidate()
