"""The notifier's HTTP: JSON requests to the server, and the pairing (device code) flow."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

TIMEOUT = 30.0
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


def may_follow(source: str, target: str) -> bool:
    """Whether a redirect from `source` to `target` may carry the token: within the same origin, or
    from http to https on the same host. Anywhere else (another host, https to http) the token
    would go to someone it was not given to."""
    old, new = _origin(source), _origin(target)
    if new == old:
        return True
    return new[1] == old[1] and old[0] == "http" and new[0] == "https"


def may_follow_to_stream(source: str, target: str) -> bool:
    """Whether the live stream's redirect may carry the token: to the same host on any port (the
    server sends its stream path to its stream process, on the web port + 1), never down from https
    to http, never to another host."""
    old, new = _origin(source), _origin(target)
    return new[1] == old[1] and new[0] in ("http", "https") and not (old[0] == "https" and new[0] == "http")


class SameServerRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only where `may_follow` allows; another is refused (urllib then raises the
    redirect's HTTPError, an answer with its 3xx status)."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if not may_follow(req.full_url, newurl):
            return None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


# Every request that carries the token goes through this opener (urllib's default follows any redirect
# with every header, the Authorization included).
OPENER = urllib.request.build_opener(SameServerRedirects)


class Refused(Exception):
    """The server said no: the token is not (or no longer) accepted, or the pairing failed."""


@dataclass
class Answer:
    status: int
    data: dict[str, Any]


def check_url(url: str) -> str:
    base = url.strip().rstrip("/")
    parts = urllib.parse.urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SystemExit(f"{url!r} is not an http(s) address, e.g. https://helpdesk.example.org")
    return base


def call(method: str, url: str, *, token: str | None = None, body: dict[str, Any] | None = None) -> Answer:
    """One JSON request; an HTTP error status is an answer too (OSError when there is none)."""
    headers = {"Accept": "application/json", "User-Agent": "otklik-notifier"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 (checked)
    try:
        with OPENER.open(request, timeout=TIMEOUT) as response:
            return Answer(response.status, _json(response.read()))
    except urllib.error.HTTPError as exc:
        with exc:
            return Answer(exc.code, _json(exc.read()))


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclass
class Paired:
    token: str
    username: str
    name: str
    time_zone: str


def pair(
    base: str,
    *,
    device: str,
    show: Callable[[dict[str, Any]], None],
    sleep: Callable[[float], None] = time.sleep,
) -> Paired:
    """Ask for a code, let `show` tell the person where to confirm it, and wait for the token."""
    started = call("POST", f"{base}/api/v1/notifier/pair", body={"device": device[:100]})
    if started.status != 201:
        raise Refused(f"the server refused to start pairing ({started.status}): {started.data.get('detail', '')}")
    info = started.data
    show(info)
    interval = float(info.get("interval") or 5)
    claim_url = f"{base}/api/v1/notifier/pair/{urllib.parse.quote(str(info['pair_id']), safe='')}/claim"
    while True:
        sleep(interval)
        try:
            answer = call("POST", claim_url, body={"secret": info["secret"]})
        except OSError:
            continue  # the network hiccuped: the code lives on
        if answer.status == 200:
            user = answer.data["user"]
            return Paired(answer.data["token"], user["username"], user["name"], user["time_zone"])
        if answer.status == 202:
            continue
        if answer.status == 429:
            interval += 1
            continue
        detail = answer.data.get("detail") or f"HTTP {answer.status}"
        raise Refused(detail)
