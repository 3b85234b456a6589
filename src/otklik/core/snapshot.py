"""In-process caches of rarely changing rows, in one vocabulary: hot paths read them instead of
querying (or joining) those rows on every request.

- `Snapshot`: one value built from whole tables (the catalogue, the SLA configuration, the rules),
  rebuilt at most `ttl` seconds (setting REFERENCE_TTL, default 2) after it was built.
- `KeyedCache`: entries by key (a person, a token), each living `ttl` seconds, loaded in bulk for
  the keys that are missing.

Whoever owns a cache drops it when its rows are saved in this process (`watch` connects the
model signals), and again when the saving transaction commits: a thread that rebuilt in between
read the old rows. Another process sees a change within the TTL. Every cache registers itself, so
`reset_all()` empties them all (the tests start each test from the database with one call).
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from .settingonce import SettingOnce

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_registry: dict[str, _Cache] = {}


# Every snapshot's every read asks for it: read once, and again when the setting changes.
reference_ttl: SettingOnce[float] = SettingOnce("REFERENCE_TTL", lambda: float(getattr(settings, "REFERENCE_TTL", 2.0)))
"""How long a snapshot of configuration may be served after it was built (REFERENCE_TTL)."""


class Inconsistent(Exception):
    """A snapshot's build read tables that changed between two of its reads (one row names another
    it has not seen): several reads are not one snapshot under READ COMMITTED."""


def consistently(build: Callable[[], T], *, tries: int = 5) -> Callable[[], T]:
    """`build`, read again while it raises Inconsistent (it settles at once: the writer's
    transaction has committed); the last try's rows are taken as they are."""

    def built() -> T:
        for _ in range(tries - 1):
            try:
                return build()
            except Inconsistent:
                continue
        return build()

    return built


def reset_all() -> None:
    """Drop every snapshot and cache of this process."""
    for cache in list(_registry.values()):
        cache.drop()


class _Cache(ABC):
    """What both kinds share: a name in the registry, a lock, and the drop-now-and-on-commit."""

    def __init__(self, name: str) -> None:
        if name in _registry:
            raise ValueError(f"a cache named {name!r} is already registered")
        self.name = name
        self._lock = threading.Lock()
        _registry[name] = self
        # One bound method, kept: the callback a transaction holds is then recognisable.
        self.drop_on_commit: Callable[[], None] = self.drop

    @abstractmethod
    def drop(self) -> None:
        """Forget what is cached: the next read builds or loads it anew."""

    def invalidate(self, **_: Any) -> None:
        """Drop now, and again when the current transaction commits. A signal receiver."""
        self.drop()
        if connection.in_atomic_block:
            transaction.on_commit(self.drop_on_commit)

    def watch(self, *senders: type[models.Model], m2m: Iterable[type[models.Model]] = ()) -> None:
        """Invalidate whenever a row of these models is saved or deleted (or these many-to-many
        links change) in this process."""
        for sender in senders:
            uid = f"otklik-cache-{self.name}-{sender._meta.label_lower}"
            post_save.connect(self.invalidate, sender=sender, dispatch_uid=f"{uid}-save", weak=False)
            post_delete.connect(self.invalidate, sender=sender, dispatch_uid=f"{uid}-delete", weak=False)
        for through in m2m:
            uid = f"otklik-cache-{self.name}-{through._meta.label_lower}-m2m"
            m2m_changed.connect(self.invalidate, sender=through, dispatch_uid=uid, weak=False)


class Snapshot(_Cache, Generic[T]):
    def __init__(self, name: str, build: Callable[[], T], *, ttl: Callable[[], float] = reference_ttl) -> None:
        super().__init__(name)
        self._build = build
        self._ttl = ttl
        self._value: T | None = None
        self._built_at = 0.0

    def _stale(self) -> bool:
        return self._value is None or time.monotonic() - self._built_at > self._ttl()

    def get(self) -> T:
        value = self._value
        if value is None or self._stale():
            with self._lock:
                if self._stale():
                    self._value, self._built_at = self._build(), time.monotonic()
                value = self._value
        assert value is not None
        return value

    def fresh(self) -> T:
        """Rebuilt now, whatever its age."""
        with self._lock:
            self._value, self._built_at = self._build(), time.monotonic()
            return self._value

    def drop(self) -> None:
        self._value = None


class KeyedCache(_Cache, Generic[K, V]):
    """Entries by key, each for `ttl` seconds (0: nothing is kept); at most `most` entries (past
    that the cache starts afresh rather than tracking ages)."""

    def __init__(self, name: str, *, ttl: Callable[[], float], most: int = 50_000) -> None:
        super().__init__(name)
        self._ttl = ttl
        self._most = most
        self._entries: dict[K, tuple[float, V]] = {}

    def get_many(self, keys: Iterable[K], load: Callable[[list[K]], dict[K, V]]) -> dict[K, V]:
        """The values of `keys`; `load` reads the missing or expired ones in one go (keys it does
        not answer for are left out, and not remembered)."""
        moment = time.monotonic()
        found: dict[K, V] = {}
        missing: list[K] = []
        for key in set(keys):
            hit = self._entries.get(key)
            if hit is not None and hit[0] > moment:
                found[key] = hit[1]
            else:
                missing.append(key)
        if missing:
            loaded = load(missing)
            ttl = self._ttl()
            with self._lock:
                if ttl > 0:
                    if len(self._entries) > self._most:
                        self._entries.clear()
                    for key, value in loaded.items():
                        self._entries[key] = (moment + ttl, value)
            found.update(loaded)
        return found

    def get(self, key: K, load: Callable[[K], V | None]) -> V | None:
        """One key's value; `load` returns None for a key with no value (not remembered)."""

        def load_one(keys: list[K]) -> dict[K, V]:
            value = load(keys[0])
            return {} if value is None else {keys[0]: value}

        return self.get_many([key], load_one).get(key)

    def drop(self) -> None:
        with self._lock:
            self._entries.clear()
