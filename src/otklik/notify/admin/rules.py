"""Notification rules and people's schedules in the admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from otklik.accounts.models import Role
from otklik.notify.models import Channel, Event, Rule, Schedule
from otklik.notify.rules import CHANGE_FIELDS, restore_default_rules
from otklik.notify.services import EVENT_RE


class RuleForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label=_("channels"), choices=Channel.choices, widget=forms.CheckboxSelectMultiple
    )
    roles = forms.MultipleChoiceField(
        label=_("everyone with the roles"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    # Named like the rule's column; the form's metaclass moves it into base_fields, so it never
    # shadows BaseForm.fields, which the stubs see as the class attribute it replaces.
    fields = forms.MultipleChoiceField(  # type: ignore[assignment]
        label=_("changed fields"),
        choices=[(f, f) for f in CHANGE_FIELDS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For the “request changed” event: which fields; none ticked: any of them."),
    )

    class Meta:
        model = Rule
        fields = (
            "name",
            "event",
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
        help_texts = {
            "event": _("The help desk's events: %(events)s; or the name of an event another system queues.")
            % {"events": ", ".join(Event.values)},
        }

    def clean_event(self) -> str:
        event = (self.cleaned_data.get("event") or "").strip()
        if not EVENT_RE.match(event):
            raise forms.ValidationError(_("1–40 lower-case letters, digits, dots, dashes or underscores."))
        return event

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
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
    list_display = ("name", "event", "enabled", "mandatory", "channel_list")
    list_filter = ("event", "enabled", "mandatory")
    list_editable = ("enabled",)
    search_fields = ("name", "event")
    filter_horizontal = ("request_types", "priorities", "groups", "users")
    change_list_template = "admin/notify/rule_change_list.html"
    fieldsets = (
        (None, {"fields": ("name", "event", "enabled")}),
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

    @admin.display(description=_("channels"))
    def channel_list(self, obj: Rule) -> str:
        return ", ".join(obj.channels or [])

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
