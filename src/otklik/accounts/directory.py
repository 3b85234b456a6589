"""A per-process snapshot of the organisation's directory: support groups, who belongs to and who
leads which, who is told of and who is assigned a group's new requests, and the organisations.

Access checks and lists ask "which groups is this person in" on every request: reading it from
memory instead of joining memberships into every query. Dropped when these rows change in this
process, rebuilt at most REFERENCE_TTL seconds after it was read otherwise (core.snapshot).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from otklik.core.snapshot import Inconsistent, Snapshot, consistently

from .models import GroupMembership, Organisation, SupportGroup, User


@dataclass(frozen=True)
class Memberships:
    groups: frozenset[int]
    led: frozenset[int]


NO_MEMBERSHIPS = Memberships(frozenset(), frozenset())


@dataclass
class Directory:
    groups: dict[int, SupportGroup] = field(default_factory=dict)
    groups_by_code: dict[str, SupportGroup] = field(default_factory=dict)
    # A group's dispatcher, else its first active lead: told of its new requests (notification rules,
    # SLA escalations), and their first executor when the group assigns automatically.
    dispatchers: dict[int, int | None] = field(default_factory=dict)
    # Who a request that comes to a group is assigned to: its dispatcher when the group assigns
    # automatically, else nobody (the request waits in the group's unassigned queue).
    assignees: dict[int, int | None] = field(default_factory=dict)
    # Memberships in active groups, by person.
    memberships: dict[int, Memberships] = field(default_factory=dict)
    organisations: dict[int, Organisation] = field(default_factory=dict)

    def leads(self, group_id: int | None) -> list[int]:
        """The people who lead a group (active or not: callers filter as they need)."""
        return sorted(uid for uid, m in self.memberships.items() if group_id in m.led)

    def members(self, group_ids: frozenset[int] | set[int]) -> list[int]:
        """The people in any of these groups."""
        return sorted(uid for uid, m in self.memberships.items() if m.groups & group_ids)


def _build() -> Directory:
    """Inconsistent when a membership names a group not read (saved in between): read again."""
    d = Directory()
    for g in SupportGroup.objects.select_related("dispatcher"):
        d.groups[g.pk] = g
        d.groups_by_code[g.code] = g
    first_lead: dict[int, int] = {}
    groups_of: dict[int, set[int]] = {}
    led_by: dict[int, set[int]] = {}
    for m in GroupMembership.objects.select_related("user").order_by("id"):
        if m.group_id not in d.groups:
            raise Inconsistent
        if not d.groups[m.group_id].is_active:
            continue
        groups_of.setdefault(m.user_id, set()).add(m.group_id)
        if m.is_lead:
            led_by.setdefault(m.user_id, set()).add(m.group_id)
            if m.user.is_active:
                first_lead.setdefault(m.group_id, m.user_id)
    for user_id, groups in groups_of.items():
        d.memberships[user_id] = Memberships(frozenset(groups), frozenset(led_by.get(user_id, ())))
    for g in d.groups.values():
        # A deactivated dispatcher receives nothing: the group's first active lead does instead.
        dispatcher = g.dispatcher_id if g.dispatcher is not None and g.dispatcher.is_active else None
        d.dispatchers[g.pk] = dispatcher or first_lead.get(g.pk)
        d.assignees[g.pk] = d.dispatchers[g.pk] if g.auto_assign else None
    for o in Organisation.objects.all():
        d.organisations[o.pk] = o
    return d


_snapshot: Snapshot[Directory] = Snapshot("accounts.directory", consistently(_build))
# Users too: deactivating a dispatcher or lead changes who receives new requests.
_snapshot.watch(SupportGroup, GroupMembership, Organisation, User, m2m=[SupportGroup.members.through])


def directory() -> Directory:
    return _snapshot.get()


def invalidate() -> None:
    """Drop the snapshot now and when the transaction commits (after a bulk update, which sends
    no signal)."""
    _snapshot.invalidate()
