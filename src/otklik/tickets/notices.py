"""What a request's events tell whom: the notification rows of a new request, a move, an
assignment, a public comment or internal note and a change of priority, category or group (built
inside the writes' transactions and handed to the outbox, notify.outbox), and their built-in words
(the admin's templates may replace them; they see the request as `ticket`: `words`).

Who hears of each is the admin's rules (seeded with the source's defaults: the support side hears
of new requests and the initiator's replies, the initiator of every move and public answer, a new
executor of the assignment, watchers of public activity).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from otklik.accounts.directory import directory
from otklik.accounts.models import User
from otklik.accounts.people import people
from otklik.catalog.reference import reference
from otklik.core.clock import service_minute
from otklik.core.i18n import inner_quotes, localized
from otklik.core.jsonvalue import JsonValue
from otklik.notify import texts
from otklik.notify.models import Importance, Notification
from otklik.notify.outbox import actor_name, compose, queue_rows, staff_only
from otklik.notify.rules import CHANGE_FIELDS
from otklik.notify.subject import Subject
from otklik.routes.models import RoutePoint

from .models import Ticket, Watcher


def link_to(number: str) -> str:
    """A request's page."""
    return f"{settings.BASE_URL}/requests/{number}"


def importance_of(priority_id: int | None) -> str:
    """The least importance of the ordinary events of a request of this priority: high for a
    critical one, else normal (notify/importance.py: a status change is not high for being on a
    high-priority request; each event has its own, and the rules may set theirs)."""
    priority = reference().priorities.get(priority_id) if priority_id else None
    return Importance.HIGH if priority is not None and priority.code == "critical" else Importance.NORMAL


def words(ticket: Ticket) -> dict[str, JsonValue]:
    """The request as templates see it, in the active language (plain values only)."""
    ref = reference()
    found = people([ticket.initiator_id, ticket.executor_id])
    point = ref.points.get(ticket.point_id)
    category = ref.categories.get(ticket.category_id) if ticket.category_id else None
    group = directory().groups.get(ticket.group_id) if ticket.group_id else None
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "subject": ticket.subject,
        "type": localized(ref.types.get(ticket.request_type_id), "name"),
        "priority": localized(ref.priorities.get(ticket.priority_id), "name"),
        "category": localized(category, "name") if category else "",
        "group": localized(group, "name") if group else "",
        "stage": localized(point, "name") if point else "",
        "is_open": bool(ticket.is_open),
        "initiator": actor_name(found.get(ticket.initiator_id)) if ticket.initiator_id else "",
        "executor": actor_name(found.get(ticket.executor_id)) if ticket.executor_id else "",
        # In the service's own zone: the pages and API of whoever acted may have activated theirs.
        "due": service_minute(ticket.sla_due_at),
        "link": link_to(ticket.number),
    }


def subject_of(ticket: Ticket) -> Subject:
    """The request as the outbox sees it (its ids as they are now)."""

    def watchers() -> set[int]:
        if ticket.pk is None:
            return set()
        return set(Watcher.objects.filter(ticket_id=ticket.pk).values_list("user_id", flat=True))

    return Subject(
        ticket_id=ticket.pk,
        link=link_to(ticket.number),
        words=lambda: words(ticket),
        type_id=ticket.request_type_id,
        priority_id=ticket.priority_id,
        group_id=ticket.group_id,
        initiator_id=ticket.initiator_id,
        executor_id=ticket.executor_id,
        importance=importance_of(ticket.priority_id),
        watchers=watchers,
    )


def subject_by_number(number: str) -> Subject | None:
    """The request with this number as the outbox sees it, if there is one (another system's
    notification about a request names it by number)."""
    ticket = Ticket.objects.filter(number=number.strip().upper()).first()
    return subject_of(ticket) if ticket is not None else None


# -- the request's events --------------------------------------------------------------------------


def on_created(ticket: Ticket, *, actor: User) -> list[Notification]:
    """Unsaved (ticket_create writes them with the request)."""
    if not ticket.is_open:
        return []
    return compose("ticket_created", subject=subject_of(ticket), actor=actor, watcher_ids=[])


def on_transition(
    ticket: Ticket,
    *,
    actor: User | None,
    stage: RoutePoint,
    comment: str,
    executor_changed: bool,
    reply: bool = False,
) -> None:
    """`reply`: the move is the initiator's public reply (workflow.transitions.move_on_reply). The
    ordinary comment rules still reach whom they would (watchers above all), with the comment's
    words; whoever hears of the move (or the assignment) already read the reply there and gets
    nothing more, nor does the webhook when it heard of the move."""
    # A new executor hears of the assignment instead of the move.
    skip = [ticket.executor_id] if executor_changed and ticket.executor_id else []
    subject = subject_of(ticket)
    rows = compose(
        "ticket_moved",
        subject=subject,
        actor=actor,
        skip=skip,
        extra={"stage": lambda: localized(stage, "name"), "comment": comment},
    )
    if executor_changed:
        rows += _assignment_rows(ticket, actor=actor)
    if reply and comment:
        reached = {row.recipient_id for row in rows if row.recipient_id is not None}
        webhook_told = any(row.recipient_id is None for row in rows)
        told = compose("ticket_comment", subject=subject, actor=actor, skip=reached, extra={"comment": comment})
        rows += [row for row in told if row.recipient_id is not None or not webhook_told]
    queue_rows(rows)


