"""Verifying API tokens: a bearer token is looked up by its hash (the raw token is never stored).

Verified tokens are remembered in-process for OTKLIK_TOKEN_CACHE_SECONDS (default 5): the lookup
was a third of a small request. Saving a token or a user, and revoking, drops them at once in this
process; another process sees a revocation within that many seconds.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from otklik.core.clock import now
from otklik.core.snapshot import KeyedCache

from .models import ApiToken, User, hash_token

# last_used_at is a hint for the admin, not an audit log: write it at most this often.
TOUCH_EVERY = timedelta(minutes=5)
MAX_TOKEN_LENGTH = 200

_cache: KeyedCache[str, ApiToken] = KeyedCache(
    "accounts.tokens", ttl=lambda: float(getattr(settings, "TOKEN_CACHE_SECONDS", 5)), most=10_000
)
_cache.watch(ApiToken, User)


def _lookup(digest: str) -> ApiToken | None:
    return (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(key_hash=digest, revoked_at__isnull=True)
        .first()
    )


def token_verify(raw: str) -> ApiToken | None:
    """The live token behind `raw` (its user active, not revoked, not expired), else None. Marks
    when it was last used, at most every TOUCH_EVERY."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    row = _cache.get(hash_token(raw), _lookup)
    if row is None or not row.user.is_active:
        return None
    moment = now()
    if row.expires_at and row.expires_at <= moment:
        return None
    if row.last_used_at is None or moment - row.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=moment)
        row.last_used_at = moment
    return row


def forget_tokens() -> None:
    """Drop the verified tokens now (after a bulk revocation, which sends no signal)."""
    _cache.invalidate()
