"""Admin for working calendars: the week as a grid (admin_week.py) and as text to paste
(`mon 09:00-13:00 14:00-18:00`), the dated exceptions inline (the past ones folded away), the
Russian production calendar in one click, and an import page.

Whatever is typed, the calendar as it would be saved is judged by WorkCalendar first: a bad calendar
is a form error, never a 500 and never a broken deadline later."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template import engines
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from otklik.core.clock import now
from otklik.core.errors import Invalid
from otklik.core.forms import delete_ticked

from .admin_week import WeekGridField, week_normal
from .calendar import WorkCalendar
from .calendar_import import (
    MAX_IMPORT_BYTES,
    CalendarInvalid,
    calendar_fill_ru,
    calendar_import,
    calendar_make_default,
    check_intervals,
    format_intervals,
    format_week,
    parse_intervals,
    parse_week,
)
from .calendar_words import calendar_problem_text, day_names
from .models import Calendar, CalendarDay, DayKind, default_week
from .whatif import CalendarWhatIfMixin

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldsetSpec  # the stubs' name of a fieldsets list

FILL_YEARS = 3  # this year and the next two


class CalendarDayForm(forms.ModelForm):
    # The JSON field shown as text, `09:00-13:00 14:00-17:00`; clean_intervals gives the list back.
    intervals = forms.CharField(
        label=capfirst(_("working intervals")),
        required=False,
        help_text=_("For a date that is not a holiday, e.g. 09:00-13:00 14:00-17:00. Empty = closed."),
        widget=forms.TextInput(attrs={"size": 28}),
    )

    class Meta:
        model = CalendarDay
        fields = ("date", "kind", "intervals", "note_ru", "note_en")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["intervals"] = format_intervals(self.instance.intervals or [])

    def clean_intervals(self) -> list[list[str]]:
        try:
            intervals = parse_intervals(self.cleaned_data.get("intervals") or "")
            check_intervals(intervals)
        except ValueError as exc:
            raise ValidationError(calendar_problem_text(exc)) from None
        return intervals


class CalendarDayFormSet(BaseInlineFormSet):
    """Judges the whole calendar as it would be saved: the form's week and zone plus these dates."""

    def clean(self) -> None:
        super().clean()
        calendar = self.instance
        if any(self.errors):
            return
        days: list[CalendarDay] = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or not data.get("date") or delete_ticked(self, form):
                continue
            days.append(
                CalendarDay(date=data["date"], kind=data.get("kind") or DayKind.HOLIDAY, intervals=data["intervals"])
            )
        try:
            WorkCalendar.from_dict(calendar.spec(days))
        except ValueError as exc:
            raise ValidationError(
                _("The calendar is not valid: %(problem)s") % {"problem": calendar_problem_text(exc)}
            ) from None


class CalendarDayInline(admin.TabularInline):
    """The dates from today on: what the admin plans. The past ones are folded away below."""

    model = CalendarDay
    form = CalendarDayForm
    formset = CalendarDayFormSet
    fields = ("date", "kind", "intervals", "note_ru", "note_en")
    ordering = ("date",)
    extra = 1
    verbose_name_plural = _("dates from today on")

    @staticmethod
    def dates(days: QuerySet[CalendarDay], today: dt.date) -> QuerySet[CalendarDay]:
        return days.filter(date__gte=today)


class PastCalendarDayInline(CalendarDayInline):
    """The dates before today, folded (a production calendar fills years of them); the latest first."""

    ordering = ("-date",)
    extra = 0
    classes = ("collapse",)
    verbose_name_plural = _("past dates")

    @staticmethod
    def dates(days: QuerySet[CalendarDay], today: dt.date) -> QuerySet[CalendarDay]:
        return days.filter(date__lt=today)


