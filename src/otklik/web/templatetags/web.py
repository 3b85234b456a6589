"""Small helpers for the pages."""

from __future__ import annotations

import datetime as dt
from typing import Protocol, TypeVar

from django import template

from otklik.core import dates
from otklik.core.text import run_on as _run_on

register = template.Library()


@register.filter
def local(value: dt.datetime | None, fmt: str = "") -> str:
    """A moment in the viewer's time zone (activated from their settings), in their language's form
    (07.12.2026 14:05; core/dates.py); a `fmt` asks for the time of day alone ("%H:%M", "%H:%M:%S")."""
    if not fmt:
        return dates.moment(value)
    return dates.clock(value, seconds="%S" in fmt)


@register.filter
def day(value: dt.date | None, form: str = "") -> str:
    """A date in the viewer's language's form (07.12.2026; "long": 7 декабря 2026)."""
    return dates.day(value, long=form == "long")


_K = TypeVar("_K", contravariant=True)
_V = TypeVar("_V", covariant=True)
_Key = TypeVar("_Key")
_Value = TypeVar("_Value")


class _Indexable(Protocol[_K, _V]):
    def __getitem__(self, key: _K, /) -> _V: ...


@register.filter
def get(mapping: _Indexable[_Key, _Value], key: _Key) -> _Value | None:
    """`mapping[key]` (a dict's value, a list's item), or nothing."""
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return None


@register.filter
def run_on(value: object) -> str:
    """Text going on a sentence after « — » or « · »: no capital letter in mid-sentence."""
    return _run_on(str(value or ""))
