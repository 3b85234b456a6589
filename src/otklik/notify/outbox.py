"""The transactional outbox: notification rows composed and written inside the caller's
transaction. A change that rolls back leaves no notification; one that commits always has its rows.

The outbox knows no request. Domain code says what happened (the event), what it is about (a
`Subject`: the ids the admin's rules look at, the people they may name, the link, the words the
templates show) and who it names (`addressed`); `compose` turns that into one row per person and
channel: who hears of what is the admin's rules (rules.py), each person's own choices, quiet hours
and digest apply (preferences.py), the words come from the templates (texts.py) in the person's
language, and nobody is notified of their own action. What each domain event tells lives with the
domain's code (tickets/notices.py, sla/notices.py, feedback/notices.py, complaints/notices.py,
quality/monthly.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from contextvars import ContextVar, Token

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from otklik.accounts.models import User
from otklik.accounts.people import Person, people
from otklik.core.clock import now
from otklik.core.jsonvalue import JsonValue
from otklik.core.wakeup import wake_workers

from .importance import importance_of_event
from .models import Channel, Digest, Importance, Notification, State
from .preferences import Quiet, choose, schedules
from .quiet import next_digest, quiet_until
from .rules import Offer, plan
from .subject import Subject
from .texts import render

# Channels that wait for the end of quiet hours and go into digests: the ones that reach a person
# outside the help desk. The inbox is silent, and webhooks serve systems.
# (Calendar tasks are written by sla/calendar_tasks.py, not here: a task's update is not a ping.)
INTRUSIVE = frozenset({Channel.EMAIL, Channel.SMS, Channel.MESSENGER})
DIGESTIBLE = frozenset({Channel.EMAIL, Channel.SMS, Channel.MESSENGER})


def actor_name(user: User | Person | None) -> str:
    return user.display_name if user is not None else _("the system")


def compose(
    event: str,
    *,
    subject: Subject | None = None,
    actor: User | None = None,
    addressed: Iterable[int] = (),
    watcher_ids: Iterable[int] | None = None,
    changed: Iterable[str] = (),
    skip: Iterable[int] = (),
    importance: str | None = None,
    extra: dict[str, JsonValue | Callable[[], JsonValue]] | None = None,
    context: dict[str, JsonValue] | None = None,
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
        subject=subject,
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
    # The caller's (another system's), else a rule's, else the event's own on the scale (importance.py).
    floor = subject.importance if subject is not None else Importance.NORMAL
    level = importance or p.importance or importance_of_event(event, floor)
    moment = now()
    quiet = schedules(p.pk for p in recipients)
    rows: list[Notification] = []
    webhook_to: list[tuple[Person | None, str]] = [(None, settings.LANGUAGE_CODE)] if p.webhook else []
    for person, language in [(r, r.language or settings.LANGUAGE_CODE) for r in recipients if channels.get(r.pk)]:
        rows += _rows_for(person, language, event, channels[person.pk], subject, actor, level, extra, context, link)
    for system, language in webhook_to:
        rows += _rows_for(system, language, event, [Channel.WEBHOOK], subject, actor, level, extra, context, link)
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
    subject: Subject | None,
    actor: User | None,
    importance: str,
    extra: dict[str, JsonValue | Callable[[], JsonValue]] | None,
    context: dict[str, JsonValue] | None,
    link: str | None,
) -> list[Notification]:
    def words_context() -> dict[str, JsonValue]:
        """What the templates see, in the active language."""
        ctx: dict[str, JsonValue] = {
            "event": event,
            "actor": actor_name(actor),
            "recipient": actor_name(person) if person is not None else "",
            "ticket": subject.words() if subject is not None else None,
            "base_url": settings.BASE_URL,
        }
        for key, value in (extra or {}).items():
            ctx[key] = value() if callable(value) else value
        return ctx

    with translation.override(language):
        ctx = words_context()
        out = []
        for channel in channels:
            words = render(event, channel, language, ctx)
            out.append(
                Notification(
                    event=event,
                    recipient_id=person.pk if person is not None else None,
                    channel=channel,
                    ticket_id=subject.ticket_id if subject is not None else None,
                    importance=importance,
                    subject=words.subject,
                    body=words.body,
                    html=words.html,
                    link=link if link is not None else (subject.link if subject is not None else ""),
                    context=context or {},
                )
            )
    for row in out:
        if row.channel == Channel.INAPP:
            row.texts = _other_languages(event, language, words_context, row)
    return out


def _other_languages(
    event: str, language: str, words_context: Callable[[], dict[str, JsonValue]], row: Notification
) -> dict[str, JsonValue]:
    """An in-app row's words in the site's other languages, so the inbox shows it in whichever the
    person reads in when they look (Notification.words): the same facts, rendered now, each in its
    language. Only where they differ from the row's own (another system's words stay as given)."""
    texts: dict[str, JsonValue] = {}
    for other, _name in settings.LANGUAGES:
        if other == language:
            continue
        with translation.override(other):
            words = render(event, Channel.INAPP, other, words_context())
        if (words.subject, words.body) != (row.subject, row.body):
            texts[other] = {"subject": words.subject, "body": words.body}
    return texts


def _schedule(row: Notification, quiet: Quiet | None, person: Person, moment: dt.datetime) -> None:
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
    """Write the rows in the caller's transaction; the workers wake when it commits. Inside a
    `Deferred` (a timer's batch) they are held and written with the batch's others at its end."""
    if not rows:
        return
    deferred = _deferred.get()
    if deferred is not None:
        deferred.rows.extend(rows)
        return
    Notification.objects.bulk_create(rows)
    wake_workers()


class Deferred:
    """The notifications a timer's batch queues (core.duework.Deferral): held while the batch runs,
    written at its end in one insert with one wake-up, still in the batch's transaction. Only for
    handlers that do not read back what they queued (their rows have no ids until the flush)."""

    def __init__(self) -> None:
        self.rows: list[Notification] = []
        self._token: Token[Deferred | None] | None = None

    def __enter__(self) -> Deferred:
        self._token = _deferred.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _deferred.reset(self._token)
            self._token = None

    def mark(self) -> int:
        return len(self.rows)

    def held(self, *, ticket_id: int, event: str, channel: str) -> list[Notification]:
        """The rows of a request's event and channel queued in this batch and not written yet."""
        return [r for r in self.rows if (r.ticket_id, r.event, r.channel) == (ticket_id, event, channel)]

    def rollback_to(self, mark: int) -> None:
        del self.rows[mark:]

    def flush(self) -> None:
        rows, self.rows = self.rows, []
        if rows:
            Notification.objects.bulk_create(rows, batch_size=FLUSH_BATCH)
            wake_workers()


def held_rows(*, ticket_id: int, event: str, channel: str) -> list[Notification]:
    """What a handler queued but the batch has not written yet (none outside a `Deferred`): for the
    one writer that reads its own rows back (the calendar task: sla/calendar_tasks.task_sync)."""
    deferred = _deferred.get()
    return deferred.held(ticket_id=ticket_id, event=event, channel=channel) if deferred is not None else []


FLUSH_BATCH = 500  # rows per INSERT statement when a batch's notifications are written
_deferred: ContextVar[Deferred | None] = ContextVar("otklik_notify_deferred", default=None)


def staff_only(rows: list[Notification]) -> list[Notification]:
    """The rows for support staff (and the webhook carriers, which serve systems): support's own
    business reaches nobody else, whatever a rule says."""
    staff = people(r.recipient_id for r in rows if r.recipient_id)
    return [
        r
        for r in rows
        if r.recipient_id is None or (staff.get(r.recipient_id) and staff[r.recipient_id].is_support_staff)
    ]
