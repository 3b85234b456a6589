"""Parsing the identifiers people type: ids are ASCII digits within a bigint, nothing else."""

from __future__ import annotations

import re

_ID = re.compile(r"[0-9]{1,19}")
BIGINT_MAX = 2**63 - 1


def as_id(text: str | int | None) -> int | None:
    """The row id a reference names, or None when it is not one ("²" and "١" are digits to
    str.isdigit(), but int() refuses them; 2**63 is beyond any primary key)."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text if 0 < text <= BIGINT_MAX else None
    value = str(text or "").strip()
    if not _ID.fullmatch(value):
        return None
    number = int(value)
    return number if number <= BIGINT_MAX else None
