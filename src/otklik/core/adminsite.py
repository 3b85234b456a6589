"""The admin site: Django's, with every registered ModelAdmin speaking of its model in the right
case (`adminwords.DeclinedNamesMixin`). The composition root's site (runtime/admin_site.py) builds on it
and is the one INSTALLED_APPS names in place of django.contrib.admin."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.contrib import admin
from django.db.models import Model

from .adminwords import DeclinedNamesMixin

_ModelT = TypeVar("_ModelT", bound=Model)


class OtklikAdminSite(admin.AdminSite):
    def register(
        self,
        model_or_iterable: type[_ModelT] | Iterable[type[_ModelT]],
        admin_class: type[admin.ModelAdmin[_ModelT]] | None = None,
        **options: Any,
    ) -> None:
        base = admin_class or admin.ModelAdmin
        if not issubclass(base, DeclinedNamesMixin):
            # Before the app's own class, so its words come first; the app's class keeps its name.
            base = type(base.__name__, (DeclinedNamesMixin, base), {"__module__": base.__module__})
        super().register(model_or_iterable, base, **options)
