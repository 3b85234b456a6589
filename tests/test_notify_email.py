"""The e-mail channel against real SMTP servers on loopback (aiosmtpd): what arrives (headers,
threading, text and HTML), one connection per batch, 4xx retried with the same Message-ID, 5xx dead
at once, a refused connection transient, no address dead; and the OTKLIK_EMAIL_URL parser."""

from __future__ import annotations

import asyncio
import logging
import socket
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.smtp import AuthResult
from django.core.exceptions import ImproperlyConfigured

from otklik.notify import delivery
from otklik.notify.emailurl import CONSOLE_BACKEND, SMTP_BACKEND, parse_email_timeout, parse_email_url
from otklik.notify.models import Notification
from otklik.testing.clock import set_now as when
from otklik.testing.factories import file_error
from otklik.testing.smtp import LoopbackController

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 3, 10, 11, 30, tzinfo=MSK)
HOST = "desk.example.org"  # the host of OTKLIK_BASE_URL in these tests


class Sink:
    """The SMTP server's handler: answers as scripted per recipient address (RCPT and DATA), then
    accepts; counts connections (one EHLO each) and keeps what it accepted and refused at DATA."""

    def __init__(
        self, *, rcpt: dict[str, list[str]] | None = None, data: dict[str, list[str]] | None = None, drop: bool = False
    ) -> None:
        self.rcpt, self.data, self.drop = rcpt or {}, data or {}, drop
        self.connections = 0
        self.messages: list[EmailMessage] = []
        self.refused: list[EmailMessage] = []

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt.get(address):
            return self.rcpt[address].pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        for address in envelope.rcpt_tos:
            if self.data.get(address):
                self.refused.append(message)
                return self.data[address].pop(0)
        self.messages.append(message)
        if self.drop:  # like a server with a short idle timeout: the connection ends after the reply
            asyncio.get_running_loop().call_soon(server.transport.close)
        return "250 2.0.0 OK: queued"

    def received(self, n: Notification) -> list[EmailMessage]:
        return [m for m in self.messages if m["Message-ID"] == f"<{n.key}@{HOST}>"]


def flush() -> None:
    """Deliver what the demo and the test's request already queued (pytest-django's locmem backend),
    so that a test's server sees only the test's own rows."""
    delivery.notify_deliver_due()


def use_smtp(settings, port: int, *, user: str = "", password: str = "") -> None:
    settings.EMAIL_BACKEND = SMTP_BACKEND  # pytest-django swapped in the locmem backend
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = user, password
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def smtp(settings):
    """Start a real SMTP server with the given handler and point the e-mail settings at it."""
    settings.BASE_URL = f"https://{HOST}"
    when(settings, T0)
    started: list[LoopbackController] = []

    def start(handler: Sink, **smtp_options) -> Sink:
        controller = LoopbackController(handler, server_hostname="sink.test", **smtp_options)
        controller.start()
        started.append(controller)
        flush()
        use_smtp(settings, controller.port)
        return handler

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def ticket(personas, settings):
    when(settings, T0)
    return file_error(personas.initiator)


def email_row(user, ticket=None, **fields) -> Notification:
    values = {"subject": "ERR-000001: Отчёт не строится", "body": "Запрос принят.", "link": ""} | fields
    return Notification.objects.create(
        event="test", recipient=user, channel="email", ticket=ticket, due_at=T0, created_at=T0, **values
    )


def attempts(n: Notification) -> list[tuple[str, str]]:
    return list(n.deliveries.order_by("id").values_list("outcome", "code"))


def test_a_batch_is_delivered_over_one_connection_with_threading_and_html(smtp, personas, ticket, settings):
    sink = smtp(Sink())
    link = f"https://{HOST}/tickets/{ticket.number}"
    body = "Первая строка\n<script>alert(1)</script>\n\nВторой абзац & всё"
    rows = [email_row(u, ticket, body=body, link=link) for u in (personas.agent, personas.lead, personas.manager)]

    delivery.notify_deliver_due()

    assert sink.connections == 1  # one SMTP session for the whole batch
    root = f"<ticket-{ticket.pk}@{HOST}>"
    for n in rows:
        n.refresh_from_db()
        assert (n.state, n.attempts) == ("delivered", 1)
        (attempt,) = n.deliveries.all()
        assert (attempt.outcome, attempt.code, attempt.carrier) == (
            "delivered",
            "250",
            f"smtp://127.0.0.1:{settings.EMAIL_PORT}",
        )
        (m,) = sink.received(n)
        assert m["To"] == n.recipient.email
        # .strip(): Python's parser keeps the space before an encoded word that Django folded
        assert m["Subject"].strip() == "ERR-000001: Отчёт не строится"
        assert m["From"] == settings.DEFAULT_FROM_EMAIL
        assert (m["In-Reply-To"], m["References"]) == (root, root)
        assert (m["Auto-Submitted"], m["X-Otklik-Ticket"]) == ("auto-generated", ticket.number)
        text = m.get_body(("plain",)).get_content()
        html = m.get_body(("html",)).get_content()
        assert "<script>alert(1)</script>" in text and link in text
        assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<p>Первая строка<br>" in html and "<p>Второй абзац &amp; всё</p>" in html
        assert f'<a href="{link}">{link}</a>' in html


