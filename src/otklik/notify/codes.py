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
    delivery attempts; returns how many rows changed."""
    changed = 0
    with transaction.atomic():
        for pk, body in Notification.objects.filter(pk__in=list(ids), event=VERIFICATION_EVENT).values_list(
            "pk", "body"
        ):
            hidden = hide_code(body)
            if hidden != body:
                changed += Notification.objects.filter(pk=pk).update(body=hidden)
            for attempt in DeliveryAttempt.objects.filter(notification_id=pk).only("pk", "response", "error"):
                response, error = hide_code(attempt.response), hide_code(attempt.error)
                if (response, error) != (attempt.response, attempt.error):
                    DeliveryAttempt.objects.filter(pk=attempt.pk).update(response=response, error=error)
    return changed
