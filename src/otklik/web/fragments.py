"""Fragments that htmx fetches (a queue's rows, the dashboard's figures): a session that ended
sends the whole page to the sign-in page, instead of the sign-in page landing inside a table."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def fragment_login_required(view: View) -> View:
    guarded = login_required(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated and request.headers.get("HX-Request"):
            # The page the fragment belongs to, not the fragment, is where to come back to.
            back = request.headers.get("HX-Current-URL") or "/"
            response = HttpResponse(status=204)
            response["HX-Redirect"] = f"{settings.LOGIN_URL}?{urlencode({'next': _path(back)})}"
            return response
        return guarded(request, *args, **kwargs)

    return wrapper


def _path(url: str) -> str:
    """The path and query of a URL on this site (the header carries the full address)."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
