"""The executor's calendar task (the source's "task in Outlook"): one iCalendar VTODO per request,
kept in step with it through the transactional outbox (notify/channels/task.py sends it).

`task_sync` runs inside the actions' transactions (the workflow's, the SLA ledger's and timers'),
after they changed the request, and queues
what the executor's calendar must learn: a REQUEST when something the task shows changed (the
deadline, the summary, the priority, the executor), a CANCEL to whoever held the task when the
request closes or passes to someone else (or they switched tasks off). Only support staff get
tasks, and only while "task" is among their channels for the `task` event.

The outbox itself is the task's state: the request's last task row says who holds the task (the
recipient of a REQUEST; a CANCEL always comes before the next holder's REQUEST) and what it
shows, so callers need not say who the executor was before, and nothing is sent twice when
nothing shown changed. SEQUENCE is that row's + 1 (0 for the first): every writer holds the
request's row lock (the services update the row first, the SLA timers claim it FOR UPDATE), so
two transactions cannot both read the same last row, and the number only grows.

Each person chooses the form (notify.Schedule.task_form): a VTODO, or a VEVENT at the deadline
(desktop Outlook ignores a VTODO sent by mail). The row records the form it was sent in; when the
holder's choice differs from what their calendar holds, the old form is cancelled and the new one
sent, with the same UID and the next SEQUENCE. An event needs a deadline: while none runs (a
paused clock), the event is cancelled, and sent again when one runs.

The deadline is the resolution clock's (`due_at` of Metric.RESOLUTION): the request's
`sla_due_at` is its *nearest* running deadline (the first reaction's at first) and empties when
the deadline is missed, which is when the executor most needs to see it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import JSONField, OuterRef, Subquery
from django.utils import translation
from django.utils.translation import gettext as _

from otklik.accounts.people import Person, people
from otklik.catalog.reference import reference
from otklik.core import dates
from otklik.core.clock import now
from otklik.core.jsonvalue import JsonValue
from otklik.notify.channels.email import mail_host
from otklik.notify.models import Channel, Event, Notification, TaskForm
from otklik.notify.outbox import held_rows, queue_rows
from otklik.notify.preferences import channels_for, schedules
from otklik.tickets.models import Ticket
from otklik.tickets.notices import importance_of, link_to

from .models import Clock, Metric

REQUEST, CANCEL = "REQUEST", "CANCEL"
# What the task shows: a change of any of these is sent again.
SHOWN = ("summary", "due", "priority")


class _Unknown(enum.Enum):
    UNKNOWN = enum.auto()


UNKNOWN = _Unknown.UNKNOWN


@dataclass(frozen=True)
class _Request:
    pk: int
    number: str
    subject: str
    priority_id: int | None
    executor_id: int | None
    is_open: bool


def task_uid(ticket_id: int) -> str:
    # One per request, stable: every update and the cancel replace the same task.
    return f"ticket-{ticket_id}@{mail_host()}"


def task_sync(ticket: Ticket, *, due: dt.datetime | _Unknown | None = UNKNOWN) -> None:
    """Queue what the request's calendar task needs now, in the caller's transaction. `due`: the
    resolution deadline when the caller has it (the SLA ledger); else it is known from the last
    task row or read from the clock. One query (the request as stored and its last task row)."""
    last = Notification.objects.filter(ticket_id=OuterRef("pk"), event=Event.TASK, channel=Channel.TASK)
    last = last.order_by("-id")
    row = (
        Ticket.objects.filter(pk=ticket.pk)
        .annotate(
            task_to=Subquery(last.values("recipient_id")[:1]),
            task=Subquery(last.values("context")[:1], output_field=JSONField()),
        )
        .values_list("number", "subject", "priority_id", "executor_id", "is_open", "task_to", "task")
        .first()
    )
    if row is None:
        return
    # Read as stored, not from the caller's object: it may predate a concurrent change.
    number, subject, priority_id, executor_id, is_open, task_to, task = row
    held = held_rows(ticket_id=ticket.pk, event=Event.TASK, channel=Channel.TASK)
    if held:  # queued earlier in a timer's batch, not written yet: the last task is that one
        task_to, task = held[-1].recipient_id, held[-1].context
    request = _Request(ticket.pk, number, subject, priority_id, executor_id, is_open)
    queue_rows(_plan(request, task_to, task if isinstance(task, dict) else None, due))


def task_created(ticket: Ticket, clocks: Iterable[Clock]) -> list[Notification]:
    """The first task of a new request (unsaved: ticket_create writes it with the request). No query."""
    due = next((c.due_at for c in clocks if c.metric == Metric.RESOLUTION), None)
    request = _Request(ticket.pk, ticket.number, ticket.subject, ticket.priority_id, ticket.executor_id, ticket.is_open)
    return _plan(request, None, None, due)


def _holder(request: _Request) -> Person | None:
    """Who should hold the task now: the executor of an open request, if support staff who take tasks."""
    if not request.is_open or request.executor_id is None:
        return None
    person = people([request.executor_id]).get(request.executor_id)
    if person is None or not person.is_active or not person.is_support_staff:
        return None
    return person if Channel.TASK in channels_for([person], Event.TASK).get(person.pk, []) else None


def _plan(
    request: _Request, task_to: int | None, last: dict[str, JsonValue] | None, due: dt.datetime | _Unknown | None
) -> list[Notification]:
    holder = _holder(request)
    held_by = task_to if last is not None and last.get("method") == REQUEST else None
    if holder is None and held_by is None:
        return []
    if due is not UNKNOWN:
        due_text = _iso(due)
    elif held_by is not None:
        due_text = last.get("due") if last else None  # every change of the deadline since was synced
    else:
        due_text = _iso(_resolution_due(request.pk))
    priority = reference().priorities.get(request.priority_id) if request.priority_id else None
    shown = {
        "summary": f"{request.number}: {request.subject}",
        "due": due_text,
        "priority": priority.code if priority is not None else "",
    }
    sequence = int(last.get("sequence", -1)) + 1 if last else 0
    held_form = str(last.get("form") or TaskForm.TODO) if last else TaskForm.TODO
    form = schedules([holder.pk])[holder.pk].task_form if holder is not None else TaskForm.TODO
    # An event stands at the deadline: without one running there is nothing to put in the calendar.
    undated = form == TaskForm.EVENT and not shown["due"]
    rows = []
    if held_by is not None and (holder is None or holder.pk != held_by or held_form != form or undated):
        reason = "closed" if not request.is_open else "reassigned" if request.executor_id != held_by else "off"
        if holder is not None and holder.pk == held_by:
            reason = "undated" if undated else "form"
        # The cancel says what the calendar holds: the form and (for an event) the time it was at.
        cancelled = {**shown, "due": shown["due"] or (last.get("due") if last else None)}
        rows.append(_row(request, held_by, CANCEL, sequence, cancelled, reason=reason, form=held_form))
        sequence += 1
        held_by = None
    if (
        holder is not None
        and not undated
        and not (held_by == holder.pk and last and all(last.get(k) == shown[k] for k in SHOWN))
    ):
        rows.append(_row(request, holder.pk, REQUEST, sequence, shown, form=form))
    return rows


def _resolution_due(ticket_id: int) -> dt.datetime | None:
    return Clock.objects.filter(ticket_id=ticket_id, metric=Metric.RESOLUTION).values_list("due_at", flat=True).first()


def _iso(value: dt.datetime | None) -> str | None:
    # UTC to the second (what DUE can say): the same deadline always reads the same.
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat() if value is not None else None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def _row(
    request: _Request,
    user_id: int,
    method: str,
    sequence: int,
    shown: dict[str, JsonValue],
    *,
    reason: str = "",
    form: str = TaskForm.TODO,
) -> Notification:
    person = people([user_id]).get(user_id)
    moment = now()
    with translation.override((person.language if person else "") or settings.LANGUAGE_CODE):
        if method == REQUEST:
            deadline = _("No deadline is running for it now.")
            if shown["due"]:
                due = dt.datetime.fromisoformat(shown["due"])
                deadline = _("Deadline: %(due)s.") % {
                    "due": dates.moment(due, zone=_zone(person.time_zone if person else ""))
                }
            body = _("You are the executor of this request.") + "\n" + deadline
            subject = shown["summary"]
        else:
            body = {
                "closed": _("The request is closed: its task is cancelled."),
                "reassigned": _("You are no longer the executor of this request: its task is cancelled."),
                "undated": _("No deadline is running for this request now: its calendar event is cancelled."),
                "form": _("The request comes to your calendar in the form you chose from now on."),
            }.get(reason, _("The task of this request is cancelled."))
            subject = _("Cancelled: %(summary)s") % {"summary": shown["summary"]}
    return Notification(
        event=Event.TASK,
        channel=Channel.TASK,
        recipient_id=user_id,
        ticket_id=request.pk,
        importance=importance_of(request.priority_id),
        subject=subject[:300],
        body=body,
        link=link_to(request.number),  # as the other notifications link it
        context={"method": method, "uid": task_uid(request.pk), "sequence": sequence, "form": form, **shown},
        due_at=moment,
        created_at=moment,
    )
