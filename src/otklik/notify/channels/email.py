"""E-mail through Django's mail machinery (the backend `OTKLIK_EMAIL_URL` chose, see settings.py):
a text body with an HTML alternative, threaded per request, one connection reused for a batch.

Every message carries `Message-ID: <{key}@{host}>`: the row's idempotency key, so a retry or a
second worker's resend is the same message to the receiving side. All of a request's messages point
at one root, `<ticket-{id}@{host}>`, in In-Reply-To and References, so mail clients thread them.
"""

from __future__ import annotations

import html
import logging
import re
import smtplib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.validators import validate_email

from .base import CarrierConfig, DeliveryFailure, PermanentFailure, Sent, TransientFailure

if TYPE_CHECKING:
    from django.core.mail.backends.base import BaseEmailBackend

    from otklik.notify.models import Notification

log = logging.getLogger("otklik.notify")

RESPONSE_LIMIT = 200
# Errors that mean the server dropped a connection we kept open (idle timeout, restart): worth one
# reconnect. Not timeouts: the server may have the message already.
_DROPPED = (smtplib.SMTPServerDisconnected, ConnectionResetError, ConnectionAbortedError, BrokenPipeError)
_REFUSED_WHAT = (
    (smtplib.SMTPSenderRefused, "the sender"),
    (smtplib.SMTPDataError, "the message"),
    (smtplib.SMTPConnectError, "the connection"),
    (smtplib.SMTPHeloError, "the greeting"),
)


def mail_host() -> str:
    return urlsplit(settings.BASE_URL).hostname or "localhost"


def plain_text(n: Notification) -> str:
    parts = [p for p in (n.body.strip(), n.link) if p]
    return "\n\n".join(parts) + "\n"


