"""The live stream's per-request events, for an open request page: `GET
/api/v1/notifications/stream?ticket=ERR-000123` also sends

    event: ticket
    data: {"ticket": "ERR-000123", "count": 7, "last": 812}

once the stream starts and again whenever the request's mark moves (`otklik.tickets.live`: the
records of it this person may see and did not write). The page compares it with the mark it was
rendered with. Only a person who may see the request gets these events, checked when the stream
opens and again before each one; for anyone else the parameter is ignored, as if the request did
not exist. The events carry no `id:`, so `Last-Event-ID` stays the notifications' own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable
from typing import Protocol

from django.db import connection

from otklik.tickets.live import Mark, MarkReader, Viewer

log = logging.getLogger("otklik.stream")


class Watching(Protocol):
    """A stream that may be watching a request (the hub's subscriber)."""

    watch: Viewer | None
    mark: Mark | None

    def push(self, chunks: list[tuple[int, str]]) -> None: ...


def ticket_event(v: Viewer, mark: Mark) -> str:
    data = json.dumps({"ticket": v.number, "count": mark[0], "last": mark[1]})
    return f"event: ticket\ndata: {data}\n\n"


def reader() -> Callable[[Collection[Viewer]], dict[Viewer, Mark]]:
    """The marks' reader, for the hub's database thread: a failed read drops the connection, which
    is replaced on the next pass (as the notifications' reader does)."""
    marks = MarkReader()

    def step(viewers: Collection[Viewer]) -> dict[Viewer, Mark]:
        try:
            return marks.step(viewers)
        except Exception:
            connection.close()
            raise

    return step


async def push_marks(
    subscribers: Iterable[Iterable[Watching]], step: Callable[[Collection[Viewer]], Awaitable[dict[Viewer, Mark]]]
) -> None:
    """One pass: each watching stream gets the request's mark when it moved since it last got one."""
    watching = [sub for subs in subscribers for sub in subs if sub.watch is not None]
    if not watching:
        return
    try:
        found = await step({sub.watch for sub in watching if sub.watch is not None})
    except Exception:  # the notifications go on meanwhile; the next pass tries again
        log.exception("stream: cannot read the watched requests; trying again")
        return
    for sub in watching:
        mark = found.get(sub.watch) if sub.watch is not None else None
        if sub.watch is not None and mark is not None and mark != sub.mark:
            sub.mark = mark
            sub.push([(0, ticket_event(sub.watch, mark))])
