"""The interface every channel driver implements, and how it reports failure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from otklik.core.jsonvalue import JsonValue

if TYPE_CHECKING:
    from otklik.notify.models import Notification


@dataclass(frozen=True)
class Sent:
    """The carrier accepted the message."""

    carrier: str = ""
    code: str = ""
    response: str = ""


@dataclass(frozen=True)
class CarrierConfig:
    """A carrier as the drivers see it (a snapshot of `notify.Carrier`, read once per pass).
    `settings` holds secrets: never log it, never put it in an error or a response text."""

    id: int
    name: str
    channel: str
    driver: str
    settings: Mapping[str, JsonValue] = field(repr=False)  # the carrier's JSON settings
    max_attempts: int = 5
    backoff_base_seconds: int = 30
    backoff_cap_seconds: int = 3600
    backoff_jitter: float = 0.5
    timeout_seconds: float = 10.0
    rate_limit_per_minute: int = 0


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

    def send(self, notification: Notification, carrier: CarrierConfig | None = None) -> Sent:
        """Hand the message over; raise TransientFailure or PermanentFailure when that fails.
        Never called inside a database transaction: drivers do network I/O. Channels with carriers
        (SMS, messengers, webhooks) get the carrier to use; the others get None."""
        ...


@runtime_checkable
class BatchDriver(ChannelDriver, Protocol):
    """A driver that keeps a connection for a batch. Both methods must not raise for carrier
    failures: `open_batch` may connect lazily, and a failure belongs to the row that meets it."""

    def open_batch(self) -> None: ...

    def close_batch(self) -> None: ...
