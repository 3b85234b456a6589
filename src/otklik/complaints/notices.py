"""A complaint's notification rows, built inside the services' and the timer's transactions
(notify.outbox.compose: the admin's rules, people's choices and quiet hours apply; the words are
the built-in words below or the admin's templates).

- complaint_filed: the support managers and the lead of the group concerned (the default rule);
- complaint_review, complaint_answered: the complaint's author (addressed);
- complaint_overdue: the support managers and whoever took it under review (addressed).

When the complaint names a request it goes along (the rules' conditions on type, priority and
group apply to it, the subject carries its number), but the link leads to the complaint's page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils.translation import gettext as _

from otklik.accounts.models import User
from otklik.accounts.people import people
from otklik.core.clock import service_minute
from otklik.core.jsonvalue import JsonValue
from otklik.notify import outbox, texts
from otklik.notify.models import Notification
from otklik.tickets.models import Ticket
from otklik.tickets.notices import subject_of

from .clock import ANSWER
from .models import Complaint, ComplaintKind, ComplaintState


def complaint_link(complaint: Complaint) -> str:
    return f"{settings.BASE_URL}/complaints/{complaint.pk}"


def _context(complaint: Complaint, author: str) -> Callable[[], dict[str, JsonValue]]:
    """What the templates see as `complaint`, in each recipient's language (plain values only)."""

    def build() -> dict[str, JsonValue]:
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
    extra: dict[str, JsonValue | Callable[[], JsonValue]] | None = None,
) -> list[Notification]:
    found = people([complaint.author_id]).get(complaint.author_id)
    author = found.display_name if found is not None else ""
    return outbox.compose(
        event,
        subject=subject_of(ticket) if ticket is not None else None,
        actor=actor,
        addressed=addressed,
        watcher_ids=[],
        link=complaint_link(complaint),
        extra={"complaint": _context(complaint, author), **(extra or {})},
        context={"complaint": complaint.pk, "state": complaint.state},
    )


def on_filed(complaint: Complaint, *, ticket: Ticket | None) -> None:
    outbox.queue_rows(_compose("complaint_filed", complaint, ticket=ticket, actor=complaint.author, addressed=[]))


def on_review(complaint: Complaint, *, ticket: Ticket | None, actor: User) -> None:
    rows = _compose("complaint_review", complaint, ticket=ticket, actor=actor, addressed=[complaint.author_id])
    outbox.queue_rows(rows)


def on_answered(complaint: Complaint, *, ticket: Ticket | None, actor: User) -> None:
    rows = _compose("complaint_answered", complaint, ticket=ticket, actor=actor, addressed=[complaint.author_id])
    outbox.queue_rows(rows)


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
        extra={"target": target, "due": lambda: service_minute(due)},
    )


# -- the built-in words ------------------------------------------------------------------------------


def _complaint_filed(c: dict[str, JsonValue]) -> tuple[str, str]:
    k = c["complaint"]
    lines = [
        _("%(who)s filed a complaint (%(kind)s):") % {"who": c["actor"], "kind": k["kind"]},
        "",
        k["body"],
    ]
    if k["reaction_due"]:
        lines += ["", _("To be taken under review by %(due)s.") % {"due": k["reaction_due"]}]
    if k["answer_due"]:
        lines.append(_("To be answered by %(due)s.") % {"due": k["answer_due"]})
    return _("new complaint %(number)s") % {"number": k["number"]}, "\n".join(lines)


def _complaint_review(c: dict[str, JsonValue]) -> tuple[str, str]:
    k = c["complaint"]
    body = _("%(who)s took your complaint under review.") % {"who": c["actor"]}
    if k["answer_due"]:
        body += " " + _("You will have the answer by %(due)s.") % {"due": k["answer_due"]}
    return _("your complaint %(number)s is under review") % {"number": k["number"]}, body


def _complaint_answered(c: dict[str, JsonValue]) -> tuple[str, str]:
    k = c["complaint"]
    if k["upheld"]:
        subject = _("your complaint %(number)s is upheld") % {"number": k["number"]}
    else:
        subject = _("your complaint %(number)s is rejected") % {"number": k["number"]}
    return subject, _("%(who)s answered your complaint:") % {"who": c["actor"]} + f"\n\n{k['answer']}"


def _complaint_overdue(c: dict[str, JsonValue]) -> tuple[str, str]:
    k = c["complaint"]
    if c["target"] == "reaction":
        subject = _("complaint %(number)s not taken under review in time") % {"number": k["number"]}
        body = _("The complaint %(number)s by %(who)s was to be taken under review by %(due)s.")
    else:
        subject = _("complaint %(number)s not answered in time") % {"number": k["number"]}
        body = _("The complaint %(number)s by %(who)s was to be answered by %(due)s.")
    return subject, body % {"number": k["number"], "who": k["author"], "due": c["due"]} + f"\n\n{k['body']}"


texts.register("complaint_filed", _complaint_filed)
texts.register("complaint_review", _complaint_review)
texts.register("complaint_answered", _complaint_answered)
texts.register("complaint_overdue", _complaint_overdue)
