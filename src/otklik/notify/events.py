"""Events → notification rows, built inside the services' transactions (the transactional outbox):
a change that rolls back leaves no notification, one that commits always has its rows.

Who hears of what is the admin's rules (rules.py, seeded with the source's defaults: the support
side hears of new requests and the initiator's replies, the initiator of every move and public
answer, a new executor of the assignment, watchers of public activity, escalations reach the
people their SLA rule names). Each person's own choices, quiet hours and digest apply
(preferences.py), the words come from the templates (texts.py) in the person's language, and
nobody is notified of their own action.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from otklik.accounts.directory import directory
from otklik.accounts.models import User
from otklik.accounts.people import Person, people
from otklik.catalog.reference import reference
from otklik.core.clock import now, service_minute
from otklik.core.i18n import localized
from otklik.core.wakeup import wake_workers
from otklik.sla.models import Metric

from .models import Channel, Digest, Importance, Notification, State
from .preferences import choose, schedules
from .quiet import next_digest, quiet_until
from .rules import CHANGE_FIELDS, Offer, plan
from .texts import render

# Channels that wait for the end of quiet hours and go into digests: the ones that reach a person
# outside the help desk. The inbox is silent, and webhooks serve systems.
# (Calendar tasks are written by tasks.py, not here: a task's update is not a ping.)
INTRUSIVE = frozenset({Channel.EMAIL, Channel.SMS, Channel.MESSENGER})
DIGESTIBLE = frozenset({Channel.EMAIL, Channel.SMS, Channel.MESSENGER})


def link_to(ticket: Any) -> str:
    """The request's page."""
    return f"{settings.BASE_URL}/requests/{ticket.number}"


def _name(user: User | Person | None) -> str:
    return user.display_name if user is not None else _("the system")


def importance_of(ticket: Any) -> str:
    code = getattr(reference().priorities.get(ticket.priority_id), "code", "") if ticket is not None else ""
    return {"critical": Importance.CRITICAL, "high": Importance.HIGH, "low": Importance.LOW}.get(
        code, Importance.NORMAL
    )


def ticket_context(ticket: Any) -> dict[str, Any]:
    """The request as templates see it, in the active language (plain values only)."""
    ref = reference()
    found = people([ticket.initiator_id, ticket.executor_id])
    point = ref.points.get(ticket.point_id)
    category = ref.categories.get(ticket.category_id) if ticket.category_id else None
    group = directory().groups.get(ticket.group_id) if ticket.group_id else None
    due = ticket.sla_due_at
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
        "initiator": _name(found.get(ticket.initiator_id)) if ticket.initiator_id else "",
        "executor": _name(found.get(ticket.executor_id)) if ticket.executor_id else "",
        # In the service's own zone: the pages and API of whoever acted may have activated theirs.
        "due": service_minute(due),
        "link": link_to(ticket),
    }


def compose(
    event: str,
    *,
    ticket: Any = None,
    actor: User | None = None,
    addressed: Iterable[int] = (),
    watcher_ids: Iterable[int] | None = None,
    changed: Iterable[str] = (),
    skip: Iterable[int] = (),
    importance: str | None = None,
    extra: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    link: str | None = None,
    fallback: frozenset[str] | None = None,
) -> list[Notification]:
    """The event's rows (unsaved): one per person and channel the rules and their choices give,
    plus one for the webhook carriers when a rule asks for it. `extra` is merged into what the
    templates see (in each person's language: values may be callables of no arguments);
    `fallback` are the channels for `addressed` when the event has no rule (other systems' events)."""
    addressed = list(addressed)
    p = plan(
        event,
        ticket=ticket,
        actor_id=actor.pk if actor is not None else None,
        addressed=addressed,
        watcher_ids=watcher_ids,
        changed=changed,
        skip=skip,
    )
    offers = p.offers
    if fallback is not None:
        # Another system named these people: they always hear of it, through the channels the
        # event's rules offer (which may add more people), else the fallback ones.
        skip_ids = {*skip, actor.pk if actor is not None else None}
        offered = {c for o in offers.values() for c in o.channels} or (set() if p.webhook else set(fallback))
        for uid in addressed:
            if uid not in skip_ids and uid not in offers and offered:
                offers[uid] = Offer(set(offered))
    found = people(offers)
    recipients = [found[uid] for uid in sorted(found) if found[uid].is_active]
    channels = choose(recipients, event, offers)
    level = importance or p.importance or importance_of(ticket)
    moment = now()
    quiet = schedules(p.pk for p in recipients)
    rows: list[Notification] = []
    webhook_to: list[tuple[Person | None, str]] = [(None, settings.LANGUAGE_CODE)] if p.webhook else []
    for person, language in [(r, r.language or settings.LANGUAGE_CODE) for r in recipients if channels.get(r.pk)]:
        rows += _rows_for(person, language, event, channels[person.pk], ticket, actor, level, extra, context, link)
    for person, language in webhook_to:
        rows += _rows_for(person, language, event, [Channel.WEBHOOK], ticket, actor, level, extra, context, link)
    for row in rows:
        row.due_at = row.created_at = moment
        if row.recipient_id is not None:
            _schedule(row, quiet.get(row.recipient_id), found[row.recipient_id], moment)
    return rows


