"""Channel drivers: one class per channel behind one interface (`ChannelDriver`)."""

from __future__ import annotations

from .base import ChannelDriver, PermanentFailure, Sent, TransientFailure
from .inapp import InAppDriver

DRIVERS: dict[str, ChannelDriver] = {"inapp": InAppDriver()}

__all__ = ["DRIVERS", "ChannelDriver", "PermanentFailure", "Sent", "TransientFailure"]
