"""Following the person's notifications: the live stream (`/api/v1/notifications/stream`,
Server-Sent Events), following the web server's 307 to the stream process with the token (never
from https down to http). When the stream drops it reconnects with `Last-Event-ID` (the highest id
shown) and a growing pause, and shows each notification once however often the server sends it.
Against a server without the stream (404, 501), or when the stream cannot be reached after the
redirect while the web server answers, it asks the inbox every `interval` seconds instead, and
tries the stream again now and then. It marks nothing read: a click on a desktop notification does.

(The server's own `otklik notifier` command follows the stream with this same class.)"""

from __future__ import annotations

import http.client
import json
import random
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from typing import Any, BinaryIO, NoReturn, Protocol

from .http import OPENER, may_follow_to_stream

STREAM_PATH = "/api/v1/notifications/stream"
MAX_REDIRECTS = 5
MAX_LINE = 1024 * 1024
# Without a byte for this long (the server pings every 15 s) the connection is taken for dead.
READ_TIMEOUT = 60.0
REMEMBER = 10_000  # ids shown, to show each once


@dataclass
class SseEvent:
    type: str
    data: str
    id: str


class SseParser:
    """Server-Sent Events as the HTML standard reads them: fields per line, `data` lines joined with
    newlines, an empty line dispatches, `:` starts a comment, `id` persists across events."""

    def __init__(self) -> None:
        self.data: list[str] = []
        self.type = ""
        self.last_id = ""
        self.retry: int | None = None  # milliseconds, when the server set it

    def feed(self, line: str) -> SseEvent | None:
        if line == "":
            if not self.data:
                self.type = ""
                return None
            event = SseEvent(self.type or "message", "\n".join(self.data), self.last_id)
            self.data, self.type = [], ""
            return event
        if line.startswith(":"):
            return None
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self.data.append(value)
        elif name == "event":
            self.type = value
        elif name == "id" and "\0" not in value:
            self.last_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self.retry = int(value)
        return None


def sse_lines(response: BinaryIO) -> Iterator[str]:
    """The stream's lines, whichever of CRLF, LF or CR ends them; a leading BOM is dropped."""
    first = True
    while True:
        raw = response.readline(MAX_LINE)
        if not raw:
            return
        text = raw.decode("utf-8", errors="replace")
        if first:
            text, first = text.removeprefix("\ufeff"), False
        text = text.removesuffix("\n").removesuffix("\r")
        yield from text.split("\r")


class NoStream(Exception):
    """The server has no live stream to offer: ask the inbox instead."""


