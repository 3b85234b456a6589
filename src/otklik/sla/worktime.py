"""Working time as people type it and read it. Pure: no Django import.

Accepted: a number of minutes ("90"), hours:minutes ("1:30"), and amounts with units in Russian or
English, in any case, with or without spaces, each unit at most once: «30 минут», «1 ч 30 мин»,
«2 часа», «1,5 ч», «1 д», "30 min", "1h 30m", "1h30", "2 hours", "1d 4h". A day of working time is
eight working hours (the calendar decides which hours those are).
"""

from __future__ import annotations

import re
from fractions import Fraction

MINUTES_PER_DAY = 8 * 60  # a working day
MAX_MINUTES = 10_000_000  # about twenty years of working time: anything longer is a typing slip
# A whole or decimal part this long is a slip whatever its unit; refused before it is converted
# (Python refuses 4300-digit ints, and the arithmetic need not grow with whatever was pasted).
MAX_DIGITS = 12

_UNITS: dict[str, tuple[str, ...]] = {
    "d": ("d", "day", "days", "д", "дн", "день", "дня", "дней"),
    "h": ("h", "hr", "hrs", "hour", "hours", "ч", "час", "часа", "часов"),
    "m": ("m", "min", "mins", "minute", "minutes", "м", "мин", "минута", "минуты", "минут", "минуту"),
}
_UNIT_OF = {word: unit for unit, words in _UNITS.items() for word in words}
_SCALE = {"d": MINUTES_PER_DAY, "h": 60, "m": 1}
# ASCII digits only: \d would take other scripts' digits, and str.isdigit() superscripts ("²").
_CLOCK = re.compile(r"([0-9]{1,6}):([0-5][0-9])")
# One amount: a number and a unit word (a trailing dot allowed: «мин.», «ч.»), or a bare number.
_PART = re.compile(r"([0-9]+(?:[.,][0-9]+)?)\s*([^\W\d_]+\.?)?\s*")


class WorkTimeError(ValueError):
    """Why a text is not working time. `reason` is one of "empty", "unit", "repeated", "fraction",
    "clock", "too_long", "format"; `value` is the part of the text at fault (the whole text for
    "empty", "format" and "too_long")."""

    def __init__(self, reason: str, value: str) -> None:
        super().__init__(f"{reason}: {value!r}")
        self.reason = reason
        self.value = value


def parse_minutes(text: str) -> int:
    """Working time in minutes. Raises WorkTimeError naming the part that is not understood."""
    value = " ".join(text.split()).lower()
    if not value:
        raise WorkTimeError("empty", text)
    if value.isascii() and value.isdigit():
        if len(value) > MAX_DIGITS:
            raise WorkTimeError("too_long", text.strip())
        return _checked(int(value), text)
    if ":" in value:
        match = _CLOCK.fullmatch(value.replace(" ", ""))
        if match is None:
            raise WorkTimeError("clock", text.strip())
        return _checked(int(match[1]) * 60 + int(match[2]), text)
    total = Fraction(0)  # exact: "1.9999…9 h" is not two hours, and no float can overflow
    seen: set[str] = set()
    position = 0
    last_unit = ""
    while position < len(value):
        match = _PART.match(value, position)
        if match is None:
            raise WorkTimeError("format", text.strip())
        number, word = match[1], (match[2] or "").rstrip(".")
        if any(len(digits) > MAX_DIGITS for digits in re.split(r"[.,]", number)):
            raise WorkTimeError("too_long", text.strip())
        if not word:
            # A bare number only after hours ("1h30"), meaning minutes; otherwise the unit is missing.
            if last_unit != "h" or match.end() != len(value):
                raise WorkTimeError("format", text.strip())
            unit = "m"
        else:
            found = _UNIT_OF.get(word)
            if found is None:
                raise WorkTimeError("unit", word)
            unit = found
        if unit in seen:
            raise WorkTimeError("repeated", match[0].strip())
        seen.add(unit)
        amount = Fraction(number.replace(",", "."))
        if unit == "m" and amount != int(amount):
            raise WorkTimeError("fraction", match[0].strip())
        total += amount * _SCALE[unit]
        last_unit = unit
        position = match.end()
    if total.denominator != 1:
        raise WorkTimeError("fraction", text.strip())  # a fraction of a minute: say so rather than round
    return _checked(total.numerator, text)


def _checked(minutes: int, text: str) -> int:
    if minutes > MAX_MINUTES:
        raise WorkTimeError("too_long", text.strip())
    return minutes


def format_minutes(minutes: int | None, language: str = "en") -> str:
    """240 → "4h" (ru: «4 ч»), 90 → "1h 30m" («1 ч 30 мин»), 45 → "45m" («45 мин»), 0 → "0".
    Hours, never days: what a day means depends on the calendar."""
    if minutes is None:
        return ""
    if minutes == 0:
        return "0"
    hours, rest = divmod(minutes, 60)
    if language.startswith("ru"):
        parts = (f"{hours} ч" if hours else "", f"{rest} мин" if rest else "")
    else:
        parts = (f"{hours}h" if hours else "", f"{rest}m" if rest else "")
    return " ".join(part for part in parts if part)


__all__ = ["MINUTES_PER_DAY", "WorkTimeError", "format_minutes", "parse_minutes"]