def test_a_connection_the_server_dropped_is_reopened_once(smtp, personas, caplog):
    sink = smtp(Sink(drop=True))  # closes the connection after every message
    rows = [email_row(u) for u in (personas.agent, personas.lead, personas.manager)]
    with caplog.at_level(logging.INFO, logger="otklik.notify"):
        delivery.notify_deliver_due()
    assert caplog.text.count("dropped the kept connection; reconnecting") == 2
    for n in rows:
        n.refresh_from_db()
        assert attempts(n) == [("delivered", "250")]
        assert len(sink.received(n)) == 1
    assert sink.connections == 3


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_451_is_retried_after_back_off_with_the_same_message_id(stage, smtp, personas, ticket, settings):
    address = personas.agent.email
    sink = smtp(Sink(**{stage: {address: ["451 4.7.1 Greylisted, please try again later"]}}))
    n = email_row(personas.agent, ticket)

    delivery.notify_deliver_due()
    n.refresh_from_db()
    assert (n.state, n.attempts) == ("pending", 1)
    (first,) = n.deliveries.all()
    assert (first.outcome, first.code) == ("transient", "451")
    assert "Greylisted" in first.response and "451" in first.error
    assert sink.received(n) == []
    assert delivery.notify_deliver_due() == 0  # backing off

    when(settings, n.due_at)
    delivery.notify_deliver_due()
    n.refresh_from_db()
    assert (n.state, n.attempts) == ("delivered", 2)
    assert attempts(n) == [("transient", "451"), ("delivered", "250")]
    (m,) = sink.received(n)
    assert m["Message-ID"] == f"<{n.key}@{HOST}>"
    if stage == "data":  # the refused copy carried the same Message-ID: receivers can deduplicate
        assert [r["Message-ID"] for r in sink.refused] == [m["Message-ID"]]


@pytest.mark.parametrize(("stage", "reply"), [("rcpt", "550 5.1.1 No such user"), ("data", "554 5.7.1 Rejected")])
def test_5xx_is_dead_at_once(stage, reply, smtp, personas):
    address = personas.agent.email
    sink = smtp(Sink(**{stage: {address: [reply]}}))
    n = email_row(personas.agent)
    other = email_row(personas.lead)  # the connection stays usable for the rest of the batch
    delivery.notify_deliver_due()
    n.refresh_from_db()
    assert (n.state, n.attempts) == ("dead", 1)
    (attempt,) = n.deliveries.all()
    assert (attempt.outcome, attempt.code, attempt.response) == ("permanent", reply[:3], reply[4:])
    assert sink.received(n) == []
    other.refresh_from_db()
    assert other.state == "delivered"
    assert sink.connections == 1


def test_a_refused_connection_is_transient_and_not_retried_within_the_batch(personas, settings):
    settings.BASE_URL = f"https://{HOST}"
    when(settings, T0)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    flush()
    use_smtp(settings, port)
    rows = [email_row(personas.agent), email_row(personas.lead)]
    delivery.notify_deliver_due()
    errors = []
    for n in rows:
        n.refresh_from_db()
        assert (n.state, n.attempts) == ("pending", 1)
        (attempt,) = n.deliveries.all()
        assert attempt.outcome == "transient"
        errors.append(attempt.error)
    assert all("ConnectionRefusedError" in e for e in errors)
    assert sum("not tried again in this batch" in e for e in errors) == 1  # the second did not wait again


def test_no_address_is_dead_with_a_clear_error_and_no_connection(smtp, personas):
    sink = smtp(Sink())
    personas.agent.email = ""
    personas.agent.save(update_fields=["email"])
    n = email_row(personas.agent)
    delivery.notify_deliver_due()
    n.refresh_from_db()
    assert (n.state, n.attempts) == ("dead", 1)
    assert n.deliveries.get().error == "no e-mail address for the user agent"
    assert sink.connections == 0


