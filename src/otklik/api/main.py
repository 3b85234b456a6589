"""The REST API: one NinjaAPI, errors mapped to HTTP in one place."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.operation import Operation
from ninja.renderers import JSONRenderer

from otklik.core.errors import DomainError, FieldError
from otklik.core.jsonvalue import JsonValue
from otklik.core.textguard import has_unstorable

from .auth import ActiveSessionAuth, TokenAuth

log = logging.getLogger("otklik.api")


class Utf8JSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


# The operation ids were published (clients generated from the OpenAPI document call them by
# these names) while each app kept its own endpoints: they stay as they were.
PUBLISHED_MODULES = {
    "otklik.api.accounts": "otklik.accounts.api",
    "otklik.api.catalog": "otklik.catalog.api",
    "otklik.api.complaints": "otklik.feedback.api_complaints",
    "otklik.api.surveys": "otklik.feedback.api_surveys",
    "otklik.api.notifications": "otklik.notify.api",
    "otklik.api.deliveries": "otklik.notify.history",
    "otklik.api.quality": "otklik.quality.api",
    "otklik.api.regulation": "otklik.regulation.api",
    "otklik.api.sla": "otklik.sla.api",
    "otklik.api.tickets": "otklik.tickets.api",
}


class OtklikAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        module = operation.view_func.__module__
        return f"{PUBLISHED_MODULES.get(module, module)}_{operation.view_func.__name__}".replace(".", "_")


api = OtklikAPI(
    renderer=Utf8JSONRenderer(),
    title="Otklik API",
    version="1",
    description="Requests, routes, reactions: the Otklik help desk. Authenticate with `Authorization: Bearer <token>`.",
    auth=[TokenAuth(), ActiveSessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(request: HttpRequest, status: int, detail: str, code: str, **extra: object) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "code": code, **extra}, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


# pydantic's error types as the field error codes of core/errors.py, with the params taken from
# its context; any other type is `invalid`.
PYDANTIC_CODES: dict[str, tuple[str, dict[str, str]]] = {
    "missing": ("required", {}),
    "string_too_long": ("too_long", {"max_length": "limit"}),
    "too_long": ("too_long", {"max_length": "limit"}),
    "string_too_short": ("too_short", {"min_length": "limit"}),
    "too_short": ("too_short", {"min_length": "limit"}),
    "greater_than_equal": ("too_small", {"ge": "min"}),
    "greater_than": ("too_small", {"gt": "min"}),
    "less_than_equal": ("too_large", {"le": "max"}),
    "less_than": ("too_large", {"lt": "max"}),
    "int_parsing": ("not_a_number", {}),
    "int_type": ("not_a_number", {}),
    "int_from_float": ("not_a_number", {}),
    "float_parsing": ("not_a_number", {}),
    "float_type": ("not_a_number", {}),
    "bool_parsing": ("not_a_boolean", {}),
    "bool_type": ("not_a_boolean", {}),
    "date_parsing": ("not_a_date", {}),
    "date_from_datetime_parsing": ("not_a_date", {}),
    "datetime_parsing": ("not_a_date", {}),
    "datetime_from_date_parsing": ("not_a_date", {}),
    "string_type": ("not_text", {}),
    "literal_error": ("not_a_choice", {"expected": "choices"}),
    "enum": ("not_a_choice", {"expected": "choices"}),
    "extra_forbidden": ("not_a_field", {}),
}


def _field_error(err: Mapping[str, JsonValue]) -> FieldError:
    loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path", "form")]
    code, names = PYDANTIC_CODES.get(str(err.get("type", "")), ("invalid", {}))
    context = err.get("ctx") or {}
    params = {ours: _plain(context[theirs]) for theirs, ours in names.items() if theirs in context}
    return FieldError(".".join(loc), code, params, str(err.get("msg", "invalid")))


def _plain(value: object) -> bool | int | float | str:
    """A context value as JSON has it (pydantic may give a Decimal or a date)."""
    return value if isinstance(value, bool | int | float | str) else str(value)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [_field_error(err) for err in exc.errors]
    first = errors[0] if errors else FieldError("", "invalid", {}, "invalid")
    detail = f"{first.field}: {first.message}" if first.field else first.message
    return _error(request, 422, detail, "invalid", errors=[e.as_dict() for e in errors])


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 401, "authentication required: send 'Authorization: Bearer <token>'", "unauthorized")


@api.exception_handler(Http404)
def on_404(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 404, str(exc) or "not found", "not_found")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 429: "throttled"}
    return _error(request, exc.status_code, str(exc), codes.get(exc.status_code, "error"))


def refuse_nul(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """NUL characters are bad input: PostgreSQL cannot store or even compare them (a 500 there),
    SQLite would store them. Refuse them in the path, the query and a JSON body, before anything
    reads the database. (Uploaded files are bytes and may contain anything; their names are cleaned.)"""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        found = "\x00" in request.path or has_unstorable(kwargs) or has_unstorable(dict(request.GET.lists()))
        if (
            not found
            and request.content_type == "application/json"
            and (b"\\u0000" in request.body or b"\\ud" in request.body.lower())
        ):
            try:
                found = has_unstorable(json.loads(request.body))
            except ValueError:
                found = False  # not JSON: the parser answers 400 for that
        if found:
            return _error(
                request,
                400,
                "the request contains a NUL character (\\u0000) or a lone surrogate, which cannot be stored",
                "bad_request",
            )
        return view(request, *args, **kwargs)

    return wrapper


api.add_decorator(refuse_nul, mode="view")


@api.get("/health", auth=None, tags=["system"])
def health(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok"}


def _mount() -> None:
    from otklik.api.accounts import router as accounts_router
    from otklik.api.catalog import router as catalog_router
    from otklik.api.complaints import router as complaints_router
    from otklik.api.deliveries import router as deliveries_router
    from otklik.api.notifications import router as notify_router
    from otklik.api.notifier import router as notifier_router
    from otklik.api.quality import router as quality_router
    from otklik.api.regulation import router as regulation_router
    from otklik.api.sla import router as sla_router
    from otklik.api.surveys import router as surveys_router
    from otklik.api.tickets import router as tickets_router

    api.add_router("", accounts_router)
    api.add_router("", catalog_router)
    api.add_router("", regulation_router)
    api.add_router("/tickets", tickets_router)
    api.add_router("/tickets", surveys_router)
    api.add_router("/sla", sla_router)
    api.add_router("/notifications", notify_router)
    api.add_router("/notifier", notifier_router)
    api.add_router("/deliveries", deliveries_router)
    api.add_router("", complaints_router)  # /complaints and /tickets/{ref}/complaints
    api.add_router("/reports", quality_router)


_mount()
