"""Reads of the published regulation."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TypedDict

from otklik.core.errors import NotFound
from otklik.core.snapshot import KeyedCache, Snapshot

from .models import Version

MAX_NUMBER = 2**31 - 1  # PositiveIntegerField: beyond it no version exists (and PostgreSQL would refuse the query)


@dataclass(frozen=True)
class _InForce:
    id: int | None  # None: nothing has been published yet


def _latest() -> _InForce:
    return _InForce(Version.objects.order_by("-number").values_list("pk", flat=True).first())


class _InForceSnapshot(Snapshot[_InForce]):
    """The version in force. `unsure` is set while a publication of this process may still roll
    back (it ran inside someone's transaction): caching then could hand out the id of a version
    that never comes to exist. Dropping forgets that too."""

    unsure = False

    def drop(self) -> None:
        super().drop()
        self.unsure = False


# Request creation asks for the version in force every time, so it must usually cost no query;
# another process's publication shows within REFERENCE_TTL seconds.
_in_force = _InForceSnapshot("regulation.in_force", _latest)


def version_in_force_id() -> int | None:
    """The id of the version in force (the latest)."""
    return _latest().id if _in_force.unsure else _in_force.get().id


def forget_version_in_force(*, unsure: bool = False) -> None:
    """Drop the cached id (this process has published). `unsure`: the publication may still roll
    back, so stop caching until one is known to have committed."""
    _in_force.drop()
    _in_force.unsure = unsure


def version_get(number: int | None = None) -> Version:
    """Version `number`, or the one in force when None. NotFound when there is no such version."""
    if number is None:
        version = Version.objects.order_by("-number").first()
        if version is None:
            raise NotFound("no regulation has been published yet", code="not_found")
        return version
    if not 1 <= number <= MAX_NUMBER:
        raise NotFound(f"no regulation version {number}")
    try:
        return Version.objects.get(number=number)
    except Version.DoesNotExist:
        raise NotFound(f"no regulation version {number}") from None


class VersionSummary(TypedDict):
    number: int
    effective_at: dt.datetime
    reason: str


def version_list() -> list[VersionSummary]:
    """Every version, newest first, without its content: number, effective_at, reason."""
    return list(Version.objects.order_by("-number").values("number", "effective_at", "reason"))


def _number(version_id: int) -> int | None:
    return Version.objects.filter(pk=version_id).values_list("number", flat=True).first()


# Versions are never edited: a number read once stays true for as long as the row exists.
_numbers: KeyedCache[int, int] = KeyedCache("regulation.version_numbers", ttl=lambda: math.inf)


def version_number(version_id: int | None) -> int | None:
    """A version's number by id."""
    return None if version_id is None else _numbers.get(version_id, _number)
