"""Moves along a request's route: a person's (`ticket_transition`, taken by the route's actors)
and the system's (`ticket_auto_confirm`: a resolved request its initiator neither confirmed nor
rejected within the type's confirmation period closes as confirmed automatically).

Both go through `_move`, the one place a move happens: the row (compare-and-set on the version),
the per-stage log, the SLA clocks as the route says, the calendar task, the notifications, the
satisfaction survey on a resolution (feedback.surveys), and the instant the request closes by
itself. That instant (`Ticket.auto_close_at`) is set on arrival at a resolved point from which the
route can record the initiator's confirmation: the end of the Nth working day after the resolution
day in the group's calendar (N = the type's `auto_confirm_days`; never when it is empty). Every
move sets it anew, so leaving the point clears it; the initiator's public reply while it waits
counts it again from the reply (`workflow.comment`).

The worker's job `ticket_auto_confirm_due` claims the requests whose instant has passed (FOR
UPDATE SKIP LOCKED on PostgreSQL: workers take disjoint requests) and moves each after reading it
again under its row lock: a request the initiator confirmed or rejected a moment earlier is left
alone.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import ngettext

from otklik.accounts.directory import directory
from otklik.accounts.models import User
from otklik.catalog.reference import reference
from otklik.core.clock import now
from otklik.core.duework import DueWork, due_work
from otklik.core.errors import Conflict, Forbidden, Invalid, not_allowed, required, unknown
from otklik.core.jsonvalue import JsonValue
from otklik.core.text import clean_text
from otklik.feedback.surveys import survey_on_arrival
from otklik.routes.models import ExecutorOnArrival, PointKind, ReactionKind, RoutePoint, Transition
from otklik.sla.calendar_tasks import task_sync
from otklik.sla.reference import sla_reference
from otklik.sla.services import sla_on_transition
from otklik.tickets import notices
from otklik.tickets.access import actor_role, may_take
from otklik.tickets.models import ActorRole, Event, LogRecord, Ticket
from otklik.tickets.writes import check_version, log_record, staff_member, ticket_bump

log = logging.getLogger("otklik.tickets")  # the requests' log, as it always was

BATCH = 100
RETRY_AFTER = dt.timedelta(minutes=5)  # a request whose closing failed is looked at again then


def ticket_transition(
    *,
    ticket: Ticket,
    actor: User,
    transition_code: str,
    version: int,
    comment: str | None = None,
    executor: str | int | None = None,
) -> Ticket:
    """A person takes one of the route's transitions from the request's point."""
    check_version(ticket, version)
    transition = _transition(ticket, transition_code)
    if not may_take(actor, ticket, transition):
        raise Forbidden(f"you may not take transition {transition_code!r} on {ticket.number}")
    body = clean_text(comment, field="comment", limit=settings.MAX_TEXT_LENGTH, required=transition.comment_required)
    _move(
        ticket,
        transition=transition,
        actor=actor,
        role=actor_role(actor, ticket),
        version=version,
        body=body,
        executor_id=_executor_on_arrival(ticket, transition, actor=actor, chosen=executor),
        reaction=transition.reaction,
    )
    return ticket


def _transition(ticket: Ticket, code: str) -> Transition:
    ref = reference()
    transition = next((t for t in ref.outgoing.get(ticket.point_id, []) if t.code == code), None)
    if transition is not None:
        return transition
    route_codes = {t.code for ts in ref.outgoing.values() for t in ts if t.route_id == ticket.point.route_id}
    if code in route_codes:
        raise Conflict(f"transition {code!r} cannot be taken from point {ticket.point.code!r}", code="wrong_point")
    raise Invalid(f"unknown transition {code!r}", errors=[unknown("transition", value=code)])


def _executor_on_arrival(
    ticket: Ticket, transition: Transition, *, actor: User | None, chosen: str | int | None
) -> int | None:
    """Who executes the request at the target point. The system (no actor) neither takes a
    request itself nor chooses someone: there the executor stays."""
    rule = transition.executor_on_arrival
    if rule != ExecutorOnArrival.CHOSEN and chosen not in (None, ""):
        raise Invalid(
            f"transition {transition.code!r} does not let you choose the executor",
            errors=[not_allowed("executor", message="not allowed for this transition")],
        )
    if rule == ExecutorOnArrival.CHOSEN and actor is not None:
        if chosen in (None, ""):
            raise Invalid(
                f"transition {transition.code!r} needs the executor to be chosen",
                errors=[required("executor", message="required")],
            )
        return staff_member(chosen, group_id=ticket.group_id).pk
    if rule == ExecutorOnArrival.ACTOR and actor is not None:
        return actor.pk
    if rule == ExecutorOnArrival.DISPATCHER:
        return directory().assignees.get(ticket.group_id)
    if rule == ExecutorOnArrival.INITIATOR:
        return ticket.initiator_id
    return ticket.executor_id


def _move(
    ticket: Ticket,
    *,
    transition: Transition,
    actor: User | None,
    role: str,
    version: int,
    body: str,
    executor_id: int | None,
    reaction: str,
    new_value: JsonValue = None,  # the log record's (an automatic confirmation notes its working days)
    reply: bool = False,  # the initiator's reply took it: the comment's notifications go out too
) -> LogRecord:
    """The move itself, in one transaction (the caller checked who may take it); returns the log
    record of the move (the request itself is updated in place)."""
    ref = reference()
    target: RoutePoint = transition.target
    source = ref.points[ticket.point_id]
    old_executor_id = ticket.executor_id
    executor_changed = executor_id != old_executor_id
    when = now()
    with transaction.atomic():
        ticket_bump(
            ticket,
            version=version,
            updated_at=when,
            point_id=target.pk,
            executor_id=executor_id,
            is_open=not target.is_final,
            closed_at=when if target.is_final else None,
            auto_close_at=auto_close_at_for(ticket, target, when),
        )
        record = log_record(
            ticket,
            actor=actor,
            role=role,
            point_id=source.pk,
            event=Event.TRANSITION,
            when=when,
            transition=transition,
            to_point=target,
            reaction=reaction,
            body=body,
            new_value=new_value,
        )
        if executor_changed:
            log_record(
                ticket,
                actor=actor,
                role=role,
                point_id=target.pk,
                event=Event.ASSIGNMENT,
                when=when,
                field="executor",
                old_value=old_executor_id,
                new_value=executor_id,
            )
        sla_on_transition(
            ticket, reaction=reaction, role=role, target_clock=target.clock, final=target.is_final, when=when
        )
        if executor_changed or source.is_final != target.is_final:
            task_sync(ticket)  # a change of the deadline alone was synced by the SLA ledger
        notices.on_transition(
            ticket, actor=actor, stage=target, comment=body, executor_changed=executor_changed, reply=reply
        )
        survey_on_arrival(ticket, source=source, target=target, when=when)
    ticket.point = target
    return record


# --- the initiator's reply at a waiting point ------------------------------------------------------


def reply_transition(point_id: int) -> Transition | None:
    """The transition the initiator's public reply takes at this point: the one the route names
    for a waiting point (`RoutePoint.on_reply`), if it starts there; else None (a reply is a reply)."""
    ref = reference()
    point = ref.points.get(point_id)
    if point is None or point.kind != PointKind.WAITING or point.on_reply_id is None:
        return None
    return next((t for t in ref.outgoing.get(point_id, []) if t.pk == point.on_reply_id), None)


def move_on_reply(ticket: Ticket, *, transition: Transition, actor: User, body: str) -> LogRecord:
    """The initiator answered at a waiting point: their reply is their reaction, and the request
    takes the route's on-reply transition as theirs, with the reply as its comment (the clocks,
    the calendar task, the notifications as that transition goes, and the comment's to those only
    the comment rules reach). Called by `ticket_comment`
    inside its transaction, the request's row locked and read again, so its version is current.
    Nobody chooses an executor here: an executor the transition would take from its taker or a
    choice stays as it is."""
    return _move(
        ticket,
        transition=transition,
        actor=actor,
        role=ActorRole.INITIATOR,
        version=ticket.version,
        body=body,
        executor_id=_executor_on_arrival(ticket, transition, actor=None, chosen=None),
        reaction=transition.reaction or ReactionKind.INITIATOR_REPLIED,
        new_value={"on_reply": True},
        reply=True,
    )


# --- confirmation of the resolution -----------------------------------------------------------------


def confirm_transition(point_id: int) -> Transition | None:
    """The route's way out of a point that records the initiator's confirmation (the first, in order)."""
    return next(
        (t for t in reference().outgoing.get(point_id, []) if t.reaction == ReactionKind.INITIATOR_CONFIRMED), None
    )


def auto_close_at_for(ticket: Ticket, target: RoutePoint, when: dt.datetime) -> dt.datetime | None:
    """When a request arriving at `target` at `when` closes by itself, if it does."""
    if target.kind != PointKind.RESOLVED or confirm_transition(target.pk) is None:
        return None
    days = reference().types[ticket.request_type_id].auto_confirm_days
    if days is None:
        return None
    sref = sla_reference()
    return sref.calendar(sref.calendar_id_for(None, ticket.group_id)).end_of_working_day(when, days)


def auto_confirm_text(days: int) -> str:
    """The log's words for a request closed by the system, in the active language."""
    return ngettext(
        "Confirmed automatically: the initiator neither confirmed nor rejected the resolution within "
        "%(days)s working day.",
        "Confirmed automatically: the initiator neither confirmed nor rejected the resolution within "
        "%(days)s working days.",
        days,
    ) % {"days": days}


