"""The persistent connection's health check, skipped when the connection served a request a
moment ago and the server has said nothing on it since.

With CONN_HEALTH_CHECKS Django sends `SELECT 1` before the first query of every request: a round
trip and a wake-up of PostgreSQL per page, some 2–3 % of a worker's time under load. The check is
there for a connection the server dropped while it sat idle. A server that ends a connection (a
restart, a failover, pg_terminate_backend) tells it so, and its socket turns readable; a socket
with nothing to read, on a connection that finished a request under a second ago, goes straight to
work (one system call, no round trip). Otherwise Django's check runs as before. Only a connection
cut without a word (a dead network) passes unchecked within that second, and fails its request."""

from __future__ import annotations

import select
import time
from collections.abc import Iterable

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

RECENT = 1.0  # seconds since the connection's last request within which it is not checked again

_USED_AT = "_otklik_used_at"


def _quiet(conn: BaseDatabaseWrapper) -> bool:
    """Whether the server has sent nothing on the connection since its last reply (a farewell, an
    error or a notification would be waiting to be read)."""
    fileno = getattr(conn.connection, "fileno", None)
    if fileno is None:  # not a socket-backed connection (SQLite): nothing to learn from it
        return True
    try:
        readable, _, _ = select.select([fileno()], [], [], 0)
    except (OSError, ValueError):  # closed already
        return False
    return not readable


def note_used(conns: Iterable[BaseDatabaseWrapper]) -> None:
    moment = time.monotonic()
    for conn in conns:
        if conn.connection is not None:
            setattr(conn, _USED_AT, moment)


def skip_if_recent(conns: Iterable[BaseDatabaseWrapper]) -> None:
    moment = time.monotonic()
    for conn in conns:
        used = getattr(conn, _USED_AT, None)
        if conn.connection is not None and used is not None and moment - used < RECENT and _quiet(conn):
            conn.health_check_done = True  # type: ignore[attr-defined]  # not in django-stubs


def note_connections_used(sender: object, **kwargs: object) -> None:
    """request_finished (after Django's own handler, which closes a broken or old connection)."""
    note_used(connections.all(initialized_only=True))


def skip_recent_health_checks(sender: object, **kwargs: object) -> None:
    """request_started (after Django's own handler, which asks for a check on every request)."""
    skip_if_recent(connections.all(initialized_only=True))
