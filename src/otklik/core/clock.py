"""The application's clock: every "now" goes through here so OTKLIK_NOW can fix it."""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone, translation

from . import dates
from .settingonce import SettingOnce

# A request asks for the time many times: read once, and again when the setting changes.
_fixed: SettingOnce[str | None] = SettingOnce("OTKLIK_NOW", lambda: getattr(settings, "OTKLIK_NOW", None))


def now() -> datetime:
    fixed = _fixed()
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
    if value is None:
        return ""
    return _minute(value, dates.service_zone(), translation.get_language())


@lru_cache(maxsize=2048)
def _minute(value: datetime, zone: tzinfo, language: str | None) -> str:
    """Remembered: a timer pass writes the same few deadlines in each notification of a request,
    in each language (Django's date formatting was a tenth of the pass). Keyed by the instant
    (equal instants in other zones are equal keys and read the same here), the zone and the
    language the caller has active; the formats come from the settings, so a change clears it."""
    return dates.moment(value, zone=zone)


@receiver(setting_changed)
def _formats_changed(**kwargs: object) -> None:
    _minute.cache_clear()
