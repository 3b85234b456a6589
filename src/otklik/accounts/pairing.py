"""Pairing a notifier without a raw token: a device-code flow (after RFC 8628).

1. The notifier asks for a pairing (`pairing_start`): it gets a public id, a secret only it holds
   (stored here as a hash) and a short code it shows its person.
2. The person, signed in to the portal, types or follows the code and confirms it
   (`pairing_confirm`), or declines it.
3. The notifier polls with the id and the secret (`pairing_claim`); once confirmed, the first claim
   gets a new token scoped to reading notifications (made then: the raw token is never stored), and
   every later claim is refused. Someone who saw the code (or confirmed it) cannot claim the token
   without the secret.

Codes expire after PAIRING_TTL; starting is limited per address, polling to one look per
POLL_INTERVAL / 2, wrong codes typed in the portal per person.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from otklik.core.clock import now
from otklik.core.errors import DomainError, Forbidden, Invalid, NotFound, TooMany, too_long

from .models import ApiToken, NotifierPairing, TokenScope, User, hash_token
from .services import token_create

PAIRING_TTL = dt.timedelta(minutes=10)
POLL_INTERVAL = 3  # seconds the notifier waits between looks
STARTS_PER_ADDRESS = 10  # pairings one address may start within PAIRING_TTL
WRONG_CODES_PER_PERSON = 10  # codes one person may mistype within PAIRING_TTL
# Consonants only (no vowels: no words; no look-alikes such as O/0 or I/1): 20**8 codes.
ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
CODE_LENGTH = 8
DEVICE_LIMIT = 100
NOTIFIER_NAME = "Notifier: "  # the tokens' names: "Notifier: <device>" (the admin's list shows it)


class Gone(DomainError):
    """The pairing expired, was declined or was already claimed (410)."""

    status = 410
    code = "expired"


@dataclass(frozen=True)
class Started:
    pairing: NotifierPairing
    secret: str

    @property
    def code(self) -> str:
        return show_code(self.pairing.code)


@dataclass(frozen=True)
class Claimed:
    token: ApiToken
    raw: str


def show_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def notifier_token_name(device: str) -> str:
    """A paired notifier's token is named after its device (the pairing row goes after a day, the
    token stays): "Notifier: <device>", or "Notifier" when none was given."""
    return f"{NOTIFIER_NAME}{device}" if device else NOTIFIER_NAME.rstrip(": ")


def notifier_device(token: ApiToken) -> str:
    """The device a notifier's token was paired on, from its name ("" when none was given)."""
    return token.name.removeprefix(NOTIFIER_NAME).removeprefix(NOTIFIER_NAME.rstrip(": "))


def normalise_code(typed: str) -> str:
    """What the person typed, as stored: letters only, upper case ("bcdf-ghjk" → "BCDFGHJK")."""
    return re.sub(r"[^A-Z]", "", typed.upper())[: CODE_LENGTH * 2]


def pairing_start(*, device: str, address: str | None) -> Started:
    device = " ".join(device.split())
    if len(device) > DEVICE_LIMIT:
        raise Invalid(f"the device name is longer than {DEVICE_LIMIT} characters", errors=[too_long("device", 100)])
    moment = now()
    if address and (
        NotifierPairing.objects.filter(address=address, created_at__gt=moment - PAIRING_TTL).count()
        >= STARTS_PER_ADDRESS
    ):
        raise TooMany("too many pairings from this address: try again in a few minutes", code="slow_down")
    # Spent pairings are kept a day after they expire (a late claim is told `expired`, not 404), then go.
    NotifierPairing.objects.filter(expires_at__lt=moment - dt.timedelta(days=1)).delete()
    secret = secrets.token_urlsafe(32)
    pairing = NotifierPairing.objects.create(
        code="".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)),
        secret_hash=hash_token(secret),
        public_id=secrets.token_urlsafe(16),
        device=device,
        address=address,
        created_at=moment,
        expires_at=moment + PAIRING_TTL,
    )
    return Started(pairing, secret)


