"""The time regulation: working calendars, SLA policies with their targets, escalation rules, and the
clocks that every request carries (one per target)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from otklik.core import dates
from otklik.core.i18n import current_language, localized, working_time
from otklik.core.jsonvalue import JsonValue

from . import kinds
from .calendar import DAYS, WorkCalendar
from .calendar_words import calendar_problem_text
from .worktime import format_minutes


def default_week() -> dict[str, list[list[str]]]:
    return {day: [["09:00", "13:00"], ["14:00", "18:00"]] for day in DAYS[:5]}


class Calendar(models.Model):
    """A working calendar: the weekly working hours in a time zone, plus dated exceptions."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_ru = models.CharField(_("name (ru)"), max_length=200)
    name_en = models.CharField(_("name (en)"), max_length=200)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Moscow")
    week = models.JSONField(
        _("weekly working hours"),
        default=default_week,
        help_text=_('Per weekday, the working intervals: {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], …}'),
    )
    is_default = models.BooleanField(
        _("default"), default=False, help_text=_("Used by groups and policies that name no calendar.")
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")
        ordering = ["code"]

    def __str__(self) -> str:
        return localized(self, "name")

    @property
    def name(self) -> str:
        return localized(self, "name")

    def spec(self, days: list[CalendarDay] | None = None) -> dict[str, JsonValue]:
        """The pure engine's input (CONTRACT's from_dict shape)."""
        days = list(self.days.all()) if days is None and self.pk else (days or [])
        holidays = [d.date.isoformat() for d in days if d.kind == DayKind.HOLIDAY]
        overrides = {d.date.isoformat(): d.intervals or [] for d in days if d.kind != DayKind.HOLIDAY}
        return {"tz": self.time_zone, "week": self.week, "holidays": holidays, "overrides": overrides}

    def engine(self, days: list[CalendarDay] | None = None) -> WorkCalendar:
        return WorkCalendar.from_dict(self.spec(days))

    def clean(self) -> None:
        try:
            # The week alone must be valid and have working time (the dated exceptions are checked per row).
            WorkCalendar.from_dict({"tz": self.time_zone, "week": self.week})
        except ValueError as exc:
            raise ValidationError(calendar_problem_text(exc)) from exc


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("holiday (closed)")
    SHORTENED = "shortened", _("shortened day")
    WORKING = "working", _("transferred working day")
    CUSTOM = "custom", _("own hours")


class CalendarDay(models.Model):
    """A dated exception: a holiday, or a date with its own working intervals ([] = closed)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="days", verbose_name=_("calendar"))
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=12, choices=DayKind.choices, default=DayKind.HOLIDAY)
    intervals = models.JSONField(
        _("working intervals"),
        default=list,
        blank=True,
        help_text=_('For a date that is not a holiday: [["09:00", "13:00"], ["14:00", "17:00"]].'),
    )
    note_ru = models.CharField(_("note (ru)"), max_length=200, blank=True)
    note_en = models.CharField(_("note (en)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar date")
        verbose_name_plural = _("calendar dates")
        ordering = ["calendar", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="uniq_calendar_date")]

    def __str__(self) -> str:
        return f"{dates.day(self.date)} {self.get_kind_display()}"

    @property
    def note(self) -> str:
        return localized(self, "note")

    def clean(self) -> None:
        if self.kind == DayKind.HOLIDAY:
            self.intervals = []
            return
        try:
            WorkCalendar.from_dict(
                {
                    "tz": "UTC",
                    "week": {"mon": [["00:00", "01:00"]]},
                    "overrides": {self.date.isoformat() if self.date else "2000-01-01": self.intervals},
                }
            )
        except ValueError as exc:
            raise ValidationError({"intervals": str(exc)}) from exc
        if self.kind in (DayKind.SHORTENED, DayKind.WORKING) and not self.intervals:
            raise ValidationError({"intervals": _("A working date needs its working intervals.")})


class Metric(models.TextChoices):
    FIRST_REACTION = kinds.Metric.FIRST_REACTION.value, _("first reaction")
    RESOLUTION = kinds.Metric.RESOLUTION.value, _("resolution")
    NEXT_REACTION = kinds.Metric.NEXT_REACTION.value, _("next reaction")


class Policy(models.Model):
    """Targets for the requests its conditions select. Policies are tried in order; an empty
    condition matches anything; the default policy serves requests that no policy selects."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_ru = models.CharField(_("name (ru)"), max_length=200)
    name_en = models.CharField(_("name (en)"), max_length=200)
    description_ru = models.TextField(_("description (ru)"), blank=True)
    description_en = models.TextField(_("description (en)"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0, help_text=_("Policies are tried from the lowest."))
    is_active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(_("default"), default=False)
    calendar = models.ForeignKey(
        Calendar,
        verbose_name=_("calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies",
        help_text=_("When empty, the calendar of the request's support group (or the default calendar)."),
    )
    request_types = models.ManyToManyField(
        "catalog.RequestType", blank=True, related_name="+", verbose_name=_("request types")
    )
    priorities = models.ManyToManyField("catalog.Priority", blank=True, related_name="+", verbose_name=_("priorities"))
    categories = models.ManyToManyField(
        "catalog.Category",
        blank=True,
        related_name="+",
        verbose_name=_("categories"),
        help_text=_("A category selects its sub-categories too."),
    )
    organisations = models.ManyToManyField(
        "accounts.Organisation", blank=True, related_name="+", verbose_name=_("organisations")
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return localized(self, "name")

    @property
    def name(self) -> str:
        return localized(self, "name")


class Target(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="targets", verbose_name=_("policy"))
    priority = models.ForeignKey(
        "catalog.Priority", on_delete=models.CASCADE, related_name="+", verbose_name=_("priority")
    )
    metric = models.CharField(_("target"), max_length=16, choices=Metric.choices)
    minutes = models.PositiveIntegerField(_("working minutes"))
    warning_percent = models.PositiveSmallIntegerField(
        _("warning at (per cent of the target)"),
        default=80,
        help_text=_("The service is warned when this share of the target is used; 0 = no warning."),
    )

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["policy", "priority__rank", "metric"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority", "metric"], name="uniq_policy_priority_metric")
        ]

    def __str__(self) -> str:
        # The title of the target's row in the policy's admin: «Решение: 24 ч», in the reader's language.
        return f"{capfirst(self.get_metric_display())}: {format_minutes(self.minutes, current_language())}"

    def clean(self) -> None:
        if self.minutes is not None and self.minutes < 1:
            raise ValidationError({"minutes": _("A target is at least one working minute.")})
        if self.warning_percent is not None and self.warning_percent >= 100:
            raise ValidationError({"warning_percent": _("The warning comes before the target: below 100%.")})


class Trigger(models.TextChoices):
    WARNING = "warning", _("warning")
    BREACH = "breach", _("breach")


class EscalationRule(models.Model):
    """One level of the violation procedure: what happens when a target's warning or breach
    fires, optionally after a delay in working time."""

    policy = models.ForeignKey(
        Policy,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="escalations",
        verbose_name=_("policy"),
        help_text=_("When empty, the rule applies under every policy."),
    )
    metric = models.CharField(
        _("target"), max_length=16, choices=Metric.choices, blank=True, help_text=_("When empty, every target.")
    )
    trigger = models.CharField(_("when"), max_length=8, choices=Trigger.choices, default=Trigger.BREACH)
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    delay_minutes = models.PositiveIntegerField(
        _("delay (working minutes)"), default=0, help_text=_("Working time after the warning or breach.")
    )
    notify_executor = models.BooleanField(_("notify the executor"), default=False)
    notify_group_lead = models.BooleanField(_("notify the group lead"), default=False)
    notify_dispatcher = models.BooleanField(_("notify the group's dispatcher"), default=False)
    notify_managers = models.BooleanField(_("notify the support managers"), default=False)
    notify_watchers = models.BooleanField(_("notify the watchers"), default=False)
    notify_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("notify these people")
    )
    reassign_group = models.ForeignKey(
        "accounts.SupportGroup",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reassign to the group"),
    )
    reassign_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reassign to"),
    )
    raise_priority_to = models.ForeignKey(
        "catalog.Priority",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("raise the priority to"),
        help_text=_("Only ever raises: a request already more urgent keeps its priority."),
    )
    add_watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("add as watchers")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["trigger", "level", "id"]

    def __str__(self) -> str:
        return _("%(trigger)s, level %(level)s, after %(delay)s") % {
            "trigger": self.get_trigger_display(),
            "level": self.level,
            "delay": working_time(self.delay_minutes * 60),
        }

    def clean(self) -> None:
        if self.reassign_user is not None and not self.reassign_user.is_support_staff:
            raise ValidationError({"reassign_user": _("Requests can be reassigned to support staff only.")})


class ClockState(models.TextChoices):
    RUNNING = kinds.ClockState.RUNNING.value, pgettext_lazy("SLA clock state", "running")
    PAUSED = kinds.ClockState.PAUSED.value, pgettext_lazy("SLA clock state", "paused")
    MET = kinds.ClockState.MET.value, pgettext_lazy("SLA clock state", "met")
    BREACHED = kinds.ClockState.BREACHED.value, pgettext_lazy("SLA clock state", "breached")
    CANCELLED = kinds.ClockState.CANCELLED.value, pgettext_lazy("SLA clock state", "cancelled")


class Clock(models.Model):
    """One target of one request. `used` is the working time spent before `running_since`; while
    running, the deadline is the calendar's `add(running_since, target - used)`."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="sla_clocks")
    metric = models.CharField(_("target"), max_length=16, choices=Metric.choices)
    policy = models.ForeignKey(
        Policy, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("SLA policy")
    )
    calendar = models.ForeignKey(
        Calendar, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("working calendar")
    )
    target = models.DurationField(_("target (working time)"))
    warning_percent = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(_("state"), max_length=10, choices=ClockState.choices)
    cycle = models.PositiveIntegerField(default=1)
    started_at = models.DateTimeField()
    used = models.DurationField(_("working time used"), default=dt.timedelta(0))
    running_since = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    breached_at = models.DateTimeField(_("deadline missed"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("clock stopped"), null=True, blank=True)
    escalated = models.JSONField(default=list, blank=True)  # ids of the escalation rules fired this cycle

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        ordering = ["ticket", "id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "metric"], name="uniq_clock_ticket_metric")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.metric} {self.state}"
