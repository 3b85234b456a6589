"""API authentication: a bearer token (hashed at rest) or the browser session (with CSRF)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import translation
from ninja.security import APIKeyCookie, HttpBearer
from ninja.security.session import SessionAuth

from otklik.accounts.models import ApiToken, hash_token
from otklik.core.clock import now

# last_used_at is a hint for the admin, not an audit log: write it at most this often.
TOUCH_EVERY = timedelta(minutes=5)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token or len(token) > 200:
            return None
        row = (
            ApiToken.objects.select_related("user", "user__organisation")
            .filter(key_hash=hash_token(token), revoked_at__isnull=True)
            .first()
        )
        if row is None or not row.user.is_active:
            return None
        moment = now()
        if row.expires_at and row.expires_at <= moment:
            return None
        if row.last_used_at is None or moment - row.last_used_at > TOUCH_EVERY:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=moment)
        request.user = row.user
        request.api_token = row  # type: ignore[attr-defined]
        # UserLanguageMiddleware ran before we knew the user: their stored language wins here too.
        if row.user.language:
            translation.activate(row.user.language)
            request.LANGUAGE_CODE = row.user.language  # type: ignore[attr-defined]
        return row.user


class ActiveSessionAuth(SessionAuth):
    """The browser's session; ninja checks the CSRF token for unsafe methods."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


__all__ = ["APIKeyCookie", "ActiveSessionAuth", "TokenAuth"]
