"""SMS and messengers through Apprise (https://github.com/caronc/apprise): one URL per carrier
picks the gateway or the bot, e.g. `tgram://{bot_token}/{address}` or `json://gw.example.org/sms?to={phone}`.

carrier.settings = {"url": "<Apprise URL>"}. The placeholders `{phone}` (SMS: the recipient's phone,
as + and digits) and `{address}` (messengers: the recipient's messenger chat or user id) are
filled in URL-quoted; a recipient without one fails for good, naming what is missing. Only an
address the person proved with a code is used (notify/verification.py), except by that code's own
message.

Apprise's `notify()` only says yes or no. Whether a failure is worth another try is read from what
Apprise logs during the call: the HTTP status of the gateway's answer (`error=404`) or a connection
error. The capture is per thread (the worker may run several), and what is captured never reaches
the application's log handlers: plugin messages may quote a token. Before the call the plugin's
target host goes through the outbound guard (`otklik.core.outbound`), as webhooks do.

The development gateway (driver `log`, carrier.settings = {}) sends nothing: it writes each message
as one line to the log (`otklik.notify.gateway`, INFO), `SMS to +79991234567: <text>`, and counts
it as delivered, as the development e-mail carrier prints one line per e-mail (notify/console.py).
Only a carrier that says so uses it: `otklik demo` adds one for SMS and one for messengers, so a
person can confirm their phone in the demo; a production server has none unless an administrator
adds it (the admin marks it as a development gateway).
"""

from __future__ import annotations

import logging
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import quote

from django.conf import settings

from otklik.accounts.models import proven_address
from otklik.core import outbound

from .base import CarrierConfig, PermanentFailure, Sent, TransientFailure

if TYPE_CHECKING:
    from apprise import NotifyBase

    from otklik.notify.models import Notification

log = logging.getLogger("otklik.notify")
# The development gateway's lines (driver `log`).
gateway_log = logging.getLogger("otklik.notify.gateway")

# The development gateway's driver (carrier.driver), as notify.models.Carrier.Driver names it.
DEVELOPMENT_DRIVER = "log"

# The event of a verification code's message (notify/verification.py).
VERIFICATION_EVENT = "address_verification"

RESPONSE_LIMIT = 200
RETRY_STATUSES = frozenset({408, 425, 429})
# The loggers whose records a send captures: Apprise's own, and urllib3's request lines (DEBUG,
# with the path: tokens of some services live there).
_LOGGERS = ("apprise", "urllib3.connectionpool")
_STATUS = re.compile(r"\berror=(\d{3})\b")
_CONNECTION = re.compile(
    r"connection error|socket exception|timed out|timeout|connection (?:refused|reset|aborted)", re.IGNORECASE
)


# --- capturing Apprise's log records, per thread --------------------------------------

_captures: dict[int, list[logging.LogRecord]] = {}
_install_lock = threading.Lock()


