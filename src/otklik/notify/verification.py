"""A person's own phone and messenger address, proven by a code before use.

A person enters their phone (for SMS) and messenger address in their settings; storing a new one
un-verifies it (accounts.User keeps the value last verified: an address is used only while it
equals it, so an administrator's edit un-verifies too). A six-digit code is then sent to it through
the notification queue on that channel (event `address_verification`, the one message that may go
to an address not yet proven, notify/channels/messaging.py); the person types it back within
CODE_MINUTES, with MAX_ATTEMPTS tries. A new code may be asked for after RESEND_SECONDS, at most
CODES_PER_DAY a day, and at most CODES_PER_ADDRESS a day go to one address whoever asks (many
accounts must not make the help desk pump SMS to one number). Only a keyed hash of the code is kept
in the check; the notification's text carries the code only until it is spent (notify/codes.py).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from otklik.accounts.models import User, proven_address
from otklik.core.clock import now
from otklik.core.errors import Conflict, FieldError, Invalid, TooMany, invalid, required

from .channels.messaging import DEVELOPMENT_DRIVER, VERIFICATION_EVENT, normalise_phone
from .codes import CODE_PATTERN, forget_codes
from .models import AddressCheck, Carrier, Channel, Importance, Notification, State
from .outbox import queue_rows

ADDRESS_FIELDS: dict[str, str] = {Channel.SMS.value: "phone", Channel.MESSENGER.value: "messenger"}  # channel → field
CODE_MINUTES = 10
MAX_ATTEMPTS = 5
RESEND_SECONDS = 60
CODES_PER_DAY = 5
CODES_PER_ADDRESS = 5  # a day, to one phone or messenger address, whoever asks
PHONE_DIGITS = (10, 15)  # E.164: at most 15 digits; fewer than 10 is no full number
MESSENGER_MAX = 100


def _field(channel: str) -> str:
    if channel not in ADDRESS_FIELDS:
        raise Invalid(f"unknown channel {channel!r}: sms or messenger", errors=[invalid("channel", message="unknown")])
    return ADDRESS_FIELDS[channel]


def clean_address(channel: str, value: str) -> str:
    """The address as stored: a phone as + and its digits, a messenger id as given; "" for none.
    Refuses what cannot be one (code `invalid` on the field)."""
    field = _field(channel)
    text = (value or "").strip()
    if not text:
        return ""
    if field == "phone":
        phone = normalise_phone(text)
        digits = len(phone) - 1
        if re.search(r"[^\d\s()+\-.]", text) or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
            message = "not a phone number: 10 to 15 digits, such as +7 999 123-45-67"
            raise Invalid(message, errors=[invalid(field, message=message)])
        return phone
    if len(text) > MESSENGER_MAX or re.search(r"\s", text):
        message = f"not a messenger address: up to {MESSENGER_MAX} characters, no spaces"
        raise Invalid(message, errors=[invalid(field, message=message)])
    return text


def carrier_exists(channel: str) -> bool:
    """Whether the help desk can send on the channel at all (an enabled carrier)."""
    return channel in channels_with_carriers()


def channels_with_carriers() -> set[str]:
    """The address channels the help desk can send on (an enabled carrier each), in one query."""
    return set(address_gateways())


def address_gateways() -> dict[str, bool]:
    """The address channels the help desk can send on, each with whether its enabled carriers are
    all development gateways (the message, a code too, only goes to the server's log), in one query."""
    found: dict[str, bool] = {}
    rows = Carrier.objects.filter(channel__in=list(ADDRESS_FIELDS), enabled=True).values_list("channel", "driver")
    for channel, driver in rows:
        found[channel] = found.get(channel, True) and driver == DEVELOPMENT_DRIVER
    return found


def open_check_exists(user: User, channel: str) -> bool:
    """Whether a code sent to the person's current address can still be typed."""
    address = getattr(user, _field(channel))
    return AddressCheck.objects.filter(
        user_id=user.pk, channel=channel, address=address, closed_at=None, expires_at__gt=now()
    ).exists()


def is_verified(user: User, channel: str) -> bool:
    field = _field(channel)
    return bool(proven_address(getattr(user, field), getattr(user, f"{field}_verified")))


def address_set(*, user: User, channel: str, address: str) -> bool:
    """Store the person's own address for the channel; returns whether it changed. A changed
    address is not verified (and no earlier code works for it); "" removes it."""
    field = _field(channel)
    value = clean_address(channel, address)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if getattr(locked, field) == value:
            return False
        setattr(locked, field, value)
        locked.save(update_fields=[field])
        AddressCheck.objects.filter(user_id=user.pk, channel=channel, closed_at=None).update(closed_at=now())
    setattr(user, field, value)
    return True


def _hash(user_id: int, channel: str, address: str, code: str) -> str:
    return salted_hmac("otklik.notify.verification", f"{user_id}:{channel}:{address}:{code}").hexdigest()


def verification_send(*, user: User, channel: str) -> AddressCheck:
    """Send a new code to the person's unverified address on the channel (any earlier code stops
    working). Refused: no address (invalid), verified already or no carrier for the channel
    (conflict), asked again too soon or too often (too many)."""
    field = _field(channel)
    moment = now()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)  # one code at a time per person
        address = getattr(locked, field)
        if not address:
            raise Invalid(f"no {field} to verify", errors=[required(field)])
        if is_verified(locked, channel):
            raise Conflict(f"the {field} is verified already", code="already_verified")
        if not carrier_exists(channel):
            raise Conflict(f"the help desk has no {channel} carrier to send a code with", code="no_carrier")
        day_ago = moment - dt.timedelta(days=1)
        recent = AddressCheck.objects.filter(user_id=user.pk, channel=channel, sent_at__gt=day_ago)
        last = recent.order_by("-sent_at").values_list("sent_at", flat=True).first()
        if last is not None and (moment - last).total_seconds() < RESEND_SECONDS:
            raise TooMany(f"a code was sent less than {RESEND_SECONDS} s ago: wait a little", code="too_soon")
        if recent.count() >= CODES_PER_DAY:
            raise TooMany(f"at most {CODES_PER_DAY} codes a day", code="too_many_codes")
        to_address = AddressCheck.objects.filter(channel=channel, address=address, sent_at__gt=day_ago)
        if to_address.count() >= CODES_PER_ADDRESS:
            raise TooMany(f"at most {CODES_PER_ADDRESS} codes a day to one address", code="too_many_codes")
        recent.filter(closed_at=None).update(closed_at=moment)
        code = f"{secrets.randbelow(10**6):06d}"
        check = AddressCheck.objects.create(
            user=locked,
            channel=channel,
            address=address,
            code_hash=_hash(user.pk, channel, address, code),
            sent_at=moment,
            expires_at=moment + dt.timedelta(minutes=CODE_MINUTES),
        )
        with translation.override(locked.language or None):
            subject = _("Your confirmation code")
            body = _(
                "Your Otklik confirmation code: %(code)s. It is valid for %(minutes)s minutes. "
                "If you did not ask for it, ignore this message."
            ) % {"code": code, "minutes": CODE_MINUTES}
        queue_rows(
            [
                Notification(
                    event=VERIFICATION_EVENT,
                    recipient=locked,
                    channel=channel,
                    importance=Importance.HIGH,
                    subject=subject,
                    body=body,
                    context={"address": address, "check": check.pk},
                    due_at=moment,
                    created_at=moment,
                )
            ]
        )
    return check


