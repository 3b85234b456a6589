"""Admin: complaints (read-only history; managers work on them in the pages)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Complaint, ComplaintEvent


class ReadOnly:
    """Nothing is added, changed or deleted here: the services write complaints and their history."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ComplaintEventInline(ReadOnly, admin.TabularInline):
    model = ComplaintEvent
    fields = ("created_at", "event", "actor", "internal", "body")
    readonly_fields = fields
    ordering = ("id",)
    extra = 0
    can_delete = False


@admin.register(Complaint)
class ComplaintAdmin(ReadOnly, admin.ModelAdmin):
    list_display = (
        "number",
        "filed_at",
        "kind",
        "state",
        "ticket",
        "author",
        "group",
        "executor",
        "reaction_due_at",
        "reaction_breached_at",
        "answer_due_at",
        "answer_breached_at",
    )
    list_filter = ("state", "kind", "group", ("filed_at", admin.DateFieldListFilter))
    list_select_related = ("ticket", "author", "group", "executor")
    search_fields = ("body", "answer", "ticket__number", "author__username")
    date_hierarchy = "filed_at"
    readonly_fields = (
        "number",
        "kind",
        "ticket",
        "author",
        "organisation",
        "group",
        "executor",
        "body",
        "state",
        "reviewer",
        "answer",
        "filed_at",
        "review_at",
        "answered_at",
        "reaction_due_at",
        "answer_due_at",
        "reaction_breached_at",
        "answer_breached_at",
        "version",
    )
    fields = readonly_fields
    inlines = (ComplaintEventInline,)

    @admin.display(description=_("number"), ordering="id")
    def number(self, obj: Complaint) -> str:
        return obj.number
