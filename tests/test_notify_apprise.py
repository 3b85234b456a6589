"""SMS and messenger drivers through Apprise's generic json:// and form:// plugins against a real
HTTP server on loopback: the recipient's phone or messenger address filled into the URL, what
arrives, and how failures are told apart from what Apprise logs (also with two threads at once),
with nothing of the URL's secrets in the attempt's texts or in the application's log."""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from otklik.accounts.models import User
from otklik.notify.channels import DRIVERS, CarrierConfig, PermanentFailure, Sent, TransientFailure
from otklik.notify.channels.messaging import MessengerDriver, SmsDriver, normalise_phone
from otklik.notify.models import Notification
from otklik.testing.http import LoopbackHTTPServer, Reply

TOKEN = "gwtoken-5be1d9"


@pytest.fixture(autouse=True)
def allow_loopback(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]


@pytest.fixture
def server():
    with LoopbackHTTPServer(default=200) as s:
        yield s


def carrier(url: str, *, name: str = "sms-gw", channel: str = "sms", timeout: float = 5) -> CarrierConfig:
    return CarrierConfig(
        id=1, name=name, channel=channel, driver="apprise", settings={"url": url}, timeout_seconds=timeout
    )


def sms_gw(server: LoopbackHTTPServer, **kwargs) -> CarrierConfig:
    return carrier(f"json://127.0.0.1:{server.port}/send/{TOKEN}/{{phone}}", **kwargs)


def bot(server: LoopbackHTTPServer, **kwargs) -> CarrierConfig:
    kwargs.setdefault("name", "tg-bot")
    return carrier(
        f"form://127.0.0.1:{server.port}/bot{TOKEN}/chat?:chat_id={{address}}", channel="messenger", **kwargs
    )


def person(phone: str = "+7 (999) 123-45-67", messenger: str = "100200300") -> User:
    """Ivan with both addresses confirmed by a code (only confirmed ones are sent to)."""
    return User(username="ivan", phone=phone, messenger=messenger, phone_verified=phone, messenger_verified=messenger)


def notification(
    recipient: User | None = None, *, channel: str = "sms", body: str = "Your request was accepted"
) -> Notification:
    return Notification(
        key=uuid.uuid4(),
        event="ticket_moved",
        recipient=recipient,
        channel=channel,
        subject="ERR-000007: accepted",
        body=body,
        link="https://desk.example.org/t/ERR-000007",
    )


def test_registered_for_their_channels():
    assert isinstance(DRIVERS["sms"], SmsDriver) and DRIVERS["sms"].code == "sms"
    assert isinstance(DRIVERS["messenger"], MessengerDriver) and DRIVERS["messenger"].code == "messenger"


@pytest.mark.parametrize(
    ("raw", "normal"),
    [("+7 (999) 123-45-67", "+79991234567"), ("8-999-123-45-67", "+89991234567"), ("", ""), ("ext. 12", "")],
)
def test_phones_are_normalised(raw, normal):
    assert normalise_phone(raw) == normal


def test_sms_goes_to_the_recipients_phone(server):
    sent = SmsDriver().send(notification(person()), sms_gw(server))
    (request,) = server.requests
    assert isinstance(sent, Sent) and sent.carrier == "sms-gw"
    assert request.path == f"/send/{TOKEN}/+79991234567"
    assert request.json()["message"] == "Your request was accepted"
    assert request.json()["title"] == ""


def test_sms_text_falls_back_to_the_subject_and_is_cut(server, settings):
    settings.SMS_MAX_LENGTH = 20
    SmsDriver().send(notification(person(), body=""), sms_gw(server))
    SmsDriver().send(notification(person(), body="word " * 50), sms_gw(server))
    first, second = (r.json()["message"] for r in server.requests)
    assert first == "ERR-000007: accepted"
    assert len(second) == 20 and second.endswith("…")


def test_messenger_goes_to_the_recipients_address(server):
    n = notification(person(messenger="-100 42"), channel="messenger")
    sent = MessengerDriver().send(n, bot(server))
    (request,) = server.requests
    assert sent.carrier == "tg-bot"
    assert request.path == f"/bot{TOKEN}/chat"
    form = request.form()
    assert form["chat_id"] == ["-100 42"]  # URL-quoted into the URL, arrives as it was
    assert form["title"] == ["ERR-000007: accepted"]
    assert form["message"] == ["Your request was accepted\n\nhttps://desk.example.org/t/ERR-000007"]


def test_a_url_without_placeholder_needs_no_recipient(server):
    MessengerDriver().send(notification(None, channel="messenger"), carrier(f"json://127.0.0.1:{server.port}/ops"))
    assert server.requests[0].path == "/ops"


@pytest.mark.parametrize("status", [500, 502, 503, 429, 408])
def test_5xx_and_throttling_are_transient(server, status):
    server.answer(status)
    with pytest.raises(TransientFailure) as caught:
        SmsDriver().send(notification(person()), sms_gw(server))
    assert (caught.value.code, caught.value.carrier) == (str(status), "sms-gw")
    assert f"error={status}" in caught.value.response


@pytest.mark.parametrize("status", [400, 401, 403, 404, 302])
def test_other_4xx_and_redirects_are_permanent(server, status):
    server.answer(Reply(status, headers={"Location": f"{server.url}/elsewhere"} if status == 302 else {}))
    with pytest.raises(PermanentFailure) as caught:
        MessengerDriver().send(notification(person(), channel="messenger"), bot(server))
    assert caught.value.code == str(status)
    assert len(server.requests) == 1  # the redirect was not followed


