"""Reads about people: group memberships, cached on the user object for one request."""

from __future__ import annotations

from dataclasses import dataclass

from .models import GroupMembership, User


@dataclass(frozen=True)
class Memberships:
    groups: frozenset[int]
    led: frozenset[int]


NO_MEMBERSHIPS = Memberships(frozenset(), frozenset())


def memberships_of(user: User) -> Memberships:
    """The active groups a user belongs to and leads, from the reference snapshot (no query)."""
    from otklik.catalog.reference import reference

    return reference().memberships.get(user.pk, NO_MEMBERSHIPS)


def group_dispatcher_id(group_id: int) -> int | None:
    """Who receives a group's new requests: its dispatcher, else its first lead, else nobody."""
    from .models import SupportGroup

    dispatcher = SupportGroup.objects.filter(pk=group_id).values_list("dispatcher_id", flat=True).first()
    if dispatcher:
        return dispatcher
    return (
        GroupMembership.objects.filter(group_id=group_id, is_lead=True, user__is_active=True)
        .order_by("id")
        .values_list("user_id", flat=True)
        .first()
    )
