"""Who a bearer token speaks for, apart from the API framework: the API's TokenAuth and the live
stream (whose lean process loads no ninja) check a token the same way."""

from __future__ import annotations

import copy

from django.http import HttpRequest
from django.utils import translation

from otklik.accounts.models import TokenScope, User
from otklik.accounts.tokens import token_verify
from otklik.core.errors import Forbidden

NOTIFIER_SCOPES = frozenset({TokenScope.NOTIFICATIONS})


def token_user(request: HttpRequest, token: str, scopes: frozenset[str]) -> User | None:
    """The token's person, set as the request's user (None: no such live token). A scoped token
    (a notifier's) is accepted only where `scopes` admits its scope: else 403 `token_scope`."""
    row = token_verify(token)
    if row is None:
        return None
    if row.scope and row.scope not in scopes:
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
