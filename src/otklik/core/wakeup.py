"""Waking the workers at once when a transaction queues work (PostgreSQL LISTEN/NOTIFY).

`wake_workers()` issues NOTIFY inside the caller's transaction: PostgreSQL delivers it only when
that transaction commits (and folds repeats into one), so a worker never wakes for rows that are
not there yet. Workers listen on a connection of their own; on SQLite they poll.
"""

from __future__ import annotations

import logging
import select
from typing import TYPE_CHECKING

from django.db import connection

if TYPE_CHECKING:
    import psycopg
    from psycopg.rows import TupleRow

log = logging.getLogger("otklik.worker")
CHANNEL = "otklik_work"
NOTIFY_SQL = f"NOTIFY {CHANNEL}"


def wake_workers() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(NOTIFY_SQL)


class Listener:
    """A worker's own PostgreSQL connection, LISTENing; `wait()` returns when woken or timed out."""

    def __init__(self) -> None:
        self.conn: psycopg.Connection[TupleRow] | None = None
        if connection.vendor != "postgresql":
            return
        import psycopg

        try:
            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)
            self.conn = psycopg.connect(**params, autocommit=True)
            self.conn.execute(f"LISTEN {CHANNEL}")
        except Exception:  # polling still works: the worker only wakes less promptly
            log.exception("worker: cannot LISTEN for new work; polling instead")
            self.conn = None

    def wait(self, timeout: float, *, interrupt_fd: int | None = None) -> bool:
        """True when woken by new work (the notifications are drained). Returns early when
        `interrupt_fd` becomes readable (the worker's stop signal)."""
        if self.conn is None:
            return False
        try:
            fds = [self.conn.fileno(), *([interrupt_fd] if interrupt_fd is not None else [])]
            ready, _, _ = select.select(fds, [], [], timeout)
            if self.conn.fileno() not in ready:
                return False
            woken = False
            for _ in self.conn.notifies(timeout=0):
                woken = True
            return woken
        except Exception:  # a lost connection: fall back to polling rather than stop working
            log.exception("worker: the LISTEN connection failed; polling instead")
            self.close()
            return False

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None
