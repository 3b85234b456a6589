"""Validation of a request type's formal form. Pure: no Django import.

`validate_fields(specs, values)` returns the cleaned values (JSON-ready) or raises
`FieldErrors` with one `FieldError` per bad field (named by the field's code; codes required,
not_a_field, not_text, too_long, not_a_number, too_small, too_large, not_a_choice, not_a_date,
not_a_boolean), so the caller can answer 422 naming each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from otklik.core.errors import FieldError
from otklik.core.jsonvalue import JsonValue

FIELD_KINDS = ("text", "number", "choice", "date", "bool")
DEFAULT_TEXT_LIMIT = 2000
# Numbers are kept as JSON numbers; anything this large is a typo or an attack (int("1e10000000")
# would take minutes and its JSON would be refused), and exceeds any bound a FormField can hold.
NUMBER_MAGNITUDE_LIMIT = Decimal(10) ** 15


class FieldSpecError(ValueError):
    """The field definition itself is wrong (admin input)."""


class FieldErrors(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


class _Bad(ValueError):
    """One value's problem, as a code with its params and the API's English words."""

    def __init__(self, code: str, message: str, **params: JsonValue) -> None:
        super().__init__(message)
        self.code, self.message, self.params = code, message, params


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


def _is_empty(value: JsonValue) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _plain(number: Decimal) -> str:
    """A bound as people write it: 1, 2.5, 100000 (the database keeps 1.0000, 1E+5 after normalize)."""
    return format(number.normalize(), "f")


def _range(spec: FieldSpec) -> dict[str, str]:
    """A number field's bounds, as params of its errors (what a page says with "enter a number")."""
    bounds = {"min": spec.min_value, "max": spec.max_value}
    return {k: _plain(v) for k, v in bounds.items() if v is not None}


def _clean_one(spec: FieldSpec, value: JsonValue) -> str | int | float | bool:
    if spec.kind == "text":
        if not isinstance(value, str):
            raise _Bad("not_text", "must be text")
        limit = spec.max_length or DEFAULT_TEXT_LIMIT
        if len(value) > limit:
            raise _Bad("too_long", f"is longer than {limit} characters", limit=limit)
        return value.strip()
    if spec.kind == "number":
        bounds = _range(spec)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise _Bad("not_a_number", "must be a number", **bounds)
        try:
            number = Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation:
            raise _Bad("not_a_number", f"{value!r} is not a number", **bounds) from None
        if not number.is_finite():
            raise _Bad("not_a_number", "must be a finite number", **bounds)
        if number.copy_abs() >= NUMBER_MAGNITUDE_LIMIT:
            raise _Bad("too_large", "is too large (at most 15 digits before the decimal point)", digits=15, **bounds)
        if spec.min_value is not None and number < spec.min_value:
            raise _Bad("too_small", f"must be at least {_plain(spec.min_value)}", **bounds)
        if spec.max_value is not None and number > spec.max_value:
            raise _Bad("too_large", f"must be at most {_plain(spec.max_value)}", **bounds)
        return int(number) if number == number.to_integral_value() else float(number)
    if spec.kind == "choice":
        if not isinstance(value, str) or value not in spec.choices:
            raise _Bad(
                "not_a_choice", f"{value!r} is not one of: {', '.join(spec.choices)}", choices=list(spec.choices)
            )
        return value
    if spec.kind == "date":
        if not isinstance(value, str):
            raise _Bad("not_a_date", "must be a date as YYYY-MM-DD")
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            raise _Bad("not_a_date", f"{value!r} is not a date as YYYY-MM-DD") from None
    if spec.kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "1", "0", "on", "off"):
            return value.lower() in ("true", "yes", "1", "on")
        raise _Bad("not_a_boolean", "must be yes or no (true/false)")
    raise _Bad("invalid", f"unknown field kind {spec.kind!r}")


def validate_fields(specs: Iterable[FieldSpec], values: Mapping[str, JsonValue] | None) -> dict[str, JsonValue]:
    values = dict(values or {})
    specs = list(specs)
    known = {s.code for s in specs}
    errors = [
        FieldError(code, "not_a_field", {}, "is not a field of this request type")
        for code in values
        if code not in known
    ]
    cleaned: dict[str, JsonValue] = {}
    for spec in specs:
        raw = values.get(spec.code)
        if _is_empty(raw) and not (spec.kind == "bool" and raw is False):
            if spec.required:
                # A choice to be made names its choices: "choose one" rather than "fill this in".
                params = {"choices": list(spec.choices)} if spec.kind == "choice" else {}
                errors.append(FieldError(spec.code, "required", params, "is required"))
            continue
        try:
            cleaned[spec.code] = _clean_one(spec, raw)
        except _Bad as bad:
            errors.append(FieldError(spec.code, bad.code, bad.params, bad.message))
    if errors:
        raise FieldErrors(errors)
    return cleaned
