"""What every write on a request shares: the compare-and-set on its version, the per-stage log
record, the checks of state and version, and the executor chosen by name. (Texts are checked by
core.text.clean_text.)"""

from __future__ import annotations

import datetime as dt
from typing import Any

from otklik.accounts.models import User
from otklik.accounts.selectors import memberships_of
from otklik.core.clock import now
from otklik.core.errors import Conflict, Invalid, not_member, unknown
from otklik.core.refs import as_id

from .models import LogRecord, Ticket


def log_record(
    ticket: Ticket, *, actor: User | None, role: str, point_id: int, event: str, when: dt.datetime, **extra: Any
) -> LogRecord:
    return LogRecord.objects.create(
        ticket=ticket, actor=actor, actor_role=role, point_id=point_id, event=event, created_at=when, **extra
    )


def ticket_bump(ticket: Ticket, *, version: int, **changes: Any) -> int:
    """Compare-and-set on the version: the only way a request's state changes."""
    when = changes.setdefault("updated_at", now())
    updated = Ticket.objects.filter(pk=ticket.pk, version=version).update(version=version + 1, **changes)
    if updated != 1:
        raise Conflict(
            f"request {ticket.number} was changed by someone else (your version {version} is stale); "
            "reload it and try again",
            code="stale_version",
        )
    for key, value in changes.items():
        setattr(ticket, key, value)
    ticket.version = version + 1
    ticket.updated_at = when
    return ticket.version


def check_open(ticket: Ticket, action: str) -> None:
    if not ticket.is_open:
        raise Conflict(f"request {ticket.number} is closed ({ticket.point.code}); it cannot be {action}", code="closed")


def check_version(ticket: Ticket, version: int) -> None:
    if ticket.version != version:
        raise Conflict(
            f"request {ticket.number} is at version {ticket.version}, not {version}; reload it and try again",
            code="stale_version",
        )


def staff_member(user_ref: str | int | None, *, group_id: int, name: str = "executor") -> User:
    text = str(user_ref or "").strip()
    qs = User.objects.filter(is_active=True)
    user_id = as_id(text)
    user = qs.filter(pk=user_id).first() if user_id is not None else qs.filter(username=text).first()
    if user is None:
        raise Invalid(f"unknown {name} {user_ref!r}", errors=[unknown(name, message="unknown user", value=text)])
    if not user.is_support_staff or group_id not in memberships_of(user).groups:
        raise Invalid(
            f"{user.username} is not a member of the request's support group",
            errors=[not_member(name, message="not a member of the request's group")],
        )
    return user
