"""Validation of a request type's formal form. Pure: no Django import.

`validate_fields(specs, values)` returns the cleaned values (JSON-ready) or raises
`FieldErrors` with one message per bad field, so the caller can answer 422 naming each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

FIELD_KINDS = ("text", "number", "choice", "date", "bool")
DEFAULT_TEXT_LIMIT = 2000
# Numbers are kept as JSON numbers; anything this large is a typo or an attack (int("1e10000000")
# would take minutes and its JSON would be refused), and exceeds any bound a FormField can hold.
NUMBER_MAGNITUDE_LIMIT = Decimal(10) ** 15


class FieldSpecError(ValueError):
    """The field definition itself is wrong (admin input)."""


class FieldErrors(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Choice:
    value: str
    label_ru: str
    label_en: str


def parse_choices(text: str) -> list[Choice]:
    """`value|label ru|label en` per line; the labels default to the value."""
    out: list[Choice] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split("|")]
        value = parts[0]
        ru = parts[1] if len(parts) > 1 and parts[1] else value
        en = parts[2] if len(parts) > 2 and parts[2] else ru
        out.append(Choice(value, ru, en))
    return out


@dataclass(frozen=True)
class FieldSpec:
    code: str
    kind: str
    required: bool = False
    label: str = ""
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None

    def check(self) -> None:
        if self.kind not in FIELD_KINDS:
            raise FieldSpecError(f"unknown field kind {self.kind!r}; one of {', '.join(FIELD_KINDS)}")
        if self.kind == "choice" and not self.choices:
            raise FieldSpecError(f"choice field {self.code!r} has no choices")
        if len(set(self.choices)) != len(self.choices):
            raise FieldSpecError(f"choice field {self.code!r} repeats a value")
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise FieldSpecError(f"field {self.code!r}: minimum is above maximum")


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _plain(number: Decimal) -> str:
    """A bound as people write it: 1, 2.5, 100000 (the database keeps 1.0000, 1E+5 after normalize)."""
    return format(number.normalize(), "f")


def _clean_one(spec: FieldSpec, value: Any) -> Any:
    if spec.kind == "text":
        if not isinstance(value, str):
            raise ValueError("must be text")
        limit = spec.max_length or DEFAULT_TEXT_LIMIT
        if len(value) > limit:
            raise ValueError(f"is longer than {limit} characters")
        return value.strip()
    if spec.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError("must be a number")
        try:
            number = Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
        if not number.is_finite():
            raise ValueError("must be a finite number")
        if number.copy_abs() >= NUMBER_MAGNITUDE_LIMIT:
            raise ValueError("is too large (at most 15 digits before the decimal point)")
        if spec.min_value is not None and number < spec.min_value:
            raise ValueError(f"must be at least {_plain(spec.min_value)}")
        if spec.max_value is not None and number > spec.max_value:
            raise ValueError(f"must be at most {_plain(spec.max_value)}")
        return int(number) if number == number.to_integral_value() else float(number)
    if spec.kind == "choice":
        if not isinstance(value, str) or value not in spec.choices:
            raise ValueError(f"{value!r} is not one of: {', '.join(spec.choices)}")
        return value
    if spec.kind == "date":
        if not isinstance(value, str):
            raise ValueError("must be a date as YYYY-MM-DD")
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            raise ValueError(f"{value!r} is not a date as YYYY-MM-DD") from None
    if spec.kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "1", "0", "on", "off"):
            return value.lower() in ("true", "yes", "1", "on")
        raise ValueError("must be yes or no (true/false)")
    raise ValueError(f"unknown field kind {spec.kind!r}")


def validate_fields(specs: Iterable[FieldSpec], values: Mapping[str, Any] | None) -> dict[str, Any]:
    values = dict(values or {})
    specs = list(specs)
    known = {s.code for s in specs}
    errors: dict[str, str] = {}
    for code in values:
        if code not in known:
            errors[code] = "is not a field of this request type"
    cleaned: dict[str, Any] = {}
    for spec in specs:
        raw = values.get(spec.code)
        if _is_empty(raw) and not (spec.kind == "bool" and raw is False):
            if spec.required:
                errors[spec.code] = "is required"
            continue
        try:
            cleaned[spec.code] = _clean_one(spec, raw)
        except ValueError as exc:
            errors[spec.code] = str(exc)
    if errors:
        raise FieldErrors(errors)
    return cleaned
