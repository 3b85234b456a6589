"""A public comment or an internal note on a request: the log record, the SLA clocks it drives
(support's answer meets the reaction targets, the initiator's starts the next reaction's), the
confirmation period it restarts, and who is told.

The initiator's public reply while the request waits for them at a point whose route names a
transition for it (`RoutePoint.on_reply`) is their reaction: in the same transaction the request
takes that transition as theirs, the reply its comment (workflow.transitions.move_on_reply). Every
path that adds a comment ends here: the page's reply box, the API, the mail gateway. A watcher's
or staff member's reply, or an internal note, moves nothing."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from otklik.accounts.models import User
from otklik.catalog.reference import reference
from otklik.core.clock import now
from otklik.core.errors import Forbidden
from otklik.core.text import clean_text
from otklik.routes.models import ReactionKind
from otklik.sla.services import sla_on_comment
from otklik.tickets import notices
from otklik.tickets.access import actor_role, may_participate
from otklik.tickets.models import ActorRole, Event, LogRecord, Ticket, Watcher
from otklik.tickets.writes import log_record

from .transitions import auto_close_at_for, move_on_reply, reply_transition


def ticket_comment(*, ticket: Ticket, actor: User, body: str, internal: bool = False) -> LogRecord:
    """The log record of the comment; when the initiator's reply moved the request, the record of
    that move (event `transition`, the reply its body, the request updated in place)."""
    text = clean_text(body, field="body", limit=settings.MAX_TEXT_LENGTH, required=True)
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
            fields=[
                "is_open",
                "point",
                "priority",
                "group",
                "category",
                "sla_breached",
                "auto_close_at",
                "version",
                "executor",
            ]
        )
        ticket = reference().attach(ticket)
        on_reply = reply_transition(ticket.point_id) if reaction == ReactionKind.INITIATOR_REPLIED else None
        if on_reply is not None:
            return move_on_reply(ticket, transition=on_reply, actor=actor, body=text)
        if reaction == ReactionKind.INITIATOR_REPLIED and ticket.auto_close_at is not None:
            # The initiator wrote while the resolution waits for them: the confirmation period
            # starts again from now, so the request does not close under what they just said.
            ticket.auto_close_at = auto_close_at_for(ticket, ticket.point, when)
            Ticket.objects.filter(pk=ticket.pk).update(auto_close_at=ticket.auto_close_at)
        record = log_record(
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