def pairing_pending(code: str) -> NotifierPairing | None:
    """The live pairing with this code (not expired, not yet confirmed, declined or claimed)."""
    code = normalise_code(code)
    if len(code) != CODE_LENGTH:
        return None
    return (
        NotifierPairing.objects.filter(
            code=code,
            expires_at__gt=now(),
            confirmed_at__isnull=True,
            declined_at__isnull=True,
            claimed_at__isnull=True,
        )
        .order_by("-created_at")
        .first()
    )


def _wrong_key(user: User) -> str:
    return f"otklik:pairing:wrong:{user.pk}"


def pairing_lookup(*, user: User, code: str) -> NotifierPairing:
    """The pairing waiting for this code, for the person to look at; a miss counts as a wrong code
    (looking codes up is limited like typing them)."""
    key = _wrong_key(user)
    if cache.get(key, 0) >= WRONG_CODES_PER_PERSON:
        raise TooMany("too many wrong codes: try again in a few minutes", code="slow_down")
    pairing = pairing_pending(code)
    if pairing is None:
        ttl = int(PAIRING_TTL.total_seconds())
        cache.add(key, 0, timeout=ttl)
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.set(key, 1, timeout=ttl)
        raise NotFound("no notifier is waiting for this code: it may have expired", code="unknown_code")
    return pairing


def pairing_answer(*, user: User, code: str, confirm: bool) -> NotifierPairing:
    """The person confirms (or declines) the pairing with this code: its token will be theirs."""
    pairing = pairing_lookup(user=user, code=code)
    moment = now()
    field = "confirmed_at" if confirm else "declined_at"
    # Conditional: two answers at once (two tabs) cannot both win.
    done = NotifierPairing.objects.filter(
        pk=pairing.pk, expires_at__gt=moment, confirmed_at__isnull=True, declined_at__isnull=True
    ).update(user=user, **{field: moment})
    if not done:
        raise NotFound("no notifier is waiting for this code: it may have expired", code="unknown_code")
    pairing.refresh_from_db()
    return pairing


def pairing_claim(*, public_id: str, secret: str) -> Claimed | None:
    """The token, once the person confirmed; None while they have not. Refuses an unknown id or a
    wrong secret alike (404), an expired or claimed pairing (410), a declined one or an inactive
    person (403), and looks more often than every POLL_INTERVAL / 2 seconds (429)."""
    pairing = NotifierPairing.objects.filter(public_id=public_id[:32]).select_related("user").first()
    if pairing is None or not hmac.compare_digest(pairing.secret_hash, hash_token(secret[:200])):
        raise NotFound("no such pairing")
    moment = now()
    if pairing.claimed_at is not None:
        raise Gone("this pairing was already used: pair again", code="claimed")
    if pairing.declined_at is not None:
        raise Forbidden("the person declined this pairing", code="declined")
    if pairing.expires_at <= moment:
        raise Gone("the code expired: pair again")
    if pairing.confirmed_at is None:
        if pairing.polled_at is not None and (moment - pairing.polled_at).total_seconds() < POLL_INTERVAL / 2:
            raise TooMany(f"look at most every {POLL_INTERVAL} seconds", code="slow_down")
        NotifierPairing.objects.filter(pk=pairing.pk).update(polled_at=moment)
        return None
    user = pairing.user
    assert user is not None  # confirmed pairings have their person
    if not user.is_active:
        raise Forbidden("the person's account is not active", code="inactive")
    with transaction.atomic():
        # Single use: only the claim that sets claimed_at gets a token.
        if not NotifierPairing.objects.filter(pk=pairing.pk, claimed_at__isnull=True).update(claimed_at=moment):
            raise Gone("this pairing was already used: pair again", code="claimed")
        name = notifier_token_name(pairing.device)
        token, raw = token_create(user=user, name=name[:100], scope=TokenScope.NOTIFICATIONS)
        NotifierPairing.objects.filter(pk=pairing.pk).update(token=token)
    return Claimed(token, raw)


def notifier_tokens(user: User) -> list[ApiToken]:
    """The person's paired notifiers still able to read."""
    return list(ApiToken.objects.filter(user=user, scope=TokenScope.NOTIFICATIONS, revoked_at__isnull=True))
