"""Reads about people: group memberships, cached on the user object for one request."""

from __future__ import annotations

from dataclasses import dataclass

from .models import GroupMembership, User


@dataclass(frozen=True)
class Memberships:
    groups: frozenset[int]
    led: frozenset[int]


def memberships_of(user: User) -> Memberships:
    cached = getattr(user, "_otklik_memberships", None)
    if cached is not None:
        return cached
    groups: set[int] = set()
    led: set[int] = set()
    for group_id, is_lead in GroupMembership.objects.filter(user=user, group__is_active=True).values_list(
        "group_id", "is_lead"
    ):
        groups.add(group_id)
        if is_lead:
            led.add(group_id)
    result = Memberships(frozenset(groups), frozenset(led))
    user._otklik_memberships = result  # type: ignore[attr-defined]
    return result


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
