"""The persistent connection's health check, skipped when the connection served a request a
moment ago.

With CONN_HEALTH_CHECKS Django sends `SELECT 1` before the first query of every request: a round
trip and a wake-up of PostgreSQL per page, some 2–3 % of a worker's time under load. The check
is there for a connection that sat idle while the server restarted or a firewall dropped it. One
that finished a request under a second ago is as likely to have died since as it is to die
between the check and the request's first query, which no check covers either: such a
connection goes straight to work; an idle one is still checked."""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

RECENT = 1.0  # seconds since the connection's last request within which it is not checked again

_USED_AT = "_otklik_used_at"


def note_used(conns: Iterable[BaseDatabaseWrapper]) -> None:
    moment = time.monotonic()
    for conn in conns:
        if conn.connection is not None:
            setattr(conn, _USED_AT, moment)


def skip_if_recent(conns: Iterable[BaseDatabaseWrapper]) -> None:
    moment = time.monotonic()
    for conn in conns:
        used = getattr(conn, _USED_AT, None)
        if conn.connection is not None and used is not None and moment - used < RECENT:
            conn.health_check_done = True  # type: ignore[attr-defined]  # not in django-stubs


def note_connections_used(sender: object, **kwargs: object) -> None:
    """request_finished (after Django's own handler, which closes a broken or old connection)."""
    note_used(connections.all(initialized_only=True))


def skip_recent_health_checks(sender: object, **kwargs: object) -> None:
    """request_started (after Django's own handler, which asks for a check on every request)."""
    skip_if_recent(connections.all(initialized_only=True))
