"""Notifications that other systems put in the queue (the source's "forced reflection": an ERP
posting a document tells its people through the help desk). They go through the same rules,
preferences, channels, attempts and history as the help desk's own: a rule for the event's name
decides the channels (and may add people); without one the named people get it in the app and by
e-mail."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.db import transaction

from otklik.accounts.models import GroupMembership, Role, SupportGroup, User
from otklik.core.clock import now
from otklik.core.errors import Invalid, invalid, not_a_choice, not_allowed, required, too_many, unknown
from otklik.core.text import clean_text
from otklik.core.wakeup import wake_workers

from .channels.messaging import VERIFICATION_EVENT
from .models import Event, Importance, Notification, State
from .outbox import compose, queue_rows
from .preferences import EXTERNAL_DEFAULT
from .subject import Subject

# What another system's notification may be about, found by its reference (a request's number):
# the caller knows the domain (api/notifications.py passes the requests' finder).
SubjectFinder = Callable[[str], Subject | None]

EVENT_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
MAX_RECIPIENTS = 1000
SUBJECT_LIMIT = 250  # the longest subject another system may give
# The help desk's own events: their texts and rules expect what the help desk puts in them.
RESERVED_EVENTS = frozenset({*Event.values, "digest"})


def _resolve(users: list[str], groups: list[str], roles: list[str]) -> list[int]:
    unknown_roles = sorted(set(roles) - set(Role.values))
    if unknown_roles:
        error = unknown("recipients.roles", message="unknown role", value=unknown_roles[0])
        raise Invalid(f"unknown role {unknown_roles[0]!r}", errors=[error])
    named = User.objects.filter(username__in=users).values_list("pk", "username", "is_active")
    ids = {pk for pk, _, active in named if active}
    found = {name for _, name, _ in named}
    if set(users) - found:
        missing = sorted(set(users) - found)[0]
        error = unknown("recipients.users", message=f"unknown user {missing!r}", value=missing)
        raise Invalid(f"unknown user {missing!r}", errors=[error])
    if groups:
        existing = set(SupportGroup.objects.filter(code__in=groups).values_list("code", flat=True))
        if set(groups) - existing:
            missing = sorted(set(groups) - existing)[0]
            error = unknown("recipients.groups", message=f"unknown group {missing!r}", value=missing)
            raise Invalid(f"unknown group {missing!r}", errors=[error])
        ids |= set(
            GroupMembership.objects.filter(group__code__in=groups, user__is_active=True).values_list(
                "user_id", flat=True
            )
        )
    if roles:
        ids |= set(User.objects.filter(role__in=roles, is_active=True).values_list("pk", flat=True))
    return sorted(ids)


def notify_enqueue(
    *,
    sender: User,
    event: str,
    subject: str,
    text: str = "",
    users: list[str] | None = None,
    groups: list[str] | None = None,
    roles: list[str] | None = None,
    link: str = "",
    importance: str = Importance.NORMAL,
    ticket_ref: str | None = None,
    find_subject: SubjectFinder | None = None,
) -> list[Notification]:
    """Queue one notification per recipient and channel; all or nothing."""
    event = (event or "").strip()
    if not EVENT_RE.match(event):
        raise Invalid(
            "event must be 1–40 lower-case letters, digits, dots, dashes or underscores",
            errors=[invalid("event", message="bad event name", pattern=EVENT_RE.pattern)],
        )
    if event in RESERVED_EVENTS:
        raise Invalid(
            f"{event!r} is one of the help desk's own events: name yours differently (e.g. erp.{event})",
            errors=[not_allowed("event", message="reserved")],
        )
    subject = clean_text(
        subject,
        field="subject",
        limit=SUBJECT_LIMIT,
        required=True,
        detail=f"subject is required, at most {SUBJECT_LIMIT} characters",
        message=f"1–{SUBJECT_LIMIT} characters",
    )
    text = clean_text(text, field="text", limit=settings.MAX_TEXT_LENGTH, message="too long")
    if importance not in Importance.values:
        error = not_a_choice("importance", Importance.values, message="low, normal, high or critical")
        raise Invalid(f"unknown importance {importance!r}", errors=[error])
    if link and (not link.startswith(("https://", "http://")) or len(link) > 500 or any(c.isspace() for c in link)):
        error = invalid("link", message="bad URL", limit=500)
        raise Invalid("link must be an http(s) URL of at most 500 characters", errors=[error])
    about = None
    if ticket_ref:
        about = find_subject(ticket_ref) if find_subject is not None else None
        if about is None:
            error = unknown("ticket", message="unknown request", value=ticket_ref)
            raise Invalid(f"unknown request {ticket_ref!r}", errors=[error])
    ids = _resolve(users or [], groups or [], roles or [])
    if not ids:
        error = required("recipients", message="no active recipient")
        raise Invalid("no recipient: name users, groups or roles", errors=[error])
    if len(ids) > MAX_RECIPIENTS:
        error = too_many("recipients", MAX_RECIPIENTS)
        raise Invalid(f"more than {MAX_RECIPIENTS} recipients", errors=[error])
    rows = compose(
        event,
        subject=about,
        addressed=ids,
        importance=importance,
        extra={"subject": subject, "text": text or ""},
        context={"from": sender.username},
        link=link or None,
        fallback=EXTERNAL_DEFAULT,
    )
    with transaction.atomic():
        queue_rows(rows)
    return rows


def notification_retry(*, ids: list[int]) -> int:
    """Queue dead notifications again, with a fresh set of attempts (the earlier attempts stay in
    the history). Rows that are not dead, and address checks' codes, are left alone. Returns how
    many were queued."""
    with transaction.atomic():
        # An address check's code is not sent again (it may be spent, and is masked): the person
        # asks for a new one.
        dead = Notification.objects.filter(pk__in=ids, state=State.DEAD).exclude(event=VERIFICATION_EVENT)
        count = dead.update(
            state=State.PENDING, attempts=0, due_at=now(), lease_until=None, carrier=None, carrier_attempts=0
        )
        if count:
            wake_workers()
    return count
