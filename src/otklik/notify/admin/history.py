"""The delivery history in the admin: every notification with its attempts. Read-only: the queue is
written by the services and the delivery service only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from otklik.core.admin import ReadOnlyInline
from otklik.notify.models import DeliveryAttempt, Notification, State
from otklik.notify.services import notification_retry


class AttemptInline(ReadOnlyInline):
    model = DeliveryAttempt
    fields = ("started_at", "carrier", "outcome", "code", "response", "error", "duration_ms")
    readonly_fields = fields


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    change_list_template = "admin/notify/notification_change_list.html"
    list_display = (
        "created_at",
        "event",
        "recipient",
        "channel",
        "carrier",
        "ticket",
        "importance",
        "state",
        "attempts",
        "due_at",
    )
    list_filter = ("state", "channel", "carrier", "event", "importance", "created_at")
    date_hierarchy = "created_at"
    search_fields = ("subject", "recipient__username", "ticket__number", "=key")
    list_select_related = ("recipient", "ticket", "carrier")
    show_full_result_count = False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        # What needs attention, whatever the filters: rows waiting and rows given up on.
        counts = dict(
            Notification.objects.filter(state__in=[State.PENDING, State.HELD, State.DEAD])
            .values_list("state")
            .annotate(n=Count("id"))
            .values_list("state", "n")
        )
        extra_context = {**(extra_context or {}), "queue_counts": counts}
        return super().changelist_view(request, extra_context)

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

    def get_readonly_fields(self, request: HttpRequest, obj: Notification | None = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False
