"""Filing a request: the request, its first log records, its SLA clocks, its calendar task and its
notifications, written together (on PostgreSQL in one batch of statements: two round trips)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction

from otklik.accounts.directory import directory
from otklik.accounts.models import User
from otklik.catalog.formfields import FieldErrors, validate_fields
from otklik.catalog.models import Category, Priority, RequestType
from otklik.catalog.reference import reference
from otklik.core.clock import now
from otklik.core.errors import Invalid, Refusals, out_of_scope, unknown
from otklik.core.jsonvalue import JsonValue
from otklik.core.rowsjson import insert_rows
from otklik.core.text import clean_text
from otklik.core.wakeup import NOTIFY_SQL
from otklik.notify.models import Notification
from otklik.notify.outbox import queue_rows
from otklik.regulation.selectors import version_in_force_id
from otklik.routes.models import ReactionKind, RoutePoint
from otklik.sla.calendar_tasks import task_created
from otklik.sla.models import Clock
from otklik.sla.services import sla_apply_new
from otklik.tickets import notices
from otklik.tickets.attachments import attachments_check
from otklik.tickets.models import ActorRole, Event, LogRecord, Ticket, search_text


class _Switchable(Protocol):
    @property
    def is_active(self) -> bool: ...


_Ref = TypeVar("_Ref", bound=_Switchable)


def active_or_refuse(obj: _Ref | None, code: str | None, *, name: str) -> _Ref:
    """The reference row if it exists and is active, else 422 naming the code."""
    if obj is None or not obj.is_active:
        raise Invalid(
            f"unknown {name} {code!r}", errors=[unknown(name, message=f"unknown {name} {code!r}", value=code)]
        )
    return obj


def fields_refused(exc: FieldErrors) -> Invalid:
    """The form's problems as the request's: each named `fields.<code>`."""
    return Invalid(f"the form is not filled in correctly: {exc}", errors=[e.within("fields") for e in exc.errors])


_NEXT_NUMBER_SQL = (
    f"UPDATE {RequestType._meta.db_table} SET last_number = last_number + 1 "  # noqa: S608
    "WHERE id = %s RETURNING last_number"
)


_RESERVE_NUMBER_SQL = (
    f"UPDATE {RequestType._meta.db_table} SET last_number = last_number + 1 "  # noqa: S608
    "WHERE id = %s AND set_config('synchronous_commit', 'off', true) IS NOT NULL "
    f"RETURNING last_number, nextval(pg_get_serial_sequence('{Ticket._meta.db_table}', 'id'))"
)


def _next_number(request_type: RequestType) -> int:
    """The next number of a type, inside the caller's transaction: the row lock queues
    concurrent creators of the type until that transaction ends. Unique and gap-free."""
    with connection.cursor() as cur:
        cur.execute(_NEXT_NUMBER_SQL, [request_type.pk])
        return int(cur.fetchone()[0])


def _reserve_number_and_id(request_type: RequestType) -> tuple[int, int] | None:
    """On PostgreSQL, outside any caller's transaction: take the number in a transaction of its
    own, so the row lock is held for one UPDATE instead of until the request's commit (that
    hold capped creates of one type at ~285/s). Its commit need not wait for the disk: the
    request's own commit comes later in the WAL, and flushing it flushes this. A number is
    skipped only if the request's transaction then fails (validation runs before it)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    # One statement in autocommit mode is its own transaction; set_config(…, true) in its WHERE
    # makes that transaction's commit asynchronous: one round trip in all. It also takes the
    # request's id, so the request and its log can be written together.
    with connection.cursor() as cur:
        cur.execute(_RESERVE_NUMBER_SQL, [request_type.pk])
        seq, ticket_id = cur.fetchone()
        return int(seq), int(ticket_id)


@dataclass
class _Filing:
    """What a new request is, once every check has passed."""

    subject: str
    description: str
    request_type: RequestType
    priority: Priority
    category: Category | None
    fields: dict[str, JsonValue]
    start: RoutePoint  # the route's first point
    point: RoutePoint  # where it is filed: the start, or the out-of-scope point that declines it
    group_id: int
    executor_id: int | None
    declined: bool  # out of scope: filed and declined at once