def verification_confirm(*, user: User, channel: str, code: str) -> None:
    """Check the code typed for the address on the channel; the address is verified when it
    matches. Refused: no code sent for this address, or it expired or was tried too often
    (conflict: ask for a new one), or a wrong code (invalid, params: the tries left). A wrong try
    counts even though it is refused."""
    field = _field(channel)
    typed = "".join((code or "").split())
    if not typed:
        raise Invalid("type the code", errors=[required("code")])
    moment = now()
    refusal: Exception | None = None
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        address: str = getattr(locked, field)
        check = (
            AddressCheck.objects.filter(user_id=user.pk, channel=channel, address=address, closed_at=None)
            .order_by("-sent_at")
            .first()
        )
        if not address or check is None:
            refusal = Conflict("no code was sent for this address: ask for one", code="no_code")
        elif check.expires_at <= moment:
            check.closed_at = moment
            check.save(update_fields=["closed_at"])
            refusal = Conflict("the code has expired: ask for a new one", code="code_expired")
        elif not constant_time_compare(check.code_hash, _hash(user.pk, channel, address, typed)):
            check.attempts += 1
            left = MAX_ATTEMPTS - check.attempts
            if left <= 0:
                check.closed_at = moment
                refusal = Conflict("the code was tried too often: ask for a new one", code="too_many_attempts")
            else:
                error = FieldError("code", "invalid", {"left": left}, f"not the code sent; {left} tries left")
                refusal = Invalid("not the code sent", errors=[error])
            check.save(update_fields=["attempts", "closed_at"])
        else:
            check.closed_at = moment
            check.save(update_fields=["closed_at"])
            setattr(locked, f"{field}_verified", address)
            locked.save(update_fields=[f"{field}_verified"])
    if refusal is not None:  # raised after the commit: the try is counted
        raise refusal
    # The address the code was sent to, as stored: the caller's copy may be older than the row.
    setattr(user, field, address)
    setattr(user, f"{field}_verified", address)


def verification_codes_forget_due(*, batch: int = 500) -> int:
    """The worker's sweep: mask the codes of address checks' notifications that were given up on
    or are past the code's validity (delivered ones were masked as they went). Returns how many."""
    stale = Notification.objects.filter(event=VERIFICATION_EVENT, body__regex=CODE_PATTERN)  # a code left
    due = stale.filter(
        Q(state__in=[State.DELIVERED, State.DEAD, State.DIGESTED])
        | Q(created_at__lte=now() - dt.timedelta(minutes=CODE_MINUTES))
    )
    ids = list(due.order_by("pk").values_list("pk", flat=True)[:batch])
    return forget_codes(ids) if ids else 0
