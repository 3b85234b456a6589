"""Admin for SLA policies, their targets and the escalation rules.

Working time is typed as people say it («1 ч 30 мин», "2h", "90" minutes, "1:30"; worktime.py). Every save or
delete marks the open requests for recomputation once it commits (config.py), and the policy
form can preview its effect on the open requests before saving (whatif.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from otklik.core.i18n import current_language

from .config import policy_make_default
from .models import EscalationRule, Policy, Target
from .whatif import SlaConfigAdminMixin
from .worktime import WorkTimeError, format_minutes, parse_minutes


class WorkingTimeField(forms.Field):
    """Minutes of working time, typed as people say it («30 минут», «1 ч 30 мин», "2h", "1:30";
    worktime.py parses), shown in the reader's language («4 ч», "4h")."""

    default_error_messages = {
        "invalid": _(
            "“%(value)s” is not working time: type e.g. 30 min, 1 h 30 min, 2 h, 1 d (eight working hours) or 1:30."
        ),
        "unit": _("“%(value)s” is not a unit of working time: use minutes, hours or days, e.g. 1 h 30 min."),
        "repeated": _("“%(value)s”: name each unit once, e.g. 1 h 30 min."),
        "fraction": _("“%(value)s” is not a whole number of minutes."),
        "clock": _("“%(value)s” is not hours and minutes such as 1:30."),
        "too_long": _("“%(value)s” is longer than any working time."),
        "min_value": _("At least %(limit)s."),
    }

    def __init__(self, *, min_value: int = 0, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 10}))
        kwargs.setdefault("help_text", _("e.g. 30 min, 1 h 30 min, 2 h, 1 d (eight working hours) or 1:30"))
        super().__init__(**kwargs)
        self.min_value = min_value

    def prepare_value(self, value: int | str | None) -> str | None:
        """The minutes stored (shown as «4 ч» or "4h"), or the text typed when the form comes back."""
        return format_minutes(value, current_language()) if isinstance(value, int) else value

    def to_python(self, value: int | str | None) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            return value
        try:
            return parse_minutes(str(value))
        except WorkTimeError as exc:
            code = exc.reason if exc.reason in self.error_messages else "invalid"
            raise ValidationError(self.error_messages[code], code=code, params={"value": exc.value}) from None

    def validate(self, value: int | None) -> None:
        super().validate(value)
        if value is not None and value < self.min_value:
            raise ValidationError(
                self.error_messages["min_value"],
                code="min_value",
                params={"limit": format_minutes(self.min_value, current_language())},
            )


class TargetForm(forms.ModelForm):
    minutes = WorkingTimeField(label=capfirst(_("working time")), min_value=1)

    class Meta:
        model = Target
        fields = ("priority", "metric", "minutes", "warning_percent")


class TargetInline(admin.TabularInline):
    model = Target
    form = TargetForm
    fields = ("priority", "metric", "minutes", "warning_percent")

    def get_extra(self, request: HttpRequest, obj: Policy | None = None, **kwargs: Any) -> int:
        return 3 if obj is None else 0  # a new policy starts with a few empty rows; "Add another" adds more


