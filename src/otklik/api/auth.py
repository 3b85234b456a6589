"""API authentication: a bearer token (hashed at rest) or the browser session (with CSRF)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from otklik.accounts.models import User
from otklik.api.token_user import NOTIFIER_SCOPES, token_user


class TokenAuth(HttpBearer):
    """A bearer token. A scoped token (a notifier's) is accepted only where the endpoint says so
        (`scopes`): every endpoint refuses it unless it opts in, with 403 `token_scope`. (One scope
    exists, `notifications`; the message names it.)"""

    def __init__(self, scopes: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.scopes = scopes

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return token_user(request, token, self.scopes)


class ActiveSessionAuth(SessionAuth):
    """The browser's session; ninja checks the CSRF token for unsafe methods."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


# The endpoints a notifier's token may call: the inbox, marking read, the stream, who it reads for.
NOTIFIER_TOKEN = TokenAuth(NOTIFIER_SCOPES)
NOTIFIER_AUTH = [NOTIFIER_TOKEN, ActiveSessionAuth()]

__all__ = ["NOTIFIER_AUTH", "NOTIFIER_TOKEN", "ActiveSessionAuth", "TokenAuth"]
