"""Channel drivers: one class per channel behind one interface (`ChannelDriver`)."""

from __future__ import annotations

from .base import BatchDriver, CarrierConfig, ChannelDriver, PermanentFailure, Sent, TransientFailure
from .email import EmailDriver
from .inapp import InAppDriver
from .messaging import MessengerDriver, SmsDriver
from .task import TaskDriver
from .webhook import WebhookDriver

DRIVERS: dict[str, ChannelDriver] = {"inapp": InAppDriver(), "email": EmailDriver(), "task": TaskDriver()}
DRIVERS["sms"] = SmsDriver()
DRIVERS["messenger"] = MessengerDriver()
DRIVERS["webhook"] = WebhookDriver()

__all__ = ["DRIVERS", "BatchDriver", "CarrierConfig", "ChannelDriver", "PermanentFailure", "Sent", "TransientFailure"]
