"""Writes about people: API tokens."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import transaction

from otklik.core.clock import now
from otklik.core.errors import FieldError, Invalid, NotFound, out_of_range, too_long

from .models import ApiToken, TokenScope, User

TOKEN_NAME_LIMIT = 100  # the width of ApiToken.name


def token_create(
    *,
    user: User,
    name: str = "",
    expires_at: datetime | None = None,
    not_after: datetime | None = None,
    integration: bool = False,
    scope: str = TokenScope.FULL,
) -> tuple[ApiToken, str]:
    """A new token for `user`; the raw token is returned once and never stored.

    `not_after` caps the expiry: a token minted with a short-lived token must not outlive it."""
    if len(name) > TOKEN_NAME_LIMIT:
        error = too_long("name", TOKEN_NAME_LIMIT, message="too long")
        raise Invalid(f"the token name is longer than {TOKEN_NAME_LIMIT} characters", errors=[error])
    if expires_at is not None:
        try:
            expires_at.astimezone(UTC)
        except (OverflowError, ValueError):
            raise Invalid("expires_at is out of range", errors=[out_of_range("expires_at")]) from None
        if expires_at.tzinfo is None or expires_at.year > 9000:
            raise Invalid(
                "expires_at must be a date with a time zone before the year 9000", errors=[out_of_range("expires_at")]
            )
        if expires_at <= now():
            raise Invalid(
                "expires_at is in the past", errors=[FieldError("expires_at", "in_the_past", {}, "in the past")]
            )
    if not_after is not None:
        expires_at = not_after if expires_at is None else min(expires_at, not_after)
    if not user.is_active:
        raise Invalid(f"user {user.username} is not active")
    raw, digest = ApiToken.generate()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            key_hash=digest,
            hint=raw[:10],
            expires_at=expires_at,
            integration=integration,
            scope=scope,
        )
    return token, raw


def token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise NotFound(f"token {token_id} not found")
    if token.revoked_at is None:
        token.revoked_at = now()
        token.save(update_fields=["revoked_at"])  # a save, so the token cache forgets it at once
    return token
