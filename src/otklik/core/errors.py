"""Domain errors as data: raised by the actions (otklik.workflow, the apps' services) and the access
gates (`access_*`, `may_*`), turned into HTTP exactly once (api/main.py) and into the person's words
exactly once (web/refusals.py). Pure: no Django import.

A refusal (`DomainError`) has a status, a `code`, an English `detail`, and for bad input the
field errors (`FieldError`): which field, a `code` from the vocabulary below, its `params`, and the
API's English `message` (kept word for word from before the codes; match the code, never the text).

The field error codes (params in braces; a page says each in the reader's language):
- `required`          nothing given where a value is needed {choices: when one of them is to be chosen}
- `empty`             given, but empty (a file of no bytes) {name}
- `too_long`          longer than the limit {limit: characters, or days for a period}
- `too_short`         shorter than the limit {limit}
- `too_large`         over the limit {limit: bytes, with the file's name}, or a number above its range {min, max}
                      or too large to be a number at all {digits, min, max}
- `too_small`         a number below its range {min, max}
- `too_many`          more items than the limit {limit}
- `out_of_range`      outside the range allowed {min, max}
- `unknown`           names nothing that exists or is active: a user, group, type, priority, category,
                      transition, event, channel, figure… {value}
- `not_a_choice`      not one of a fixed list of values {choices}
- `not_a_field`       not a field of this request type, or of this input at all
- `not_a_number`      {min, max: the field's range, where it has one}
- `not_a_date`        not a date (or date-time) as asked for {value, weekday: when it must be one}
- `not_a_time`        not a time of day like 22:00
- `not_a_boolean`     not yes or no
- `not_text`          not text
- `not_member`        the person is not a member of the group (or organisation) the request is with
- `out_of_scope`      a category outside the support service's scope {value: the category's code}
- `not_allowed`       may not be given or set here (an executor for this transition, a mandatory
                      notification switched off, a reserved name, a dimension the figure has not)
- `before_start`      an end before its start {start: the other field, first, last}
- `same_as_start`     an end equal to its start {start}
- `both_or_neither`   one of two fields that go together {other}
- `in_the_past`       a moment that has passed
- `invalid`           malformed otherwise (a bad name, a bad link)
Numbers in params are JSON numbers, except a form field's bounds, which are its decimals as written
("2.5", "100000").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import TracebackType

from .jsonvalue import JsonValue


@dataclass(frozen=True)
class FieldError:
    """One field's problem: what the API lists under `errors` and what a page puts beside the field."""

    field: str
    code: str
    params: Mapping[str, JsonValue] = dataclasses.field(default_factory=dict)
    message: str = ""  # the API's English words for it

    def as_dict(self) -> dict[str, JsonValue]:
        return {"field": self.field, "code": self.code, "params": dict(self.params), "message": self.message}

    def within(self, prefix: str) -> FieldError:
        """The same error for a field nested in `prefix` (a form field `steps` → `fields.steps`)."""
        return replace(self, field=f"{prefix}.{self.field}")


# --- the constructors: the default English message of each is the one the API has always given ----


def required(name: str, /, *, message: str = "is required", **params: JsonValue) -> FieldError:
    return FieldError(name, "required", params, message)


def empty(name: str, /, *, message: str = "empty", **params: JsonValue) -> FieldError:
    return FieldError(name, "empty", params, message)


def too_long(name: str, limit: int, /, *, message: str | None = None) -> FieldError:
    return FieldError(name, "too_long", {"limit": limit}, message or f"at most {limit} characters")


def too_large(name: str, /, *, message: str = "too large", **params: JsonValue) -> FieldError:
    return FieldError(name, "too_large", params, message)


def too_many(name: str, limit: int, /, *, message: str = "too many") -> FieldError:
    return FieldError(name, "too_many", {"limit": limit}, message)


def out_of_range(name: str, /, *, message: str = "out of range", **params: JsonValue) -> FieldError:
    return FieldError(name, "out_of_range", params, message)


def unknown(name: str, /, *, message: str = "unknown", **params: JsonValue) -> FieldError:
    return FieldError(name, "unknown", params, message)


def not_a_choice(name: str, choices: Iterable[str], /, *, message: str | None = None) -> FieldError:
    listed = [str(c) for c in choices]
    return FieldError(name, "not_a_choice", {"choices": listed}, message or f"one of {', '.join(listed)}")


def not_a_date(name: str, /, *, message: str, **params: JsonValue) -> FieldError:
    return FieldError(name, "not_a_date", params, message)


def not_member(name: str, /, *, message: str) -> FieldError:
    return FieldError(name, "not_member", {}, message)


def out_of_scope(name: str, /, *, message: str = "out of scope", **params: JsonValue) -> FieldError:
    return FieldError(name, "out_of_scope", params, message)


def not_allowed(name: str, /, *, message: str) -> FieldError:
    return FieldError(name, "not_allowed", {}, message)


def invalid(name: str, /, *, message: str, **params: JsonValue) -> FieldError:
    return FieldError(name, "invalid", params, message)


class DomainError(Exception):
    """A refusal the caller can understand: carries an HTTP status, a code, a message and, for bad
    input, the field errors."""

    status = 400
    code = "bad_request"

    def __init__(self, detail: str, *, code: str | None = None, errors: Iterable[FieldError] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.errors: tuple[FieldError, ...] = tuple(errors)

    def as_dict(self) -> dict[str, JsonValue]:
        body: dict[str, JsonValue] = {"detail": self.detail, "code": self.code}
        if self.errors:
            body["errors"] = [e.as_dict() for e in self.errors]
        return body


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class TooMany(DomainError):
    """A limit on how often one person may do something (429)."""

    status = 429
    code = "too_many"


class Invalid(DomainError):
    """Well-formed input that breaks a rule (missing required field, out-of-scope category)."""

    status = 422
    code = "invalid"


class Refusals:
    """The refusals of several checks, raised together: `with refusals:` around each check keeps
    its `Invalid` and goes on; `raise_any()` then raises one `Invalid` with every field error, its
    detail and code the first refusal's (so a single problem is answered exactly as when raised
    alone)."""

    def __init__(self) -> None:
        self.found: list[Invalid] = []

    def __bool__(self) -> bool:
        return bool(self.found)

    def __enter__(self) -> Refusals:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> bool:
        if isinstance(exc, Invalid):
            self.found.append(exc)
            return True
        return False

    def add(self, refusal: Invalid) -> None:
        self.found.append(refusal)

    def raise_any(self) -> None:
        if self.found:
            first = self.found[0]
            raise Invalid(first.detail, code=first.code, errors=[e for r in self.found for e in r.errors])
