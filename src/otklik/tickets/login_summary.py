"""The in-app summary a user gets on logging in: what awaits their reaction (requests they execute
that wait for them, their own requests that wait for their answer or confirmation, how many of
those they execute are past a deadline, unread notifications). Only when something awaits, and at
most once per SUMMARY_INTERVAL, so logging in twice does not repeat it. Deadlines are the staff's
business: an initiator's summary never counts breaches, and leads to «My requests»."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from otklik.accounts.models import User
from otklik.core.clock import now
from otklik.core.jsonvalue import JsonValue
from otklik.notify import texts
from otklik.notify.models import Channel, Importance, Notification
from otklik.notify.outbox import compose, queue_rows
from otklik.routes.models import PointKind

from .models import Ticket

log = logging.getLogger("otklik.notify")  # where the other notification failures are logged
SUMMARY_INTERVAL = dt.timedelta(minutes=30)
EXECUTOR_TURN = (PointKind.NEW, PointKind.IN_WORK)
INITIATOR_TURN = (PointKind.WAITING, PointKind.RESOLVED)


def awaiting(user: User) -> dict[str, int]:
    mine = Ticket.objects.filter(is_open=True)
    executing = Q(executor=user, point__kind__in=EXECUTOR_TURN)
    answering = Q(initiator=user, point__kind__in=INITIATOR_TURN)
    return {
        "executing": mine.filter(executing).count(),
        "answering": mine.filter(answering).count(),
        # Only the requests the user executes: an initiator is never told of SLA breaches.
        "breached": mine.filter(executing, sla_breached=True).count(),
        "unread": Notification.objects.filter(recipient=user, channel=Channel.INAPP, read_at__isnull=True).count(),
    }


def notify_login_summary(user: User) -> list[Notification]:
    """Queue the summary for `user` (in its own transaction); the rows written, if any."""
    counts = awaiting(user)
    if not (counts["executing"] or counts["answering"]):
        return []
    with transaction.atomic():
        recent = Notification.objects.filter(
            recipient=user, event="login_summary", created_at__gte=now() - SUMMARY_INTERVAL
        ).exists()
        if recent:
            return []
        rows = compose(
            "login_summary",
            addressed=[user.pk],
            importance=Importance.NORMAL,
            extra={"summary": counts},
            context=dict(counts),
            link=summary_link(counts),
        )
        queue_rows(rows)
    return rows


def summary_link(counts: dict[str, int]) -> str:
    """Where the summary leads: the work queue for one who executes requests, else «My requests»."""
    return f"{settings.BASE_URL}/{'work' if counts['executing'] else 'my'}"


def on_login(sender: type[User], request: HttpRequest, user: User, **_: Any) -> None:
    # A summary that cannot be made must never stop the person from logging in.
    try:
        notify_login_summary(user)
    except Exception:
        log.exception("notify: no login summary for user %s", user.pk)


def _summary(c: dict[str, JsonValue]) -> tuple[str, str]:
    s = c["summary"]

    # Only the lines that say something: an initiator, who executes nothing, never reads of the
    # requests "you execute" nor of breaches (nor anyone of zero requests past a deadline); a
    # summary stored before breaches were counted among executed requests only says none either.
    def count(key: str) -> int:
        value = s.get(key) if isinstance(s, dict) else None
        return value if isinstance(value, int) else 0

    # Sentences that agree with their number (ngettext: «ждёт 1 обращение», «ждут 5 обращений»).
    texts_by_key: dict[str, Callable[[int], str]] = {
        "executing": lambda n: ngettext(
            "%(count)s request you execute awaits your reaction",
            "%(count)s requests you execute await your reaction",
            n,
        ),
        # "Among them": right after the requests the user executes, the only ones it counts.
        "breached": lambda n: _("Requests past a deadline among them: %(count)s"),
        "answering": lambda n: ngettext(
            "%(count)s of your requests awaits your answer", "%(count)s of your requests await your answer", n
        ),
        "unread": lambda n: _("Unread notifications: %(count)s"),
    }
    lines = [
        text(count(key)) % {"count": count(key)}
        for key, text in texts_by_key.items()
        if count(key) and (key != "breached" or count("executing"))
    ]
    return _("what awaits your reaction"), "\n".join(lines)


texts.register("login_summary", _summary)
