"""Append-only rows (the per-stage log, a complaint's history): never updated, never deleted. The
ORM refuses here; database triggers refuse the same below it (the apps' migrations)."""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from django.db import models


def _refuse(what: str, verb: str) -> NoReturn:
    raise TypeError(f"{what} is append-only: records are never {verb}")


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> NoReturn:
        _refuse(getattr(self.model, "append_only_what", "this table"), "updated")

    def delete(self) -> NoReturn:
        _refuse(getattr(self.model, "append_only_what", "this table"), "deleted")


class AppendOnly(models.Model):
    """A model whose rows are written once. `append_only_what` names the table in the refusal."""

    append_only_what: ClassVar[str] = "this table"

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse(self.append_only_what, "updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse(self.append_only_what, "deleted")
