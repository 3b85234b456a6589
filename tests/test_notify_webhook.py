"""The webhook driver against a real HTTP server on loopback: the signed JSON that arrives (checked
with `verify`, as a receiver would), the headers, the idempotency key kept across retries, how
each answer is classified, and the secret kept out of every text an attempt records."""

from __future__ import annotations

import datetime as dt
import json
import socket
import time
import uuid

import pytest

from otklik.accounts.models import User
from otklik.notify.channels import DRIVERS, CarrierConfig, PermanentFailure, Sent, TransientFailure
from otklik.notify.channels.webhook import WebhookDriver, sign, verify
from otklik.notify.models import Notification
from otklik.testing.factories import file_error
from otklik.testing.http import LoopbackHTTPServer, Reply

SECRET = "wh-secret-3f9a1c"
TOKEN = "PATHTOKEN-77c2e0"
T0 = dt.datetime(2026, 3, 10, 8, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def allow_loopback(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]


@pytest.fixture
def server():
    with LoopbackHTTPServer(default=200) as s:
        yield s


def carrier(url: str, *, secret: str | None = SECRET, timeout: float = 5) -> CarrierConfig:
    settings = {"url": url} | ({"secret": secret} if secret is not None else {})
    return CarrierConfig(
        id=1, name="crm-hook", channel="webhook", driver="webhook", settings=settings, timeout_seconds=timeout
    )


def hook(server: LoopbackHTTPServer, **kwargs) -> CarrierConfig:
    return carrier(f"{server.url}/hooks/{TOKEN}?token={TOKEN}", **kwargs)


def notification(*, recipient: User | None = None) -> Notification:
    """An unsaved system message (no recipient, no request), as another system queues it."""
    return Notification(
        key=uuid.uuid4(),
        event="sla_escalated",
        recipient=recipient,
        channel="webhook",
        importance="high",
        subject="ERR-000001: deadline missed",
        body="Resolution deadline missed",
        link="https://desk.example.org/t/ERR-000001",
        context={"level": 2},
        created_at=T0,
        due_at=T0,
    )


def test_registered_for_the_webhook_channel():
    assert isinstance(DRIVERS["webhook"], WebhookDriver)
    assert DRIVERS["webhook"].code == "webhook"


def test_the_payload_is_signed_json_with_the_headers(server):
    n = notification()
    sent = WebhookDriver().send(n, hook(server))
    (request,) = server.requests
    assert sent == Sent(carrier="crm-hook", code="200", response="")
    assert (request.method, request.path, request.query) == ("POST", f"/hooks/{TOKEN}", f"token={TOKEN}")
    assert request.header("Content-Type").startswith("application/json")
    assert request.header("User-Agent") == "Otklik"
    assert request.header("Idempotency-Key") == str(n.key)
    assert request.header("X-Otklik-Event") == "sla_escalated"
    timestamp = request.header("X-Otklik-Timestamp")
    assert abs(int(timestamp) - time.time()) < 60
    signature = request.header("X-Otklik-Signature")
    assert signature == sign(SECRET, timestamp, request.body)
    assert signature.startswith("sha256=") and len(signature) == len("sha256=") + 64
    assert verify(SECRET, timestamp, request.body, signature)
    assert request.json() == {
        "id": str(n.key),
        "event": "sla_escalated",
        "created_at": "2026-03-10T08:30:00+00:00",
        "importance": "high",
        "subject": "ERR-000001: deadline missed",
        "body": "Resolution deadline missed",
        "link": "https://desk.example.org/t/ERR-000001",
        "ticket": None,
        "recipient": None,
        "context": {"level": 2},
    }


def test_the_payload_names_the_request_and_the_recipient(server, personas):
    ticket = file_error(personas.initiator)
    n = notification(recipient=personas.agent)
    n.ticket = ticket
    WebhookDriver().send(n, hook(server))
    data = server.requests[0].json()
    assert data["ticket"] == {"id": ticket.pk, "number": ticket.number}
    assert data["recipient"] == {"id": personas.agent.pk, "username": "agent"}


def test_verify_refuses_what_is_not_ours():
    body = b'{"id": "x"}'
    ts = int(time.time())
    good = sign(SECRET, ts, body)
    assert verify(SECRET, ts, body, good)
    assert verify(SECRET, str(ts), body, good)
    assert not verify("another-secret", ts, body, good)
    assert not verify(SECRET, ts, body + b" ", good)
    assert not verify(SECRET, ts + 1, body, good)  # the timestamp is signed too
    assert not verify(SECRET, ts, body, good.replace("sha256=", "sha1="))
    assert not verify(SECRET, ts, body, "")
    assert not verify(SECRET, "yesterday", body, good)
    # Old (replayed) and far-future timestamps are refused even with a valid signature.
    assert verify(SECRET, ts, body, good, now=ts + 300)
    assert not verify(SECRET, ts, body, good, now=ts + 301)
    assert not verify(SECRET, ts, body, good, now=ts - 301)
    assert not verify(SECRET, ts, body, good, tolerance=10, now=ts + 11)
    # The reference: HMAC-SHA256 over "<timestamp>." + body.
    import hashlib
    import hmac

    assert good == "sha256=" + hmac.new(SECRET.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()


def test_the_idempotency_key_is_the_same_on_every_retry(server):
    n = notification()
    server.answer(500, 503)
    driver = WebhookDriver()
    for _ in range(2):
        with pytest.raises(TransientFailure):
            driver.send(n, hook(server))
    driver.send(n, hook(server))
    keys = {r.header("Idempotency-Key") for r in server.requests}
    bodies = {json.loads(r.body)["id"] for r in server.requests}
    assert keys == bodies == {str(n.key)}
    assert len(server.requests) == 3
    assert all(
        verify(SECRET, r.header("X-Otklik-Timestamp"), r.body, r.header("X-Otklik-Signature")) for r in server.requests
    )


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_2xx_is_delivered(server, status):
    server.answer(Reply(status, body="" if status == 204 else "queued"))
    sent = WebhookDriver().send(notification(), hook(server))
    assert sent.code == str(status)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429, 408, 425])
