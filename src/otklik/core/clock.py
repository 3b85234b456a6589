"""The application's clock: every "now" goes through here so OTKLIK_NOW can fix it."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from . import dates


def now() -> datetime:
    fixed = getattr(settings, "OTKLIK_NOW", None)
    if fixed:
        value = datetime.fromisoformat(fixed)
        if timezone.is_naive(value):
            value = timezone.make_aware(value, timezone.get_default_timezone())
        return value
    return timezone.now()


def service_minute(value: datetime | None) -> str:
    """An instant as notifications say it: in the service's own zone (whoever acted may have
    activated theirs), to the minute, in the active language's form (the outbox activates each
    recipient's: call it from a template's callable); "" for none."""
    return dates.moment(value, zone=dates.service_zone())
