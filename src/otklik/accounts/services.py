"""Writes about people: API tokens."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from otklik.core.clock import now
from otklik.core.errors import Invalid, NotFound

from .models import ApiToken, User


def token_create(*, user: User, name: str = "", expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`; the raw token is returned once and never stored."""
    if len(name) > 100:
        raise Invalid("the token name is longer than 100 characters", errors={"name": "too long"})
    if not user.is_active:
        raise Invalid(f"user {user.username} is not active")
    raw, digest = ApiToken.generate()
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, key_hash=digest, hint=raw[:10], expires_at=expires_at)
    return token, raw


def token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise NotFound(f"token {token_id} not found")
    if token.revoked_at is None:
        token.revoked_at = now()
        token.save(update_fields=["revoked_at"])  # a save, so the token cache forgets it at once
    return token
