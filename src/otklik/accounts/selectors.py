"""Reads about people: group memberships and leadership, from the directory snapshot (no query)."""

from __future__ import annotations

from .directory import NO_MEMBERSHIPS, Memberships, directory
from .models import User

__all__ = ["Memberships", "leads_a_group", "may_supervise", "memberships_of"]


def memberships_of(user: User) -> Memberships:
    """The active groups a user belongs to and leads."""
    return directory().memberships.get(user.pk, NO_MEMBERSHIPS)


def leads_a_group(user: User) -> bool:
    """Leads at least one active support group: a lead's membership, whatever the role's label
    says (the role names a job; the membership is what the desk acts on)."""
    return user.is_support_staff and bool(memberships_of(user).led)


def may_supervise(user: User) -> bool:
    """Oversees others' work (the dashboard, the complaints list, others' quality figures): the
    support managers and whoever leads a group."""
    return user.is_manager or leads_a_group(user)
