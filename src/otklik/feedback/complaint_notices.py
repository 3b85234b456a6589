"""A complaint's notification rows, built inside the services' and the timer's transactions
(notify.events.compose: the admin's rules, people's choices and quiet hours apply; the words are
notify/texts.py's built-in texts or the admin's templates).

- complaint_filed: the support managers and the lead of the group concerned (the default rule);
- complaint_review, complaint_answered: the complaint's author (addressed);
- complaint_overdue: the support managers and whoever took it under review (addressed).

When the complaint names a request it goes along (the rules' conditions on type, priority and
group apply to it, the subject carries its number), but the link leads to the complaint's page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings

from otklik.accounts.models import User
from otklik.accounts.people import people
from otklik.core.clock import service_minute
from otklik.notify import events as notify
from otklik.notify.models import Notification
from otklik.tickets.models import Ticket

from .complaint_clock import ANSWER
from .models import Complaint, ComplaintKind, ComplaintState


def complaint_link(complaint: Complaint) -> str:
    return f"{settings.BASE_URL}/complaints/{complaint.pk}"


def _context(complaint: Complaint, author: str) -> Callable[[], dict[str, Any]]:
    """What the templates see as `complaint`, in each recipient's language (plain values only)."""

    def build() -> dict[str, Any]:
        return {
            "id": complaint.pk,
            "number": complaint.number,
            "kind": str(ComplaintKind(complaint.kind).label),
            "state": str(ComplaintState(complaint.state).label),
            "upheld": complaint.state == ComplaintState.UPHELD,
            "body": complaint.body,
            "answer": complaint.answer,
            "author": author,
            "reaction_due": service_minute(complaint.reaction_due_at),
            "answer_due": service_minute(complaint.answer_due_at),
            "link": complaint_link(complaint),
        }

    return build


def _compose(
    event: str,
    complaint: Complaint,
    *,
    ticket: Ticket | None,
    actor: User | None,
    addressed: list[int],
    extra: dict[str, Any] | None = None,
) -> list[Notification]:
    found = people([complaint.author_id]).get(complaint.author_id)
    author = found.display_name if found is not None else ""
    return notify.compose(
        event,
        ticket=ticket,
        actor=actor,
        addressed=addressed,
        watcher_ids=[],
        link=complaint_link(complaint),
        extra={"complaint": _context(complaint, author), **(extra or {})},
        context={"complaint": complaint.pk, "state": complaint.state},
    )


def on_filed(complaint: Complaint, *, ticket: Ticket | None) -> None:
    notify.queue_rows(_compose("complaint_filed", complaint, ticket=ticket, actor=complaint.author, addressed=[]))


def on_review(complaint: Complaint, *, ticket: Ticket | None, actor: User) -> None:
    rows = _compose("complaint_review", complaint, ticket=ticket, actor=actor, addressed=[complaint.author_id])
    notify.queue_rows(rows)


def on_answered(complaint: Complaint, *, ticket: Ticket | None, actor: User) -> None:
    rows = _compose("complaint_answered", complaint, ticket=ticket, actor=actor, addressed=[complaint.author_id])
    notify.queue_rows(rows)


def on_overdue(complaint: Complaint, *, ticket: Ticket | None, target: str) -> list[Notification]:
    """Unsaved: the timer queues them with its other writes."""
    addressed = [complaint.reviewer_id] if complaint.reviewer_id else []
    due = complaint.answer_due_at if target == ANSWER else complaint.reaction_due_at
    return _compose(
        "complaint_overdue",
        complaint,
        ticket=ticket,
        actor=None,
        addressed=addressed,
        extra={"target": target, "due": service_minute(due)},
    )