def _assignment_rows(ticket: Ticket, *, actor: User | None) -> list[Notification]:
    addressed = [ticket.executor_id] if ticket.executor_id else []
    return compose("ticket_assigned", subject=subject_of(ticket), actor=actor, addressed=addressed)


def on_assigned(ticket: Ticket, *, actor: User) -> None:
    queue_rows(_assignment_rows(ticket, actor=actor))


def on_comment(ticket: Ticket, *, actor: User, body: str, internal: bool, watcher_ids: list[int]) -> None:
    """A public comment reaches the other side and the watchers; an internal note only the support
    staff among them (never the initiator, whatever a rule says)."""
    event = "ticket_note" if internal else "ticket_comment"
    rows = compose(event, subject=subject_of(ticket), actor=actor, watcher_ids=watcher_ids, extra={"comment": body})
    queue_rows(staff_only(rows) if internal else rows)


def on_changed(ticket: Ticket, *, actor: User, changes: list[tuple[str, JsonValue, JsonValue]]) -> None:
    """Priority, category or group changed: `changes` are (field, old code/name, new code/name)."""
    changes = [c for c in changes if c[0] in CHANGE_FIELDS]
    if not changes:
        return
    labels = {"priority": lambda: _("priority"), "category": lambda: _("category"), "group": lambda: _("group")}
    queue_rows(
        compose(
            "ticket_changed",
            subject=subject_of(ticket),
            actor=actor,
            changed=[f for f, _o, _n in changes],
            extra={
                "changes": lambda: [
                    {"field": f, "name": str(labels[f]()), "old": _label(f, old), "new": _label(f, new)}
                    for f, old, new in changes
                ]
            },
            context={"changes": [{"field": f, "old": old, "new": new} for f, old, new in changes]},
        )
    )


def _label(field: str, value: JsonValue) -> str:
    """A changed field's value as people read it (the code when it is not in the catalogue)."""
    if value in (None, ""):
        return ""
    ref = reference()
    if field == "priority":
        found = ref.priorities_by_code.get(value)
        return localized(found, "name") if found else str(value)
    if field == "category":
        found_category = ref.categories_by_code.get(value)
        return localized(found_category, "name") if found_category else str(value)
    groups = directory()
    found_group = groups.groups_by_code.get(value) if isinstance(value, str) else groups.groups.get(value)
    return localized(found_group, "name") if found_group else str(value)


# -- the built-in words ------------------------------------------------------------------------------


def _created(c: dict[str, JsonValue]) -> tuple[str, str]:
    t = c["ticket"]
    return (
        _("new request: %(subject)s") % {"subject": t["subject"]},
        _("%(who)s filed a request (%(type)s). It awaits your reaction.") % {"who": c["actor"], "type": t["type"]},
    )


def _moved(c: dict[str, JsonValue]) -> tuple[str, str]:
    body = _("%(who)s moved the request to «%(stage)s».") % {"who": c["actor"], "stage": c["stage"]}
    return _("now «%(stage)s»") % {"stage": c["stage"]}, body + (f"\n\n{c['comment']}" if c.get("comment") else "")


def _assigned(c: dict[str, JsonValue]) -> tuple[str, str]:
    return (
        _("you are the executor"),
        _("%(who)s made you the executor of the request «%(subject)s».")
        % {"who": c["actor"], "subject": inner_quotes(c["ticket"]["subject"])},
    )


def _comment(c: dict[str, JsonValue]) -> tuple[str, str]:
    return _("new comment"), _("%(who)s wrote:") % {"who": c["actor"]} + f"\n\n{c['comment']}"


def _note(c: dict[str, JsonValue]) -> tuple[str, str]:
    return pgettext("notification subject", "internal note"), _("%(who)s wrote:") % {
        "who": c["actor"]
    } + f"\n\n{c['comment']}"


def _changed(c: dict[str, JsonValue]) -> tuple[str, str]:
    lines = [f"{ch['name']}: {ch['old'] or '—'} → {ch['new'] or '—'}" for ch in c["changes"]]
    return (
        _("changed: %(fields)s") % {"fields": ", ".join(ch["name"] for ch in c["changes"])},
        _("%(who)s changed the request:") % {"who": c["actor"]} + "\n" + "\n".join(lines),
    )


texts.register("ticket_created", _created)
texts.register("ticket_moved", _moved)
texts.register("ticket_assigned", _assigned)
texts.register("ticket_comment", _comment)
texts.register("ticket_note", _note)
texts.register("ticket_changed", _changed)
