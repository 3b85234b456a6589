"""Reads about people: group memberships, from the in-process reference snapshot."""

from __future__ import annotations

from dataclasses import dataclass

from .models import User


@dataclass(frozen=True)
class Memberships:
    groups: frozenset[int]
    led: frozenset[int]


NO_MEMBERSHIPS = Memberships(frozenset(), frozenset())


def memberships_of(user: User) -> Memberships:
    """The active groups a user belongs to and leads, from the reference snapshot (no query)."""
    from otklik.catalog.reference import reference

    return reference().memberships.get(user.pk, NO_MEMBERSHIPS)
