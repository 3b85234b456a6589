"""One-time codes do not outlive their use in the notification history.

The code of an address check (notify/verification.py) must be in its notification's text while the
row waits to be sent, and nowhere once it is spent: delivered (the person has it), given up on, or
past its validity. `forget_codes` masks it in the row's text and in what carriers answered (a
gateway may echo the message); the delivery pass calls it for the rows it delivers, and the
worker's `verification_codes_forget_due` for the rest. The admin never shows a code at all
(`hide_code`), and such rows are not retried: the person asks for a new code."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction

from .channels.messaging import VERIFICATION_EVENT
from .models import DeliveryAttempt, Notification

CODE_MASK = "••••••"
CODE_PATTERN = r"[0-9]{6}"  # a code is six digits (verification.verification_send); in SQL too
_CODE = re.compile(CODE_PATTERN)  # as the SQL sweep finds them: every row it picks changes


def hide_code(text: str) -> str:
    """The text with every six-digit code masked."""
    return _CODE.sub(CODE_MASK, text or "")


def forget_codes(ids: Iterable[int]) -> int:
    """Mask the codes in these notifications (only address checks' are touched) and in their
    delivery attempts; returns how many rows changed. Three reads and two writes, however many rows."""
    with transaction.atomic():
        notes = list(Notification.objects.filter(pk__in=list(ids), event=VERIFICATION_EVENT).only("pk", "body"))
        hidden = [n for n in notes if _masked(n, "body")]
        Notification.objects.bulk_update(hidden, ["body"], batch_size=500)
        attempts = DeliveryAttempt.objects.filter(notification_id__in=[n.pk for n in notes]).only(
            "pk", "response", "error"
        )
        touched = [a for a in attempts if _masked(a, "response") | _masked(a, "error")]
        DeliveryAttempt.objects.bulk_update(touched, ["response", "error"], batch_size=500)
    return len(hidden)


def _masked(row: Notification | DeliveryAttempt, field: str) -> bool:
    """Mask the codes in one text field of the row; whether it changed."""
    text = getattr(row, field)
    hidden = hide_code(text)
    setattr(row, field, hidden)
    return hidden != text
