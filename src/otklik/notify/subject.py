"""What a notification is about: the outbox's one view of a domain object (it knows no request)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from otklik.core.jsonvalue import JsonValue

from .models import Importance


def _no_watchers() -> set[int]:
    return set()


@dataclass(frozen=True)
class Subject:
    """What a notification is about, as the outbox needs it: the row's reference (`ticket_id`),
    what the rules' conditions look at (type, priority, group), the people a rule may name, the
    link, the least importance of its ordinary events (`importance`: high for a request of
    critical priority, see importance.py), and `words`: what templates see as `ticket`,
    built in each recipient's language (plain values only)."""

    ticket_id: int | None
    link: str
    words: Callable[[], dict[str, JsonValue]]
    type_id: int | None = None
    priority_id: int | None = None
    group_id: int | None = None
    initiator_id: int | None = None
    executor_id: int | None = None
    importance: str = Importance.NORMAL
    # Read only when a rule names the watchers and the caller did not say who they are.
    watchers: Callable[[], set[int]] = field(default=_no_watchers)
