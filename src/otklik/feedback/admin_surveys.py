"""Admin: the feedback settings and the satisfaction surveys."""

from __future__ import annotations

from django.contrib import admin

from .models import FeedbackSettings


@admin.register(FeedbackSettings)
class FeedbackSettingsAdmin(admin.ModelAdmin):
    fieldsets = (
        (None, {"fields": ("survey_enabled", "survey_valid_days", "survey_reminder_days", "low_score_threshold")}),
        (None, {"fields": ("complaint_reaction_minutes", "complaint_answer_minutes", "complaint_calendar")}),
    )

    def has_add_permission(self, request: object) -> bool:  # one row, created on first save
        return not FeedbackSettings.objects.exists()

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
