"""A setting read once per process and again when it changes: for settings asked on every request
many times over (every snapshot read asks REFERENCE_TTL, every clock read OTKLIK_NOW), where
Django's settings lookup showed in the profiles (issue 15). A change through `override_settings`
(the tests' `settings` fixture) sends `setting_changed`, which drops the value read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from django.core.signals import setting_changed
from django.dispatch import receiver

T = TypeVar("T")

_UNREAD = object()
_all: dict[str, list[SettingOnce[object]]] = {}


class SettingOnce(Generic[T]):
    """`read()` of the setting `name`, remembered until the setting changes."""

    def __init__(self, name: str, read: Callable[[], T]) -> None:
        self._read = read
        self._value: object = _UNREAD
        _all.setdefault(name, []).append(self)  # type: ignore[arg-type]

    def __call__(self) -> T:
        value = self._value
        if value is _UNREAD:
            value = self._value = self._read()
        return value  # type: ignore[return-value]

    def forget(self) -> None:
        self._value = _UNREAD


@receiver(setting_changed)
def _changed(*, setting: str, **kwargs: object) -> None:
    for once in _all.get(setting, ()):
        once.forget()
