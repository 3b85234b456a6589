"""Settings kept in one row (pk 1): saved there whatever the caller set, read with their defaults
before the row is ever written. The admin's side is core.admin.SingletonAdmin."""

from __future__ import annotations

from typing import Any, Self

from django.db import models


class SingletonModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1  # one row
        super().save(*args, **kwargs)

    @classmethod
    def row(cls) -> Self:
        """The stored row, or an unsaved one with the defaults."""
        found = cls._default_manager.filter(pk=1).first()
        return found if found is not None else cls(pk=1)
