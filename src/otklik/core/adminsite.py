"""The admin site: Django's, with every registered ModelAdmin speaking of its model in the right
case (`adminwords.DeclinedNamesMixin`). INSTALLED_APPS names `OtklikAdminConfig` in place of django.contrib.admin."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db.models import Model
from django.db.models.base import ModelBase

from .adminwords import DeclinedNamesMixin


class OtklikAdminSite(admin.AdminSite):
    def register(
        self,
        model_or_iterable: ModelBase | Iterable[ModelBase],
        admin_class: type[admin.ModelAdmin[Model]] | None = None,
        **options: object,
    ) -> None:
        base = admin_class or admin.ModelAdmin
        if not issubclass(base, DeclinedNamesMixin):
            # Before the app's own class, so its words come first; the app's class keeps its name.
            base = type(base.__name__, (DeclinedNamesMixin, base), {"__module__": base.__module__})
        super().register(model_or_iterable, base, **options)  # type: ignore[arg-type]


class OtklikAdminConfig(AdminConfig):
    """django.contrib.admin with Otklik's site (in INSTALLED_APPS in its place)."""

    default_site = "otklik.core.adminsite.OtklikAdminSite"