def _checked(
    *,
    type_code: str,
    subject: str,
    description: str,
    priority_code: str | None,
    category_code: str | None,
    fields: dict[str, JsonValue] | None,
    files: Sequence[UploadedFile],
) -> _Filing:
    """Every check of a new request; all the problems refused together, in the form's order."""
    refused = Refusals()
    with refused:
        subject = clean_text(subject, field="subject", limit=settings.MAX_SUBJECT_LENGTH, required=True)
    with refused:
        description = clean_text(description, field="description", limit=settings.MAX_TEXT_LENGTH)
    ref = reference()
    request_type = ref.types_by_code.get(type_code)
    if request_type is None or not request_type.is_active:
        message = f"unknown request type {type_code!r}"
        refused.add(Invalid(message, errors=[unknown("type", message=message, value=type_code)]))
    priority = ref.default_priority
    if priority_code:
        with refused:
            priority = active_or_refuse(ref.priorities_by_code.get(priority_code), priority_code, name="priority")
    elif priority is None:
        refused.raise_any()
        raise Invalid("no priorities are configured", code="misconfigured")
    category = None
    if category_code:
        with refused:
            category = active_or_refuse(ref.categories_by_code.get(category_code), category_code, name="category")
    clean_fields: dict[str, JsonValue] = {}
    if request_type is not None:
        try:
            clean_fields = validate_fields([f.spec() for f in ref.fields_by_type.get(request_type.pk, [])], fields)
        except FieldErrors as exc:
            refused.add(fields_refused(exc))
    with refused:
        attachments_check(files)
    if request_type is None or priority is None:
        refused.raise_any()  # an unknown type or priority is among them
    assert request_type is not None and priority is not None

    route = ref.routes[request_type.route_id]
    start = ref.start_points.get(route.pk)
    if start is None or not route.is_active:
        refused.raise_any()
        raise Invalid(f"the route of {request_type.code} is not active", code="misconfigured")
    group_id = (category.effective_group_id() if category else None) or request_type.default_group_id
    point, executor_id, declined = start, directory().assignees.get(group_id), False
    if category is not None and not category.in_scope:
        if route.out_of_scope_point_id is None:
            note = category.out_of_scope_note or ""
            refused.add(
                Invalid(
                    f"category {category.code!r} is outside the support service's scope. {note}".strip(),
                    code="out_of_scope",
                    errors=[out_of_scope("category", value=category.code)],
                )
            )
        else:  # filed and declined at once
            point, executor_id, declined = ref.points[route.out_of_scope_point_id], None, True
    refused.raise_any()
    return _Filing(
        subject,
        description,
        request_type,
        priority,
        category,
        clean_fields,
        start,
        point,
        group_id,
        executor_id,
        declined,
    )


def ticket_create(
    *,
    initiator: User,
    type_code: str,
    subject: str,
    description: str = "",
    priority_code: str | None = None,
    category_code: str | None = None,
    fields: dict[str, JsonValue] | None = None,
    files: Sequence[UploadedFile] = (),
) -> Ticket:
    """File a request. Every problem of what was given is refused at once (one 422 listing each
    field's; its detail the first one's). `files` are the files to go with it, checked with the
    rest so that nothing is filed when one is refused; the caller attaches them once it is filed."""
    new = _checked(
        type_code=type_code,
        subject=subject,
        description=description,
        priority_code=priority_code,
        category_code=category_code,
        fields=fields,
        files=files,
    )
    ref = reference()
    request_type, category, start, point = new.request_type, new.category, new.start, new.point
    when = now()
    ticket = Ticket(
        request_type=request_type,
        subject=new.subject,
        description=new.description,
        fields=new.fields,
        initiator=initiator,
        organisation_id=initiator.organisation_id,
        category=category,
        priority=new.priority,
        group_id=new.group_id,
        executor_id=new.executor_id,
        point=point,
        is_open=not point.is_final,
        created_at=when,
        updated_at=when,
        closed_at=when if point.is_final else None,
        regulation_version_id=version_in_force_id(),
    )
    records = [
        LogRecord(
            actor=initiator, actor_role=ActorRole.INITIATOR, point_id=start.pk, event=Event.CREATED, created_at=when
        )
    ]
    if new.declined and category is not None:
        records.append(
            LogRecord(
                actor=None,
                actor_role=ActorRole.SYSTEM,
                point_id=start.pk,
                event=Event.TRANSITION,
                created_at=when,
                reaction=ReactionKind.DECLINED_OUT_OF_SCOPE,
                to_point=point,
                body=category.out_of_scope_note,
            )
        )

    clocks, sla_records = sla_apply_new(ticket, when=when)
    records.extend(sla_records)

    def number(seq: int) -> None:
        ticket.seq = seq
        ticket.number = f"{request_type.prefix}-{seq:06d}"
        ticket.search = search_text(ticket.number, new.subject)

    reserved = _reserve_number_and_id(request_type)
    if reserved is not None:
        # PostgreSQL, outside any caller's transaction: the request and its log in one statement
        # batch, which PostgreSQL runs as one transaction (two round trips in all, not five).
        seq, ticket.pk = reserved
        number(seq)
        outbox = [*notices.on_created(ticket, actor=initiator), *task_created(ticket, clocks)]  # named by number
        rows: list[LogRecord | Clock | Notification] = [*records, *clocks, *outbox]
        for row in rows:
            row.ticket_id = ticket.pk
        insert_rows([ticket, *records, *clocks, *outbox], then=[NOTIFY_SQL] if outbox else [])
    else:
        with transaction.atomic():
            number(_next_number(request_type))
            outbox = notices.on_created(ticket, actor=initiator)
            ticket.save(force_insert=True)
            outbox += task_created(ticket, clocks)  # its UID needs the request's id
            rows = [*records, *clocks, *outbox]
            for row in rows:
                row.ticket = ticket
            LogRecord.objects.bulk_create(records)
            Clock.objects.bulk_create(clocks)
            queue_rows(outbox)
    ticket.initiator = initiator
    ticket.organisation = initiator.organisation if initiator.organisation_id else None
    # The detail answer shows them without reading them back (not a field: unknown to the checker).
    ticket.sla_clocks_new = clocks  # type: ignore[attr-defined]
    return ref.attach(ticket)
