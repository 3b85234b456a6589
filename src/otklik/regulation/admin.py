"""Admin for the regulation: the text sections are edited here; versions are published from the
configuration automatically and are read-only (a request refers to the one it was filed under)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import Section, Version


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("code", "title_ru", "title_en", "order", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("code", "title_ru", "title_en")


@admin.register(Version)
class VersionAdmin(admin.ModelAdmin):
    list_display = ("number", "effective_at", "reason")
    fields = ("number", "effective_at", "reason", "digest")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Version | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Version | None = None) -> bool:
        return False
