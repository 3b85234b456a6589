"""Small helpers for the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def local(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment in the viewer's time zone (activated from their settings)."""
    if value is None:
        return ""
    return timezone.localtime(value).strftime(fmt)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return None
