"""Reads of the published regulation."""

from __future__ import annotations

import time

from django.conf import settings

from .models import Version

_cache: tuple[float, int | None] | None = None


def version_in_force_id() -> int | None:
    """The id of the version in force, cached in-process for REFERENCE_TTL seconds."""
    global _cache
    ttl = float(getattr(settings, "REFERENCE_TTL", 2.0))
    if _cache is None or time.monotonic() - _cache[0] > ttl:
        latest = Version.objects.order_by("-number").values_list("pk", flat=True).first()
        _cache = (time.monotonic(), latest)
    return _cache[1]
