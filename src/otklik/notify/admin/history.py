"""The delivery history in the admin: every notification with its attempts. Read-only: the queue is
written by the services and the delivery service only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from otklik.core.admin import ReadOnlyInline
from otklik.notify.channels.messaging import VERIFICATION_EVENT
from otklik.notify.codes import hide_code
from otklik.notify.models import DeliveryAttempt, Notification, State
from otklik.notify.services import notification_retry

from .events import EventFilter, event_html


class AttemptInline(ReadOnlyInline):
    model = DeliveryAttempt
    # What a carrier answered, through methods that hide a one-time code a gateway may echo.
    fields = ("started_at", "carrier", "outcome", "code", "answer", "failure", "duration_ms")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[DeliveryAttempt]:
        return super().get_queryset(request).select_related("notification")

    @staticmethod
    def _shown(attempt: DeliveryAttempt, text: str) -> str:
        return hide_code(text) if attempt.notification.event == VERIFICATION_EVENT else text

    @admin.display(description=_("response"))
    def answer(self, obj: DeliveryAttempt) -> str:
        return self._shown(obj, obj.response)

    @admin.display(description=_("error"))
    def failure(self, obj: DeliveryAttempt) -> str:
        return self._shown(obj, obj.error)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    change_list_template = "admin/notify/notification_change_list.html"
    list_display = (
        "created_at",
        "event_display",
        "recipient",
        "channel",
        "carrier",
        "ticket",
        "importance",
        "state",
        "attempts",
        "due_at",
    )
    list_filter = ("state", "channel", "carrier", EventFilter, "importance", "created_at")
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
    exclude = ("body",)  # shown through `text` (see get_readonly_fields)

    @admin.action(description=_("Retry the selected dead notifications"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = notification_retry(ids=list(queryset.values_list("pk", flat=True)))
        messages.success(
            request,
            ngettext("%(count)d notification queued again.", "%(count)d notifications queued again.", count)
            % {"count": count},
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Notification | None = None) -> list[str]:
        # The text through `text`, which never shows a one-time code (notify/codes.py).
        return [("text" if f.name == "body" else f.name) for f in self.model._meta.fields]

    @admin.display(description=_("event"), ordering="event")
    def event_display(self, obj: Notification) -> SafeString:
        return event_html(obj.event)

    @admin.display(description=_("text"))
    def text(self, obj: Notification) -> str:
        return hide_code(obj.body) if obj.event == VERIFICATION_EVENT else obj.body

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        # A log: read, never edited (the index offers «Просмотреть», not «Изменить»).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False

    def has_retry_permission(self, request: HttpRequest) -> bool:
        # Queuing dead rows again (the one write here, through notify's action) is for those who
        # hold the model's change permission.
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")