class CalendarForm(forms.ModelForm):
    week_grid = WeekGridField(label=capfirst(_("weekly working hours")))
    week = forms.CharField(
        label=capfirst(_("the week as text")),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 48, "style": "font-family: monospace"}),
        help_text=_(
            "To paste or copy the week. One line per weekday: the day (mon, tue, wed, thu, fri, sat, sun) and its "
            "working intervals, e.g. “mon 09:00-13:00 14:00-18:00”. A day that is not listed is closed. "
            "Changed here, it replaces the grid."
        ),
    )

    class Meta:
        model = Calendar
        fields = ("code", "name_ru", "name_en", "time_zone", "week_grid", "week", "is_default")
        help_texts = {"time_zone": _("An IANA time zone, e.g. Europe/Moscow or Asia/Yekaterinburg.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        week = self.instance.week if self.instance.pk else default_week()
        self.initial_week = week or {}
        self.initial["week"] = format_week(self.initial_week, day_names())
        self.initial["week_grid"] = self.initial_week

    def clean_time_zone(self) -> str:
        value = (self.cleaned_data.get("time_zone") or "").strip()
        # The IANA list, not whatever ZoneInfo can open ("localtime" would depend on the server).
        if value not in zoneinfo.available_timezones():
            raise ValidationError(
                _("Unknown time zone %(zone)s: use an IANA name such as Europe/Moscow."), params={"zone": repr(value)}
            )
        return value

    def clean_week(self) -> dict[str, list[list[str]]] | None:
        text = self.cleaned_data.get("week") or ""
        if not text.strip():
            return None
        try:
            week = parse_week(text)
            WorkCalendar.from_dict({"tz": "UTC", "week": week})
        except ValueError as exc:
            raise ValidationError(calendar_problem_text(exc)) from None
        return week

    def clean(self) -> dict[str, Any]:
        """The week is the grid's, unless the text was changed (pasted): then the text's. A form
        without the grid (a script's post) gives the text."""
        super().clean()
        data = self.cleaned_data
        if "week" in self.errors or "week_grid" in self.errors:
            return data
        text, grid = data.get("week"), data.get("week_grid")
        if grid is None:  # the grid was not posted
            if text is None:
                self.add_error("week", self.fields["week"].error_messages["required"])
            return data
        initial = week_normal(self.initial_week)
        text_changed = text is not None and week_normal(text) != initial
        grid_changed = week_normal(grid) != initial
        if text_changed and grid_changed and week_normal(text) != week_normal(grid):
            self.add_error("week", _("The grid and the text give different weeks: change only one of them."))
        elif not text_changed:
            data["week"] = grid
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=capfirst(_("file")),
        help_text=_(
            "CSV with the header date,kind,intervals,note_ru,note_en (kind: holiday, shortened, working or "
            "custom; intervals like 09:00-13:00 14:00-17:00), or JSON: a list of dates, a list of such objects, "
            'or {"holidays": [...], "overrides": {...}}. At most 1 MB and 5000 dates. An imported date '
            "replaces the calendar's row for that date."
        ),
    )


_IMPORT_PAGE = """{% extends "admin/base_site.html" %}{% load i18n admin_urls %}
{% block breadcrumbs %}<div class="breadcrumbs">
<a href="{% url 'admin:index' %}">{% translate 'Home' %}</a>
&rsaquo; <a href="{% url 'admin:app_list' app_label=opts.app_label %}">{{ opts.app_config.verbose_name }}</a>
&rsaquo; <a href="{% url opts|admin_urlname:'changelist' %}">{{ opts.verbose_name_plural|capfirst }}</a>
&rsaquo; <a href="{% url opts|admin_urlname:'change' calendar.pk %}">{{ calendar }}</a>
&rsaquo; {{ title }}</div>{% endblock %}
{% block content %}<div id="content-main">
<form method="post" enctype="multipart/form-data">{% csrf_token %}
{% if form.non_field_errors %}{{ form.non_field_errors }}{% endif %}
<fieldset class="module aligned"><div class="form-row">
{{ form.file.errors }}{{ form.file.label_tag }} {{ form.file }}
<div class="help">{{ form.file.help_text }}</div></div></fieldset>
<div class="submit-row"><input type="submit" class="default" value="{{ submit }}"></div>
</form></div>{% endblock %}
"""


@admin.register(Calendar)
class CalendarAdmin(CalendarWhatIfMixin, admin.ModelAdmin):  # what-if preview, marking requests
    form = CalendarForm
    inlines = [CalendarDayInline, PastCalendarDayInline]
    list_display = ("code", "name_ru", "name_en", "time_zone", "is_default", "date_count")
    list_filter = ("is_default",)
    search_fields = ("code", "name_ru", "name_en", "time_zone")
    readonly_fields = ("import_link",)
    actions = ["fill_russian_production_calendar", "import_dates"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Calendar]:
        return super().get_queryset(request).annotate(date_count=Count("days"))

    @admin.display(description=_("dates"), ordering="date_count")
    def date_count(self, obj: Calendar) -> int:
        return getattr(obj, "date_count", 0)

    @admin.display(description=_("import"))
    def import_link(self, obj: Calendar) -> str:
        if not obj.pk:
            return "—"
        return format_html('<a href="{}">{}</a>', self._import_url(obj), _("Import dates from CSV or JSON…"))

    def get_fieldsets(self, request: HttpRequest, obj: Calendar | None = None) -> _FieldsetSpec:
        main = ("code", "name_ru", "name_en", "time_zone", "is_default", "week_grid")
        return [
            (None, {"fields": (*main, "import_link") if obj is not None else main}),
            (_("The week as text"), {"fields": ("week",), "classes": ("collapse",)}),
        ]

    def get_formset_kwargs(
        self, request: HttpRequest, obj: Calendar, inline: InlineModelAdmin[Any, Any], prefix: str
    ) -> dict[str, Any]:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, CalendarDayInline):
            # "Today" is the calendar's own: near midnight the admin's zone may be on another date.
            zone = zoneinfo.ZoneInfo(obj.time_zone) if obj.pk and obj.time_zone else timezone.get_current_timezone()
            kwargs["queryset"] = inline.dates(kwargs["queryset"], timezone.localdate(now(), zone))
        return kwargs

    def get_inlines(self, request: HttpRequest, obj: Calendar | None) -> list[type[InlineModelAdmin[Any, Any]]]:
        # A new calendar has no past dates to fold away.
        return [CalendarDayInline, PastCalendarDayInline] if obj is not None else [CalendarDayInline]

    def save_model(self, request: HttpRequest, obj: Calendar, form: forms.ModelForm[Calendar], change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Only when the flag was just set: the form's save_related marks the open requests anyway,
        # and making an already-default calendar default again would mark them all a second time.
        if obj.is_default and (not change or "is_default" in form.changed_data):
            calendar_make_default(calendar=obj)

    # --- actions -----------------------------------------------------------------------------
    @admin.action(
        description=_("Fill the Russian production calendar (this year and the next two)"),
        permissions=["change"],
    )
    def fill_russian_production_calendar(self, request: HttpRequest, queryset: QuerySet[Calendar]) -> None:
        year = now().year
        years = range(year, year + FILL_YEARS)
        for calendar in queryset:
            try:
                added = calendar_fill_ru(calendar=calendar, years=years)
            except Invalid as exc:
                self.message_user(request, f"{calendar}: {_invalid_text(exc)}", messages.ERROR)
                continue
            self.message_user(
                request,
                ngettext(
                    "%(calendar)s: %(count)d date of %(first)d–%(last)d added (dates already there are kept).",
                    "%(calendar)s: %(count)d dates of %(first)d–%(last)d added (dates already there are kept).",
                    added,
                )
                % {"calendar": calendar, "count": added, "first": years[0], "last": years[-1]},
                messages.SUCCESS,
            )

    @admin.action(description=_("Import dates…"), permissions=["change"])
    def import_dates(self, request: HttpRequest, queryset: QuerySet[Calendar]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one calendar to import dates into."), messages.WARNING)
            return None
        return HttpResponseRedirect(self._import_url(queryset.get()))

    # --- the import page ---------------------------------------------------------------------
    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        own = [
            path(
                "<int:object_id>/import/",
                self.admin_site.admin_view(self.import_view),
                name=f"{opts.app_label}_{opts.model_name}_import",
            )
        ]
        return own + super().get_urls()

    def _import_url(self, obj: Calendar) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_import", args=[obj.pk])

    def import_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        calendar = get_object_or_404(Calendar, pk=object_id)
        if not self.has_change_permission(request, calendar):
            raise PermissionDenied
        form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
        if form.is_bound and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_IMPORT_BYTES:
                form.add_error("file", _("The file is larger than 1 MB."))
            else:
                try:
                    count = calendar_import(calendar=calendar, data=upload.read(), filename=upload.name or "")
                except Invalid as exc:
                    form.add_error("file", _("Nothing was imported: %(problem)s") % {"problem": _invalid_text(exc)})
                else:
                    self.message_user(
                        request,
                        ngettext("%(count)d date imported.", "%(count)d dates imported.", count) % {"count": count},
                        messages.SUCCESS,
                    )
                    opts = self.model._meta
                    return HttpResponseRedirect(
                        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[calendar.pk])
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "calendar": calendar,
            "form": form,
            "title": _("Import dates into %(calendar)s") % {"calendar": calendar},
            "submit": _("Import"),
        }
        return HttpResponse(engines["django"].from_string(_IMPORT_PAGE).render(context, request))


def _invalid_text(exc: Invalid) -> str:
    """A refused import or fill in the reader's language (its problem as data), else its detail."""
    return calendar_problem_text(exc.problem) if isinstance(exc, CalendarInvalid) else exc.detail
