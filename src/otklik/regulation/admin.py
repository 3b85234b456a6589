"""Admin for the regulation: the text sections and the regulation's settings (the admin's guidance
on preparing a request, the additional information, the moment planned changes of these texts come
into force) are edited here; versions are published from the configuration automatically and are
read-only (a request refers to the one it was filed under). After a save that published one, the
admin is told which and from when (admin_messages.py)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from otklik.core.admin import SingletonAdmin
from otklik.core.clock import now

from .models import RegulationSettings, Section, Version
from .reasons import current_language_code, reason_text


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("code", "title_ru", "title_en", "order", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("code", "title_ru", "title_en")


class RegulationSettingsForm(forms.ModelForm):
    class Meta:
        model = RegulationSettings
        fields = ("preparation_ru", "preparation_en", "additional_ru", "additional_en", "changes_effective_at")

    def clean_changes_effective_at(self) -> dt.datetime | None:
        value: dt.datetime | None = self.cleaned_data["changes_effective_at"]
        # A moment that has passed means "at once"; entering one anew is a mistake worth saying.
        if value is not None and value <= now() and value != self.initial.get("changes_effective_at"):
            raise forms.ValidationError(
                _("Choose a moment in the future, or leave the field empty for changes to come into force at once.")
            )
        return value


@admin.register(RegulationSettings)
class RegulationSettingsAdmin(SingletonAdmin):
    form = RegulationSettingsForm
    fieldsets = (
        (_("How to prepare a request"), {"fields": ("preparation_ru", "preparation_en")}),
        (_("Additional information"), {"fields": ("additional_ru", "additional_en")}),
        # Said once, by the field's help text (regulation/models.py).
        (_("Planned changes"), {"fields": ("changes_effective_at",)}),
    )


@admin.register(Version)
class VersionAdmin(admin.ModelAdmin):
    list_display = ("number", "effective_at", "published_at", "what_changed", "page")
    fields = ("number", "effective_at", "published_at", "what_changed", "page", "digest")
    readonly_fields = fields

    @admin.display(description=_("what changed"))
    def what_changed(self, obj: Version) -> str:
        """In the admin's language only (reasons.py)."""
        return reason_text(obj.reason_code, obj.reason_params, obj.reason, current_language_code())

    @admin.display(description=_("on the regulation page"))
    def page(self, obj: Version) -> str:
        return format_html('<a href="{}?version={}">{}</a>', reverse("regulation"), obj.number, _("Read it"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Version | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Version | None = None) -> bool:
        return False
