"""People for display and for addressing notifications, cached in-process (id → user name,
display name, language, whether active and support staff).

A request's detail shows its initiator, executor and watchers; reading them through joins made
the ORM compile a four-table query on every detail. Names change rarely: the cache is cleared
when a user is saved in this process and entries live PEOPLE_TTL seconds (30) otherwise.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models.signals import post_delete, post_save

from .models import STAFF_ROLES, User

PEOPLE_TTL = 30.0
_MAX = 50_000


@dataclass(frozen=True)
class Person:
    pk: int
    username: str
    display_name: str
    language: str = "ru"
    is_active: bool = True
    is_support_staff: bool = False
    email: str = ""
    phone: str = ""
    messenger: str = ""
    time_zone: str = "Europe/Moscow"
    role: str = ""


_cache: dict[int, tuple[float, Person]] = {}
_lock = threading.Lock()


def people(ids: Iterable[int | None]) -> dict[int, Person]:
    wanted = {i for i in ids if i}
    moment = time.monotonic()
    found: dict[int, Person] = {}
    missing: list[int] = []
    for user_id in wanted:
        hit = _cache.get(user_id)
        if hit is not None and hit[0] > moment:
            found[user_id] = hit[1]
        else:
            missing.append(user_id)
    if missing:
        rows = User.objects.filter(pk__in=missing).values_list(
            "pk",
            "username",
            "first_name",
            "last_name",
            "language",
            "is_active",
            "role",
            "is_superuser",
            "email",
            "phone",
            "messenger",
            "time_zone",
        )
        with _lock:
            if len(_cache) > _MAX:
                _cache.clear()
            for pk, username, first, last, language, active, role, superuser, email, phone, chat, zone in rows:
                staff = superuser or role in STAFF_ROLES
                name = f"{first} {last}".strip() or username
                person = Person(pk, username, name, language, active, staff, email, phone, chat, zone, role)
                _cache[pk] = (moment + PEOPLE_TTL, person)
                found[pk] = person
    return found


def forget_people(**_: Any) -> None:
    with _lock:
        _cache.clear()


post_save.connect(forget_people, sender=User, dispatch_uid="otklik-people-save")
post_delete.connect(forget_people, sender=User, dispatch_uid="otklik-people-delete")
