"""The interface every channel driver implements, and how it reports failure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from otklik.notify.models import Notification


@dataclass(frozen=True)
class Sent:
    """The carrier accepted the message."""

    carrier: str = ""
    code: str = ""
    response: str = ""


class DeliveryFailure(Exception):
    def __init__(self, message: str, *, carrier: str = "", code: str = "", response: str = "") -> None:
        super().__init__(message)
        self.carrier, self.code, self.response = carrier, code, response


class TransientFailure(DeliveryFailure):
    """Worth trying again later (a timeout, 4xx greylisting, 5xx of a gateway)."""


class PermanentFailure(DeliveryFailure):
    """Trying again cannot help (a rejected address, a bad configuration)."""


class ChannelDriver(Protocol):
    """One channel's driver. Besides `send`, a driver may have two optional methods (see
    `BatchDriver`): the delivery service calls `open_batch()` before the sends of a claimed batch
    and `close_batch()` after them (always, in a `finally`), so a driver can keep one carrier
    connection for the whole batch. Between them `send` is called from the same thread."""

    code: str

    def send(self, notification: Notification) -> Sent:
        """Hand the message over; raise TransientFailure or PermanentFailure when that fails.
        Never called inside a database transaction: drivers do network I/O."""
        ...


@runtime_checkable
class BatchDriver(ChannelDriver, Protocol):
    """A driver that keeps a connection for a batch. Both methods must not raise for carrier
    failures: `open_batch` may connect lazily, and a failure belongs to the row that meets it."""

    def open_batch(self) -> None: ...

    def close_batch(self) -> None: ...