def _html(n: Notification, language: str) -> str:
    """The body as escaped paragraphs (blank lines split them, single newlines become <br>)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", n.body.strip()) if p.strip()]
    parts = ["<p>" + "<br>\n".join(html.escape(line) for line in p.splitlines()) + "</p>" for p in paragraphs]
    if n.link:
        link = html.escape(n.link)
        # Only web links become links: an integration may enqueue any text as the "link".
        is_web = urlsplit(n.link).scheme in ("http", "https")
        parts.append(f'<p><a href="{link}">{link}</a></p>' if is_web else f"<p>{link}</p>")
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(language)}"><head><meta charset="utf-8">'
        f"<title>{html.escape(n.subject)}</title></head>\n<body>\n" + "\n".join(parts) + "\n</body></html>\n"
    )


def _carrier(backend: BaseEmailBackend) -> str:
    if isinstance(backend, SmtpBackend):
        scheme = "smtp+ssl" if backend.use_ssl else "smtp+tls" if backend.use_tls else "smtp"
        return f"{scheme}://{backend.host}:{backend.port}"  # never the user or password
    return type(backend).__module__.rpartition(".")[2]  # console, locmem, filebased …


class MailLink:
    """One mail connection: opened on first use, reopened once when the server dropped it between
    messages. After a failure to connect it is not tried again until closed: a batch of 200 rows
    must not wait 200 connect timeouts (its lease would run out first); they all fail alike."""

    def __init__(self) -> None:
        self.backend = get_connection()
        self.carrier = _carrier(self.backend)
        self.is_open = False
        self.used = 0  # messages tried over the connection open now
        self.broken: DeliveryFailure | None = None

    def send(self, n: Notification, build: Builder | None = None) -> Sent:
        """Send `n` as `build` makes it (the plain e-mail by default)."""
        message = build(self, n) if build is not None else self.message(n)
        self._open()
        reused = self.used > 0
        try:
            return self._deliver(message)
        except _DROPPED as exc:
            if not reused:
                raise self._failure(exc) from exc
            log.info("e-mail: %s dropped the kept connection; reconnecting", self.carrier)
        except OSError as exc:  # smtplib's errors are OSErrors too
            raise self._failure(exc) from exc
        # The server dropped the connection kept open for us (an idle timeout, a restart): once more.
        self._open()
        try:
            return self._deliver(message)
        except OSError as exc:
            raise self._failure(exc) from exc

    def _deliver(self, message: EmailMultiAlternatives) -> Sent:
        self.used += 1
        try:
            taken = message.send()
        except OSError as exc:
            # Without a proper reply the conversation is out of step: the next message needs a new one.
            if isinstance(exc, _DROPPED) or not isinstance(exc, smtplib.SMTPException):
                self.close()
            raise
        if taken != 1:
            raise TransientFailure("the mail backend did not take the message", carrier=self.carrier)
        return Sent(carrier=self.carrier, code="250" if isinstance(self.backend, SmtpBackend) else "")

    def close(self) -> None:
        self.is_open, self.used = False, 0
        try:
            self.backend.close()
        except OSError as exc:  # QUIT on a dead connection: nothing left to close
            log.debug("e-mail: closing the connection to %s: %s", self.carrier, type(exc).__name__)

    def _open(self) -> None:
        if self.is_open:
            return
        if self.broken is not None:
            b = self.broken
            raise type(b)(f"{b} (not tried again in this batch)", carrier=b.carrier, code=b.code, response=b.response)
        try:
            self.backend.open()
        except OSError as exc:
            self.broken = self._failure(exc)
            self.close()
            raise self.broken from exc
        self.is_open, self.used = True, 0

    def message(
        self, n: Notification, cls: type[EmailMultiAlternatives] = EmailMultiAlternatives
    ) -> EmailMultiAlternatives:
        """The e-mail of `n`: checked address, Message-ID and threading, text and HTML. Other mail
        channels (calendar tasks) start from it and add their parts."""
        recipient = n.recipient
        if recipient is None:  # a message to a system (a webhook's) has no address to mail
            raise PermanentFailure("no recipient to e-mail", carrier=self.carrier)
        address = (recipient.email or "").strip()
        if not address:
            raise PermanentFailure(f"no e-mail address for the user {recipient.username}", carrier=self.carrier)
        try:
            validate_email(address)
        except ValidationError:
            raise PermanentFailure(f"{address!r} is not a valid e-mail address", carrier=self.carrier) from None
        host = mail_host()
        headers = {
            "Message-ID": f"<{n.key}@{host}>",
            "Auto-Submitted": "auto-generated",  # RFC 3834: no auto-replies to this
            "X-Auto-Response-Suppress": "All",  # the same for Exchange / Outlook
        }
        if n.ticket is not None:
            root = f"<ticket-{n.ticket_id}@{host}>"
            headers |= {"In-Reply-To": root, "References": root, "X-Otklik-Ticket": n.ticket.number}
        message = cls(
            subject=" ".join(n.subject.split()),  # a header: no line breaks
            body=plain_text(n),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers=headers,
            connection=self.backend,
        )
        # A template's own HTML (escaped when it was rendered), else one made from the text.
        page = n.html or _html(n, recipient.language or settings.LANGUAGE_CODE)
        message.attach_alternative(page, "text/html")
        return message

    def _failure(self, exc: OSError) -> DeliveryFailure:
        """4xx and lost connections are worth another try; 5xx are not."""
        carrier = self.carrier
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            replies = list(exc.recipients.values()) or [(-1, b"")]  # {address: (code, message)}
            code, text = next(((c, t) for c, t in replies if 400 <= c < 500), replies[0])
            return self._by_code(code, text, "the SMTP server refused the recipient")
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            # The configuration is at fault, not the message: retried (with back-off) until an
            # administrator fixes OTKLIK_EMAIL_URL, instead of killing every pending e-mail.
            failure = self._by_code(exc.smtp_code, exc.smtp_error, "the SMTP server refused the login")
            return TransientFailure(str(failure), carrier=carrier, code=failure.code, response=failure.response)
        if isinstance(exc, smtplib.SMTPResponseException):
            what = next((w for cls, w in _REFUSED_WHAT if isinstance(exc, cls)), "the command")
            return self._by_code(exc.smtp_code, exc.smtp_error, f"the SMTP server refused {what}")
        if isinstance(exc, smtplib.SMTPNotSupportedError):  # no STARTTLS or AUTH there: the configuration
            return TransientFailure(
                self._scrub(f"the SMTP server cannot do what OTKLIK_EMAIL_URL asks: {exc}"), carrier=carrier
            )
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return TransientFailure(self._scrub(f"the SMTP server closed the connection: {exc}"), carrier=carrier)
        reason = self._scrub(f"{type(exc).__name__}: {exc}")
        return TransientFailure(f"cannot talk to the SMTP server {carrier}: {reason}", carrier=carrier)

    def _by_code(self, code: int, text: bytes | str, what: str) -> DeliveryFailure:
        raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        response = self._scrub(" ".join(raw.split()))[:RESPONSE_LIMIT]
        kind = PermanentFailure if 500 <= code < 600 else TransientFailure
        return kind(f"{what}: {code} {response}", carrier=self.carrier, code=str(code), response=response)

    def _scrub(self, text: str) -> str:
        # Belt and braces: no server or library message may carry the password into the history.
        password = getattr(self.backend, "password", "") or ""
        return text.replace(password, "***") if password else text


Builder = Callable[[MailLink, "Notification"], EmailMultiAlternatives]

# Per thread: one driver object serves every worker thread of the process. Shared by the mail
# drivers (e-mail, calendar tasks), so a batch with both goes over one connection: the second
# `open_batch` replaces the first one's link before anything was sent (links connect lazily).
_links = threading.local()


class EmailDriver:
    code = "email"

    def open_batch(self) -> None:
        """Start a batch: its sends share one connection, opened by the first of them."""
        self.close_batch()
        _links.link = MailLink()

    def close_batch(self) -> None:
        link: MailLink | None = getattr(_links, "link", None)
        _links.link = None
        if link is not None:
            link.close()

    def build(self, link: MailLink, n: Notification) -> EmailMultiAlternatives:
        return link.message(n)

    def send(self, notification: Notification, carrier: CarrierConfig | None = None) -> Sent:
        link: MailLink | None = getattr(_links, "link", None)
        if link is not None:
            return link.send(notification, self.build)
        link = MailLink()  # outside a batch: a connection of its own
        try:
            return link.send(notification, self.build)
        finally:
            link.close()
