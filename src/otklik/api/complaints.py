"""REST endpoints for complaints: parse → gate → service/selector → serialize.

404 for a complaint (or request) one may not see, 403 for an action one may not take, 409 for a
stale version or an answered complaint, 422 for bad input."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.conf import settings
from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from otklik.accounts.http import AuthedRequest
from otklik.api.respond import respond
from otklik.api.schemas import Ref, Strict, UserRef
from otklik.complaints import serialize as ser
from otklik.complaints.access import access_complaint
from otklik.complaints.models import Complaint
from otklik.complaints.selectors import ComplaintFilters, complaint_history, complaint_list_for
from otklik.complaints.services import (
    complaint_answer,
    complaint_calendar,
    complaint_file,
    complaint_note,
    complaint_take,
)
from otklik.core.clock import now
from otklik.core.jsonvalue import JsonValue
from otklik.core.paging import check_limit
from otklik.tickets.access import access_ticket

router = Router(tags=["complaints"])
TEXT_MAX = settings.MAX_TEXT_LENGTH


class TicketComplaintIn(Strict):
    body: str = Field(..., max_length=TEXT_MAX)


class ComplaintIn(Strict):
    kind: Literal["regulation", "request"] = "regulation"
    body: str = Field(..., max_length=TEXT_MAX)
    ticket: str | int | None = Field(None, description="the request's id or number (required for kind request)")


class TakeIn(Strict):
    version: int


class AnswerIn(Strict):
    decision: Literal["upheld", "rejected"]
    answer: str = Field(..., max_length=TEXT_MAX)
    version: int


class NoteIn(Strict):
    body: str = Field(..., max_length=TEXT_MAX)


class ListQuery(Schema):
    state: str | None = Field(None, description="open, filed, review, upheld, rejected")
    kind: str | None = Field(None, description="request, regulation")
    group: str | None = Field(None, description="the support group's code (in charge when it was filed)")
    agent: str | None = Field(None, description="the executor when it was filed: user name, id or 'me'")
    filed_from: dt.date | None = None
    filed_to: dt.date | None = None
    overdue: bool | None = None
    mine: bool = False
    cursor: str | None = None
    limit: int = 25


class TicketNumber(Schema):
    id: int | None
    number: str | None


class TargetOut(Schema):
    due_at: dt.datetime | None
    met_at: dt.datetime | None
    breached_at: dt.datetime | None
    state: str
    late_seconds: int
    left_seconds: int


class TargetsOut(Schema):
    reaction: TargetOut
    answer: TargetOut


class ComplaintItem(Schema):
    id: int
    number: str
    kind: str
    state: str
    ticket: TicketNumber | None
    author: UserRef | None
    group: Ref | None
    executor: UserRef | None
    filed_at: dt.datetime
    review_at: dt.datetime | None
    answered_at: dt.datetime | None
    targets: TargetsOut
    overdue: bool
    version: int


class ComplaintEventOut(Schema):
    id: int
    at: dt.datetime
    event: str
    actor: UserRef | None
    body: str
    internal: bool


class ComplaintOut(ComplaintItem):
    reviewer: UserRef | None
    body: str
    answer: str
    history: list[ComplaintEventOut]
    actions: list[str]


class ComplaintPage(Schema):
    items: list[ComplaintItem]
    next_cursor: str | None


def _detail(request: AuthedRequest, complaint: Complaint) -> dict[str, JsonValue]:
    return ser.complaint_detail(
        request.user,
        complaint,
        history=complaint_history(request.user, complaint),
        cal=complaint_calendar(),
        moment=now(),
    )


def _fresh(request: AuthedRequest, complaint: Complaint) -> dict[str, JsonValue]:
    return _detail(request, access_complaint(request.user, complaint.pk))


@router.post("/tickets/{ref}/complaints", response={201: ComplaintOut})
def file_on_ticket(request: AuthedRequest, ref: str, payload: TicketComplaintIn) -> HttpResponse:
    ticket = access_ticket(request.user, ref)
    complaint = complaint_file(author=request.user, body=payload.body, ticket=ticket)
    return respond(_fresh(request, complaint), 201)


@router.post("/complaints", response={201: ComplaintOut})
def file(request: AuthedRequest, payload: ComplaintIn) -> HttpResponse:
    ticket = access_ticket(request.user, payload.ticket) if payload.ticket not in (None, "") else None
    complaint = complaint_file(author=request.user, body=payload.body, ticket=ticket, kind=payload.kind)
    return respond(_fresh(request, complaint), 201)


@router.get("/complaints", response=ComplaintPage)
def list_complaints(request: AuthedRequest, params: Query[ListQuery]) -> HttpResponse:
    check_limit(params.limit)
    filters = ComplaintFilters(
        state=params.state,
        kind=params.kind,
        group=params.group,
        agent=params.agent,
        filed_from=params.filed_from,
        filed_to=params.filed_to,
        overdue=params.overdue,
        mine=params.mine,
    )
    items, next_cursor = complaint_list_for(
        request.user, filters, cal=complaint_calendar(), cursor=params.cursor, limit=params.limit
    )
    return respond({"items": [ser.complaint_item(i) for i in items], "next_cursor": next_cursor})


@router.get("/complaints/{ref}", response=ComplaintOut)
def detail(request: AuthedRequest, ref: str) -> HttpResponse:
    return respond(_detail(request, access_complaint(request.user, ref)))


@router.post("/complaints/{ref}/take", response=ComplaintOut)
def take(request: AuthedRequest, ref: str, payload: TakeIn) -> HttpResponse:
    complaint = access_complaint(request.user, ref)
    complaint = complaint_take(complaint=complaint, actor=request.user, version=payload.version)
    return respond(_fresh(request, complaint))


@router.post("/complaints/{ref}/answer", response=ComplaintOut)
def answer(request: AuthedRequest, ref: str, payload: AnswerIn) -> HttpResponse:
    complaint = access_complaint(request.user, ref)
    complaint = complaint_answer(
        complaint=complaint,
        actor=request.user,
        decision=payload.decision,
        answer=payload.answer,
        version=payload.version,
    )
    return respond(_fresh(request, complaint))


@router.post("/complaints/{ref}/notes", response={201: ComplaintEventOut})
def note(request: AuthedRequest, ref: str, payload: NoteIn) -> HttpResponse:
    complaint = access_complaint(request.user, ref)
    event = complaint_note(complaint=complaint, actor=request.user, body=payload.body)
    return respond(ser.event_item(event, {request.user.pk: request.user}), 201)