class PolicyForm(forms.ModelForm):
    class Meta:
        model = Policy
        fields = (
            "code",
            "name_ru",
            "name_en",
            "order",
            "is_active",
            "is_default",
            "calendar",
            "request_types",
            "priorities",
            "categories",
            "organisations",
            "description_ru",
            "description_en",
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("is_default") and not data.get("is_active", True):
            # An inactive default would leave the requests no policy selects without any target.
            raise ValidationError({"is_active": _("The default policy must be active.")})
        return data


@admin.register(Policy)
class PolicyAdmin(SlaConfigAdminMixin[Policy], admin.ModelAdmin):
    form = PolicyForm
    inlines = [TargetInline]
    list_display = ("order", "code", "name", "is_active", "is_default", "calendar", "target_count")
    list_display_links = ("code", "name")
    list_filter = ("is_active", "is_default", "calendar")
    list_select_related = ("calendar",)
    search_fields = ("code", "name_ru", "name_en")
    ordering = ("order", "code")
    filter_horizontal = ("request_types", "priorities", "categories", "organisations")
    fieldsets = (
        (None, {"fields": ("code", "name_ru", "name_en", "order", "is_active", "is_default", "calendar")}),
        (
            _("Which requests it serves"),
            {
                "fields": ("request_types", "priorities", "categories", "organisations"),
                "description": _(
                    "A request is served by the first active policy (lowest order) whose every condition holds; "
                    "an empty condition holds for any request. The default policy serves requests no policy selects."
                ),
            },
        ),
        (_("Description"), {"fields": ("description_ru", "description_en"), "classes": ("collapse",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Policy]:
        return super().get_queryset(request).annotate(target_count=Count("targets"))

    @admin.display(description=_("name"), ordering="name_en")
    def name(self, obj: Policy) -> str:
        return obj.name

    @admin.display(description=_("targets"), ordering="target_count")
    def target_count(self, obj: Policy) -> int:
        return getattr(obj, "target_count", 0)

    def save_model(self, request: HttpRequest, obj: Policy, form: forms.ModelForm[Policy], change: bool) -> None:
        super().save_model(request, obj, form, change)
        if obj.is_default:
            policy_make_default(policy=obj)


class EscalationRuleForm(forms.ModelForm):
    delay_minutes = WorkingTimeField(
        label=capfirst(_("delay (working time)")),
        min_value=0,
        initial=0,
        help_text=_("Working time after the warning or breach, e.g. 0, 30 min, 2 h."),
    )

    class Meta:
        model = EscalationRule
        fields = (
            "is_active",
            "policy",
            "metric",
            "trigger",
            "level",
            "delay_minutes",
            "notify_executor",
            "notify_group_lead",
            "notify_dispatcher",
            "notify_managers",
            "notify_watchers",
            "notify_users",
            "reassign_group",
            "reassign_user",
            "raise_priority_to",
            "add_watchers",
        )


@admin.register(EscalationRule)
class EscalationRuleAdmin(SlaConfigAdminMixin[EscalationRule], admin.ModelAdmin):
    form = EscalationRuleForm
    whatif_enabled = False  # a rule moves no deadline; saving it still marks the open requests
    list_display = ("trigger", "level", "metric_display", "delay", "policy_display", "actions_display", "is_active")
    list_display_links = ("trigger", "level")
    list_filter = ("trigger", "is_active", "metric", "policy")
    list_select_related = ("policy", "reassign_group", "reassign_user", "raise_priority_to")
    ordering = ("trigger", "level", "id")
    filter_horizontal = ("notify_users", "add_watchers")
    autocomplete_fields = ("reassign_user", "reassign_group")
    fieldsets = (
        (None, {"fields": ("is_active", "policy", "metric", "trigger", "level", "delay_minutes")}),
        (
            _("Who is told"),
            {
                "fields": (
                    "notify_executor",
                    "notify_group_lead",
                    "notify_dispatcher",
                    "notify_managers",
                    "notify_watchers",
                    "notify_users",
                )
            },
        ),
        (_("What changes on the request"), {"fields": ("reassign_group", "reassign_user", "raise_priority_to")}),
        (_("Who starts watching"), {"fields": ("add_watchers",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[EscalationRule]:
        return super().get_queryset(request).prefetch_related("notify_users", "add_watchers")

    @admin.display(description=_("target"), ordering="metric")
    def metric_display(self, obj: EscalationRule) -> str:
        return obj.get_metric_display() if obj.metric else str(_("every target"))

    @admin.display(description=_("delay"), ordering="delay_minutes")
    def delay(self, obj: EscalationRule) -> str:
        return format_minutes(obj.delay_minutes, current_language())

    @admin.display(description=_("policy"), ordering="policy__order")
    def policy_display(self, obj: EscalationRule) -> str:
        return str(obj.policy) if obj.policy_id else str(_("every policy"))

    @admin.display(description=_("what it does"))
    def actions_display(self, obj: EscalationRule) -> str:
        told = [
            str(label)
            for flag, label in (
                (obj.notify_executor, _("the executor")),
                (obj.notify_group_lead, _("the group lead")),
                (obj.notify_dispatcher, _("the dispatcher")),
                (obj.notify_managers, _("the support managers")),
                (obj.notify_watchers, _("the watchers")),
            )
            if flag
        ]
        told += [u.get_username() for u in obj.notify_users.all()]
        parts = [_("notify: %(whom)s") % {"whom": ", ".join(told)}] if told else []
        if obj.reassign_group_id:
            parts.append(_("reassign to the group %(group)s") % {"group": obj.reassign_group})
        if obj.reassign_user is not None:
            parts.append(_("reassign to %(user)s") % {"user": obj.reassign_user.get_username()})
        if obj.raise_priority_to_id:
            parts.append(_("raise the priority to %(priority)s") % {"priority": obj.raise_priority_to})
        watchers = [u.get_username() for u in obj.add_watchers.all()]
        if watchers:
            parts.append(_("add watchers: %(users)s") % {"users": ", ".join(watchers)})
        return "; ".join(str(p) for p in parts) or "—"
