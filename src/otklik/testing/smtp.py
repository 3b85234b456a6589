"""Real SMTP servers on loopback for tests and benchmarks (aiosmtpd), on a port the system picks."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

MESSAGE_ID = re.compile(rb"^Message-ID: <([0-9a-f-]{36})@", re.MULTILINE | re.IGNORECASE)


class LoopbackController(Controller):
    """aiosmtpd's Controller on a port the system picks (port=0): no probe-then-bind race."""

    def __init__(self, handler: object, **kwargs: Any) -> None:
        # Any object: aiosmtpd calls whichever of its handle_* hooks it has.
        super().__init__(handler, hostname="127.0.0.1", port=0, **kwargs)

    def _trigger_server(self) -> None:
        if not isinstance(self.server, asyncio.Server):
            raise RuntimeError("the SMTP server is not listening yet")
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class MessageIdSink:
    """Accepts everything and notes, per Message-ID (a notification's key), how many copies came
    and when the first arrived; and how many connections were opened."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self.arrived: dict[str, float] = {}
        self.connections = 0

    @property
    def count(self) -> int:
        return sum(self.seen.values())

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        self.connections += 1
        session.host_name = hostname  # what aiosmtpd's own EHLO handling does, which this replaces
        return responses

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)  # the controller does not decode: the message as sent
        found = MESSAGE_ID.search(envelope.content)
        key = found.group(1).decode() if found else "?"
        self.seen[key] += 1
        self.arrived.setdefault(key, time.monotonic())
        return "250 OK"
