"""API authentication: a bearer token (hashed at rest) or the browser session (with CSRF)."""

from __future__ import annotations

import copy

from django.http import HttpRequest
from django.utils import translation
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from otklik.accounts.models import TokenScope, User
from otklik.accounts.tokens import token_verify
from otklik.core.errors import Forbidden


class TokenAuth(HttpBearer):
    """A bearer token. A scoped token (a notifier's) is accepted only where the endpoint says so
        (`scopes`): every endpoint refuses it unless it opts in, with 403 `token_scope`. (One scope
    exists, `notifications`; the message names it.)"""

    def __init__(self, scopes: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.scopes = scopes

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        row = token_verify(token)
        if row is None:
            return None
        if row.scope and row.scope not in self.scopes:
            raise Forbidden("this token may only read its person's notifications", code="token_scope")
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


# The endpoints a notifier's token may call: the inbox, marking read, the stream, who it reads for.
NOTIFIER_TOKEN = TokenAuth(frozenset({TokenScope.NOTIFICATIONS}))
NOTIFIER_AUTH = [NOTIFIER_TOKEN, ActiveSessionAuth()]

__all__ = ["NOTIFIER_AUTH", "NOTIFIER_TOKEN", "ActiveSessionAuth", "TokenAuth"]
