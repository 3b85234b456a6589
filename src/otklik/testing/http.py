"""A real HTTP server on loopback for tests and benchmarks (http.server, a thread per request, on
a port the system picks): it records every request and answers from a script.

    with LoopbackHTTPServer([500, Reply(429, headers={"Retry-After": "1"})], default=200) as server:
        post(server.url + "/hook", ...)       # 500, then 429, then 200 for ever
        server.requests[0].json()

An answer is a status or a `Reply` (status, body, headers, a delay before answering: for timeouts).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from otklik.core.jsonvalue import JsonValue


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: str
    headers: Mapping[str, str]  # as sent; look them up with `header()`
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)

    def json(self) -> JsonValue:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode(), keep_blank_values=True)


class LoopbackHTTPServer:
    """Started and stopped as a context manager; `requests` fills as requests come in."""

    def __init__(self, script: Iterable[int | Reply] = (), *, default: int | Reply = 200) -> None:
        self._script = [_reply(r) for r in script]
        self.default = _reply(default)
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port = 0

    # --- the script ---------------------------------------------------------------------

    def answer(self, *replies: int | Reply) -> None:
        """Append to the script: these answers come next, in order, before the default."""
        with self._lock:
            self._script.extend(_reply(r) for r in replies)

    def _next(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            return self._script.pop(0) if self._script else self.default

    # --- where it listens ---------------------------------------------------------------

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        """The port it listens on (still known after the stop, for the assertions that follow)."""
        if not self._port:
            raise RuntimeError("the server has not been started")
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # --- start and stop -----------------------------------------------------------------

    def start(self) -> LoopbackHTTPServer:
        owner = self

        class Handler(_Handler):
            server_owner = owner

        server = ThreadingHTTPServer((self.host, 0), Handler)
        server.daemon_threads = True  # a request still sleeping in its delay must not hold up the stop
        self._server, self._port = server, int(server.server_address[1])
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> LoopbackHTTPServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _reply(value: int | Reply) -> Reply:
    return value if isinstance(value, Reply) else Reply(status=value)


class _Handler(BaseHTTPRequestHandler):
    server_owner: LoopbackHTTPServer
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        recorded = Recorded(
            method=self.command,
            path=parts.path,
            query=parts.query,
            headers=dict(self.headers.items()),
            body=body,
        )
        reply = self.server_owner._next(recorded)
        if reply.delay:
            time.sleep(reply.delay)
        payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if not any(k.lower() == "content-type" for k in reply.headers):
                self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up (a timeout test): nothing to answer
            pass
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests look at `requests`, not at stderr."""
