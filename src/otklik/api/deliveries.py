"""`GET /api/v1/deliveries`: the delivery history (support managers and administrators): every
notification with its attempts, filtered, newest first, with the counts still pending and dead."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import HttpResponse
from ninja import Query, Router, Schema

from otklik.accounts.http import AuthedRequest
from otklik.api.respond import respond
from otklik.core.errors import Forbidden, Invalid, NotFound, not_a_choice
from otklik.core.jsonvalue import JsonValue
from otklik.core.paging import after, check_limit, page
from otklik.notify.models import Channel, DeliveryAttempt, Notification, State
from otklik.tickets.access import ticket_lookup
from otklik.tickets.models import Ticket

router = Router(tags=["notifications"])


class HistoryQuery(Schema):
    ticket: str | None = None
    state: str | None = None
    channel: str | None = None
    carrier: str | None = None
    recipient: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    cursor: str | None = None
    limit: int = 50


class AttemptOut(Schema):
    at: dt.datetime
    carrier: str
    outcome: str
    code: str
    response: str
    error: str
    duration_ms: int


class DeliveryOut(Schema):
    id: int
    key: str
    event: str
    recipient: str | None
    channel: str
    carrier: str | None
    ticket: str | None
    importance: str
    subject: str
    state: str
    attempts: int
    created_at: dt.datetime
    due_at: dt.datetime
    delivered_at: dt.datetime | None
    tries: list[AttemptOut]


class HistoryOut(Schema):
    items: list[DeliveryOut]
    next_cursor: str | None
    pending: int
    dead: int


def _choice(value: str | None, choices: list[str], name: str) -> str | None:
    if value is None or value == "":
        return None
    if value not in choices:
        raise Invalid(f"unknown {name} {value!r}", errors=[not_a_choice(name, choices)])
    return value


@router.get("", response=HistoryOut)
def deliveries(request: AuthedRequest, params: Query[HistoryQuery]) -> HttpResponse:
    if not request.user.is_manager:
        raise Forbidden("the delivery history is for support managers and administrators")
    check_limit(params.limit)
    qs = Notification.objects.all()
    if params.ticket:
        ticket_id = Ticket.objects.filter(ticket_lookup(params.ticket)).values_list("pk", flat=True).first()
        if ticket_id is None:
            raise NotFound(f"request {params.ticket!r} not found")
        qs = qs.filter(ticket_id=ticket_id)
    if state := _choice(params.state, State.values, "state"):
        qs = qs.filter(state=state)
    if channel := _choice(params.channel, Channel.values, "channel"):
        qs = qs.filter(channel=channel)
    if params.carrier:
        # The carrier now in charge, or any that tried the row (fail-over moves rows between them).
        tried = DeliveryAttempt.objects.filter(notification=OuterRef("pk"), carrier=params.carrier.strip())
        qs = qs.filter(Q(carrier__name=params.carrier.strip()) | Exists(tried))
    if params.recipient:
        qs = qs.filter(recipient__username=params.recipient.strip())
    if params.since:
        qs = qs.filter(created_at__gte=params.since)
    if params.until:
        qs = qs.filter(created_at__lt=params.until)
    counts = qs.aggregate(
        pending=Count("pk", filter=Q(state=State.PENDING)), dead=Count("pk", filter=Q(state=State.DEAD))
    )
    rows, next_cursor = page(
        list(
            after(qs, params.cursor)
            .select_related("recipient", "ticket", "carrier")
            .prefetch_related(Prefetch("deliveries", queryset=DeliveryAttempt.objects.order_by("id")))[
                : params.limit + 1
            ]
        ),
        params.limit,
    )
    return respond({"items": [_item(n) for n in rows], "next_cursor": next_cursor, **counts})


def _item(n: Notification) -> dict[str, JsonValue]:
    return {
        "id": n.pk,
        "key": str(n.key),
        "event": n.event,
        "recipient": n.recipient.username if n.recipient is not None else None,  # webhooks go to systems
        "channel": n.channel,
        "carrier": n.carrier.name if n.carrier is not None else None,
        "ticket": n.ticket.number if n.ticket is not None else None,
        "importance": n.importance,
        "subject": n.subject,
        "state": n.state,
        "attempts": n.attempts,
        "created_at": n.created_at,
        "due_at": n.due_at,
        "delivered_at": n.delivered_at,
        "tries": [
            {
                "at": a.started_at,
                "carrier": a.carrier,
                "outcome": a.outcome,
                "code": a.code,
                "response": a.response,
                "error": a.error,
                "duration_ms": a.duration_ms,
            }
            for a in n.deliveries.all()
        ],
    }
