"""API authentication: a bearer token (hashed at rest) or the browser session (with CSRF)."""

from __future__ import annotations

import copy
import threading
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.utils import translation
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from otklik.accounts.models import ApiToken, User, hash_token
from otklik.core.clock import now

# last_used_at is a hint for the admin, not an audit log: write it at most this often.
TOUCH_EVERY = timedelta(minutes=5)


# Verified tokens are remembered in-process for OTKLIK_TOKEN_CACHE_SECONDS (default 5): the
# lookup was a third of a small request. Saving a token or a user, and revoking, clears it at
# once in this process; another process sees a revocation within that many seconds.
_cache: dict[str, tuple[float, ApiToken]] = {}
_cache_lock = threading.Lock()


def forget_tokens(**_: Any) -> None:
    with _cache_lock:
        _cache.clear()


for _model in (ApiToken, User):
    post_save.connect(forget_tokens, sender=_model, dispatch_uid=f"otklik-token-cache-save-{_model.__name__}")
    post_delete.connect(forget_tokens, sender=_model, dispatch_uid=f"otklik-token-cache-delete-{_model.__name__}")


def _lookup(digest: str) -> ApiToken | None:
    ttl = float(getattr(settings, "TOKEN_CACHE_SECONDS", 5))
    hit = _cache.get(digest)
    if hit is not None and time.monotonic() < hit[0]:
        return hit[1]
    row = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(key_hash=digest, revoked_at__isnull=True)
        .first()
    )
    if row is not None and ttl > 0:
        with _cache_lock:
            if len(_cache) > 10_000:
                _cache.clear()
            _cache[digest] = (time.monotonic() + ttl, row)
    return row


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token or len(token) > 200:
            return None
        digest = hash_token(token)
        row = _lookup(digest)
        if row is None or not row.user.is_active:
            return None
        moment = now()
        if row.expires_at and row.expires_at <= moment:
            return None
        if row.last_used_at is None or moment - row.last_used_at > TOUCH_EVERY:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=moment)
            row.last_used_at = moment
        # Each request gets its own user object: nothing it sets leaks into the next one.
        user = copy.copy(row.user)
        request.user = user
        request.api_token = row  # type: ignore[attr-defined]
        # UserLanguageMiddleware ran before we knew the user: their stored language wins here too.
        if user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language  # type: ignore[attr-defined]
        return user


class ActiveSessionAuth(SessionAuth):
    """The browser's session; ninja checks the CSRF token for unsafe methods."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


__all__ = ["ActiveSessionAuth", "TokenAuth"]
