"""Domain errors: raised by services and gates, turned into HTTP exactly once (api.py, views)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal the caller can understand: carries an HTTP status, a code and a message."""

    status = 400
    code = "bad_request"

    def __init__(self, detail: str, *, code: str | None = None, errors: Any = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.errors = errors

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"detail": self.detail, "code": self.code}
        if self.errors:
            body["errors"] = flatten_errors(self.errors)
        return body


def flatten_errors(errors: Any, prefix: str = "") -> list[dict[str, str]]:
    """Per-field errors in the API's one shape: [{"field": "fields.steps", "message": "is required"}]."""
    if isinstance(errors, dict):
        out: list[dict[str, str]] = []
        for key, value in errors.items():
            out.extend(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return [{"field": prefix, "message": str(errors)}]


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
