"""Text no database stores: a NUL character (PostgreSQL refuses it even in a comparison, so it
would be a 500 there) or a lone surrogate (valid in JSON escapes, not in UTF-8). The API and the
pages refuse such input before anything reads the database."""

from __future__ import annotations


def has_unstorable(value: object) -> bool:
    """Whether a string, or any string in nested dicts and lists, holds such a character."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(has_unstorable(k) or has_unstorable(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_unstorable(v) for v in value)
    return False
