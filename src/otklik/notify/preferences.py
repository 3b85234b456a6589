"""Which channels a person receives an event on: the defaults, the person's own choices, and the
notifications nobody may switch off (an escalation reaches its people in the app and by e-mail).

Channels that need an address (e-mail) are used only for people who have one. Choices are cached
in-process like the people cache (dropped at once in this process on a change, else within
PREFERENCES_TTL seconds), so addressing a notification costs no query on the request's path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from otklik.accounts.people import Person
from otklik.core.errors import Invalid

from .models import Channel, Event, Preference

# The channels a person can choose from.
CHOOSABLE = (Channel.INAPP, Channel.EMAIL, Channel.TASK, Channel.SMS, Channel.MESSENGER)
DEFAULTS: dict[str, frozenset[str]] = {
    Event.TICKET_CREATED: frozenset({Channel.INAPP, Channel.EMAIL}),
    Event.TICKET_MOVED: frozenset({Channel.INAPP, Channel.EMAIL}),
    Event.TICKET_ASSIGNED: frozenset({Channel.INAPP, Channel.EMAIL}),
    Event.TICKET_COMMENT: frozenset({Channel.INAPP, Channel.EMAIL}),
    Event.TICKET_NOTE: frozenset({Channel.INAPP}),
    Event.SLA_WARNED: frozenset({Channel.INAPP}),
    Event.SLA_ESCALATED: frozenset({Channel.INAPP, Channel.EMAIL}),
    Event.TICKET_CHANGED: frozenset({Channel.INAPP}),
    Event.LOGIN_SUMMARY: frozenset({Channel.INAPP}),
    Event.TASK: frozenset({Channel.TASK}),
}
# Events other systems queue (`POST /notifications/enqueue`) reach people in the app and by e-mail.
EXTERNAL_DEFAULT = frozenset({Channel.INAPP, Channel.EMAIL})
MANDATORY: dict[str, frozenset[str]] = {Event.SLA_ESCALATED: frozenset({Channel.INAPP, Channel.EMAIL})}

PREFERENCES_TTL = 30.0
_cache: dict[int, tuple[float, dict[tuple[str, str], bool]]] = {}
_lock = threading.Lock()


def _choices(user_ids: Iterable[int]) -> dict[int, dict[tuple[str, str], bool]]:
    moment = time.monotonic()
    out: dict[int, dict[tuple[str, str], bool]] = {}
    missing = []
    for uid in set(user_ids):
        hit = _cache.get(uid)
        if hit is not None and hit[0] > moment:
            out[uid] = hit[1]
        else:
            missing.append(uid)
    if missing:
        loaded: dict[int, dict[tuple[str, str], bool]] = {uid: {} for uid in missing}
        for uid, event, channel, enabled in Preference.objects.filter(user_id__in=missing).values_list(
            "user_id", "event", "channel", "enabled"
        ):
            loaded[uid][(event, channel)] = enabled
        with _lock:
            for uid, choices in loaded.items():
                _cache[uid] = (moment + PREFERENCES_TTL, choices)
        out.update(loaded)
    return out


def channels_for(people: list[Person], event: str) -> dict[int, list[str]]:
    """Each person's channels for `event`, in a stable order."""
    choices = _choices(p.pk for p in people)
    out: dict[int, list[str]] = {}
    for person in people:
        mine = choices.get(person.pk, {})
        chosen = {c for c in CHOOSABLE if mine.get((event, c), c in DEFAULTS.get(event, EXTERNAL_DEFAULT))}
        chosen |= MANDATORY.get(event, frozenset())
        if not person.email:
            chosen -= {Channel.EMAIL, Channel.TASK}
        if not person.phone:
            chosen.discard(Channel.SMS)
        out[person.pk] = [c for c in CHOOSABLE if c in chosen]
    return out


def preferences_of(user_id: int) -> list[dict[str, Any]]:
    """Every event with every choosable channel: on or off, and whether it can be switched off."""
    mine = _choices([user_id]).get(user_id, {})
    return [
        {
            "event": str(event),
            "name": str(event.label),
            "channels": [
                {
                    "channel": str(channel),
                    "enabled": mine.get((event, channel), channel in DEFAULTS.get(event, frozenset()))
                    or channel in MANDATORY.get(event, frozenset()),
                    "mandatory": channel in MANDATORY.get(event, frozenset()),
                }
                for channel in CHOOSABLE
            ],
        }
        for event in Event
    ]


def preferences_set(*, user_id: int, choices: list[tuple[str, str, bool]]) -> None:
    """Set some of a user's choices; a mandatory channel cannot be switched off."""
    for event, channel, enabled in choices:
        if event not in Event.values:
            raise Invalid(f"unknown event {event!r}", errors={"event": f"unknown event {event!r}"})
        if channel not in CHOOSABLE:
            raise Invalid(f"unknown channel {channel!r}", errors={"channel": f"unknown channel {channel!r}"})
        if not enabled and channel in MANDATORY.get(event, frozenset()):
            raise Invalid(
                f"{event} on {channel} cannot be switched off", errors={"enabled": "this notification is mandatory"}
            )
    latest = {(event, channel): enabled for event, channel, enabled in choices}  # the last one given wins
    with transaction.atomic():
        Preference.objects.bulk_create(
            [Preference(user_id=user_id, event=e, channel=c, enabled=on) for (e, c), on in latest.items()],
            update_conflicts=True,
            unique_fields=["user", "event", "channel"],
            update_fields=["enabled"],
        )
    forget_preferences()  # a bulk write sends no post_save


def forget_preferences(**_: Any) -> None:
    with _lock:
        _cache.clear()


post_save.connect(forget_preferences, sender=Preference, dispatch_uid="otklik-preferences-save")
post_delete.connect(forget_preferences, sender=Preference, dispatch_uid="otklik-preferences-delete")
