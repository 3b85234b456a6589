"""`/favicon.ico`: browsers ask for it on every site whatever the page links (the admin's pages, a
JSON answer opened in a tab), and each ask was a 404 in the log. The pages link the SVG icon and
this one (static/web/favicon.svg, favicon.ico)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

ICON = Path(__file__).resolve().parent.parent / "static" / "web" / "favicon.ico"


@cache
def _icon() -> bytes:
    return ICON.read_bytes()


@require_safe
def icon(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_icon(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response
