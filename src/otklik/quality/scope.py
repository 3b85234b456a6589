"""What a quality report covers: a group's facts, a person's, or everyone's."""

from __future__ import annotations

from dataclasses import dataclass

from otklik.accounts.models import SupportGroup
from otklik.accounts.people import Person


@dataclass(frozen=True)
class Scope:
    """The facts a report covers: those of `group_ids` (None: every group) and of `executor_id`
    (None: every executor)."""

    group_ids: frozenset[int] | None = None
    executor_id: int | None = None
    group: SupportGroup | None = None  # the group asked for
    agent: Person | None = None  # the person asked for (or oneself, for an agent)

    @property
    def everyone(self) -> bool:
        return self.group_ids is None and self.executor_id is None
