"""Channel drivers: one class per channel behind one interface (`ChannelDriver`)."""

from __future__ import annotations

from .base import BatchDriver, CarrierConfig, ChannelDriver, PermanentFailure, Sent, TransientFailure
from .email import EmailDriver
from .inapp import InAppDriver

DRIVERS: dict[str, ChannelDriver] = {"inapp": InAppDriver(), "email": EmailDriver()}

__all__ = ["DRIVERS", "BatchDriver", "CarrierConfig", "ChannelDriver", "PermanentFailure", "Sent", "TransientFailure"]
