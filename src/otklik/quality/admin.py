"""Admin: the weights of the quality score (one row; saving them publishes a new regulation version)
and, read-only, the monthly reports sent."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from otklik.core.admin import SingletonAdmin

from .models import MonthlyReport, QualityWeights


@admin.register(QualityWeights)
class QualityWeightsAdmin(SingletonAdmin):
    fields = ("sla", "satisfaction", "reopens", "complaints")
    list_display = ("__str__", "sla", "satisfaction", "reopens", "complaints", "updated_at")

    def get_form(
        self, request: HttpRequest, obj: QualityWeights | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[QualityWeights]]:
        form = super().get_form(request, obj, change, **kwargs)
        for name in self.fields:
            form.base_fields[name].help_text = _(
                "0–100; only the ratios matter. Published in the regulation's quality criteria."
            )
        return form


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    list_display = ("__str__", "queued_at", "recipients")
    readonly_fields = ("month", "queued_at", "recipients")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: MonthlyReport | None = None) -> bool:
        return False
