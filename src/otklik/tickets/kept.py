"""Counts kept per person while no request changes: the workspace's queue counts, «all visible»
and the portal's «awaiting you». Counting reads every matching request on every page, fragment
and refresh, the one cost of those pages that grows with the service.

Every change to a request (filing, taking, moving, answering, a missed target) writes a log
record, so the newest record's id (read off the primary key, one row) is part of each count's key:
a change made by any process shows at once. Only what time alone changes (a request turning at
risk) and a record committed out of id order wait for QUEUE_COUNTS_TTL seconds (a setting)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings

from otklik.core.prepared import Prepared
from otklik.core.snapshot import KeyedCache

from .models import LogRecord

V = TypeVar("V")

QUEUE_COUNTS_TTL = 10.0


def counts_ttl() -> float:
    return float(getattr(settings, "QUEUE_COUNTS_TTL", QUEUE_COUNTS_TTL))


_newest: Prepared[LogRecord] = Prepared(lambda: LogRecord.objects.order_by("-pk").values_list("pk", flat=True)[:1])


def newest_record_id() -> int:
    """The newest log record's id: what changes whenever any request does (compiled once: the
    ORM's building of this one-row read cost more than running it)."""
    found = _newest.values()
    return int(found[0]) if found else 0


def kept_count(cache: KeyedCache[tuple[int, int], V], person_id: int, count: Callable[[], V]) -> V | None:
    """`count()` for the person, or the value kept while no request changed. The cache: a
    `KeyedCache(name, ttl=counts_ttl)` of the caller's."""
    return cache.get((person_id, newest_record_id()), lambda _key: count())