class StreamUnreachable(OSError):
    """The web server answered, but the stream it redirected to did not."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # followed by hand: the token must not go from https to http


class Writer(Protocol):
    """Where the follower says what it does: a text stream (sys.stderr, a Django command's own)."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> object: ...


class TokenRefused(Exception):
    """The server no longer accepts the token (revoked, or the person deactivated)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"the server refused the token ({status}): pair again")
        self.status = status


class Follower:
    def __init__(
        self,
        base: str,
        token: str,
        show: Callable[[dict[str, Any]], None],
        *,
        interval: float = 5.0,
        err: Writer | None = None,
    ) -> None:
        self.base, self.token, self.show, self.interval = base, token, show, interval
        self.err: Writer = err or sys.stderr
        self.opener = urllib.request.build_opener(_NoRedirects)
        self.shown: set[int] = set()
        self.shown_order: deque[int] = deque()
        self.highest: int | None = None  # sent as Last-Event-ID when reconnecting
        self.connected_once = False

    def say(self, text: str) -> None:
        self.err.write(text + "\n")
        self.err.flush()

    # --- the live stream ---------------------------------------------------------------------

    def follow(self) -> None:
        failures = 0
        fallbacks = 0
        retry = 3.0
        while True:
            try:
                retry = self._stream(retry)
                failures = fallbacks = 0
                pause = retry  # the server ended the stream (a restart): come back as it asked
            except NoStream as exc:
                # Poll for a while (longer each time, at most 5 minutes), then try the stream again.
                period = min(300.0, self.interval * 6 * 2**fallbacks)
                self.say(f"no live stream ({exc}); asking the inbox every {self.interval:g} s")
                self._poll(period)
                fallbacks += 1
                continue
            except StreamUnreachable as exc:
                failures += 1
                if not self.connected_once or failures >= 3:
                    failures = 0
                    period = min(300.0, self.interval * 6 * 2**fallbacks)
                    self.say(f"the live stream cannot be reached ({exc}); asking the inbox meanwhile")
                    self._poll(period)
                    fallbacks += 1
                    continue
                pause = min(60.0, retry * 2 ** (failures - 1))
                self.say(f"the live stream cannot be reached ({exc}); trying again in {pause:.0f} s")
            except OSError as exc:
                failures += 1
                pause = min(60.0, retry * 2 ** (failures - 1))
                self.say(f"cannot reach {self.base}: {exc}; trying again in {pause:.0f} s")
            time.sleep(pause * random.uniform(0.8, 1.2))  # spread: clients of a restarted server come back apart

    def _open_stream(self) -> http.client.HTTPResponse:
        """The stream's response, the redirects followed with the token: at most 5, on the server's own
        host only (the token must not go anywhere else), never from https to http."""
        url = self.base + STREAM_PATH
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if self.highest is not None:
            headers["Last-Event-ID"] = str(self.highest)
        redirected = False
        for _ in range(MAX_REDIRECTS + 1):
            request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http(s) only, checked)
            try:
                response: http.client.HTTPResponse = self.opener.open(request, timeout=READ_TIMEOUT)
                return response
            except urllib.error.HTTPError as exc:
                exc.close()
                location = exc.headers.get("Location") if exc.code in (301, 302, 303, 307, 308) else None
                if location is None:
                    self._refused(exc.code, exc.headers)
                target = urllib.parse.urljoin(url, location)
                if not may_follow_to_stream(url, target):
                    raise NoStream(f"refusing to follow {url} to {target}") from None
                url, redirected = target, True
            except OSError as exc:
                if redirected:
                    raise StreamUnreachable(f"{url}: {getattr(exc, 'reason', exc)}") from None
                raise
        raise NoStream(f"more than {MAX_REDIRECTS} redirects from {self.base + STREAM_PATH}")

    def _refused(self, code: int, headers: Message) -> NoReturn:
        if code in (401, 403):
            raise TokenRefused(code)
        if code in (404, 405, 501):
            raise NoStream(f"HTTP {code}")
        raise OSError(f"HTTP {code}")  # 503 (full) and the like: later

    def _stream(self, retry: float) -> float:
        """Read one connection to its end; returns the reconnection pause the server asked for."""
        try:
            response = self._open_stream()
        except http.client.HTTPException as exc:  # a garbled answer: like a dropped connection
            raise OSError(f"{type(exc).__name__}: {exc}") from None
        with response:
            if not response.headers.get("Content-Type", "").startswith("text/event-stream"):
                raise NoStream(f"{response.headers.get('Content-Type') or 'no content type'} instead of events")
            parser = SseParser()
            try:
                for line in sse_lines(response):
                    event = parser.feed(line)
                    if parser.retry is not None:
                        retry = max(0.5, parser.retry / 1000)
                    if event is not None:
                        self._event(event)
            except http.client.HTTPException as exc:  # cut off mid-chunk: the server went away
                raise OSError(f"the stream broke off ({type(exc).__name__})") from None
        return retry

    def _event(self, event: SseEvent) -> None:
        try:
            data = json.loads(event.data)
            if event.type == "hello":
                # A first connection's hello names the newest delivered id: reconnect from there.
                if self.highest is None and event.id.isascii() and event.id.isdigit():
                    self.highest = int(event.id)
                again = " again" if self.connected_once else ""
                self.say(f"following {self.base}{again}: live notifications ({data['unread']} unread)")
                self.connected_once = True
            elif event.type == "notification":
                self._news(data)
        except (ValueError, KeyError, TypeError) as exc:
            self.say(f"skipping a malformed {event.type!r} event: {exc!r}")

    # --- the inbox, when there is no stream ---------------------------------------------------

    def _poll(self, period: float) -> None:
        """Ask the inbox every --interval seconds for `period` seconds. On the first look, unread
        notifications at or below the highest id known are not news (all of them if none is known:
        they were there before we started); later, every one not shown yet is."""
        until = time.monotonic() + period
        first = True
        while True:
            try:
                items = self.unread()
            except OSError as exc:
                self.say(f"cannot reach {self.base}: {exc}; trying again")
            else:
                for n in reversed(items):
                    if first and (self.highest is None or n["id"] <= self.highest):
                        self._remember(n["id"])
                    else:
                        self._news(n)
                first = False
            if time.monotonic() >= until:
                return
            time.sleep(self.interval)

    def unread(self) -> list[dict[str, Any]]:
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
            f"{self.base}/api/v1/notifications?unread=true&limit=100",
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
        )
        try:
            with OPENER.open(request, timeout=30) as response:  # the token stays with its server
                items: list[dict[str, Any]] = json.loads(response.read().decode("utf-8"))["items"]
                return items
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                raise TokenRefused(exc.code) from None
            raise OSError(f"HTTP {exc.code}") from None

    # --- showing ------------------------------------------------------------------------------

    def _news(self, n: dict[str, Any]) -> None:
        if n["id"] in self.shown:
            return
        self._remember(n["id"])
        self._show(n)

    def _remember(self, pk: int) -> None:
        if pk in self.shown:
            return
        self.shown.add(pk)
        self.shown_order.append(pk)
        if len(self.shown_order) > REMEMBER:
            self.shown.discard(self.shown_order.popleft())
        self.highest = pk if self.highest is None else max(self.highest, pk)

    def _show(self, n: dict[str, Any]) -> None:
        self.show(n)
