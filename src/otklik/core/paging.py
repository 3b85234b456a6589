"""Keyset pagination for the API's lists: newest first, an opaque cursor naming the last id seen."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet

from .errors import DomainError, Invalid, out_of_range
from .refs import BIGINT_MAX


class _Keyed(Protocol):
    @property
    def pk(self) -> int: ...


T = TypeVar("T", bound=_Keyed)  # a row with its id: a model instance or a row tuple
M = TypeVar("M", bound=Model)


class BadCursor(DomainError):
    status = 400
    code = "bad_cursor"


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"id": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))["id"]
        # Past any id is refused too (SQLite would not compare with a larger integer: a 500).
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= BIGINT_MAX:
            raise ValueError
        return value
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise BadCursor(f"cursor {cursor!r} is not one this API gave out") from None


def check_limit(limit: int) -> int:
    most = settings.API_PAGE_SIZE_MAX
    if not 1 <= limit <= most:
        raise Invalid(f"limit must be between 1 and {most}", errors=[out_of_range("limit", min=1, max=most)])
    return limit


def after(qs: QuerySet[M], cursor: str | None) -> QuerySet[M]:
    """The rows past the cursor, newest first (with room for one more, to know if a page follows)."""
    if cursor:
        qs = qs.filter(pk__lt=decode_cursor(cursor))
    return qs.order_by("-pk")


def page(rows: Sequence[T], limit: int, *, pk: Callable[[T], int] = lambda row: row.pk) -> tuple[list[T], str | None]:
    """A page of `limit` rows out of up to limit + 1 read, and the cursor of the next page."""
    next_cursor = encode_cursor(pk(rows[limit - 1])) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor
