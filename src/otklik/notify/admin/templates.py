"""Notification templates in the admin, checked on save and previewed on a real request before
saving ("Preview" posts the form being edited to the preview page; nothing is saved)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template import TemplateSyntaxError
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from otklik.accounts.http import AuthedRequest
from otklik.accounts.models import User
from otklik.core import dates
from otklik.core.clock import service_minute
from otklik.core.jsonvalue import JsonValue
from otklik.notify.models import Channel, Template
from otklik.notify.texts import compile_template, render_compiled, sms_limit

from .events import INTEGRATION, clean_event_choice, event_field, init_event, integration_event_field

# What the preview renders on: a request's words as templates see them (`ticket`), found by its
# number ("": the latest) for the editor, or None when there is none they may see. The requests'
# app provides it (tickets/admin.py); without it the preview uses sample values only.
SampleFinder = Callable[[HttpRequest, str], dict[str, JsonValue] | None]


def _sample_moment(year: int, month: int, day: int, hour: int) -> str:
    """A sample moment as the real notifications write it (core/clock.service_minute)."""
    return service_minute(dt.datetime(year, month, day, hour, tzinfo=dates.service_zone()))


def sample_context(ticket: dict[str, JsonValue] | None, *, actor: User, event: str) -> dict[str, JsonValue]:
    """What templates see, with sample values for the event's own parts."""
    return {
        "event": event,
        "actor": actor.get_full_name() or actor.username,
        "recipient": actor.get_full_name() or actor.username,
        "ticket": ticket,
        "stage": ticket["stage"] if ticket is not None else _("In work"),
        "comment": _("A sample comment."),
        "target": _("resolution"),
        "due": _sample_moment(2026, 12, 1, 18),
        "changes": [{"field": "priority", "name": _("priority"), "old": _("Normal"), "new": _("High")}],
        "summary": {"executing": 3, "answering": 1, "breached": 1, "unread": 5},
        "items": [{"subject": _("A sample notification"), "link": "", "event": "ticket_changed"}],
        "count": 1,
        "subject": _("A sample subject"),
        "text": _("A sample text."),
        # The satisfaction survey's events
        "rating_link": f"{settings.BASE_URL}/feedback/sample",
        "valid_until": _sample_moment(2026, 12, 15, 18),
        "score_links": [{"score": n, "link": f"{settings.BASE_URL}/feedback/sample?score={n}"} for n in range(1, 6)],
        "score": 2,
        "rated_executor": actor.get_full_name() or actor.username,
        "complaint": {
            "id": 1,
            "number": "CMP-000001",
            "kind": _("how a request was handled"),
            "state": _("under review"),
            "upheld": False,
            "body": _("A sample complaint."),
            "answer": _("A sample answer."),
            "author": actor.get_full_name() or actor.username,
            "reaction_due": _sample_moment(2026, 12, 1, 13),
            "answer_due": _sample_moment(2026, 12, 3, 18),
            "link": "",
        },
        # The monthly quality report
        "month": dates.month(dt.date(2026, 11, 1)),
        "scope": _("First line"),
        "report": {
            "received": 65,
            "resolved": 60,
            "sla_percent": 77.9,
            "breaches": 31,
            "first_reaction_median": 3600,
            "resolution_median": 21000,
            "satisfaction": 3.91,
            "answered": 33,
            "asked": 60,
            "reopen_percent": 6.7,
            "complaints_filed": 2,
            "complaints_upheld": 1,
            "backlog": 11,
            "score": 81.5,
        },
        "report_link": f"{settings.BASE_URL}/reports/quality?from=2026-11-01&to=2026-11-30",
    }


class TemplateForm(forms.ModelForm):
    event = event_field(digest=True)
    integration_event = integration_event_field()

    class Meta:
        model = Template
        fields = ("event", "integration_event", "channel", "language", "subject", "body", "html")
        help_texts = {
            "body": gettext_lazy(
                "Django template syntax. Available: {{ ticket.number }}, {{ ticket.subject }}, {{ ticket.type }}, "
                "{{ ticket.priority }}, {{ ticket.category }}, {{ ticket.group }}, {{ ticket.stage }}, "
                "{{ ticket.initiator }}, {{ ticket.executor }}, {{ ticket.due }}, {{ ticket.link }}, {{ actor }}, "
                "{{ recipient }}, and per event {{ comment }}, {{ stage }}, {{ target }}, {{ due }}, {{ changes }}, "
                "{{ summary }}, {{ items }}, {{ subject }}, {{ text }}; for the satisfaction survey {{ rating_link }}, "
                "{{ valid_until }}, {{ score_links }} (each with .score and .link), {{ score }}, {{ rated_executor }}; "
                "for complaints {{ complaint.number }}, .kind, .state, .upheld, .body, .answer, .author, "
                ".reaction_due, .answer_due, .link; for the monthly quality report {{ month }}, {{ scope }}, "
                "{{ report_link }} and {{ report.received }}, .resolved, .sla_percent, .breaches, "
                ".first_reaction_median, .resolution_median (seconds), .satisfaction, .answered, .asked, "
                ".reopen_percent, .complaints_filed, .complaints_upheld, .backlog, .score."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        init_event(self, digest=True)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        clean_event_choice(self, data, digest=True)
        try:
            compile_template(data.get("subject") or "", data.get("body") or "", data.get("html") or "")
        except TemplateSyntaxError as exc:
            raise forms.ValidationError(_("The template does not compile: %(error)s") % {"error": exc}) from None
        return data


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    form = TemplateForm
    list_display = ("event", "channel", "language", "subject", "updated_at")
    list_filter = ("event", "channel", "language")
    search_fields = ("event", "subject", "body")
    change_form_template = "admin/notify/template_change_form.html"
    find_sample: SampleFinder | None = None

    def get_urls(self) -> list[URLPattern]:
        own = [path("preview/", self.admin_site.admin_view(self.preview), name="notify_template_preview")]
        return own + super().get_urls()

    def preview(self, request: AuthedRequest) -> HttpResponse:
        """The posted (unsaved) template rendered on a real request, in the template's language."""
        if request.method != "POST" or not self.has_view_permission(request):
            raise PermissionDenied
        form = TemplateForm(request.POST)
        form.is_valid()  # the checks run; a duplicate (event, channel, language) is no reason not to preview
        data = {k: request.POST.get(k, "") for k in ("event", "channel", "language", "subject", "body", "html")}
        if data["event"] == INTEGRATION:  # another system's event, named in its own field
            data["event"] = request.POST.get("integration_event", "").strip()
        number = (request.POST.get("preview_ticket") or "").strip().upper()
        error, rendered = "", None
        language = data["language"] if data["language"] in ("ru", "en") else "ru"
        find = type(self).find_sample
        with translation.override(language):  # the request's words in the template's language
            ticket = find(request, number) if find is not None else None
        try:
            compiled = compile_template(data["subject"], data["body"], data["html"])
            with translation.override(language):
                rendered = render_compiled(compiled, sample_context(ticket, actor=request.user, event=data["event"]))
        except Exception as exc:  # shown to the editor, who is fixing it
            error = f"{type(exc).__name__}: {exc}"
        sms = data["channel"] == Channel.SMS
        context = {
            **self.admin_site.each_context(request),
            "title": _("Template preview"),
            "opts": self.model._meta,
            "ticket": ticket,
            "number": number,
            "not_found": bool(number) and ticket is None,
            "rendered": rendered,
            "error": error,
            "form_errors": form.errors,
            "sms": sms,
            "sms_limit": sms_limit(),
            "sms_length": len(rendered.body or rendered.subject) if rendered and sms else 0,
        }
        return TemplateResponse(request, "admin/notify/template_preview.html", context)
