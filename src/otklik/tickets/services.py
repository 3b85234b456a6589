"""Writes on requests. Each service is one transaction; a stale version is refused, never overwritten.
Moves along the route live in transitions.py, what the writes share in writes.py; both are
offered from here too, where callers have always found them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import sql

from otklik.accounts.directory import directory
from otklik.accounts.models import User
from otklik.catalog.formfields import FieldErrors, validate_fields
from otklik.catalog.models import RequestType
from otklik.catalog.reference import reference
from otklik.core.clock import now
from otklik.core.errors import Forbidden, Invalid
from otklik.core.refs import as_id
from otklik.core.wakeup import NOTIFY_SQL
from otklik.notify.outbox import queue_rows
from otklik.regulation.selectors import version_in_force_id
from otklik.routes.models import Actor, ReactionKind
from otklik.sla.calendar_tasks import task_created, task_sync
from otklik.sla.models import Clock
from otklik.sla.services import sla_apply_new, sla_on_comment, sla_recompute

from . import notices
from .access import actor_capacities, actor_role, may_participate
from .models import ActorRole, Event, Reaction, Ticket, Watcher, search_text
from .transitions import auto_close_at_for, ticket_auto_confirm, ticket_transition
from .writes import _check_open, _check_version, _log, _staff_member, _text, ticket_bump

__all__ = [
    "ticket_assign",
    "ticket_auto_confirm",
    "ticket_bump",
    "ticket_comment",
    "ticket_create",
    "ticket_transition",
    "ticket_update",
    "ticket_watch",
]


def _active(obj: Any, code: str | None, *, name: str) -> Any:
    """The reference row if it exists and is active, else 422 naming the code."""
    if obj is None or not obj.is_active:
        raise Invalid(f"unknown {name} {code!r}", errors={name: f"unknown {name} {code!r}"})
    return obj


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


def _insert_together(objs: list[Any], *, then: list[str] | None = None) -> None:
    """INSERT several new rows in one round trip. PostgreSQL runs a multi-statement query as one
    implicit transaction: all rows are committed (durably) or none. The SQL is Django's own."""
    parts: list[str] = []
    params: list[Any] = []
    for obj in objs:
        fields = obj._meta.local_concrete_fields
        if obj.pk is None:  # as Model._save_table: the database numbers it
            fields = [f for f in fields if f is not obj._meta.auto_field]
        query = sql.InsertQuery(type(obj))
        query.insert_values(fields, [obj])
        for text, values in query.get_compiler(connection=connection).as_sql():
            parts.append(text)
            params.extend(values)
    parts.extend(then or [])  # plain statements to run in the same batch (NOTIFY)
    with connection.cursor() as cur:
        cur.execute("; ".join(parts), params)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def ticket_create(
    *,
    initiator: User,
    type_code: str,
    subject: str,
    description: str = "",
    priority_code: str | None = None,
    category_code: str | None = None,
    fields: dict[str, Any] | None = None,
) -> Ticket:
    subject = _text(subject, name="subject", limit=settings.MAX_SUBJECT_LENGTH, required=True)
    description = _text(description, name="description", limit=settings.MAX_TEXT_LENGTH)
    ref = reference()
    request_type = ref.types_by_code.get(type_code)
    if request_type is None or not request_type.is_active:
        raise Invalid(f"unknown request type {type_code!r}", errors={"type": f"unknown request type {type_code!r}"})
    if priority_code:
        priority = _active(ref.priorities_by_code.get(priority_code), priority_code, name="priority")
    else:
        priority = ref.default_priority
        if priority is None:
            raise Invalid("no priorities are configured", code="misconfigured")
    category = (
        _active(ref.categories_by_code.get(category_code), category_code, name="category") if category_code else None
    )
    try:
        clean_fields = validate_fields([f.spec() for f in ref.fields_by_type.get(request_type.pk, [])], fields)
    except FieldErrors as exc:
        raise Invalid(f"the form is not filled in correctly: {exc}", errors={"fields": exc.errors}) from exc

    route = ref.routes[request_type.route_id]
    start = ref.start_points.get(route.pk)
    if start is None or not route.is_active:
        raise Invalid(f"the route of {request_type.code} is not active", code="misconfigured")
    group_id = (category.effective_group_id() if category else None) or request_type.default_group_id
    point, executor_id, out_of_scope = start, directory().dispatchers.get(group_id), False
    if category is not None and not category.in_scope:
        note = category.out_of_scope_note or ""
        if route.out_of_scope_point_id is None:
            raise Invalid(
                f"category {category.code!r} is outside the support service's scope. {note}".strip(),
                code="out_of_scope",
                errors={"category": "out of scope"},
            )
        point = ref.points[route.out_of_scope_point_id]
        executor_id, out_of_scope = None, True

    when = now()
    ticket = Ticket(
        request_type=request_type,
        subject=subject,
        description=description,
        fields=clean_fields,
        initiator=initiator,
        organisation_id=initiator.organisation_id,
        category=category,
        priority=priority,
        group_id=group_id,
        executor_id=executor_id,
        point=point,
        is_open=not point.is_final,
        created_at=when,
        updated_at=when,
        closed_at=when if point.is_final else None,
        regulation_version_id=version_in_force_id(),
    )
    records = [
        Reaction(
            actor=initiator, actor_role=ActorRole.INITIATOR, point_id=start.pk, event=Event.CREATED, created_at=when
        )
    ]
    if out_of_scope:
        records.append(
            Reaction(
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
        ticket.search = search_text(ticket.number, subject)

    reserved = _reserve_number_and_id(request_type)
    if reserved is not None:
        # PostgreSQL, outside any caller's transaction: the request and its log in one statement
        # batch, which PostgreSQL runs as one transaction (two round trips in all, not five).
        seq, ticket.pk = reserved
        number(seq)
        outbox = [*notices.on_created(ticket, actor=initiator), *task_created(ticket, clocks)]  # named by number
        for row in (*records, *clocks, *outbox):
            row.ticket_id = ticket.pk
        _insert_together([ticket, *records, *clocks, *outbox], then=[NOTIFY_SQL] if outbox else [])
    else:
        with transaction.atomic():
            number(_next_number(request_type))
            outbox = notices.on_created(ticket, actor=initiator)
            ticket.save(force_insert=True)
            outbox += task_created(ticket, clocks)  # its UID needs the request's id
            for row in (*records, *clocks, *outbox):
                row.ticket = ticket
            Reaction.objects.bulk_create(records)
            Clock.objects.bulk_create(clocks)
            queue_rows(outbox)
    ticket.initiator = initiator
    ticket.organisation = initiator.organisation if initiator.organisation_id else None
    ticket.sla_clocks_new = clocks  # the detail answer shows them without reading them back
    return ref.attach(ticket)


def ticket_comment(*, ticket: Ticket, actor: User, body: str, internal: bool = False) -> Reaction:
    text = _text(body, name="body", limit=settings.MAX_TEXT_LENGTH, required=True)
    if internal and not actor.is_support_staff:
        raise Forbidden("only support staff may write internal notes")
    if not may_participate(actor, ticket):
        raise Forbidden(f"you may not comment on {ticket.number}")
    role = actor_role(actor, ticket)
    reaction = ""
    if not internal and role == ActorRole.INITIATOR:
        reaction = ReactionKind.INITIATOR_REPLIED
    elif not internal and actor.is_support_staff:
        # Any public answer from support counts as support's (the executor side's) reaction.
        reaction = ReactionKind.EXECUTOR_REPLIED
    when = now()
    with transaction.atomic():
        # A reply changes no state, so it bumps no version: it must never make a colleague's
        # pending transition stale. The update comes first: it locks the request's row, so the
        # SLA clocks below are read after any timer worker has finished with them.
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=when)
        # Read the request again under that lock: it may have moved (closed, re-prioritised by an
        # escalation) since the caller fetched it, and the clocks must follow the request as it is.
        ticket.refresh_from_db(
            fields=["is_open", "point", "priority", "group", "category", "sla_breached", "auto_close_at"]
        )
        ticket = reference().attach(ticket)
        if reaction == ReactionKind.INITIATOR_REPLIED and ticket.auto_close_at is not None:
            # The initiator wrote while the resolution waits for them: the confirmation period
            # starts again from now, so the request does not close under what they just said.
            ticket.auto_close_at = auto_close_at_for(ticket, ticket.point, when)
            Ticket.objects.filter(pk=ticket.pk).update(auto_close_at=ticket.auto_close_at)
        record = _log(
            ticket,
            actor=actor,
            role=role,
            point_id=ticket.point_id,
            when=when,
            event=Event.NOTE if internal else Event.COMMENT,
            body=text,
            internal=internal,
            reaction=reaction,
        )
        if not internal:
            sla_on_comment(ticket, reaction=reaction, role=role, when=when)
        watcher_ids = list(Watcher.objects.filter(ticket_id=ticket.pk).values_list("user_id", flat=True))
        notices.on_comment(ticket, actor=actor, body=text, internal=internal, watcher_ids=watcher_ids)
    return record


def _may_assign(actor: User, ticket: Ticket, *, changing_group: bool) -> bool:
    caps = actor_capacities(actor, ticket)
    if Actor.MANAGER in caps or Actor.GROUP_LEAD in caps:
        return True
    return not changing_group and (Actor.GROUP_MEMBER in caps or Actor.EXECUTOR in caps)


def ticket_assign(
    *,
    ticket: Ticket,
    actor: User,
    version: int,
    executor: str | int | None = None,
    group_code: str | None = None,
) -> Ticket:
    _check_open(ticket, "reassigned")
    _check_version(ticket, version)
    ref = reference()
    group_id = ticket.group_id
    if group_code is not None and group_code != ticket.group.code:
        group = directory().groups_by_code.get(group_code)
        if group is None or not group.is_active:
            raise Invalid(f"unknown support group {group_code!r}", errors={"group": "unknown"})
        group_id = group.pk
    if not _may_assign(actor, ticket, changing_group=group_id != ticket.group_id):
        raise Forbidden(f"you may not reassign {ticket.number}")
    if executor not in (None, ""):
        new_executor_id: int | None = _staff_member(executor, group_id=group_id).pk
    elif group_id != ticket.group_id:
        new_executor_id = directory().dispatchers.get(group_id)
    else:
        raise Invalid("name an executor or a group", errors={"executor": "required"})
    if new_executor_id == ticket.executor_id and group_id == ticket.group_id:
        return ticket

    role = actor_role(actor, ticket)
    old = {"executor": ticket.executor_id, "group": ticket.group_id}
    with transaction.atomic():
        ticket_bump(ticket, version=version, executor_id=new_executor_id, group_id=group_id)
        for field, new in (("group", group_id), ("executor", new_executor_id)):
            if old[field] != new:
                _log(
                    ticket,
                    actor=actor,
                    role=role,
                    point_id=ticket.point_id,
                    event=Event.ASSIGNMENT,
                    when=ticket.updated_at,
                    field=field,
                    old_value=old[field],
                    new_value=new,
                )
        if old["group"] != group_id:
            sla_recompute(ticket, when=ticket.updated_at, reason="group")
            old_group = directory().groups.get(old["group"]) if old["group"] else None
            notices.on_changed(
                ref.attach(ticket),
                actor=actor,
                changes=[("group", old_group.code if old_group else None, directory().groups[group_id].code)],
            )
        if old["executor"] != new_executor_id:
            notices.on_assigned(ref.attach(ticket), actor=actor)
            task_sync(ticket)
    return ticket


EDITABLE_FIELDS = ("subject", "priority", "category", "fields")


def ticket_update(*, ticket: Ticket, actor: User, version: int, changes: dict[str, Any]) -> Ticket:
    """Staff correct a request's attributes; each changed attribute is a log record with old and new."""
    _check_open(ticket, "edited")
    _check_version(ticket, version)
    caps = actor_capacities(actor, ticket)
    if not caps & {Actor.EXECUTOR, Actor.GROUP_MEMBER, Actor.GROUP_LEAD, Actor.MANAGER}:
        raise Forbidden(f"you may not edit {ticket.number}")
    ref = reference()
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise Invalid(f"these cannot be changed: {', '.join(unknown)}")
    updates: dict[str, Any] = {}
    diffs: list[tuple[str, Any, Any]] = []
    if "subject" in changes:
        subject = _text(changes["subject"], name="subject", limit=settings.MAX_SUBJECT_LENGTH, required=True)
        if subject != ticket.subject:
            updates["subject"] = subject
            updates["search"] = search_text(ticket.number, subject)
            diffs.append(("subject", ticket.subject, subject))
    if "priority" in changes:
        if not changes["priority"]:
            raise Invalid("priority cannot be empty", errors={"priority": "required"})
        priority = _active(ref.priorities_by_code.get(changes["priority"]), changes["priority"], name="priority")
        if priority.pk != ticket.priority_id:
            updates["priority_id"] = priority.pk
            diffs.append(("priority", ticket.priority.code, priority.code))
    if "category" in changes:
        code = changes["category"] or None
        category = _active(ref.categories_by_code.get(code), code, name="category") if code else None
        if category is not None and not category.in_scope:
            raise Invalid(f"category {category.code!r} is out of scope", errors={"category": "out of scope"})
        new_id = category.pk if category else None
        if new_id != ticket.category_id:
            updates["category_id"] = new_id
            diffs.append(
                ("category", ticket.category.code if ticket.category else None, category.code if category else None)
            )
    if "fields" in changes:
        merged = {**ticket.fields, **(changes["fields"] or {})}
        try:
            clean = validate_fields([f.spec() for f in ref.fields_by_type.get(ticket.request_type_id, [])], merged)
        except FieldErrors as exc:
            raise Invalid(f"the form is not filled in correctly: {exc}", errors={"fields": exc.errors}) from exc
        for key in sorted(set(clean) | set(ticket.fields)):
            if clean.get(key) != ticket.fields.get(key):
                diffs.append((f"fields.{key}", ticket.fields.get(key), clean.get(key)))
        if clean != ticket.fields:
            updates["fields"] = clean
    if not updates:
        return ticket
    role = actor_role(actor, ticket)
    with transaction.atomic():
        ticket_bump(ticket, version=version, **updates)
        for field, old, new in diffs:
            _log(
                ticket,
                actor=actor,
                role=role,
                point_id=ticket.point_id,
                event=Event.FIELD_CHANGE,
                when=ticket.updated_at,
                field=field[:50],
                old_value=old,
                new_value=new,
            )
        if "priority_id" in updates or "category_id" in updates:
            reason = "priority" if "priority_id" in updates else "category"
            sla_recompute(ref.attach(ticket), when=ticket.updated_at, reason=reason)
        if "subject" in updates or "priority_id" in updates:
            task_sync(ticket)
        notices.on_changed(ref.attach(ticket), actor=actor, changes=diffs)
    return ref.attach(ticket)


def ticket_watch(*, ticket: Ticket, actor: User, user_ref: str | int | None = None, add: bool = True) -> bool:
    """Add or remove a watcher (the actor when no one is named). True when something changed."""
    if user_ref in (None, "") or str(user_ref).strip() in (actor.username, str(actor.pk)):
        user = actor
        # Watching lets one reply and add files: a user who may only read (an organisation's
        # requests) must not promote themselves. Anyone may stop watching.
        if add and not actor.is_support_staff and ticket.initiator_id != actor.pk:
            raise Forbidden("only support staff may add watchers; ask them to add you")
    else:
        if not actor.is_support_staff:
            raise Forbidden("only support staff may add or remove other watchers")
        text = str(user_ref)
        qs = User.objects.filter(is_active=True)
        user_id = as_id(text)
        found = qs.filter(pk=user_id).first() if user_id is not None else qs.filter(username=text).first()
        if found is None:
            raise Invalid(f"unknown user {user_ref!r}", errors={"user": "unknown"})
        user = found
    # A watcher sees the whole request: never hand one organisation's request to another's people.
    foreign = user.organisation_id is None or user.organisation_id != ticket.organisation_id
    if add and foreign and not user.is_support_staff and user.pk != ticket.initiator_id:
        raise Invalid(
            f"{user.username} is not of the request's organisation",
            errors={"user": "not of the request's organisation"},
        )
    with transaction.atomic():
        if add:
            _, changed = Watcher.objects.get_or_create(ticket=ticket, user=user)
        else:
            changed = Watcher.objects.filter(ticket=ticket, user=user).delete()[0] > 0
        if changed:
            _log(
                ticket,
                actor=actor,
                role=actor_role(actor, ticket),
                point_id=ticket.point_id,
                event=Event.WATCHER,
                when=now(),
                field="watchers",
                old_value=None if add else user.username,
                new_value=user.username if add else None,
            )
    return changed
