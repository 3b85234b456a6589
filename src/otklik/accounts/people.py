"""People for display and for addressing notifications, cached in-process (id → user name,
display name, language, whether active and support staff).

A request's detail shows its initiator, executor and watchers; reading them through joins made
the ORM compile a four-table query on every detail. Names change rarely: the cache is cleared
when a user is saved in this process and entries live PEOPLE_TTL seconds (30) otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from otklik.core.snapshot import KeyedCache

from .models import STAFF_ROLES, User, proven_address

PEOPLE_TTL = 30.0


@dataclass(frozen=True)
class Person:
    pk: int
    username: str
    display_name: str
    language: str = "ru"
    is_active: bool = True
    is_support_staff: bool = False
    email: str = ""
    phone: str = ""  # verified only: "" while the phone has not been proven by a code
    messenger: str = ""  # verified only, as the phone
    time_zone: str = "Europe/Moscow"
    role: str = ""


def _load(ids: list[int]) -> dict[int, Person]:
    found: dict[int, Person] = {}
    rows = User.objects.filter(pk__in=ids).values_list(
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
        "phone_verified",
        "messenger",
        "messenger_verified",
        "time_zone",
    )
    for pk, username, first, last, language, active, role, superuser, email, *addresses, zone in rows:
        phone, phone_verified, chat, chat_verified = addresses
        staff = superuser or role in STAFF_ROLES
        name = f"{first} {last}".strip() or username
        phone = proven_address(phone, phone_verified)  # notifications go to proven addresses only
        chat = proven_address(chat, chat_verified)
        found[pk] = Person(pk, username, name, language, active, staff, email, phone, chat, zone, role)
    return found


_cache: KeyedCache[int, Person] = KeyedCache("accounts.people", ttl=lambda: PEOPLE_TTL)
_cache.watch(User)


def people(ids: Iterable[int | None]) -> dict[int, Person]:
    return _cache.get_many((i for i in ids if i), _load)
