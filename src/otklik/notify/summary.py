"""The in-app summary a user gets on logging in: what awaits their reaction (requests they execute
that wait for them, their own requests that wait for their answer or confirmation, how many of
those are past a deadline, unread notifications). Only when something awaits, and at most once per
SUMMARY_INTERVAL, so logging in twice does not repeat it."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.db.models import Q

from otklik.accounts.models import User
from otklik.core.clock import now
from otklik.routes.models import PointKind
from otklik.tickets.models import Ticket

from .events import compose, queue_rows
from .models import Channel, Importance, Notification

log = logging.getLogger("otklik.notify")
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
        "breached": mine.filter(executing | answering, sla_breached=True).count(),
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
        )
        queue_rows(rows)
    return rows


def on_login(sender: Any, request: Any, user: User, **_: Any) -> None:
    # A summary that cannot be made must never stop the person from logging in.
    try:
        notify_login_summary(user)
    except Exception:
        log.exception("notify: no login summary for user %s", user.pk)