class _Capture(logging.Filter):
    """On the loggers above, for good: a record made in a thread that is sending is kept for that
    send and goes no further; records of other threads pass untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        bucket = _captures.get(threading.get_ident())
        if bucket is None:
            return True
        bucket.append(record)
        return False


_FILTER = _Capture()


def _install() -> None:
    with _install_lock:
        for name in _LOGGERS:
            logger = logging.getLogger(name)
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)
        apprise_logger = logging.getLogger("apprise")
        # Apprise reports a gateway's status as a WARNING: it must be made even when the
        # application logs only errors (the records never reach the handlers anyway, see above).
        if apprise_logger.getEffectiveLevel() > logging.WARNING:
            apprise_logger.setLevel(logging.WARNING)


@contextmanager
def _captured() -> Iterator[list[logging.LogRecord]]:
    _install()
    ident = threading.get_ident()
    records: list[logging.LogRecord] = []
    _captures[ident] = records
    try:
        yield records
    finally:
        _captures.pop(ident, None)


def _messages(records: list[logging.LogRecord], level: int = logging.INFO) -> list[str]:
    found = []
    for record in records:
        if record.levelno < level:
            continue
        try:
            message = record.getMessage()
        except Exception:  # a plugin's bad format string: fall back to the bare template
            message = str(record.msg)
        found.append(" ".join(message.split()))
    return found


# --- the drivers ----------------------------------------------------------------------


# Sample values that stand in for the placeholders when an Apprise URL is checked.
_SAMPLES = {"{phone}": "79990000000", "{address}": "12345"}


def apprise_url_problem(url: str) -> str | None:
    """Why Apprise cannot use the URL, or None. Apprise logs the URL it cannot parse (tokens and
    all): its records are captured here and dropped, never logged."""
    import apprise

    probe = url
    for placeholder, sample in _SAMPLES.items():
        probe = probe.replace(placeholder, sample)
    with _captured():
        try:
            plugin = apprise.Apprise.instantiate(probe, suppress_exceptions=True)
        except Exception:  # a plugin's own parsing error: the URL is unusable
            plugin = None
    return None if plugin is not None else "not a URL Apprise understands"


def normalise_phone(phone: str) -> str:
    """ "+7 (999) 123-45-67" → "+79991234567"; "" when there are too few digits for a number."""
    digits = re.sub(r"\D", "", phone or "")
    return f"+{digits}" if len(digits) >= 5 else ""


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


class AppriseDriver(ABC):
    """One attempt through one carrier's Apprise URL. Subclasses say which placeholder they fill
    and what the message says."""

    code = ""
    placeholder = ""  # "{phone}", "{address}"
    missing = ""  # what the recipient lacks when the placeholder cannot be filled
    line_label = ""  # how the development gateway's line names a message: "SMS", "messenger message"

    @abstractmethod
    def recipient_address(self, notification: Notification) -> str:
        """The value for the placeholder, "" when the recipient has none."""

    @abstractmethod
    def content(self, notification: Notification) -> tuple[str, str]:
        """(title, body) as Apprise takes them."""

    def send(self, notification: Notification, carrier: CarrierConfig | None = None) -> Sent:
        if carrier is None:
            raise PermanentFailure(f"the {self.code} channel needs a carrier")
        if carrier.driver == DEVELOPMENT_DRIVER:
            return self._write_line(notification, carrier.name)
        name = carrier.name
        template = carrier.settings.get("url")
        if not isinstance(template, str) or not template.strip():
            raise PermanentFailure(f"the carrier {name} has no Apprise URL", carrier=name)
        url = self._fill(template.strip(), notification, name)
        title, body = self.content(notification)
        # Apprise is imported on first use: web processes, which never send, do not pay for it.
        import apprise

        with _captured():  # its parse errors quote the URL
            asset = apprise.AppriseAsset(storage_mode="memory", http_redirects=False)
            plugin = apprise.Apprise.instantiate(url, asset=asset)
        if plugin is None:
            raise PermanentFailure(f"{name}: not a valid Apprise URL", carrier=name)
        host = self._network_host(plugin)
        secrets = outbound.url_secrets(url, min_length=4, include_host=host is None)
        for target in [host, *self._other_hosts(plugin)]:
            self._check(target, name)
        timeout = float(carrier.timeout_seconds)
        plugin.socket_connect_timeout = plugin.socket_read_timeout = timeout
        plugin.redirects = False  # a 3xx is a failure, not a way around the outbound guard
        with _captured() as records:
            try:
                ok = plugin.notify(body=body, title=title)
            except Exception as exc:  # a plugin's bug: its message may quote the URL, so the type only
                raise TransientFailure(
                    f"{name}: the Apprise plugin failed ({type(exc).__name__})", carrier=name
                ) from None
        messages = [outbound.scrub(m, secrets) for m in _messages(records)]
        if ok:
            return Sent(carrier=name, response=_truncate(" ".join(messages), RESPONSE_LIMIT))
        raise self._failure(name, [outbound.scrub(m, secrets) for m in _messages(records, logging.WARNING)])

    def _write_line(self, n: Notification, name: str) -> Sent:
        """The development gateway: the message as one log line, the recipient's address and the
        text as the gateway would get them (the same address rules, the same shortening)."""
        if n.recipient is None:
            raise PermanentFailure(f"{name}: the notification has no recipient to send to", carrier=name)
        address = self.recipient_address(n)
        if not address:
            raise PermanentFailure(f"no {self.missing} for the user {n.recipient.username}", carrier=name)
        parts = [" ".join(part.split()) for part in self.content(n)]
        text = " — ".join(dict.fromkeys(p for p in parts if p))  # a body that only repeats the title: once
        gateway_log.info("%s to %s: %s", self.line_label, address, text)
        return Sent(carrier=name, response="written to the log (development gateway)")

    def _fill(self, template: str, n: Notification, name: str) -> str:
        if not self.placeholder or self.placeholder not in template:
            return template
        if n.recipient is None:
            raise PermanentFailure(f"{name}: the notification has no recipient to send to", carrier=name)
        value = self.recipient_address(n)
        if not value:
            raise PermanentFailure(f"no {self.missing} for the user {n.recipient.username}", carrier=name)
        return template.replace(self.placeholder, quote(value, safe=""))

    @staticmethod
    def _network_host(plugin: NotifyBase) -> str | None:
        """The host the plugin connects to when the URL names it (json://, form://, ntfy://host …);
        None for services with a fixed endpoint of their own (there the "host" may be a token)."""
        tokens = getattr(plugin, "template_tokens", None) or {}
        host = getattr(plugin, "host", None)
        return host if "host" in tokens and isinstance(host, str) and host else None

    @staticmethod
    def _other_hosts(plugin: NotifyBase) -> list[str]:
        """Servers a plugin may be pointed at besides its host (mailto://…?smtp=HOST and the like):
        every string attribute whose name ends in "host"."""
        found = []
        for attr, value in vars(plugin).items():
            if attr != "host" and attr.endswith("host") and isinstance(value, str) and value.strip():
                found.append(value.strip())
        return found

    @staticmethod
    def _check(host: str | None, name: str) -> None:
        if host is None:
            return
        try:
            outbound.check_host(host)
        except outbound.OutboundRefused as exc:
            raise PermanentFailure(f"{name}: the destination is refused: {exc.reason}", carrier=name) from None
        except outbound.OutboundError as exc:
            raise TransientFailure(f"{name}: {exc.reason}", carrier=name, code="connection") from None

    @staticmethod
    def _failure(name: str, messages: list[str]) -> TransientFailure | PermanentFailure:
        response = _truncate(" ".join(messages), RESPONSE_LIMIT)
        statuses = [int(s) for m in messages for s in _STATUS.findall(m) if 100 <= int(s) < 600]
        if statuses:
            status = statuses[-1]
            if status in RETRY_STATUSES or status >= 500:
                return TransientFailure(f"{name} answered {status}", carrier=name, code=str(status), response=response)
            if 300 <= status < 500:
                return PermanentFailure(f"{name} answered {status}", carrier=name, code=str(status), response=response)
        if any(_CONNECTION.search(m) for m in messages):
            return TransientFailure(
                f"{name}: cannot reach the gateway", carrier=name, code="connection", response=response
            )
        # Nothing to go by: trying again is the safer guess (the carrier's attempts are limited).
        return TransientFailure(f"{name}: the gateway did not take the message", carrier=name, response=response)


def address_to_use(notification: Notification, field: str) -> str:
    """The recipient's address for the channel: the verified one; for the code that verifies it,
    the address the code was sent for, while it is still the recipient's (a code is never sent to
    an address they have since changed). "" when there is none to use."""
    user = notification.recipient
    if user is None:
        return ""
    current = getattr(user, field, "") or ""
    if notification.event == VERIFICATION_EVENT:
        context = notification.context if isinstance(notification.context, dict) else {}
        sent_to = context.get("address")
        proven = sent_to if isinstance(sent_to, str) else ""
    else:
        proven = getattr(user, f"{field}_verified", "")
    return proven_address(current, proven).strip()


class SmsDriver(AppriseDriver):
    code = "sms"
    placeholder = "{phone}"
    missing = "verified phone number"
    line_label = "SMS"

    def recipient_address(self, notification: Notification) -> str:
        return normalise_phone(address_to_use(notification, "phone"))

    def content(self, notification: Notification) -> tuple[str, str]:
        text = " ".join((notification.body or notification.subject).split())
        return "", _truncate(text, settings.SMS_MAX_LENGTH)


class MessengerDriver(AppriseDriver):
    code = "messenger"
    placeholder = "{address}"
    missing = "verified messenger address"
    line_label = "messenger message"

    def recipient_address(self, notification: Notification) -> str:
        return address_to_use(notification, "messenger")

    def content(self, notification: Notification) -> tuple[str, str]:
        parts = [p for p in (notification.body.strip(), notification.link) if p]
        return notification.subject, "\n\n".join(parts) or notification.subject
