"""Requests as JSON-ready dicts, from rows already fetched with their relations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from otklik.accounts.models import SupportGroup, User
from otklik.accounts.people import Person
from otklik.catalog.models import Category, Priority, RequestType
from otklik.core.i18n import current_language, localized
from otklik.core.jsonvalue import JsonValue
from otklik.routes.models import ExecutorOnArrival, RoutePoint, Transition

from .models import Attachment, LogRecord, Ticket
from .selectors import TicketRow


def user_ref(user: User | Person | None) -> dict[str, JsonValue] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "name": user.display_name}


def _ref(
    obj: RequestType | SupportGroup | Priority | Category | None, lang: str | None = None
) -> dict[str, str] | None:
    return None if obj is None else {"code": obj.code, "name": localized(obj, "name", lang)}


def stage_ref(point: RoutePoint | None) -> dict[str, str] | None:
    return None if point is None else {"code": point.code, "name": point.name, "kind": point.kind}


def ticket_item(
    t: Ticket | TicketRow, who: Mapping[int, Person] | None = None, lang: str | None = None
) -> dict[str, JsonValue]:
    """A list row. `who` names the people when they were not read with the ticket (a list's
    `TicketRow` never has them); `lang`, the names' language (default: the active one), found
    once by a list's caller rather than for every name of every row."""
    lang = lang or current_language()
    initiator: User | Person | None
    executor: User | Person | None
    if who is not None:
        initiator, executor = who.get(t.initiator_id), (who.get(t.executor_id) if t.executor_id else None)
    elif isinstance(t, Ticket):
        initiator, executor = t.initiator, t.executor
    else:
        raise TypeError("a list row names its people through `who`")
    return {
        "id": t.pk,
        "number": t.number,
        "type": _ref(t.request_type, lang),
        "state": t.point.code,
        "state_name": localized(t.point, "name", lang),
        "state_kind": t.point.kind,
        "is_open": t.is_open,
        "subject": t.subject,
        "initiator": user_ref(initiator),
        "executor": user_ref(executor),
        "group": _ref(t.group, lang),
        "priority": _ref(t.priority, lang),
        "category": _ref(t.category, lang),
        "version": t.version,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
        "sla_due_at": t.sla_due_at.astimezone(dt.UTC) if t.sla_due_at else None,
        "breached": t.sla_breached,
    }


def attachment_dict(a: Attachment) -> dict[str, JsonValue]:
    return {
        "id": a.pk,
        "name": a.name,
        "size": a.size,
        "content_type": a.content_type,
        "internal": a.internal,
        "url": f"/api/v1/tickets/{a.ticket_id}/attachments/{a.pk}",
        "created_at": a.created_at,
    }


def ticket_detail(
    t: Ticket,
    *,
    transitions: list[Transition],
    watchers: list[User | Person],
    attachments: list[Attachment],
    who: Mapping[int, Person] | None = None,
    organisation: str | None = None,
    sla: list[dict[str, JsonValue]] | None = None,
    regulation_version: int | None = None,
    feedback: dict[str, JsonValue] | None = None,
) -> dict[str, JsonValue]:
    return {
        **ticket_item(t, who),
        "description": t.description,
        "fields": t.fields,
        "organisation": organisation,
        "closed_at": t.closed_at,
        "watchers": [user_ref(u) for u in watchers],
        "attachments": [attachment_dict(a) for a in attachments],
        "sla": sla or [],
        # The regulation in force when the request was filed: its terms apply to it.
        "regulation_version": regulation_version,
        "auto_close_at": t.auto_close_at.astimezone(dt.UTC) if t.auto_close_at else None,
        "feedback": feedback,
        "transitions": [
            {
                "code": tr.code,
                "label": tr.label,
                "to": tr.target.code,
                "comment_required": tr.comment_required,
                "choose_executor": tr.executor_on_arrival == ExecutorOnArrival.CHOSEN,
            }
            for tr in transitions
        ],
    }


def activity_item(r: LogRecord) -> dict[str, JsonValue]:
    return {
        "id": r.pk,
        "at": r.created_at,
        "event": r.event,
        "reaction": r.reaction,
        "actor": user_ref(r.actor),
        "role": r.actor_role,
        "stage": stage_ref(r.point),
        "to_stage": stage_ref(r.to_point),
        "transition": r.transition.code if r.transition is not None else None,
        "body": r.body,
        "internal": r.internal,
        "field": r.field,
        "old_value": r.old_value,
        "new_value": r.new_value,
        "sla_event": r.sla_event,
    }