def _rows_for(
    person: Person | None,
    language: str,
    event: str,
    channels: list[str],
    ticket: Any,
    actor: User | None,
    importance: str,
    extra: dict[str, Any] | None,
    context: dict[str, Any] | None,
    link: str | None,
) -> list[Notification]:
    with translation.override(language):
        ctx: dict[str, Any] = {
            "event": event,
            "actor": _name(actor),
            "recipient": _name(person) if person is not None else "",
            "ticket": ticket_context(ticket) if ticket is not None else None,
            "base_url": settings.BASE_URL,
        }
        for key, value in (extra or {}).items():
            ctx[key] = value() if callable(value) else value
        out = []
        for channel in channels:
            words = render(event, channel, language, ctx)
            out.append(
                Notification(
                    event=event,
                    recipient_id=person.pk if person is not None else None,
                    channel=channel,
                    ticket_id=ticket.pk if ticket is not None else None,
                    importance=importance,
                    subject=words.subject,
                    body=words.body,
                    html=words.html,
                    link=link if link is not None else (link_to(ticket) if ticket is not None else ""),
                    context=context or {},
                )
            )
    return out


def _schedule(row: Notification, quiet: Any, person: Person, moment: dt.datetime) -> None:
    """Quiet hours defer intrusive channels to their end (critical ones go at once); low-importance
    messages of a person with a digest wait for it."""
    if quiet is None or row.channel not in INTRUSIVE:
        return
    if row.importance == Importance.LOW and quiet.digest != Digest.OFF and row.channel in DIGESTIBLE:
        row.state = State.HELD
        row.due_at = next_digest(moment, person.time_zone, quiet.digest, quiet.digest_time)
        return
    if row.importance == Importance.CRITICAL:
        return
    until = quiet_until(moment, person.time_zone, quiet.start, quiet.end)
    if until is not None:
        row.due_at = until


def queue_rows(rows: list[Notification]) -> None:
    """Write the rows in the caller's transaction; the workers wake when it commits."""
    if rows:
        Notification.objects.bulk_create(rows)
        wake_workers()


# -- the help desk's events --------------------------------------------------------------------------


def on_created(ticket: Any, *, actor: User) -> list[Notification]:
    """Unsaved (ticket_create writes them with the request)."""
    if not ticket.is_open:
        return []
    return compose("ticket_created", ticket=ticket, actor=actor, watcher_ids=[])


def on_transition(ticket: Any, *, actor: User | None, stage: Any, comment: str, executor_changed: bool) -> None:
    # A new executor hears of the assignment instead of the move.
    skip = [ticket.executor_id] if executor_changed and ticket.executor_id else []
    rows = compose(
        "ticket_moved",
        ticket=ticket,
        actor=actor,
        skip=skip,
        extra={"stage": lambda: localized(stage, "name"), "comment": comment},
    )
    if executor_changed:
        rows += _assignment_rows(ticket, actor=actor)
    queue_rows(rows)


def _assignment_rows(ticket: Any, *, actor: User | None) -> list[Notification]:
    return compose(
        "ticket_assigned", ticket=ticket, actor=actor, addressed=[ticket.executor_id] if ticket.executor_id else []
    )


def on_assigned(ticket: Any, *, actor: User) -> None:
    queue_rows(_assignment_rows(ticket, actor=actor))


def on_comment(ticket: Any, *, actor: User, body: str, internal: bool, watcher_ids: list[int]) -> None:
    """A public comment reaches the other side and the watchers; an internal note only the support
    staff among them (never the initiator, whatever a rule says)."""
    event = "ticket_note" if internal else "ticket_comment"
    rows = compose(event, ticket=ticket, actor=actor, watcher_ids=watcher_ids, extra={"comment": body})
    queue_rows(staff_only(rows) if internal else rows)


def staff_only(rows: list[Notification]) -> list[Notification]:
    """The rows for support staff (and the webhook carriers, which serve systems): support's own
    business reaches nobody else, whatever a rule says."""
    staff = people(r.recipient_id for r in rows if r.recipient_id)
    return [
        r
        for r in rows
        if r.recipient_id is None or (staff.get(r.recipient_id) and staff[r.recipient_id].is_support_staff)
    ]


def on_changed(ticket: Any, *, actor: User, changes: list[tuple[str, Any, Any]]) -> None:
    """Priority, category or group changed: `changes` are (field, old code/name, new code/name)."""
    changes = [c for c in changes if c[0] in CHANGE_FIELDS]
    if not changes:
        return
    labels = {"priority": lambda: _("priority"), "category": lambda: _("category"), "group": lambda: _("group")}
    queue_rows(
        compose(
            "ticket_changed",
            ticket=ticket,
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


def _label(field: str, value: Any) -> str:
    """A changed field's value as people read it (the code when it is not in the catalogue)."""
    if value in (None, ""):
        return ""
    ref = reference()
    if field == "priority":
        found = ref.priorities_by_code.get(value)
        return localized(found, "name") if found else str(value)
    if field == "category":
        found = ref.categories_by_code.get(value)
        return localized(found, "name") if found else str(value)
    found_group = directory().groups_by_code.get(value) if isinstance(value, str) else directory().groups.get(value)
    return localized(found_group, "name") if found_group else str(value)


def on_sla(ticket: Any, *, event: str, metric: str, user_ids: list[int], due: str | None) -> list[Notification]:
    """A warning (to whom the rules say: the executor by default) or an escalation (to the people its
    SLA rule names). Unsaved."""
    return compose(
        f"sla_{event}",
        ticket=ticket,
        addressed=user_ids,
        importance=Importance.HIGH if event == "warned" else Importance.CRITICAL,
        context={"target": metric, "due_at": due},
        extra={"target": lambda: str(Metric(metric).label), "due": due or ""},
    )