def ticket_auto_confirm(*, ticket_id: int, moment: dt.datetime | None = None) -> bool:
    """Close one resolved request whose confirmation period has run out, as the system, by the
    route's confirm transition (log reaction auto_confirmed, no actor, role system). The request is
    read again under its row lock: False, and nothing done, when it no longer waits (confirmed,
    rejected or moved a moment ago, or not due yet). A request whose route or type no longer
    closes it by itself (the confirm transition or the type's period was removed meanwhile) waits
    for its initiator after all."""
    moment = moment or now()
    with transaction.atomic():
        qs = Ticket.objects.filter(pk=ticket_id)
        if connection.features.has_select_for_update:
            qs = qs.select_for_update(of=("self",))
        ticket = qs.first()
        if ticket is None or not ticket.is_open or ticket.auto_close_at is None or ticket.auto_close_at > moment:
            return False
        ticket = reference().attach(ticket)
        transition = confirm_transition(ticket.point_id)
        days = reference().types[ticket.request_type_id].auto_confirm_days
        if transition is None or ticket.point.kind != PointKind.RESOLVED or days is None:
            Ticket.objects.filter(pk=ticket.pk).update(auto_close_at=None)
            return False
        with translation.override(settings.LANGUAGE_CODE):  # the log keeps the service's language
            body = auto_confirm_text(days)
        _move(
            ticket,
            transition=transition,
            actor=None,
            role=ActorRole.SYSTEM,
            version=ticket.version,
            body=body,
            executor_id=_executor_on_arrival(ticket, transition, actor=None, chosen=None),
            reaction=ReactionKind.AUTO_CONFIRMED,
            new_value={"working_days": days},
        )
    return True


AUTO_CONFIRM: DueWork[Ticket, None] = DueWork(
    what="auto-confirm",
    noun="request",
    failed="could not be closed",
    # Only the id: each request is read again under its lock by ticket_auto_confirm.
    due=lambda moment: Ticket.objects.filter(auto_close_at__lte=moment).order_by("auto_close_at", "id").only("pk"),
    handle=lambda ticket, moment, _: ticket_auto_confirm(ticket_id=ticket.pk, moment=moment),
    retry=lambda ticket, at: Ticket.objects.filter(pk=ticket.pk).update(auto_close_at=at),
    log=log,
    batch=BATCH,
    retry_after=RETRY_AFTER,
)


def ticket_auto_confirm_due(*, batch: int = BATCH, budget_seconds: float = 5.0) -> int:
    """The worker's job: close the requests whose confirmation period has run out, for at most about
    `budget_seconds`; returns the number of requests handled (0: nothing was due)."""
    return due_work(AUTO_CONFIRM, batch=batch, budget_seconds=budget_seconds)
