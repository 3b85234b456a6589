"""The caller's in-app inbox: `GET /api/v1/notifications`, `POST /api/v1/notifications/{id}/read`."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpResponse
from ninja import Query, Router, Schema
from pydantic import ConfigDict

from otklik.accounts.http import AuthedRequest
from otklik.accounts.models import User
from otklik.api.auth import NOTIFIER_AUTH
from otklik.api.notification_json import notification_item
from otklik.api.respond import respond
from otklik.core.clock import now
from otklik.core.errors import Forbidden, NotFound
from otklik.core.paging import after, check_limit, page
from otklik.core.refs import as_id
from otklik.notify.models import Channel, Notification
from otklik.notify.preferences import preferences_of, preferences_set, schedule_of, schedule_set
from otklik.notify.services import notify_enqueue
from otklik.tickets.notices import subject_by_number

router = Router(tags=["notifications"])


class InboxQuery(Schema):
    unread: bool = False
    cursor: str | None = None
    limit: int = 25


class TicketRef(Schema):
    id: int
    number: str


class NotificationOut(Schema):
    id: int
    event: str
    importance: str
    subject: str
    body: str
    link: str
    ticket: TicketRef | None
    created_at: dt.datetime
    read_at: dt.datetime | None


class InboxOut(Schema):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


class ReadOut(Schema):
    id: int
    read_at: dt.datetime


def _inbox(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, channel=Channel.INAPP)


@router.get("", response=InboxOut, auth=NOTIFIER_AUTH)
def inbox(request: AuthedRequest, params: Query[InboxQuery]) -> HttpResponse:
    """Newest first; `unread=true` for the unread only. `unread` in the answer counts them all."""
    check_limit(params.limit)
    qs = (
        _inbox(request.user)
        .select_related("ticket")
        .only(
            "id", "event", "importance", "subject", "body", "texts", "link", "ticket__number", "created_at", "read_at"
        )
    )
    if params.unread:
        qs = qs.filter(read_at__isnull=True)
    rows, next_cursor = page(list(after(qs, params.cursor)[: params.limit + 1]), params.limit)
    unread = _inbox(request.user).filter(read_at__isnull=True).count()
    return respond({"items": [notification_item(n) for n in rows], "next_cursor": next_cursor, "unread": unread})


@router.post("/{notification_id}/read", response=ReadOut, auth=NOTIFIER_AUTH)
def mark_read(request: AuthedRequest, notification_id: int) -> HttpResponse:
    """Idempotent: a notification read earlier keeps its first reading time. Someone else's is 404."""
    if as_id(notification_id) is None:  # beyond the id column: no such row, and no database error
        raise NotFound(f"notification {notification_id} not found")
    mine = _inbox(request.user).filter(pk=notification_id)
    mine.filter(read_at__isnull=True).update(read_at=now())
    read_at = mine.values_list("read_at", flat=True).first()
    if read_at is None:
        raise NotFound(f"notification {notification_id} not found")
    return respond({"id": notification_id, "read_at": read_at})


class ChannelChoice(Schema):
    channel: str
    enabled: bool
    mandatory: bool = False


class EventChoices(Schema):
    event: str
    name: str
    channels: list[ChannelChoice]


class ChoiceIn(Schema):
    event: str
    channel: str
    enabled: bool


@router.get("/preferences", response=list[EventChoices])
def preferences(request: AuthedRequest) -> HttpResponse:
    """The caller's channels per event; mandatory ones (escalations) cannot be switched off."""
    return respond(preferences_of(request.user.pk))


@router.put("/preferences", response=list[EventChoices])
def preferences_update(request: AuthedRequest, payload: list[ChoiceIn]) -> HttpResponse:
    """Set some choices (the others keep theirs); the answer is the whole set after the change."""
    preferences_set(user_id=request.user.pk, choices=[(c.event, c.channel, c.enabled) for c in payload])
    return respond(preferences_of(request.user.pk))


class ScheduleIO(Schema):
    model_config = ConfigDict(extra="forbid")
    quiet_start: str | None = None
    quiet_end: str | None = None
    digest: str = ""
    digest_time: str | None = None
    task_form: str | None = None  # "todo" or "event"; left out: unchanged


@router.get("/schedule", response=ScheduleIO)
def schedule(request: AuthedRequest) -> HttpResponse:
    """The caller's quiet hours (local "HH:MM", both or neither), digest ("", "hourly", "daily") and
    calendar task's form ("todo": a VTODO; "event": a VEVENT at the deadline)."""
    return respond(schedule_of(request.user.pk))


@router.put("/schedule", response=ScheduleIO)
def schedule_update(request: AuthedRequest, payload: ScheduleIO) -> HttpResponse:
    """In quiet hours e-mail, SMS and messenger messages wait for their end, except critical ones;
    low-importance ones wait for the digest when there is one."""
    schedule_set(user_id=request.user.pk, **payload.dict())
    return respond(schedule_of(request.user.pk))


class Recipients(Schema):
    users: list[str] = []
    groups: list[str] = []
    roles: list[str] = []


class EnqueueIn(Schema):
    model_config = ConfigDict(extra="forbid")
    recipients: Recipients
    event: str
    subject: str
    text: str = ""
    link: str | None = None
    importance: str = "normal"
    ticket: str | None = None


class EnqueueOut(Schema):
    queued: int
    ids: list[int]


@router.post("/enqueue", response={202: EnqueueOut})
def enqueue(request: AuthedRequest, payload: EnqueueIn) -> HttpResponse:
    """For other systems, with an integration token (`otklik token USER --integration`): queue a
    notification for users, support groups or roles. Same preferences, channels and history as
    the help desk's own; 202 with the rows queued (one per recipient and channel)."""
    token = getattr(request, "api_token", None)
    if token is None or not token.integration:
        raise Forbidden("only an integration token may queue notifications for others")
    rec = payload.recipients
    rows = notify_enqueue(
        sender=request.user,
        find_subject=subject_by_number,
        event=payload.event,
        subject=payload.subject,
        text=payload.text,
        users=rec.users,
        groups=rec.groups,
        roles=rec.roles,
        link=payload.link or "",
        importance=payload.importance,
        ticket_ref=payload.ticket,
    )
    return respond({"queued": len(rows), "ids": [n.pk for n in rows]}, 202)
