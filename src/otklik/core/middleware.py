from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .textguard import has_unstorable

UPLOAD_OVERHEAD = 1024 * 1024  # multipart framing and form fields beside the file


class BodySizeLimitMiddleware:
    """Refuse an announced body larger than anything Otklik accepts with 413, before reading it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        limit = settings.MAX_ATTACHMENT_BYTES + UPLOAD_OVERHEAD if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length > limit:
            detail = f"the request body ({length} bytes) is larger than the limit of {limit} bytes"
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": detail, "code": "too_large"}, status=413)
            # A page: the product's own error page (the session is not read yet: no frame).
            limit_mb = max(1, round(settings.MAX_ATTACHMENT_BYTES / 1024 / 1024))
            return render(request, "413.html", {"limit_mb": limit_mb}, status=413)
        return self.get_response(request)


class ApiErrorShapeMiddleware:
    """Answers Django or ninja produce before our handlers (405 for a method a path does not
    take) get the API's {detail, code} shape under /api/."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        is_json = response.get("Content-Type", "").startswith("application/json")
        if response.status_code == 405 and request.path.startswith("/api/") and not is_json:
            allowed = response.get("Allow", "")
            detail = f"{request.method} is not allowed here" + (f"; allowed: {allowed}" if allowed else "")
            json_response = JsonResponse({"detail": detail, "code": "method_not_allowed"}, status=405)
            if allowed:
                json_response["Allow"] = allowed
            return json_response
        return response


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class UnstorableInputMiddleware:
    """The pages' counterpart of the API's NUL guard: a path, query or form field with a character
    no database stores gets 400 and the product's error page, before a view reads the database
    (PostgreSQL would fail on it with a 500). The API answers such input itself, in its own shape.
    Uploaded files are bytes and may hold anything; their names are cleaned where they are stored."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/") and self._unstorable(request):
            return render(request, "400.html", status=400)
        return self.get_response(request)

    @staticmethod
    def _unstorable(request: HttpRequest) -> bool:
        if has_unstorable(request.path) or has_unstorable(dict(request.GET.lists())):
            return True
        if request.method == "POST" and request.content_type in FORM_TYPES:
            return has_unstorable(dict(request.POST.lists()))
        return False