def test_a_refused_connection_and_a_timeout_are_transient(server):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with pytest.raises(TransientFailure) as refused:
        SmsDriver().send(notification(person()), carrier(f"json://127.0.0.1:{closed}/send/{{phone}}"))
    assert refused.value.code == "connection"
    server.answer(Reply(200, delay=3))
    t0 = time.monotonic()
    with pytest.raises(TransientFailure) as slow:
        SmsDriver().send(notification(person()), sms_gw(server, timeout=1))
    assert time.monotonic() - t0 < 2.5  # the carrier's timeout, not Apprise's default
    assert slow.value.code == "connection"


@pytest.mark.parametrize("url", ["nosuchservice://host/x", "not a url at all", f"json://{TOKEN}:@/"])
def test_a_bad_url_is_permanent_and_not_echoed(url):
    with pytest.raises(PermanentFailure) as caught:
        SmsDriver().send(notification(person()), carrier(url))
    assert str(caught.value) == "sms-gw: not a valid Apprise URL"


def test_a_carrier_without_url_is_permanent():
    with pytest.raises(PermanentFailure, match="sms-gw has no Apprise URL"):
        SmsDriver().send(notification(person()), carrier(""))
    with pytest.raises(PermanentFailure, match="needs a carrier"):
        SmsDriver().send(notification(person()), None)


def test_a_missing_phone_or_address_is_permanent(server):
    with pytest.raises(PermanentFailure, match="no verified phone number for the user ivan"):
        SmsDriver().send(notification(person(phone="")), sms_gw(server))
    with pytest.raises(PermanentFailure, match="no verified messenger address for the user ivan"):
        MessengerDriver().send(notification(person(messenger=" "), channel="messenger"), bot(server))
    with pytest.raises(PermanentFailure, match="no recipient"):
        SmsDriver().send(notification(None), sms_gw(server))
    assert server.requests == []


def test_an_internal_destination_is_refused(server, settings):
    settings.OUTBOUND_ALLOW = []
    with pytest.raises(PermanentFailure, match="sms-gw: the destination is refused"):
        SmsDriver().send(notification(person()), sms_gw(server))
    assert server.requests == []


def test_secrets_stay_out_of_the_attempt_and_the_log(server, caplog):
    """Apprise's own records (at any level: even its DEBUG lines with the full URL) are kept from
    the application's handlers; what the attempt records is scrubbed of the URL's secrets."""
    caplog.set_level(logging.DEBUG)  # the strictest case: everything Apprise and urllib3 make
    url = f"json://user:pw-{TOKEN}@127.0.0.1:{server.port}/send/{TOKEN}/{{phone}}?:key={TOKEN}"
    server.answer(500, 404)
    texts: list[str] = []
    for _ in range(2):
        with pytest.raises((TransientFailure, PermanentFailure)) as caught:
            SmsDriver().send(notification(person()), carrier(url))
        texts += [str(caught.value), caught.value.code, caught.value.response]
    sent = SmsDriver().send(notification(person()), carrier(url))
    texts += [sent.code, sent.response]
    assert server.requests[0].path == f"/send/{TOKEN}/+79991234567"  # it did go there
    for text in texts:
        assert TOKEN not in text and "+79991234567" not in text, text
    leaked = [r for r in caplog.records if r.name.startswith(("apprise", "urllib3"))]
    assert leaked == []
    assert TOKEN not in caplog.text


def test_apprise_logs_of_other_threads_pass_untouched(server):
    """The capture is per sending thread: a record made meanwhile in another thread is logged as usual."""
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    handler = Keep()
    logger = logging.getLogger("apprise")
    logger.addHandler(handler)
    server.answer(Reply(500, delay=0.5))
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            sending = pool.submit(SmsDriver().send, notification(person()), sms_gw(server))
            while not server.requests:  # the send is in flight, its thread capturing
                time.sleep(0.01)
            logger.warning("elsewhere in the process")
            with pytest.raises(TransientFailure):
                sending.result(timeout=10)
    finally:
        logger.removeHandler(handler)
    assert seen == ["elsewhere in the process"]


def test_the_classification_holds_with_two_threads_at_once():
    """Two workers' sends overlap (each server answers after a pause): each reads only the records
    of its own thread, so one gets the 500 (transient), the other the 404 (permanent)."""
    with (
        LoopbackHTTPServer(default=Reply(500, delay=0.3)) as failing,
        LoopbackHTTPServer(default=Reply(404, delay=0.3)) as missing,
    ):
        start = threading.Barrier(2)

        def run(gw: LoopbackHTTPServer) -> list[str]:
            start.wait()
            outcomes = []
            for _ in range(4):
                try:
                    SmsDriver().send(notification(person()), sms_gw(gw))
                    outcomes.append("sent")
                except (TransientFailure, PermanentFailure) as exc:
                    outcomes.append(f"{type(exc).__name__}:{exc.code}")
            return outcomes

        with ThreadPoolExecutor(max_workers=2) as pool:
            a, b = pool.submit(run, failing), pool.submit(run, missing)
            transient, permanent = a.result(timeout=30), b.result(timeout=30)
    assert transient == ["TransientFailure:500"] * 4
    assert permanent == ["PermanentFailure:404"] * 4


def test_a_second_server_named_in_the_url_is_checked_too(settings):
    # mailto://…?smtp=HOST connects to HOST, not to the URL's host: both pass the guard.
    settings.OUTBOUND_ALLOW = ["203.0.113.5"]
    url = "mailto://user:pw@203.0.113.5?smtp=127.0.0.1&to=ops@example.org"
    with pytest.raises(PermanentFailure) as refused:
        MessengerDriver().send(notification(None, channel="messenger"), carrier(url, channel="messenger"))
    assert "refused" in str(refused.value) and "127.0.0.1" in str(refused.value)
    assert "pw" not in str(refused.value).split("refused")[0]
