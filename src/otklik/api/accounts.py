from __future__ import annotations

from datetime import datetime

from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from otklik.accounts.http import AuthedRequest
from otklik.accounts.models import ApiToken
from otklik.accounts.selectors import memberships_of
from otklik.accounts.services import token_create, token_revoke
from otklik.api.auth import NOTIFIER_AUTH
from otklik.core.i18n import localized

router = Router(tags=["me"])


class GroupRef(Schema):
    code: str
    name: str
    is_lead: bool


class MeOut(Schema):
    id: int
    username: str
    name: str
    email: str
    role: str
    language: str
    time_zone: str
    organisation: str | None
    is_support_staff: bool
    groups: list[GroupRef]


class TokenIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field("", max_length=100)
    expires_at: datetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    hint: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    scope: str


class NewTokenOut(TokenOut):
    token: str


@router.get("/me", response=MeOut, auth=NOTIFIER_AUTH)
def me(request: AuthedRequest) -> dict:
    user = request.user
    mem = memberships_of(user)
    groups = [
        {"code": g.code, "name": localized(g, "name"), "is_lead": g.pk in mem.led}
        for g in user.support_groups.filter(pk__in=mem.groups).order_by("code")
    ]
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.display_name,
        "email": user.email,
        "role": user.role,
        "language": user.language,
        "time_zone": user.time_zone,
        "organisation": user.organisation.name if user.organisation is not None else None,
        "is_support_staff": user.is_support_staff,
        "groups": groups,
    }


@router.get("/tokens", response=list[TokenOut])
def tokens(request: AuthedRequest) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=request.user))


@router.post("/tokens", response={201: NewTokenOut})
def tokens_create(request: AuthedRequest, payload: TokenIn) -> Status:
    caller = getattr(request, "api_token", None)
    token, raw = token_create(
        user=request.user,
        name=payload.name,
        expires_at=payload.expires_at,
        not_after=caller.expires_at if caller is not None else None,
    )
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": raw})


@router.delete("/tokens/{token_id}", response=TokenOut)
def tokens_revoke(request: AuthedRequest, token_id: int) -> ApiToken:
    return token_revoke(user=request.user, token_id=token_id)
