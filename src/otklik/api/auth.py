"""API authentication: a bearer token (hashed at rest) or the browser session (with CSRF)."""

from __future__ import annotations

import copy

from django.http import HttpRequest
from django.utils import translation
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from otklik.accounts.models import User
from otklik.accounts.tokens import token_verify


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        row = token_verify(token)
        if row is None:
            return None
        # Each request gets its own user object: nothing it sets leaks into the next one.
        user = copy.copy(row.user)
        request.user = user
        # Only a token's requests carry it (read with getattr): not an attribute of every HttpRequest.
        request.api_token = row  # type: ignore[attr-defined]
        # UserLanguageMiddleware ran before we knew the user: their stored language wins here too.
        if user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return user


class ActiveSessionAuth(SessionAuth):
    """The browser's session; ninja checks the CSRF token for unsafe methods."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


__all__ = ["ActiveSessionAuth", "TokenAuth"]
