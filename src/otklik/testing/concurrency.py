"""Real concurrency in tests (PostgreSQL): threads released together by a barrier."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def run_threads(
    count: int, work: Callable[[int, threading.Barrier], T], *, timeout: float = 60
) -> list[T | Exception | None]:
    """Run work(i, barrier) in `count` threads (each waits on the barrier where the race starts);
    the result of each, or the exception it raised. Each thread closes its own connection."""
    barrier = threading.Barrier(count, timeout=timeout)
    results: list[T | Exception | None] = [None] * count

    def target(i: int) -> None:
        try:
            results[i] = work(i, barrier)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,), name=f"racer-{i}") for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout * 2)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    return results
