"""The one way out: every HTTP request the application makes to an address someone configured
(webhooks, messenger and SMS gateways) goes through here, so the guard against reaching inside the
network (SSRF) is in one place.

The guard: only http and https; the host is resolved once and every address it resolves to must be
public (not loopback, private, link-local, the cloud metadata address, multicast, reserved or
unspecified) unless `settings.OUTBOUND_ALLOW` lets the host name or the address through. The
connection then goes to the address that was checked, so a second DNS answer cannot swap in an
internal one (DNS rebinding); TLS still verifies the certificate for the host name (SNI, Host).
Redirects are never followed: a 3xx comes back to the caller like any other status. The response
body is read up to `MAX_BODY` bytes, and the timeout bounds the connect and the whole response.

Errors name the destination by scheme, host and port only: never the path, the query or the user
information, where tokens live.
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import SplitResult, unquote, urlsplit

from django.conf import settings

MAX_BODY = 64 * 1024
_CHUNK = 8192

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class OutboundRefused(ValueError):
    """The destination is not allowed (a scheme other than http/https, an internal address) or the
    URL cannot be used. Trying again cannot help until the configuration changes.
    `str(exc)` is "where: reason"; `reason` alone is for callers that name the destination their
    own way (a carrier by its name)."""

    def __init__(self, reason: str, where: str = "") -> None:
        super().__init__(f"{where}: {reason}" if where else reason)
        self.reason, self.where = reason, where


class OutboundError(OSError):
    """No response came: the name did not resolve, the connection failed or broke, TLS failed.
    `reason` and `where` as for OutboundRefused."""

    def __init__(self, reason: str, where: str = "") -> None:
        super().__init__(f"{where}: {reason}" if where else reason)
        self.reason, self.where = reason, where


class OutboundTimeout(OutboundError, TimeoutError):
    """The connect or the response took longer than the timeout."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)  # names in lower case
    text: str = ""  # the body as text, at most MAX_BODY bytes of it
    truncated: bool = False  # the body was longer than MAX_BODY


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]
    parts: SplitResult

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def check_destination(url: str) -> None:
    """Raise OutboundRefused when `url` may not be reached (see the module's docstring), and
    OutboundError when its host does not resolve."""
    _target(url)


def check_host(host: str, port: int | None = None) -> None:
    """The same guard for a bare host name or address, for clients that connect on their own (they
    resolve the name again: no pinning there)."""
    if not host.strip("[]"):
        raise OutboundRefused("no host given")
    _resolve(host.strip("[]").rstrip("."), port)


def post(url: str, *, body: bytes, headers: Mapping[str, str], timeout: float) -> Response:
    """POST `body` to `url` through the guard and return the response, whatever its status (3xx
    included: redirects are not followed). Raises OutboundRefused, OutboundTimeout or OutboundError."""
    target = _target(url)
    parts = target.parts
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    sent_headers = dict(headers)
    if parts.username is not None and not any(h.lower() == "authorization" for h in sent_headers):
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        sent_headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    last: OutboundError | None = None
    for address in target.addresses:
        conn = _connection(target, address, timeout)
        try:
            return _exchange(conn, target, path, body, sent_headers, timeout)
        except _ConnectFailed as exc:  # this address did not answer: the next one may
            last = exc.error
        finally:
            conn.close()
    raise last or OutboundError("no address to connect to", target.origin)


def url_secrets(url: str, *, min_length: int = 6, include_host: bool = False) -> list[str]:
    """The parts of `url` that may be secret (user, password, query values, long path segments, the
    fragment; the host and port too when asked), raw and unquoted, longest first: what `scrub`
    removes from the texts a receiver or a library sends back."""
    _, sep, rest = url.partition("://")
    rest = rest if sep else url
    rest, _, fragment = rest.partition("#")
    rest, _, query = rest.partition("?")
    netloc, _, path = rest.partition("/")
    pieces: list[str] = []
    userinfo, at, hostport = netloc.rpartition("@")
    if at:
        pieces.extend(userinfo.split(":", 1))
        pieces.append(userinfo)
    if include_host:
        pieces.extend(re.split(r"[:\[\]]", hostport))
    pieces.extend(p for p in re.split(r"[/,]", path) if len(p) >= min_length)
    for pair in re.split(r"[&;]", query):
        _, _, value = pair.partition("=")
        pieces.append(value)
    pieces.append(fragment)
    found = {v for p in pieces for v in (p, unquote(p), unquote(p.replace("+", " "))) if len(v) >= 3}
    return sorted(found, key=len, reverse=True)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every one of `secrets` replaced by ***."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


