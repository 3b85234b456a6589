"""Admin pieces shared by the apps."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse


class ReadOnlyInline(admin.TabularInline):
    """Rows shown with their parent, never added, changed or deleted there (logs, histories)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class SingletonAdmin(admin.ModelAdmin):
    """Settings kept in one row: the list opens that row (or, before it exists, the form that
    creates it), the index never offers «Add» (nor the form once the row exists), and it is never
    deleted."""

    def _row(self) -> Model | None:
        return self.model._default_manager.order_by("pk").first()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and self._row() is None

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_model_perms(self, request: HttpRequest) -> dict[str, bool]:
        # The index and the side bar never offer «Add»: the settings exist (their defaults) before
        # their row is written, and the list opens the form, that creates the row if need be. Not
        # asked of has_add_permission: that reads the row, on every admin page with the side bar.
        return {
            "add": False,
            "change": self.has_change_permission(request),
            "delete": self.has_delete_permission(request),
            "view": self.has_view_permission(request),
        }

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        opts = self.model._meta
        prefix = f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}"
        row = self._row()
        if row is not None and self.has_view_or_change_permission(request, row):
            return HttpResponseRedirect(reverse(f"{prefix}_change", args=[row.pk]))
        if row is None and self.has_add_permission(request):
            return HttpResponseRedirect(reverse(f"{prefix}_add"))
        return super().changelist_view(request, extra_context)
