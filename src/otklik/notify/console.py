"""The development e-mail carrier (`OTKLIK_EMAIL_URL=console://`): one line on standard output per
message, `e-mail to ivan@example.org: ERR-000001: new comment`, instead of Django's console
backend's whole MIME text (a quiet demo day printed thousands of lines of base64 and headers).
Nothing is sent anywhere; the message counts as delivered, carrier `console`."""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from typing import IO, Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend


def summary(message: EmailMessage) -> str:
    """Who the message goes to and its subject, on one line."""
    to = ", ".join([*message.to, *message.cc, *message.bcc]) or "-"
    subject = " ".join(str(message.subject).split())
    parts = len(getattr(message, "alternatives", ()) or ()) + len(message.attachments)
    return f"e-mail to {to}: {subject}" + (f" (+{parts} part{'s' if parts > 1 else ''})" if parts else "")


class EmailBackend(BaseEmailBackend):
    def __init__(self, *args: Any, stream: IO[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stream = stream
        self._lock = threading.Lock()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if not email_messages:
            return 0
        stream = self.stream or sys.stdout  # read at the send: a test's capture replaces it
        with self._lock:
            for message in email_messages:
                stream.write(summary(message) + "\n")
            stream.flush()
        return len(email_messages)
