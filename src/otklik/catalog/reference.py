"""A per-process snapshot of the small reference tables: request types, form fields, priorities,
categories, support groups, routes, route points and transitions.

Hot paths (create, list, detail) read these from memory instead of joining them into every
query: an eight-table join costs PostgreSQL more to plan than to run. The snapshot is dropped
at once when any of these rows is saved or deleted in this process (signals), and rebuilt at
most `REFERENCE_TTL` seconds after it was read, so a change made by another process (another
web worker, the admin on another node) shows within that time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from otklik.accounts.models import GroupMembership, Organisation, SupportGroup, User
from otklik.accounts.selectors import Memberships
from otklik.core.snapshot import Snapshot
from otklik.routes.models import Route, RoutePoint, Transition

from .models import Category, FormField, Priority, RequestType


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
    groups: dict[int, SupportGroup] = field(default_factory=dict)
    groups_by_code: dict[str, SupportGroup] = field(default_factory=dict)
    dispatchers: dict[int, int | None] = field(default_factory=dict)
    memberships: dict[int, Memberships] = field(default_factory=dict)
    organisations: dict[int, Organisation] = field(default_factory=dict)
    routes: dict[int, Route] = field(default_factory=dict)
    points: dict[int, RoutePoint] = field(default_factory=dict)
    start_points: dict[int, RoutePoint] = field(default_factory=dict)
    outgoing: dict[int, list[Transition]] = field(default_factory=dict)

    def attach(self, ticket: Any) -> Any:
        """Set a ticket's reference relations from the snapshot (no queries)."""
        ticket.request_type = self.types.get(ticket.request_type_id) or ticket.request_type
        ticket.point = self.points.get(ticket.point_id) or ticket.point
        ticket.priority = self.priorities.get(ticket.priority_id) or ticket.priority
        ticket.group = self.groups.get(ticket.group_id) or ticket.group
        if ticket.category_id is None:
            ticket.category = None
        else:
            ticket.category = self.categories.get(ticket.category_id) or ticket.category
        return ticket


class _Inconsistent(Exception):
    """The tables changed between two of the snapshot's reads."""


def _build_consistent() -> Reference:
    # Eight reads are not one snapshot under READ COMMITTED: an admin saving a route in between
    # can leave a transition whose point we have not seen. Read again (it settles at once).
    for _ in range(5):
        try:
            return _build()
        except _Inconsistent:
            continue
    return _build()


def _build() -> Reference:
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
    for g in SupportGroup.objects.select_related("dispatcher"):
        ref.groups[g.pk] = g
        ref.groups_by_code[g.code] = g
    first_lead: dict[int, int] = {}
    groups_of: dict[int, set[int]] = {}
    led_by: dict[int, set[int]] = {}
    for m in GroupMembership.objects.select_related("user").order_by("id"):
        if m.group_id not in ref.groups:
            raise _Inconsistent
        if not ref.groups[m.group_id].is_active:
            continue
        groups_of.setdefault(m.user_id, set()).add(m.group_id)
        if m.is_lead:
            led_by.setdefault(m.user_id, set()).add(m.group_id)
            if m.user.is_active:
                first_lead.setdefault(m.group_id, m.user_id)
    for user_id, groups in groups_of.items():
        ref.memberships[user_id] = Memberships(frozenset(groups), frozenset(led_by.get(user_id, ())))
    for g in ref.groups.values():
        # A deactivated dispatcher receives nothing: the group's first active lead does instead.
        dispatcher = g.dispatcher_id if g.dispatcher_id and g.dispatcher.is_active else None
        ref.dispatchers[g.pk] = dispatcher or first_lead.get(g.pk)
    for o in Organisation.objects.all():
        ref.organisations[o.pk] = o
    for r in Route.objects.all():
        ref.routes[r.pk] = r
    for p in RoutePoint.objects.all():
        if p.route_id not in ref.routes:
            raise _Inconsistent
        ref.points[p.pk] = p
        p.route = ref.routes[p.route_id]
        if p.is_start:
            ref.start_points[p.route_id] = p
    for t in Transition.objects.order_by("order", "id"):
        if t.source_id not in ref.points or t.target_id not in ref.points:
            raise _Inconsistent  # a point was added while we read: read again
        t.source = ref.points[t.source_id]
        t.target = ref.points[t.target_id]
        ref.outgoing.setdefault(t.source_id, []).append(t)
    for t in ref.types.values():
        if t.route_id not in ref.routes:
            raise _Inconsistent
        t.route = ref.routes[t.route_id]
    return ref


_snapshot: Snapshot[Reference] = Snapshot(_build_consistent)


def reference() -> Reference:
    return _snapshot.get()


def _drop() -> None:
    _snapshot.drop()


def invalidate(**_: Any) -> None:
    """Drop the snapshot now, and again when the saving transaction commits."""
    _snapshot.invalidate(_drop)


# Users matter too: deactivating a dispatcher or lead changes who receives new requests.
_WATCHED = (
    RequestType,
    FormField,
    Priority,
    Category,
    SupportGroup,
    GroupMembership,
    Route,
    RoutePoint,
    Transition,
    User,
)
for _model in _WATCHED:
    post_save.connect(invalidate, sender=_model, dispatch_uid=f"otklik-reference-save-{_model.__name__}")
    post_delete.connect(invalidate, sender=_model, dispatch_uid=f"otklik-reference-delete-{_model.__name__}")
m2m_changed.connect(invalidate, sender=SupportGroup.members.through, dispatch_uid="otklik-reference-m2m")
