"""Requests in the admin: read-mostly. The per-stage log can be read, never edited or deleted."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from otklik.core.admin import ReadOnlyInline
from otklik.core.jsonvalue import JsonValue
from otklik.notify.admin.templates import TemplateAdmin

from .models import Attachment, LogRecord, Ticket
from .notices import words


class LogRecordInline(ReadOnlyInline):
    model = LogRecord
    fields = (
        "created_at",
        "actor",
        "actor_role",
        "point",
        "event",
        "reaction",
        "to_point",
        "body",
        "internal",
        "field",
        "sla_event",
        "old_value",
        "new_value",
    )
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ("name", "size", "content_type", "internal", "uploaded_by", "created_at")
    readonly_fields = fields


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "subject",
        "request_type",
        "point",
        "priority",
        "group",
        "executor",
        "initiator",
        "sla_due_at",
        "sla_breached",
        "created_at",
    )
    list_filter = ("request_type", "is_open", "sla_breached", "priority", "group")
    search_fields = ("number", "subject")
    list_select_related = ("request_type", "point", "priority", "group", "executor", "initiator")
    show_full_result_count = False
    # The SLA clocks' inline is the sla app's (sla/admin.py puts it first).
    inlines = [LogRecordInline, AttachmentInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Ticket | None = None) -> list[str]:
        # State changes go through the workflow's actions (the pages, the API), so every one is logged
        # and versioned.
        # The folded copy of the subject the search compares is no one's to read.
        return [f.name for f in Ticket._meta.fields if f.name != "search"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        # View only: a save here would rewrite the row without a version check or a log record.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return False


def template_sample(request: HttpRequest, number: str) -> dict[str, JsonValue] | None:
    """The request a notification template is previewed on: by number, else the latest; none for
    an administrator of templates who may not see requests (they preview on sample values)."""
    if not request.user.has_perm("tickets.view_ticket"):
        return None
    ticket = Ticket.objects.filter(number=number).first() if number else Ticket.objects.order_by("-id").first()
    return words(ticket) if ticket is not None else None


TemplateAdmin.find_sample = template_sample
