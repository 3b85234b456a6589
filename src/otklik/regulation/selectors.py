"""Reads of the published regulation: the version in force at a moment (the newest whose moment has
come), the one scheduled next, and each version's state."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import TypedDict

from django.db.models import Q, Subquery

from otklik.core.clock import now
from otklik.core.errors import NotFound
from otklik.core.snapshot import KeyedCache, Snapshot

from .models import Version
from .reasons import reason_text

MAX_NUMBER = 2**31 - 1  # PositiveIntegerField: beyond it no version exists (and PostgreSQL would refuse the query)


@dataclass(frozen=True)
class _InForce:
    id: int | None  # None: nothing has been published yet
    number: int | None
    since: dt.datetime | None  # it is the one in force from this moment (None: before any came into force)
    until: dt.datetime | None  # … until this one, when a scheduled version comes into force (None: no end)

    def holds_at(self, moment: dt.datetime) -> bool:
        return (self.since is None or self.since <= moment) and (self.until is None or moment < self.until)


def in_force_at(moment: dt.datetime) -> _InForce:
    """The version in force at `moment`: the newest whose effective_at has come. Before the first
    one came into force (a clock set back) the first one, as there is no other. One query (ticket
    creation asks whenever the cached answer cannot serve): that version and those still to come."""
    came = Version.objects.filter(effective_at__lte=moment).order_by("-number").values("pk")[:1]
    rows = list(
        Version.objects.filter(Q(pk=Subquery(came)) | Q(effective_at__gt=moment)).values_list(
            "pk", "number", "effective_at"
        )
    )
    if not rows:
        return _InForce(None, None, None, None)
    current = [r for r in rows if r[2] <= moment]
    pk, number, since = current[0] if current else min(rows, key=lambda r: r[1])
    # Every newer version is still to come (one that had come would be in force): the first of them ends this one.
    until = min((r[2] for r in rows if r[1] > number), default=None)
    if not current:  # the first version, not in force yet: ask again when it is
        return _InForce(pk, number, None, since if until is None else min(until, since))
    return _InForce(pk, number, since, until)


def _latest() -> _InForce:
    return in_force_at(now())


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
    """The id of the version in force now (a scheduled version is in force from its moment on, in
    every process: the cached answer knows when it ends)."""
    if _in_force.unsure:
        return _latest().id
    moment = now()
    found = _in_force.get()
    return found.id if found.holds_at(moment) else _in_force.fresh().id


def forget_version_in_force(*, unsure: bool = False) -> None:
    """Drop the cached id (this process has published). `unsure`: the publication may still roll
    back, so stop caching until one is known to have committed."""
    _in_force.drop()
    _in_force.unsure = unsure


def version_get(number: int | None = None) -> Version:
    """Version `number`, or the one in force when None. NotFound when there is no such version."""
    if number is None:
        found = in_force_at(now()).id
        version = Version.objects.filter(pk=found).first() if found is not None else None
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
    published_at: dt.datetime
    reason: str  # in the reader's language (reasons.py)


def version_list(lang: str = "ru") -> list[VersionSummary]:
    """Every version, newest first, without its content: number, effective_at, published_at and
    the reason it was published in `lang`."""
    rows = Version.objects.order_by("-number").values(
        "number", "effective_at", "published_at", "reason", "reason_code", "reason_params"
    )
    return [
        {
            "number": r["number"],
            "effective_at": r["effective_at"],
            "published_at": r["published_at"],
            "reason": reason_text(r["reason_code"], r["reason_params"], r["reason"], lang),
        }
        for r in rows
    ]


class State(StrEnum):
    IN_FORCE = "in_force"
    PAST = "past"  # was in force before the one in force now
    SCHEDULED = "scheduled"  # comes into force at its effective_at
    SUPERSEDED = "superseded"  # a newer version came, or comes, into force no later: this one never is


def version_states(versions: list[VersionSummary], moment: dt.datetime) -> dict[int, State]:
    """Each version's state at `moment` (pure: from version_list()'s rows). A version is ever in
    force only if no newer one comes into force at or before its own moment."""
    if not versions:
        return {}
    by_number = sorted(versions, key=lambda v: v["number"])
    come = [v["number"] for v in by_number if v["effective_at"] <= moment]
    current = come[-1] if come else by_number[0]["number"]
    states: dict[int, State] = {}
    earliest_after: dt.datetime | None = None  # the earliest moment of the versions newer than this one
    for v in reversed(by_number):
        if v["number"] == current:
            states[v["number"]] = State.IN_FORCE
        elif earliest_after is not None and earliest_after <= v["effective_at"]:
            states[v["number"]] = State.SUPERSEDED
        else:
            states[v["number"]] = State.SCHEDULED if v["number"] > current else State.PAST
        if earliest_after is None or v["effective_at"] < earliest_after:
            earliest_after = v["effective_at"]
    return states


def version_ended_at(versions: list[VersionSummary], number: int, moment: dt.datetime) -> dt.datetime | None:
    """When a past version (State.PAST at `moment`) stopped being in force: the moment the first of the
    newer versions came into force. None for any other state."""
    if version_states(versions, moment).get(number) != State.PAST:
        return None
    return min(v["effective_at"] for v in versions if v["number"] > number)


def version_coming(versions: list[VersionSummary], moment: dt.datetime) -> VersionSummary | None:
    """The scheduled version that comes into force next, if any."""
    states = version_states(versions, moment)
    coming = [v for v in versions if states[v["number"]] == State.SCHEDULED]
    return min(coming, key=lambda v: v["effective_at"]) if coming else None


def _number(version_id: int) -> int | None:
    return Version.objects.filter(pk=version_id).values_list("number", flat=True).first()


# Versions are never edited: a number read once stays true for as long as the row exists.
_numbers: KeyedCache[int, int] = KeyedCache("regulation.version_numbers", ttl=lambda: math.inf)


def version_number(version_id: int | None) -> int | None:
    """A version's number by id."""
    return None if version_id is None else _numbers.get(version_id, _number)
