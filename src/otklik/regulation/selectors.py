"""Reads of the published regulation."""

from __future__ import annotations

import threading
import time
from typing import Any

from django.conf import settings

from otklik.core.errors import NotFound

from .models import Version

# (read at, id) of the version in force. Request creation asks for it every time, so it must
# usually cost no query; another process's publication shows within REFERENCE_TTL seconds.
_cache: tuple[float, int | None] | None = None
# Set while a publication of this process may still roll back (it ran inside someone's
# transaction): caching then could hand out the id of a version that never comes to exist.
_unsure = False
_lock = threading.Lock()
MAX_NUMBER = 2**31 - 1  # PositiveIntegerField: beyond it no version exists (and PostgreSQL would refuse the query)


def version_in_force_id() -> int | None:
    """The id of the version in force (the latest), cached in-process for REFERENCE_TTL seconds."""
    global _cache
    ttl = float(getattr(settings, "REFERENCE_TTL", 2.0))
    hit = _cache
    if hit is not None and time.monotonic() - hit[0] <= ttl and not _unsure:
        return hit[1]
    latest = Version.objects.order_by("-number").values_list("pk", flat=True).first()
    if not _unsure:
        _cache = (time.monotonic(), latest)
    return latest


def forget_version_in_force(*, unsure: bool = False) -> None:
    """Drop the cached id (this process has published). `unsure`: the publication may still roll
    back, so stop caching until one is known to have committed."""
    global _cache, _unsure
    with _lock:
        _cache = None
        _unsure = unsure


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


def version_list() -> list[dict[str, Any]]:
    """Every version, newest first, without its content: number, effective_at, reason."""
    return list(Version.objects.order_by("-number").values("number", "effective_at", "reason"))


_numbers: dict[int, int] = {}


def version_number(version_id: int | None) -> int | None:
    """A version's number by id. Versions are never edited, so what is read once stays true."""
    if version_id is None:
        return None
    number = _numbers.get(version_id)
    if number is None:
        number = Version.objects.filter(pk=version_id).values_list("number", flat=True).first()
        if number is not None:
            _numbers[version_id] = number
    return number
