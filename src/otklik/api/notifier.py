"""Pairing a notifier (accounts/pairing.py): `POST /api/v1/notifier/pair` and
`POST /api/v1/notifier/pair/{pair_id}/claim`. Neither needs a token: the notifier has none yet."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from otklik.accounts.pairing import POLL_INTERVAL, pairing_claim, pairing_start
from otklik.api.respond import respond
from otklik.core.clientaddr import client_address

router = Router(tags=["notifier"])


class PairIn(Schema):
    model_config = ConfigDict(extra="forbid")
    device: str = Field("", max_length=100, description="a name the person recognises, e.g. the computer's")


class PairOut(Schema):
    pair_id: str
    secret: str
    code: str
    expires_at: dt.datetime
    interval: int
    verify_url: str
    verify_url_complete: str


class ClaimIn(Schema):
    model_config = ConfigDict(extra="forbid")
    secret: str = Field(..., max_length=200)


class PendingOut(Schema):
    status: str
    interval: int


class PairedUser(Schema):
    username: str
    name: str
    time_zone: str
    language: str


class ClaimOut(Schema):
    status: str
    token: str
    user: PairedUser


@router.post("/pair", response={201: PairOut}, auth=None)
def pair(request: HttpRequest, payload: PairIn) -> HttpResponse:
    """Start pairing: show `code` to the person, who confirms it at `verify_url` (signed in), then
    claim the token with `pair_id` and `secret` every `interval` seconds until `expires_at`. At
    most 10 pairings per client address in 10 minutes (429 `slow_down`; behind a proxy listed in
    OTKLIK_TRUSTED_PROXIES the address is the client's, from X-Forwarded-For)."""
    started = pairing_start(device=payload.device, address=client_address(request))
    page = settings.BASE_URL + reverse("web:notifier")
    return respond(
        {
            "pair_id": started.pairing.public_id,
            "secret": started.secret,
            "code": started.code,
            "expires_at": started.pairing.expires_at,
            "interval": POLL_INTERVAL,
            "verify_url": page,
            # The plain page, as verify_url: a link carrying the code would let whoever started a
            # pairing send it to someone and have it confirmed in one click.
            "verify_url_complete": page,
        },
        201,
    )


@router.post("/pair/{pair_id}/claim", response={200: ClaimOut, 202: PendingOut}, auth=None)
def claim(request: HttpRequest, pair_id: str, payload: ClaimIn) -> HttpResponse:
    """202 `pending` until the person confirms; then 200 with a token that may only read the
    person's notifications, once (a second claim: 410 `claimed`). An unknown id or a wrong secret:
    404; expired: 410 `expired`; declined: 403 `declined`; asked too often: 429 `slow_down`."""
    claimed = pairing_claim(public_id=pair_id, secret=payload.secret)
    if claimed is None:
        return respond({"status": "pending", "interval": POLL_INTERVAL}, 202)
    user = claimed.token.user
    return respond(
        {
            "status": "confirmed",
            "token": claimed.raw,
            "user": {
                "username": user.username,
                "name": user.display_name,
                "time_zone": user.time_zone,
                "language": user.language,
            },
        }
    )
