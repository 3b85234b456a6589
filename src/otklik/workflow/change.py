"""Changing a request's holder or attributes: reassignment to another executor or group, and staff's
corrections of subject, priority, category and form fields. Each change is a log record with old
and new value; the SLA clocks are recomputed when what selects their policy changed; the calendar
task and the people concerned follow."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from otklik.accounts.directory import directory
from otklik.accounts.models import User
from otklik.catalog.formfields import FieldErrors, validate_fields
from otklik.catalog.reference import reference
from otklik.core.errors import Forbidden, Invalid, out_of_scope, required, unknown
from otklik.core.jsonvalue import JsonValue
from otklik.core.text import clean_text
from otklik.routes.models import Actor
from otklik.sla.calendar_tasks import task_sync
from otklik.sla.services import sla_recompute
from otklik.tickets import notices
from otklik.tickets.access import actor_capacities, actor_role
from otklik.tickets.models import Event, Ticket, search_text
from otklik.tickets.writes import check_open, check_version, log_record, staff_member, ticket_bump

from .create import active_or_refuse, fields_refused


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
    check_open(ticket, "reassigned")
    check_version(ticket, version)
    ref = reference()
    group_id = ticket.group_id
    if group_code is not None and group_code != ticket.group.code:
        group = directory().groups_by_code.get(group_code)
        if group is None or not group.is_active:
            raise Invalid(f"unknown support group {group_code!r}", errors=[unknown("group", value=group_code)])
        group_id = group.pk
    if not _may_assign(actor, ticket, changing_group=group_id != ticket.group_id):
        raise Forbidden(f"you may not reassign {ticket.number}")
    if executor not in (None, ""):
        new_executor_id: int | None = staff_member(executor, group_id=group_id).pk
    elif group_id != ticket.group_id:
        new_executor_id = directory().assignees.get(group_id)
    else:
        raise Invalid("name an executor or a group", errors=[required("executor", message="required")])
    if new_executor_id == ticket.executor_id and group_id == ticket.group_id:
        return ticket

    role = actor_role(actor, ticket)
    old = {"executor": ticket.executor_id, "group": ticket.group_id}
    with transaction.atomic():
        ticket_bump(ticket, version=version, executor_id=new_executor_id, group_id=group_id)
        for field, new in (("group", group_id), ("executor", new_executor_id)):
            if old[field] != new:
                log_record(
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


def ticket_update(*, ticket: Ticket, actor: User, version: int, changes: dict[str, JsonValue]) -> Ticket:
    """Staff correct a request's attributes; each changed attribute is a log record with old and new."""
    check_open(ticket, "edited")
    check_version(ticket, version)
    caps = actor_capacities(actor, ticket)
    if not caps & {Actor.EXECUTOR, Actor.GROUP_MEMBER, Actor.GROUP_LEAD, Actor.MANAGER}:
        raise Forbidden(f"you may not edit {ticket.number}")
    ref = reference()
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise Invalid(f"these cannot be changed: {', '.join(unknown)}")
    updates: dict[str, object] = {}  # the columns' new values
    diffs: list[tuple[str, JsonValue, JsonValue]] = []  # the log records' (field, old, new)
    if "subject" in changes:
        subject = clean_text(changes["subject"], field="subject", limit=settings.MAX_SUBJECT_LENGTH, required=True)
        if subject != ticket.subject:
            updates["subject"] = subject
            updates["search"] = search_text(ticket.number, subject)
            diffs.append(("subject", ticket.subject, subject))
    if "priority" in changes:
        if not changes["priority"]:
            raise Invalid("priority cannot be empty", errors=[required("priority", message="required")])
        priority = active_or_refuse(
            ref.priorities_by_code.get(changes["priority"]), changes["priority"], name="priority"
        )
        if priority.pk != ticket.priority_id:
            updates["priority_id"] = priority.pk
            diffs.append(("priority", ticket.priority.code, priority.code))
    if "category" in changes:
        code = changes["category"] or None
        category = active_or_refuse(ref.categories_by_code.get(code), code, name="category") if code else None
        if category is not None and not category.in_scope:
            raise Invalid(
                f"category {category.code!r} is out of scope", errors=[out_of_scope("category", value=category.code)]
            )
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
            raise fields_refused(exc) from exc
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
            log_record(
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
