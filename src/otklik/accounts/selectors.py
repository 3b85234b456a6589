"""Reads about people: group memberships and leadership, from the directory snapshot (no query)."""

from __future__ import annotations

from .directory import NO_MEMBERSHIPS, Memberships, directory
from .models import User

__all__ = ["Memberships", "leads_a_group", "may_supervise", "may_use_admin", "memberships_of"]


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


def may_use_admin(user: User) -> bool:
    """May open the administration and find something there: staff (Django's own gate to the admin)
    with at least one of its permissions, or a superuser. Staff with no permission would find an
    empty page."""
    if not (user.is_active and user.is_staff):
        return False
    return user.is_superuser or bool(user.get_all_permissions())