def test_5xx_and_throttling_are_transient(server, status):
    server.answer(Reply(status, body=f"busy {status}"))
    with pytest.raises(TransientFailure) as caught:
        WebhookDriver().send(notification(), hook(server))
    failure = caught.value
    assert (failure.code, failure.carrier, failure.response) == (str(status), "crm-hook", f"busy {status}")
    assert str(caught.value) == f"crm-hook answered {status}"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_other_4xx_are_permanent(server, status):
    server.answer(status)
    with pytest.raises(PermanentFailure) as caught:
        WebhookDriver().send(notification(), hook(server))
    assert caught.value.code == str(status)


def test_a_redirect_is_permanent_and_not_followed(server):
    server.answer(Reply(301, headers={"Location": f"{server.url}/moved"}))
    with pytest.raises(PermanentFailure, match="redirect"):
        WebhookDriver().send(notification(), hook(server))
    assert [r.path for r in server.requests] == [f"/hooks/{TOKEN}"]


def test_a_timeout_is_transient(server):
    server.answer(Reply(200, delay=2))
    t0 = time.monotonic()
    with pytest.raises(TransientFailure) as caught:
        WebhookDriver().send(notification(), hook(server, timeout=0.3))
    assert time.monotonic() - t0 < 1.5
    assert caught.value.code == "timeout"


def test_a_refused_connection_is_transient():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TransientFailure) as caught:
        WebhookDriver().send(notification(), carrier(f"http://127.0.0.1:{port}/hook"))
    assert caught.value.code == "connection"


def test_a_refused_destination_is_permanent(server, settings):
    settings.OUTBOUND_ALLOW = []
    with pytest.raises(PermanentFailure, match="the destination is refused"):
        WebhookDriver().send(notification(), hook(server))
    with pytest.raises(PermanentFailure, match="only http and https"):
        WebhookDriver().send(notification(), carrier("ftp://example.org/hook"))
    assert server.requests == []


def test_a_carrier_without_url_or_secret_is_permanent(server):
    driver = WebhookDriver()
    with pytest.raises(PermanentFailure, match="crm-hook has no url"):
        driver.send(notification(), carrier(""))
    with pytest.raises(PermanentFailure, match="crm-hook has no secret"):
        driver.send(notification(), hook(server, secret=None))
    with pytest.raises(PermanentFailure, match="needs a carrier"):
        driver.send(notification(), None)
    assert server.requests == []


def test_the_secret_and_url_tokens_never_reach_the_attempt(server, settings):
    """Whatever the receiver echoes and however the attempt fails, the texts the delivery service
    records (message, code, response) carry neither the secret nor the URL's tokens."""
    echo = f"bad signature; secret={SECRET}; you called /hooks/{TOKEN}?token={TOKEN}"
    server.answer(Reply(401, body=echo), Reply(500, body=echo), Reply(200, body=echo), Reply(200, delay=2))
    driver = WebhookDriver()
    texts: list[str] = []
    for _ in range(2):
        with pytest.raises((TransientFailure, PermanentFailure)) as caught:
            driver.send(notification(), hook(server))
        texts += [str(caught.value), caught.value.code, caught.value.response]
    sent = driver.send(notification(), hook(server))
    texts += [sent.carrier, sent.code, sent.response]
    with pytest.raises(TransientFailure) as slow:
        driver.send(notification(), hook(server, timeout=0.2))
    texts += [str(slow.value), slow.value.response]
    settings.OUTBOUND_ALLOW = []
    with pytest.raises(PermanentFailure) as refused:
        driver.send(notification(), hook(server))
    texts.append(str(refused.value))
    assert "bad signature" in texts[2]
    for text in texts:
        assert SECRET not in text and TOKEN not in text, text
        assert str(server.port) not in text, text  # the carrier is named by its name, not its address
    assert SECRET not in repr(hook(server))
