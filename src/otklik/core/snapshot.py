"""An in-process snapshot of small configuration tables, rebuilt at most `REFERENCE_TTL` seconds
(setting, default 2) after it was built: hot paths read it instead of joining those tables.

Whoever owns a snapshot drops it when its rows are saved in this process (signals), and again when
the saving transaction commits: a thread that rebuilt in between read the old rows."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.conf import settings
from django.db import connection, transaction

T = TypeVar("T")


class Snapshot(Generic[T]):
    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._value: T | None = None
        self._built_at = 0.0

    def _stale(self) -> bool:
        ttl = float(getattr(settings, "REFERENCE_TTL", 2.0))
        return self._value is None or time.monotonic() - self._built_at > ttl

    def get(self) -> T:
        value = self._value
        if value is None or self._stale():
            with self._lock:
                if self._stale():
                    self._value, self._built_at = self._build(), time.monotonic()
                value = self._value
        assert value is not None
        return value

    def fresh(self) -> T:
        """Rebuilt now, whatever its age."""
        with self._lock:
            self._value, self._built_at = self._build(), time.monotonic()
            return self._value

    def drop(self) -> None:
        self._value = None

    def invalidate(self, drop: Callable[[], None]) -> None:
        """Drop now and on commit; `drop` is the owner's module-level function, so a test can tell
        the callback it left behind."""
        drop()
        if connection.in_atomic_block:
            transaction.on_commit(drop)
