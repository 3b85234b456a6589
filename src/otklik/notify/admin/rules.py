"""Notification rules and people's schedules in the admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from otklik.accounts.models import Role
from otklik.notify.events import own_events
from otklik.notify.models import Channel, Rule, Schedule
from otklik.notify.rules import CHANGE_FIELD_LABELS, CHANGE_FIELDS, restore_default_rules

from .events import EventFilter, clean_event_choice, event_field, event_html, init_event, integration_event_field


class RuleForm(forms.ModelForm):
    event = event_field(digest=False)
    integration_event = integration_event_field()
    channels = forms.MultipleChoiceField(
        label=capfirst(_("channels")), choices=Channel.choices, widget=forms.CheckboxSelectMultiple
    )
    roles = forms.MultipleChoiceField(
        label=capfirst(_("everyone with the roles")),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # Named like the rule's column; the form's metaclass moves it into base_fields, so it never
    # shadows BaseForm.fields, which the stubs see as the class attribute it replaces.
    fields = forms.MultipleChoiceField(  # type: ignore[assignment]
        label=capfirst(_("changed fields")),
        choices=[(f, CHANGE_FIELD_LABELS[f]) for f in CHANGE_FIELDS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For the “request changed” event: which fields; none ticked: any of them."),
    )

    class Meta:
        model = Rule
        fields = (
            "name",
            "event",
            "integration_event",
            "enabled",
            "request_types",
            "priorities",
            "groups",
            "fields",
            "to_addressed",
            "to_initiator",
            "to_executor",
            "to_group_members",
            "to_group_lead",
            "to_group_dispatcher",
            "to_watchers",
            "roles",
            "users",
            "staff_only",
            "channels",
            "mandatory",
            "importance",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        init_event(self, digest=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        clean_event_choice(self, data, digest=False)
        flags = [f for f in self.Meta.model._meta.get_fields() if f.name.startswith("to_")]
        someone = any(data.get(f.name) for f in flags) or data.get("roles") or data.get("users")
        if Channel.TASK in (data.get("channels") or []):
            self.add_error(
                "channels",
                _("Calendar tasks follow each request's executor by themselves; people switch them in their settings."),
            )
        if not someone and Channel.WEBHOOK not in (data.get("channels") or []):
            raise forms.ValidationError(_("Name at least one kind of recipient (or send to webhooks)."))
        return data


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    form = RuleForm
    list_display = ("name", "event_display", "enabled", "mandatory", "channel_list")
    list_filter = (EventFilter, "enabled", "mandatory")
    list_editable = ("enabled",)
    search_fields = ("name", "event")
    filter_horizontal = ("request_types", "priorities", "groups", "users")
    change_list_template = "admin/notify/rule_change_list.html"
    fieldsets = (
        (None, {"fields": ("name", "event", "integration_event", "enabled")}),
        (_("When"), {"fields": ("request_types", "priorities", "groups", "fields")}),
        (
            _("Who"),
            {
                "fields": (
                    "to_addressed",
                    "to_initiator",
                    "to_executor",
                    "to_group_members",
                    "to_group_lead",
                    "to_group_dispatcher",
                    "to_watchers",
                    "roles",
                    "users",
                    "staff_only",
                )
            },
        ),
        (_("How"), {"fields": ("channels", "mandatory", "importance")}),
    )

    @admin.display(description=_("event"), ordering="event")
    def event_display(self, obj: Rule) -> str | SafeString:
        if obj.event in own_events():
            return event_html(obj.event)
        return str(_("%(event)s (another system's event)") % {"event": obj.event})

    @admin.display(description=_("channels"))
    def channel_list(self, obj: Rule) -> str:
        # The channels' names in the reader's language, in the channels' own order; a code this
        # version does not know (a row written by hand) as it is.
        known = [str(label) for value, label in Channel.choices if value in (obj.channels or [])]
        unknown = [c for c in obj.channels or [] if c not in Channel.values]
        return ", ".join([*known, *unknown]) or "—"

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "restore-defaults/",
                self.admin_site.admin_view(self.restore_defaults),
                name="notify_rule_restore_defaults",
            )
        ]
        return own + super().get_urls()

    def restore_defaults(self, request: HttpRequest) -> HttpResponseRedirect:
        target = reverse("admin:notify_rule_changelist")
        if request.method != "POST" or not self.has_add_permission(request):
            return HttpResponseRedirect(target)
        count = restore_default_rules()
        messages.success(
            request,
            ngettext("%(count)d default rule written.", "%(count)d default rules written.", count) % {"count": count},
        )
        return HttpResponseRedirect(target)


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ("user", "quiet_start", "quiet_end", "digest", "digest_time")
    list_filter = ("digest",)
    search_fields = ("user__username",)
    autocomplete_fields = ("user",)
