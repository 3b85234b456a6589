"""Writes on complaints (рекламации). Each service is one transaction: the complaint, its history
record, for a complaint naming a request a record in that request's per-stage log, and the
notification rows commit together or not at all. A stale `version` is refused, never overwritten.

The rules (README, "Complaints"):
- A complaint about how a request was handled is filed by that request's initiator. A complaint
  about a violation of the regulation may be filed by any signed-in person, naming a request they
  may see or none.
- Support staff (agents, leads, managers, administrators) file no complaints: a complaint is the
  voice of the people served about the service the staff are part of; staff take a problem to
  their lead. One open complaint per person and request, and one open complaint about the
  regulation per person: a second one waits for the first answer. At most COMPLAINTS_PER_DAY
  complaints per person in any 24 hours (429).
- The support managers take a complaint under review (filed → review), answer it (filed or
  review → upheld or rejected, with an answer to the author) and write internal notes.
- Targets in working time (the complaints' calendar of the feedback settings, else the default
  calendar) are fixed when the complaint is filed: a later change of the settings does not move
  the deadlines of complaints already filed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction

from otklik.accounts.models import User
from otklik.core.clock import now
from otklik.core.errors import Conflict, Forbidden, Invalid, NotFound, TooMany, not_a_choice, required
from otklik.core.text import clean_text
from otklik.feedback.models import FeedbackSettings
from otklik.routes.models import ReactionKind
from otklik.sla.calendar import WorkCalendar
from otklik.sla.reference import SlaReference, sla_reference
from otklik.tickets.access import actor_role, may_see
from otklik.tickets.models import Event, LogRecord, Ticket

from . import notices
from .access import require_handler
from .clock import ANSWER, REACTION, deadlines, next_check, to_record
from .models import Complaint, ComplaintEvent, ComplaintEventKind, ComplaintKind, ComplaintState

OPEN = (ComplaintState.FILED, ComplaintState.REVIEW)
DECISIONS = (ComplaintState.UPHELD, ComplaintState.REJECTED)
BREACH_EVENTS = {REACTION: ComplaintEventKind.REACTION_BREACHED, ANSWER: ComplaintEventKind.ANSWER_BREACHED}


def complaint_calendar(fs: FeedbackSettings | None = None) -> WorkCalendar:
    """The working time complaint targets count in: the settings' calendar, else the default one
    (round the clock when there is no calendar at all)."""
    fs = fs if fs is not None else FeedbackSettings.current()
    sref = sla_reference()
    return sref.calendar(complaint_calendar_id(fs, sref))


def complaint_calendar_id(fs: FeedbackSettings, sref: SlaReference) -> int | None:
    """Which calendar that is (the regulation names it): the settings' own when it is usable,
    else the SLA configuration's default."""
    return fs.complaint_calendar_id if fs.complaint_calendar_id in sref.calendars else sref.default_calendar_id


def _log(
    ticket: Ticket, complaint: Complaint, *, actor: User, when: dt.datetime, body: str = "", reaction: str = ""
) -> LogRecord:
    """The complaint's step in the request's per-stage log: public for the initiator's own
    complaint; internal (support staff only) for anyone else's, whose complaint is theirs to tell."""
    return LogRecord.objects.create(
        ticket=ticket,
        internal=complaint.author_id != ticket.initiator_id,
        actor=actor,
        actor_role=actor_role(actor, ticket),
        point_id=ticket.point_id,
        event=Event.COMPLAINT,
        created_at=when,
        reaction=reaction,
        body=body,
        field="complaint",
        new_value={"complaint": complaint.pk, "number": complaint.number, "state": complaint.state},
    )


def record_breaches(complaint: Complaint, moment: dt.datetime) -> list[str]:
    """Record (once) the targets missed by `moment`, dated at their deadline; returns them."""
    missed = to_record(complaint, moment)
    for target in missed:
        due = complaint.reaction_due_at if target == REACTION else complaint.answer_due_at
        setattr(complaint, f"{target}_breached_at", due)
        ComplaintEvent.objects.create(
            complaint=complaint, created_at=due or moment, actor=None, event=BREACH_EVENTS[target], internal=True
        )
    return missed


def complaint_file(
    *, author: User, body: str, ticket: Ticket | None = None, kind: str = ComplaintKind.REQUEST
) -> Complaint:
    if kind not in ComplaintKind.values:
        raise Invalid(f"unknown kind of complaint {kind!r}", errors=[not_a_choice("kind", ComplaintKind.values)])
    if author.is_support_staff:
        raise Forbidden("support staff may not file complaints about their own service")
    if ticket is not None and not may_see(author, ticket):
        raise NotFound(f"request {ticket.number} not found")
    if kind == ComplaintKind.REQUEST:
        if ticket is None:
            raise Invalid("a complaint about a request names the request", errors=[required("ticket")])
        if ticket.initiator_id != author.pk:
            raise Forbidden(f"only the initiator of {ticket.number} may complain about how it was handled")
    text = clean_text(body, field="body", limit=settings.MAX_TEXT_LENGTH, required=True)
    fs = FeedbackSettings.current()
    when = now()
    reaction_due, answer_due = deadlines(
        complaint_calendar(fs),
        when,
        reaction_minutes=fs.complaint_reaction_minutes,
        answer_minutes=fs.complaint_answer_minutes,
    )
    with transaction.atomic():
        # The author's row lock serialises their filings: the limits below hold under concurrency.
        User.objects.select_for_update().filter(pk=author.pk).exists()
        _check_limits(author, kind=kind, when=when)
        if ticket is not None:
            # The request's row lock gives the group and executor in charge now.
            ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
            if Complaint.objects.filter(ticket_id=ticket.pk, author_id=author.pk, state__in=OPEN).exists():
                raise Conflict(
                    f"you have an open complaint about {ticket.number} already; it is answered first",
                    code="complaint_open",
                )
        complaint = Complaint(
            kind=kind,
            ticket=ticket,
            author=author,
            organisation_id=author.organisation_id,
            group_id=ticket.group_id if ticket is not None else None,
            executor_id=ticket.executor_id if ticket is not None else None,
            body=text,
            filed_at=when,
            reaction_due_at=reaction_due,
            answer_due_at=answer_due,
        )
        complaint.next_check_at = next_check(complaint)
        complaint.save(force_insert=True)
        ComplaintEvent.objects.create(
            complaint=complaint, created_at=when, actor=author, event=ComplaintEventKind.FILED, body=text
        )
        if ticket is not None:
            initiator = ticket.initiator_id == author.pk
            reaction = ReactionKind.INITIATOR_COMPLAINED if initiator else ""
            _log(ticket, complaint, actor=author, when=when, body=text, reaction=reaction)
        notices.on_filed(complaint, ticket=ticket)
    return complaint