# --- the guard ------------------------------------------------------------------------


def _target(url: str) -> _Target:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise OutboundRefused("not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise OutboundRefused(f"only http and https URLs may be used, not {scheme or 'no scheme'}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise OutboundRefused("the URL has no host")
    port = port or (443 if scheme == "https" else 80)
    return _Target(scheme, host, port, _resolve(host, port), parts)


def _resolve(host: str, port: int | None) -> tuple[str, ...]:
    """Resolve once; every address must be allowed (a name that resolves to one public and one
    internal address is refused: the client may pick either)."""
    where = f"[{host}]" if ":" in host else host
    where += f":{port}" if port else ""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundError(f"cannot resolve: {getattr(exc, 'strerror', None) or type(exc).__name__}", where) from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise OutboundError("cannot resolve: no addresses", where)
    names, networks = _allowed()
    if host.lower() in names:
        return tuple(addresses)
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])  # no IPv6 zone
        plain = address.ipv4_mapped or address if isinstance(address, ipaddress.IPv6Address) else address
        if _internal(plain) and not any(plain in net for net in networks if net.version == plain.version):
            raise OutboundRefused(
                f"resolves to the internal address {address}; list it in OTKLIK_OUTBOUND_ALLOW to allow it", where
            )
    return tuple(addresses)


def _internal(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _internal(address.ipv4_mapped)
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local  # 169.254.169.254, the cloud metadata service, too
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def _allowed() -> tuple[set[str], list[IPNetwork]]:
    """OUTBOUND_ALLOW: host names, addresses and networks (CIDR); a list or one comma-separated string."""
    raw = getattr(settings, "OUTBOUND_ALLOW", ())
    entries = raw.split(",") if isinstance(raw, str) else list(raw)
    names: set[str] = set()
    networks: list[IPNetwork] = []
    for entry in (str(e).strip().strip("[]") for e in entries):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.add(entry.lower().rstrip("."))
    return names, networks


# --- the exchange ---------------------------------------------------------------------


class _ConnectFailed(Exception):
    def __init__(self, error: OutboundError) -> None:
        super().__init__(str(error))
        self.error = error


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address that was checked; the Host header still names the host."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPS(_PinnedHTTP):
    default_port = http.client.HTTPS_PORT

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, address, timeout)
        self.context = ssl.create_default_context()

    def connect(self) -> None:
        super().connect()
        # SNI and the certificate check are for the host name, not the address we connected to.
        self.sock = self.context.wrap_socket(self.sock, server_hostname=self.host)


def _connection(target: _Target, address: str, timeout: float) -> _PinnedHTTP:
    cls = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    return cls(target.host, target.port, address, timeout)


def _exchange(
    conn: _PinnedHTTP, target: _Target, path: str, body: bytes, headers: dict[str, str], timeout: float
) -> Response:
    where = target.origin
    try:
        conn.connect()
    except TimeoutError:
        raise _ConnectFailed(OutboundTimeout(f"no connection within {timeout:g} s", where)) from None
    except ssl.SSLError as exc:
        raise OutboundError(f"TLS failed: {exc.reason or type(exc).__name__}", where) from None
    except OSError as exc:
        raise _ConnectFailed(OutboundError(f"cannot connect: {_reason(exc)}", where)) from None
    # Each read waits at most `timeout`; the body as a whole too (a server that drips a byte at a
    # time must not hold the worker for a multiple of it).
    deadline = time.monotonic() + timeout
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        chunks: list[bytes] = []
        size = 0
        truncated = False
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            if conn.sock is not None:
                conn.sock.settimeout(left)
            chunk = response.read(min(_CHUNK, MAX_BODY + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BODY:
                truncated = True
                break
    except TimeoutError:
        raise OutboundTimeout(f"no response within {timeout:g} s", where) from None
    except (OSError, http.client.HTTPException) as exc:
        raise OutboundError(f"the connection failed: {_reason(exc)}", where) from None
    data = b"".join(chunks)[:MAX_BODY]
    charset = response.headers.get_content_charset() or "utf-8"
    try:
        text = data.decode(charset, "replace")
    except LookupError:  # an unknown charset name
        text = data.decode("utf-8", "replace")
    headers_in = {name.lower(): value for name, value in response.getheaders()}
    return Response(response.status, headers_in, text, truncated)


def _reason(exc: BaseException) -> str:
    # The exception's class and errno text only: messages of some libraries quote the request.
    strerror = getattr(exc, "strerror", None)
    return f"{type(exc).__name__}: {strerror}" if strerror else type(exc).__name__
