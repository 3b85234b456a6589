"""The delivery history in the admin: every notification with its attempts. Read-only: the queue is
written by the services and the delivery service only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from otklik.core.admin import ReadOnlyInline

from .models import DeliveryAttempt, Notification
from .services import notification_retry


class AttemptInline(ReadOnlyInline):
    model = DeliveryAttempt
    fields = ("started_at", "carrier", "outcome", "code", "response", "error", "duration_ms")
    readonly_fields = fields


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "event", "recipient", "channel", "ticket", "importance", "state", "attempts")
    list_filter = ("state", "channel", "event", "importance")
    search_fields = ("subject", "recipient__username", "ticket__number")
    list_select_related = ("recipient", "ticket")
    show_full_result_count = False
    inlines = [AttemptInline]
    actions = ["retry"]

    @admin.action(description=_("Retry the selected dead notifications"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = notification_retry(ids=list(queryset.values_list("pk", flat=True)))
        messages.success(
            request,
            ngettext("%(count)d notification queued again.", "%(count)d notifications queued again.", count)
            % {"count": count},
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Notification | None = None) -> Any:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