def test_a_refused_login_is_retried_until_fixed_and_never_shows_the_password(smtp, personas, settings, caplog):
    def authenticator(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=auth_data.password == b"right p@ss", handled=False)

    sink = smtp(Sink(), auth_require_tls=False, authenticator=authenticator)
    use_smtp(settings, settings.EMAIL_PORT, user="otklik", password="wrong-hunter2")
    n = email_row(personas.agent)
    delivery.notify_deliver_due()
    n.refresh_from_db()
    attempt = n.deliveries.get()
    # The configuration is at fault, not the message: kept for another try, not dead.
    assert (n.state, attempt.outcome, attempt.code) == ("pending", "transient", "535")
    assert "login" in attempt.error
    for text in (attempt.error, attempt.response, attempt.carrier, caplog.text):
        assert "hunter2" not in text

    use_smtp(settings, settings.EMAIL_PORT, user="otklik", password="right p@ss")  # the administrator fixes it
    when(settings, n.due_at)
    delivery.notify_deliver_due()
    n.refresh_from_db()
    assert n.state == "delivered" and len(sink.received(n)) == 1


def test_console_prints_one_line_per_message(personas, settings, capsys):
    """The development carrier says who gets what, not the raw MIME text (59 messages made 3,800
    lines of log in 20 minutes)."""
    settings.BASE_URL = f"https://{HOST}"
    when(settings, T0)
    flush()
    settings.EMAIL_BACKEND = CONSOLE_BACKEND
    rows = [email_row(personas.agent, subject="Hello"), email_row(personas.lead, subject="Отчёт не строится")]
    delivery.notify_deliver_due()
    for n in rows:
        n.refresh_from_db()
        assert n.state == "delivered" and n.deliveries.get().carrier == "console"
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"e-mail to {personas.agent.email}: Hello (+1 part)",  # the HTML alternative
        f"e-mail to {personas.lead.email}: Отчёт не строится (+1 part)",
    ]


# --- OTKLIK_EMAIL_URL -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("console://", {"EMAIL_BACKEND": CONSOLE_BACKEND}),
        (
            "smtp://mail.example.org",
            {"EMAIL_BACKEND": SMTP_BACKEND, "EMAIL_HOST": "mail.example.org", "EMAIL_PORT": 25}
            | {"EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False, "EMAIL_HOST_USER": "", "EMAIL_HOST_PASSWORD": ""},
        ),
        (
            "smtp://desk%40example.org:p%40ss%2Fw%3Ard@mail.example.org:2525",
            {"EMAIL_HOST_USER": "desk@example.org", "EMAIL_HOST_PASSWORD": "p@ss/w:rd", "EMAIL_PORT": 2525},
        ),
        ("smtp+tls://u:p@mail.example.org", {"EMAIL_PORT": 587, "EMAIL_USE_TLS": True, "EMAIL_USE_SSL": False}),
        ("smtp+ssl://u:p@mail.example.org", {"EMAIL_PORT": 465, "EMAIL_USE_TLS": False, "EMAIL_USE_SSL": True}),
        ("SMTP+TLS://[::1]:2587/", {"EMAIL_HOST": "::1", "EMAIL_PORT": 2587, "EMAIL_USE_TLS": True}),
    ],
)
def test_email_url_forms(url, expected):
    parsed = parse_email_url(url)
    assert {k: parsed[k] for k in expected} == expected


@pytest.mark.parametrize(
    ("url", "names"),
    [
        ("smtps://user:hunter2-x@mail.example.org", "'smtps'"),
        ("smtp://user:hunter2-x@mail.example.org:99999", "'99999'"),
        ("smtp://user:hunter2-x@mail.example.org:25x", "'25x'"),
        ("smtp://user:hunter2/x@mail.example.org:25", "percent-encode"),
        ("smtp://user:hunter2?x@mail.example.org:25", "percent-encode"),
        ("smtp://user:hunter2-x@:25", "no host"),
        ("smtp://user:hunter2-x@mail.example.org/relay", "no path"),
        ("user:hunter2-x@mail.example.org", "not a URL"),
        ("console://mail.example.org", "console://"),
    ],
)
def test_a_bad_email_url_names_the_variable_and_the_part_but_not_the_password(url, names):
    with pytest.raises(ImproperlyConfigured) as caught:
        parse_email_url(url)
    message = str(caught.value)
    assert message.startswith("OTKLIK_EMAIL_URL: ") and names in message
    assert "hunter2" not in message


def test_email_timeout():
    assert parse_email_timeout("") == 10.0
    assert parse_email_timeout("2.5") == 2.5
    for bad in ("soon", "0", "-1", "nan"):
        with pytest.raises(ImproperlyConfigured, match="OTKLIK_EMAIL_TIMEOUT"):
            parse_email_timeout(bad)
