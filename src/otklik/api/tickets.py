"""REST endpoints for requests: parse → gate → service/selector → serialize."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from otklik.accounts.directory import directory
from otklik.accounts.http import AuthedRequest
from otklik.accounts.people import people
from otklik.api.respond import respond
from otklik.api.schemas import (
    ActivityOut,
    AssignIn,
    AttachmentOut,
    CommentIn,
    TicketIn,
    TicketOut,
    TicketPage,
    TicketPatch,
    TransitionIn,
    WatcherIn,
)
from otklik.catalog.reference import reference
from otklik.core.errors import NotFound
from otklik.core.i18n import current_language
from otklik.core.jsonvalue import JsonValue
from otklik.core.paging import check_limit
from otklik.feedback.surveys import survey_dict, survey_for
from otklik.regulation.selectors import version_number
from otklik.sla.selectors import sla_targets
from otklik.tickets import serialize as ser
from otklik.tickets.access import access_ticket, available_transitions, may_see_rating
from otklik.tickets.attachments import access_attachment, attachment_add
from otklik.tickets.models import Attachment, Ticket, Watcher
from otklik.tickets.selectors import TicketFilters, ticket_activity, ticket_list_for
from otklik.tickets.watchers import ticket_watch
from otklik.workflow import ticket_assign, ticket_comment, ticket_create, ticket_transition, ticket_update

router = Router(tags=["tickets"])


class ListQuery(Schema):
    state: str | None = None
    type: str | None = None
    executor: str | None = None
    group: str | None = None
    initiator: str | None = None
    priority: str | None = None
    mine: bool = False
    breached: bool | None = None
    at_risk: bool | None = None
    q: str | None = None
    cursor: str | None = None
    limit: int = 25


def _detail(request: AuthedRequest, ticket: Ticket, *, new: bool = False) -> dict[str, JsonValue]:
    """The request as the caller sees it. People and the organisation come from in-process
    caches, so this reads only the watcher ids, the attachments and the survey (nothing, for a new
    request)."""
    user = request.user
    watcher_ids: list[int] = []
    attachments: list[Attachment] = []
    survey = None
    if not new:
        watcher_ids = list(Watcher.objects.filter(ticket_id=ticket.pk).order_by("id").values_list("user_id", flat=True))
        attachments = list(Attachment.objects.filter(ticket_id=ticket.pk).order_by("id"))
        # The rating is the initiator's and support's business (watchers and readers: null).
        survey = survey_for(ticket) if may_see_rating(user, ticket) else None
    if not user.is_support_staff:
        attachments = [a for a in attachments if not a.internal]
    who = people([ticket.initiator_id, ticket.executor_id, *watcher_ids])
    org = directory().organisations.get(ticket.organisation_id) if ticket.organisation_id else None
    return ser.ticket_detail(
        ticket,
        transitions=available_transitions(user, ticket),
        watchers=[who[i] for i in watcher_ids if i in who],
        attachments=attachments,
        who=who,
        organisation=org.name if org else None,
        sla=sla_targets(ticket, clocks=getattr(ticket, "sla_clocks_new", None) if new else None),
        regulation_version=version_number(ticket.regulation_version_id),
        feedback=survey_dict(survey),
    )


def _fresh(request: AuthedRequest, ref: int | str) -> dict[str, JsonValue]:
    return _detail(request, access_ticket(request.user, ref))


def _after_own_change(request: AuthedRequest, ticket: Ticket) -> dict[str, JsonValue]:
    """The request after a change the caller was allowed to make, even when that change took it
    out of their sight (moved to another group, stopped watching): the write succeeded, so the
    answer is 200 with the result, not a 404 that reads as a failure."""
    try:
        return _fresh(request, ticket.pk)
    except NotFound:
        return _detail(request, reference().attach(Ticket.objects.get(pk=ticket.pk)))


@router.post("", response={201: TicketOut})
def create(request: AuthedRequest, payload: TicketIn) -> HttpResponse:
    ticket = ticket_create(
        initiator=request.user,
        type_code=payload.type,
        subject=payload.subject,
        description=payload.description,
        priority_code=payload.priority,
        category_code=payload.category,
        fields=payload.fields,
    )
    # A request just filed has no watchers or attachments yet: answer from what is in memory.
    return respond(_detail(request, ticket, new=True), 201)


@router.get("", response=TicketPage)
def list_tickets(request: AuthedRequest, params: Query[ListQuery]) -> HttpResponse:
    check_limit(params.limit)
    filters = TicketFilters(
        state=params.state,
        type=params.type,
        executor=params.executor,
        group=params.group,
        mine=params.mine,
        breached=params.breached,
        at_risk=params.at_risk,
        initiator=params.initiator,
        priority=params.priority,
        q=params.q,
    )
    rows, next_cursor = ticket_list_for(request.user, filters, cursor=params.cursor, limit=params.limit)
    who = people(i for t in rows for i in (t.initiator_id, t.executor_id))
    lang = current_language()
    return respond({"items": [ser.ticket_item(t, who, lang) for t in rows], "next_cursor": next_cursor})


@router.get("/{ref}", response=TicketOut)
def detail(request: AuthedRequest, ref: str) -> HttpResponse:
    return respond(_fresh(request, ref))


@router.patch("/{ref}", response=TicketOut)
def update(request: AuthedRequest, ref: str, payload: TicketPatch) -> HttpResponse:
    ticket = access_ticket(request.user, ref)
    changes = {k: getattr(payload, k) for k in payload.model_fields_set if k != "version"}
    ticket_update(ticket=ticket, actor=request.user, version=payload.version, changes=changes)
    return respond(_fresh(request, ticket.pk))


@router.post("/{ref}/transitions", response=TicketOut)
def transition(request: AuthedRequest, ref: str, payload: TransitionIn) -> HttpResponse:
    ticket = access_ticket(request.user, ref)
    ticket_transition(
        ticket=ticket,
        actor=request.user,
        transition_code=payload.transition,
        version=payload.version,
        comment=payload.comment,
        executor=payload.executor,
    )
    return respond(_fresh(request, ticket.pk))


@router.post("/{ref}/assign", response=TicketOut)
def assign(request: AuthedRequest, ref: str, payload: AssignIn) -> HttpResponse:
    ticket = access_ticket(request.user, ref)
    ticket_assign(
        ticket=ticket,
        actor=request.user,
        version=payload.version,
        executor=payload.executor,
        group_code=payload.group,
    )
    return respond(_after_own_change(request, ticket))


@router.post("/{ref}/comments", response={201: ActivityOut})
def comment(request: AuthedRequest, ref: str, payload: CommentIn) -> HttpResponse:
    ticket = access_ticket(request.user, ref)
    record = ticket_comment(ticket=ticket, actor=request.user, body=payload.body, internal=payload.internal)
    # The stage it was written at: the initiator's reply may have moved the request on since.
    record.actor, record.point = request.user, reference().points.get(record.point_id) or record.point
    return respond(ser.activity_item(record), 201)


@router.get("/{ref}/activity", response=list[ActivityOut])
def activity(request: AuthedRequest, ref: str) -> HttpResponse:
    ticket = access_ticket(request.user, ref)
    return respond([ser.activity_item(r) for r in ticket_activity(request.user, ticket)])


@router.post("/{ref}/watchers", response=TicketOut)
def watch(request: AuthedRequest, ref: str, payload: WatcherIn) -> HttpResponse:
    ticket = access_ticket(request.user, ref)
    ticket_watch(ticket=ticket, actor=request.user, user_ref=payload.user, add=True)
    return respond(_fresh(request, ticket.pk))


@router.delete("/{ref}/watchers/{user}", response=TicketOut)
def unwatch(request: AuthedRequest, ref: str, user: str) -> HttpResponse:
    ticket = access_ticket(request.user, ref)
    ticket_watch(ticket=ticket, actor=request.user, user_ref=user, add=False)
    return respond(_after_own_change(request, ticket))


@router.post("/{ref}/attachments", response={201: AttachmentOut})
def upload(request: AuthedRequest, ref: str, file: File[UploadedFile], internal: Form[bool] = False) -> HttpResponse:
    ticket = access_ticket(request.user, ref)
    att = attachment_add(ticket=ticket, actor=request.user, upload=file, internal=internal)
    return respond(ser.attachment_dict(att), 201)


@router.get("/{ref}/attachments/{attachment_id}")
def download(request: AuthedRequest, ref: str, attachment_id: int) -> FileResponse:
    ticket = access_ticket(request.user, ref)
    att = access_attachment(request.user, ticket, attachment_id)
    try:
        handle = att.file.open("rb")
    except FileNotFoundError:
        raise NotFound(f"the file of attachment {attachment_id} is missing from storage", code="file_missing") from None
    response = FileResponse(handle, as_attachment=True, filename=att.name)
    response["Content-Type"] = "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
