"""Webhooks: the notification as signed JSON, POSTed to the carrier's URL through the outbound guard.

carrier.settings = {"url": "https://…", "secret": "…"}. Every request carries:

- `Idempotency-Key`: the notification's key, the same on every retry and from every worker, so the
  receiver can drop duplicates (delivery is at least once);
- `X-Otklik-Event`: the event;
- `X-Otklik-Timestamp`: when it was signed, Unix seconds;
- `X-Otklik-Signature`: `sha256=` + hex HMAC-SHA256 over `f"{timestamp}."` + the raw body, keyed
  with the secret. Receivers check it with `verify` (or the same three lines in their language),
  which also refuses old timestamps, so a captured request cannot be replayed later.

2xx is delivered; 408, 425, 429, 5xx, timeouts and broken connections are tried again; any other
status (3xx included: redirects are not followed), a refused destination or a carrier without URL
or secret is permanent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import TYPE_CHECKING

from django.core.serializers.json import DjangoJSONEncoder

from otklik.core import outbound
from otklik.core.jsonvalue import JsonValue

from .base import CarrierConfig, PermanentFailure, Sent, TransientFailure

if TYPE_CHECKING:
    from otklik.notify.models import Notification

RESPONSE_LIMIT = 200
USER_AGENT = "Otklik"
RETRY_STATUSES = frozenset({408, 425, 429})


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The X-Otklik-Signature header's value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str, timestamp: int | str, body: bytes, signature: str, *, tolerance: int = 300, now: float | None = None
) -> bool:
    """For receivers: True when `signature` is ours for this raw `body` and `timestamp` (the two
    headers as received) and the timestamp is within `tolerance` seconds of `now`."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, ts, body).encode(), str(signature).strip().encode())


def payload(n: Notification) -> dict[str, JsonValue]:
    ticket = {"id": n.ticket_id, "number": n.ticket.number} if n.ticket is not None else None
    recipient = n.recipient
    return {
        "id": str(n.key),
        "event": n.event,
        "created_at": n.created_at.isoformat() if n.created_at else None,
        "importance": n.importance,
        "subject": n.subject,
        "body": n.body,
        "link": n.link,
        "ticket": ticket,
        "recipient": {"id": recipient.pk, "username": recipient.username} if recipient is not None else None,
        "context": n.context or {},
    }


class WebhookDriver:
    code = "webhook"

    def send(self, notification: Notification, carrier: CarrierConfig | None = None) -> Sent:
        if carrier is None:
            raise PermanentFailure("a webhook needs a carrier")
        name = carrier.name
        url, secret = carrier.settings.get("url"), carrier.settings.get("secret")
        if not isinstance(url, str) or not url.strip():
            raise PermanentFailure(f"the carrier {name} has no url", carrier=name)
        if not isinstance(secret, str) or not secret:
            raise PermanentFailure(f"the carrier {name} has no secret", carrier=name)
        body = json.dumps(payload(notification), cls=DjangoJSONEncoder, ensure_ascii=False).encode()
        # Wall-clock time, not the application's clock: the receiver compares it with its own.
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Idempotency-Key": str(notification.key),
            "X-Otklik-Event": notification.event,
            "X-Otklik-Timestamp": str(timestamp),
            "X-Otklik-Signature": sign(secret, timestamp, body),
        }
        try:
            response = outbound.post(url, body=body, headers=headers, timeout=float(carrier.timeout_seconds))
        # The carrier is named by its name: the host and the path of its URL stay out of the history.
        except outbound.OutboundRefused as exc:
            raise PermanentFailure(f"{name}: the destination is refused: {exc.reason}", carrier=name) from None
        except outbound.OutboundTimeout as exc:
            raise TransientFailure(f"{name}: {exc.reason}", carrier=name, code="timeout") from None
        except outbound.OutboundError as exc:
            raise TransientFailure(f"{name}: {exc.reason}", carrier=name, code="connection") from None
        # A receiver may echo the request: keep the secret and the URL's tokens out of the history.
        text = outbound.scrub(" ".join(response.text.split()), [secret, *outbound.url_secrets(url)])
        text = text[:RESPONSE_LIMIT]
        status = response.status
        if 200 <= status < 300:
            return Sent(carrier=name, code=str(status), response=text)
        if status in RETRY_STATUSES or status >= 500:
            raise TransientFailure(f"{name} answered {status}", carrier=name, code=str(status), response=text)
        what = "a redirect (not followed)" if 300 <= status < 400 else str(status)
        raise PermanentFailure(f"{name} answered {what}", carrier=name, code=str(status), response=text)
