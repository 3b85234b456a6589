"""Complaints as JSON-ready dicts for the API (the pages use the same rows and statuses)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from otklik.accounts.directory import directory
from otklik.accounts.models import User
from otklik.accounts.people import Person, people
from otklik.core.i18n import localized
from otklik.core.jsonvalue import JsonValue
from otklik.sla.clockmath import as_utc
from otklik.tickets.access import may_see
from otklik.tickets.serialize import user_ref

from .access import complaint_actions
from .clock import ANSWER, REACTION, Calendar, Status, status
from .models import Complaint, ComplaintEvent
from .selectors import ListedComplaint


def _group(group_id: int | None) -> dict[str, str] | None:
    group = directory().groups.get(group_id) if group_id else None
    return {"code": group.code, "name": localized(group, "name")} if group is not None else None


def _target(s: Status, breached_at: dt.datetime | None) -> dict[str, JsonValue]:
    return {
        "due_at": as_utc(s.due_at),
        "met_at": as_utc(s.met_at),
        "breached_at": as_utc(breached_at),
        "state": s.state,
        "late_seconds": s.seconds if s.state in ("late", "overdue") else 0,
        "left_seconds": s.seconds if s.state == "running" else 0,
    }


def _ticket(ticket_id: int | None, number: str | None) -> dict[str, int | str | None] | None:
    if not ticket_id:
        return None
    if number is None:
        return {"id": None, "number": None}  # named, but not to someone who may not see it
    return {"id": ticket_id, "number": number}


def complaint_item(item: ListedComplaint) -> dict[str, JsonValue]:
    r = item.row
    return {
        "id": r.pk,
        "number": r.number,
        "kind": r.kind,
        "state": r.state,
        "ticket": _ticket(r.ticket_id, item.ticket_number),
        "author": user_ref(item.author),
        "group": _group(r.group_id),
        "executor": user_ref(item.executor),
        "filed_at": r.filed_at,
        "review_at": r.review_at,
        "answered_at": r.answered_at,
        "targets": {
            "reaction": _target(item.reaction, r.reaction_breached_at),
            "answer": _target(item.answer, r.answer_breached_at),
        },
        "overdue": item.reaction.state in ("late", "overdue") or item.answer.state in ("late", "overdue"),
        "version": r.version,
    }


def event_item(e: ComplaintEvent, who: Mapping[int, Person | User]) -> dict[str, JsonValue]:
    return {
        "id": e.pk,
        "at": e.created_at,
        "event": e.event,
        "actor": user_ref(who.get(e.actor_id)) if e.actor_id else None,
        "body": e.body,
        "internal": e.internal,
    }


def complaint_detail(
    user: User, c: Complaint, *, history: list[ComplaintEvent], cal: Calendar, moment: dt.datetime
) -> dict[str, JsonValue]:
    who = people([c.author_id, c.executor_id, c.reviewer_id, *(e.actor_id for e in history)])
    ticket = c.ticket if c.ticket_id else None
    reaction, answer = status(c, REACTION, cal, moment), status(c, ANSWER, cal, moment)
    return {
        "id": c.pk,
        "number": c.number,
        "kind": c.kind,
        "state": c.state,
        "ticket": _ticket(c.ticket_id, ticket.number if ticket is not None and may_see(user, ticket) else None),
        "author": user_ref(who.get(c.author_id)),
        "group": _group(c.group_id),
        "executor": user_ref(who.get(c.executor_id)) if c.executor_id else None,
        "reviewer": user_ref(who.get(c.reviewer_id)) if c.reviewer_id else None,
        "body": c.body,
        "answer": c.answer,
        "filed_at": c.filed_at,
        "review_at": c.review_at,
        "answered_at": c.answered_at,
        "targets": {
            "reaction": _target(reaction, c.reaction_breached_at),
            "answer": _target(answer, c.answer_breached_at),
        },
        "overdue": reaction.state in ("late", "overdue") or answer.state in ("late", "overdue"),
        "version": c.version,
        "history": [event_item(e, who) for e in history],
        "actions": complaint_actions(user, c),
    }