def _check_limits(author: User, *, kind: str, when: dt.datetime) -> None:
    """The abuse guards: the daily cap (429), one open complaint about the regulation (409)."""
    cap = settings.COMPLAINTS_PER_DAY
    if cap and Complaint.objects.filter(author_id=author.pk, filed_at__gt=when - dt.timedelta(days=1)).count() >= cap:
        raise TooMany(
            f"you have filed {cap} complaints in the last 24 hours, the most one person may; try again later",
            code="complaints_per_day",
        )
    if (
        kind == ComplaintKind.REGULATION
        and Complaint.objects.filter(author_id=author.pk, kind=kind, state__in=OPEN).exists()
    ):
        raise Conflict(
            "you have an open complaint about the regulation already; it is answered first",
            code="regulation_open",
        )


def _locked(complaint: Complaint, *, version: int, action: str) -> Complaint:
    """The complaint read again under its row lock (the timer skips locked rows), open and at
    the version the caller saw, or 409."""
    fresh = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not fresh.is_open:
        raise Conflict(
            f"complaint {fresh.number} is answered already ({fresh.state}); it cannot be {action}", code="closed"
        )
    if fresh.version != version:
        raise Conflict(
            f"complaint {fresh.number} is at version {fresh.version}, not {version}; reload it and try again",
            code="stale_version",
        )
    return fresh


def _ticket_of(complaint: Complaint) -> Ticket | None:
    return Ticket.objects.filter(pk=complaint.ticket_id).first() if complaint.ticket_id else None


def _save(complaint: Complaint, **changes: Any) -> None:
    for key, value in changes.items():
        setattr(complaint, key, value)
    complaint.version += 1
    complaint.next_check_at = next_check(complaint)
    fields = [*changes, "version", "next_check_at", "reaction_breached_at", "answer_breached_at"]
    complaint.save(update_fields=fields)


def complaint_take(*, complaint: Complaint, actor: User, version: int) -> Complaint:
    """A support manager takes the complaint under review (filed → review) and becomes its reviewer."""
    require_handler(actor, "take complaints under review")
    when = now()
    with transaction.atomic():
        complaint = _locked(complaint, version=version, action="taken under review")
        if complaint.state != ComplaintState.FILED:
            raise Conflict(f"complaint {complaint.number} is under review already", code="wrong_state")
        complaint.review_at = when  # met (or missed) at this instant
        record_breaches(complaint, when)
        _save(complaint, state=ComplaintState.REVIEW, reviewer=actor, review_at=when)
        ComplaintEvent.objects.create(
            complaint=complaint, created_at=when, actor=actor, event=ComplaintEventKind.REVIEW
        )
        ticket = _ticket_of(complaint)
        if ticket is not None:
            _log(ticket, complaint, actor=actor, when=when)
        notices.on_review(complaint, ticket=ticket, actor=actor)
    return complaint


def complaint_answer(*, complaint: Complaint, actor: User, decision: str, answer: str, version: int) -> Complaint:
    """A support manager answers the complaint (from filed or under review): upheld or rejected,
    with the answer its author receives."""
    require_handler(actor, "answer complaints")
    if decision not in DECISIONS:
        error = not_a_choice("decision", DECISIONS, message="upheld or rejected")
        raise Invalid(f"decision must be upheld or rejected, not {decision!r}", errors=[error])
    text = clean_text(answer, field="answer", limit=settings.MAX_TEXT_LENGTH, required=True)
    when = now()
    with transaction.atomic():
        complaint = _locked(complaint, version=version, action="answered")
        complaint.answered_at = when
        record_breaches(complaint, when)
        _save(
            complaint,
            state=decision,
            answer=text,
            answered_at=when,
            reviewer=complaint.reviewer if complaint.reviewer_id else actor,
        )
        ComplaintEvent.objects.create(complaint=complaint, created_at=when, actor=actor, event=decision, body=text)
        ticket = _ticket_of(complaint)
        if ticket is not None:
            _log(ticket, complaint, actor=actor, when=when, body=text)
        notices.on_answered(complaint, ticket=ticket, actor=actor)
    return complaint


def complaint_note(*, complaint: Complaint, actor: User, body: str) -> ComplaintEvent:
    """A support manager's internal note: in the complaint's history for managers and the group's
    leads, never shown to its author nor written to the request's log. It changes no state, so it
    bumps no version (a colleague's pending answer stays valid)."""
    require_handler(actor, "write notes on complaints")
    text = clean_text(body, field="body", limit=settings.MAX_TEXT_LENGTH, required=True)
    return ComplaintEvent.objects.create(
        complaint=complaint, created_at=now(), actor=actor, event=ComplaintEventKind.NOTE, body=text, internal=True
    )
