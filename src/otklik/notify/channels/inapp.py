"""In-app: the inbox is the notification row itself; delivering it makes it visible."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import CarrierConfig, Sent

if TYPE_CHECKING:
    from otklik.notify.models import Notification


class InAppDriver:
    code = "inapp"

    def send(self, notification: Notification, carrier: CarrierConfig | None = None) -> Sent:
        return Sent(carrier="inbox")
