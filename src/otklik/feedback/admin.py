"""Admin: the feedback settings and the satisfaction surveys (read-only: they are the record of what
the people served said; the portal, the link and the API write them)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from otklik.core.admin import SingletonAdmin

from .models import FeedbackSettings, Survey


class FeedbackSettingsForm(forms.ModelForm):
    class Meta:
        model = FeedbackSettings
        fields = (
            "survey_enabled",
            "survey_valid_days",
            "survey_reminder_days",
            "low_score_threshold",
            "complaint_reaction_minutes",
            "complaint_answer_minutes",
            "complaint_calendar",
        )

    def clean_survey_valid_days(self) -> int:
        days = self.cleaned_data["survey_valid_days"]
        if days < 1:
            raise forms.ValidationError(_("The link must work for at least one day."))
        return days

    def clean_low_score_threshold(self) -> int:
        threshold = self.cleaned_data["low_score_threshold"]
        if threshold > 5:
            raise forms.ValidationError(_("Scores go from 1 to 5: use 0 to 5 (0: no score is low)."))
        return threshold

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        valid, remind = data.get("survey_valid_days"), data.get("survey_reminder_days")
        if valid and remind and remind >= valid:
            self.add_error(
                "survey_reminder_days",
                _("The reminder must come before the link stops working (fewer days than its validity), or be 0."),
            )
        return data


@admin.register(FeedbackSettings)
class FeedbackSettingsAdmin(SingletonAdmin):
    form = FeedbackSettingsForm
    fieldsets = (
        (
            _("Satisfaction surveys"),
            {"fields": ("survey_enabled", "survey_valid_days", "survey_reminder_days", "low_score_threshold")},
        ),
        (None, {"fields": ("complaint_reaction_minutes", "complaint_answer_minutes", "complaint_calendar")}),
    )


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("ticket", "score", "executor", "group", "asked_at", "answered_at", "answered_via", "reminded_at")
    list_filter = ("score", "answered_via", "group")
    search_fields = ("ticket__number", "comment")
    list_select_related = ("ticket", "executor", "group")
    date_hierarchy = "asked_at"
    # Never the link's nonce: whoever reads it could rate in the initiator's name.
    fields = (
        "ticket",
        "initiator",
        "executor",
        "group",
        "asked_at",
        "expires_at",
        "remind_at",
        "reminded_at",
        "token_used_at",
        "score",
        "comment",
        "answered_at",
        "answered_via",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Survey | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Survey | None = None) -> bool:
        return False
