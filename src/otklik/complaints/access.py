"""Who may see a complaint and who may act on it. `access_complaint` is the one gate.

- its author sees it (its public part: never the internal notes or the timer's records);
- the support managers (and administrators) see every complaint and act on it: take it under
  review, answer it, write internal notes;
- a group lead sees, whole, the complaints about their groups (the group in charge when it was
  filed), and does not act on them;
- nobody else learns it exists (404).
"""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from otklik.accounts.models import User
from otklik.accounts.selectors import memberships_of
from otklik.core.errors import Forbidden, NotFound
from otklik.core.refs import as_id

from .models import Complaint

_NUMBER = re.compile(r"CMP-0*([0-9]{1,19})", re.IGNORECASE)


def visible_complaints_q(user: User) -> Q | None:
    """A filter for the complaints `user` may see; None means all of them."""
    if user.is_manager:
        return None
    q = Q(author_id=user.pk)
    if user.is_support_staff:
        led = memberships_of(user).led
        if led:
            q |= Q(group_id__in=sorted(led))
    return q


def visible_complaints(user: User, qs: QuerySet[Complaint] | None = None) -> QuerySet[Complaint]:
    qs = Complaint.objects.all() if qs is None else qs
    q = visible_complaints_q(user)
    return qs if q is None else qs.filter(q)


def may_see_whole(user: User, complaint: Complaint) -> bool:
    """The internal part too (notes, missed targets): managers, and the leads of its group."""
    if user.is_manager:
        return True
    return user.is_support_staff and complaint.group_id is not None and complaint.group_id in memberships_of(user).led


def may_see_complaint(user: User, complaint: Complaint) -> bool:
    return complaint.author_id == user.pk or may_see_whole(user, complaint)


def may_handle(user: User) -> bool:
    """Takes complaints under review, answers them, writes internal notes: the support managers."""
    return user.is_manager


def require_handler(user: User, action: str) -> None:
    if not may_handle(user):
        raise Forbidden(f"only the support managers may {action}")


def complaint_lookup(ref: str | int) -> Q:
    """A complaint is addressed by its id or by its number (CMP-000012)."""
    text = str(ref).strip()
    found = _NUMBER.fullmatch(text)
    value = as_id(found.group(1) if found else text)
    return Q(pk=value) if value is not None else Q(pk__in=[])


def access_complaint(user: User, ref: str | int) -> Complaint:
    """Fetch a complaint the user may see, or 404 as if it did not exist."""
    complaint = Complaint.objects.filter(complaint_lookup(ref)).first()
    if complaint is None or not may_see_complaint(user, complaint):
        raise NotFound(f"complaint {ref} not found")
    return complaint


def complaint_actions(user: User, complaint: Complaint) -> list[str]:
    """What the user may do with it now: take, answer, note."""
    if not may_handle(user):
        return []
    actions = []
    if complaint.state == "filed":
        actions.append("take")
    if complaint.is_open:
        actions.append("answer")
    actions.append("note")
    return actions
